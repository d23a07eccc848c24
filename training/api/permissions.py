"""Object-level write rules the visibility querysets cannot express alone (docs/API.md, Who sees
what)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from training.selectors import runs_editable_by, shoes_editable_by


class CanWriteRun(BasePermission):
    """A coach reads the runs of the runners they coach but never changes them.

    The run is visible to the coach, so hiding it behind a 404 would contradict the GET that just
    returned it: the refusal is a 403 in the error shape instead.
    """

    message = "Coaches can read their runners' runs but cannot change or delete them."

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return runs_editable_by(request.user).filter(pk=obj.pk).exists()


class CanWriteShoe(BasePermission):
    """Shoes follow runs: a coach reads the shoes of the runners they coach (their runs name
    them) but never changes them (403, as for runs)."""

    message = "Coaches can read their runners' shoes but cannot change or delete them."

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return shoes_editable_by(request.user).filter(pk=obj.pk).exists()
