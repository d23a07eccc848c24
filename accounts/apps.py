from django.apps import AppConfig


class AccountsConfig(AppConfig):
    # Accounts — sign-in pages, sign-up and API tokens
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        # Revocations (logout, logout-all, expiry, deleted tokens or users, changed users) must
        # reach the shared token cache from every process that can make them.
        from tracker.authentication import connect_token_cache_signals

        connect_token_cache_signals()
