from django.apps import AppConfig


class AccountsConfig(AppConfig):
    # Accounts — sign-in pages, sign-up and API tokens
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
