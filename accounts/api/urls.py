"""API token routes under /api/v1/auth/, each with and without the trailing slash
(tracker.routing)."""

from accounts.api.views import LogoutAllView, LogoutView, TokenView
from tracker.routing import optional_slash

urlpatterns = [
    *optional_slash("auth/token", TokenView.as_view(), "api-token"),
    *optional_slash("auth/logout", LogoutView.as_view(), "api-logout"),
    *optional_slash("auth/logout-all", LogoutAllView.as_view(), "api-logout-all"),
]
