from django.apps import AppConfig


class CoachingConfig(AppConfig):
    # Coaching — the coach's admin workspace
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"
