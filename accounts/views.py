"""Sign-in pages for the dashboard: Django's auth views plus the password-guessing limit
(docs/PRODUCTION.md, Password guessing) and a sign-up page that ``SIGNUP_ENABLED`` switches off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import SignupForm
from accounts.login_limits import login_attempts_exceeded


class RateLimitedLoginView(LoginView):
    """The login form, answering 429 with a message once an IP or a username has used up its
    attempts for the minute (the same budget the API token endpoint spends)."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        retry_after_s = login_attempts_exceeded(request, request.POST.get("username", ""))
        if retry_after_s is not None:
            # A fresh form keeps the typed username but never checks the password.
            form = self.get_form_class()(
                request, initial={"username": request.POST.get("username", "")}
            )
            response = self.render_to_response(
                self.get_context_data(form=form, retry_after_s=retry_after_s), status=429
            )
            response["Retry-After"] = str(retry_after_s)
            return response
        return super().post(request, *args, **kwargs)


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is turned off.")
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("dashboard:profile")
    return render(
        request,
        "registration/signup.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
