"""The coach's admin site: Django's admin whose home page is the squad (coaching/squad.py).

Installed through ``coaching.apps.CoachAdminConfig`` in place of ``django.contrib.admin``, the
way Django documents overriding the default site, so ``admin.site`` and every
``@admin.register`` keep working unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from analytics import selectors as analytics_selectors
from coaching import squad


class CoachAdminSite(admin.AdminSite):
    site_header = "Running Training Tracker — coach workspace"
    site_title = "Training Tracker admin"
    index_title = "Your squad"
    index_template = "admin/squad.html"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        """The squad table above Django's list of models (which stays for the rare edits the
        squad does not lead to)."""
        rows = analytics_selectors.squad_overview(coach=request.user)
        context = {**squad.squad_context(rows, request.GET.get("sort")), **(extra_context or {})}
        return super().index(request, context)
