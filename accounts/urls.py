"""The dashboard's sign-in pages under /accounts/: the rate-limited login form, sign-up, and
Django's own logout and password views."""

from django.urls import include, path

from accounts.views import RateLimitedLoginView, signup

urlpatterns = [
    path("login/", RateLimitedLoginView.as_view(), name="login"),
    path("signup/", signup, name="signup"),
    path("", include("django.contrib.auth.urls")),
]
