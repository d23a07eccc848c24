from django.apps import AppConfig


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from training import signals  # noqa: F401  (connects the profile and plan signals)
        from training.selectors import register_token_facts

        register_token_facts()
