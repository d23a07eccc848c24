"""The dashboard's views and forms hand every write to training.services and every query to the
selectors: no model manager and no direct save or delete in them."""

from __future__ import annotations

import inspect
import re

import pytest
from django.urls import reverse

import dashboard.forms
import dashboard.views
from tests.factories import RunFactory
from training import services

# ``Model.objects.none()`` is the empty placeholder a form field starts with, not a query.
ORM_USE = re.compile(r"\.objects\.(?!none\(\))|\.save\(|\.delete\(|\.update\(|\.create\(")


@pytest.mark.parametrize("module", [dashboard.views, dashboard.forms])
def test_dashboard_module_calls_no_manager_and_no_model_write(module):
    source = inspect.getsource(module)
    assert [m.group(0) for m in ORM_USE.finditer(source)] == []


def _spy(monkeypatch, name: str) -> list:
    calls: list = []
    real = getattr(services, name)

    def spy(**kwargs):
        calls.append(dict(kwargs, pk=getattr(next(iter(kwargs.values())), "pk", None)))
        return real(**kwargs)

    monkeypatch.setattr(services, name, spy)
    return calls


@pytest.mark.django_db
def test_deleting_a_run_goes_through_run_delete(web, runner, monkeypatch):
    calls = _spy(monkeypatch, "run_delete")
    run = RunFactory(runner=runner)
    response = web.post(reverse("dashboard:run-delete", kwargs={"pk": run.pk}))
    assert response.status_code == 302
    assert [call["pk"] for call in calls] == [run.pk]  # taken before the delete cleared it


@pytest.mark.django_db
def test_saving_the_profile_goes_through_profile_update(web, runner, monkeypatch):
    calls = _spy(monkeypatch, "profile_update")
    data = {"units": "mi", "timezone": "Europe/Paris", "max_hr": "190", "sex": "unspecified"}
    response = web.post(reverse("dashboard:profile"), {**data, "resting_hr": ""})
    assert response.status_code == 302
    assert [call["units"] for call in calls] == ["mi"]
    runner.profile.refresh_from_db()
    assert (runner.profile.units, runner.profile.max_hr) == ("mi", 190)


@pytest.mark.django_db
def test_a_new_calendar_token_comes_from_the_service(web, runner, monkeypatch):
    calls = _spy(monkeypatch, "profile_regenerate_calendar_token")
    assert web.post(reverse("dashboard:profile-calendar-token")).status_code == 302
    assert [call["profile"].user_id for call in calls] == [runner.pk]
