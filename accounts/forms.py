"""The sign-up form of the dashboard's sign-in pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


class SignupForm(UserCreationForm):  # type: ignore[type-arg]
    email = forms.EmailField(required=False, help_text="Only used to reset a forgotten password.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
