from django.apps import AppConfig


class DashboardConfig(AppConfig):
    # Dashboard — the runner's pages
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
