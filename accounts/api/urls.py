"""API token routes under /api/v1/auth/, each with and without the trailing slash."""

from django.urls import re_path

from accounts.api.views import LogoutAllView, LogoutView, TokenView

urlpatterns = [
    re_path(r"^auth/token/?$", TokenView.as_view(), name="api-token"),
    re_path(r"^auth/logout/?$", LogoutView.as_view(), name="api-logout"),
    re_path(r"^auth/logout-all/?$", LogoutAllView.as_view(), name="api-logout-all"),
]
