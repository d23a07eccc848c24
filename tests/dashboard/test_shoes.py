"""The runner's shoes on the dashboard (docs/API.md, Shoes): the shoes page, adding, editing and
retiring a pair, choosing one when logging or uploading a run, and the home card's warning."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import RunFactory, ShoeFactory
from tests.helpers import this_monday
from tests.training.importers.builders import Leg, gpx_bytes, route
from training.models import Run, Shoe

pytestmark = pytest.mark.django_db
SHOES = "/shoes/"


def _units(runner, units: str) -> None:
    runner.profile.units = units
    runner.profile.save()


def _selected_shoe(page: str) -> str | None:
    select = re.search(r'<select name="shoe".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return chosen.group(1) if chosen else None


def test_the_shoes_page_shows_distance_left_and_the_warning_in_miles(web, runner):
    _units(runner, "mi")
    # 400 mi retirement = 643,737.6 m; 380 mi run (95 %): near retirement, 20 mi left.
    # 300 mi before it was added + an 80 mi week of runs.
    worn = ShoeFactory(
        runner=runner,
        name="Worn pair",
        starting_distance_m=300 * 1609.344,
        retirement_distance_m=643_737.6,
    )
    RunFactory(runner=runner, shoe=worn, distance_m=80 * 1609.344)
    ShoeFactory(runner=runner, name="Old pair", retired=True)
    page = web.get(SHOES).content.decode()
    assert "Worn pair" in page and "380 mi" in page and "20 mi" in page and "of 400 mi" in page
    assert page.count('data-testid="shoe-warning"') == 1 and "Near retirement" in page
    assert 'id="retired-title"' in page and "Old pair" in page and "Back in use" in page


def test_adding_a_pair_converts_the_units_and_keeps_errors_next_to_fields(web, runner):
    _units(runner, "mi")
    refused = web.post(SHOES, {"name": "", "retirement_distance": "400"})
    assert refused.status_code == 400
    assert "Name the shoe." in refused.content.decode() and not Shoe.objects.exists()
    response = web.post(
        SHOES,
        {
            "name": "Trail pair",
            "starting_distance": "10",
            "retirement_distance": "500",
            "is_default": "on",
        },
    )
    assert response.status_code == 302
    shoe = Shoe.objects.get(runner=runner)
    assert shoe.starting_distance_m == pytest.approx(16_093.44)  # 10 mi
    assert shoe.retirement_distance_m == pytest.approx(804_672)  # 500 mi
    assert shoe.is_default and not shoe.retired


def test_editing_and_retiring_a_pair(web, runner):
    shoe = ShoeFactory(runner=runner, name="Daily", is_default=True)
    url = reverse("dashboard:shoe-update", kwargs={"pk": shoe.pk})
    form = web.get(url).content.decode()
    assert 'value="Daily"' in form and 'value="800"' in form  # 800 km, the default
    both = web.post(
        url, {"name": "Daily", "retirement_distance": "700", "is_default": "on", "retired": "on"}
    )
    assert both.status_code == 400
    assert "A retired shoe cannot be the default" in both.content.decode()
    saved = web.post(url, {"name": "Daily trainer", "retirement_distance": "700"})
    assert saved.status_code == 302
    shoe.refresh_from_db()
    assert (shoe.name, shoe.retirement_distance_m, shoe.is_default) == (
        "Daily trainer",
        700_000,
        False,
    )
    retire = reverse("dashboard:shoe-retire", kwargs={"pk": shoe.pk})
    assert web.post(retire).status_code == 302
    shoe.refresh_from_db()
    assert shoe.retired
    web.post(retire)
    shoe.refresh_from_db()
    assert not shoe.retired


def test_another_runners_shoe_is_out_of_reach(web, other_runner):
    theirs = ShoeFactory(runner=other_runner, name="Not yours")
    edit = reverse("dashboard:shoe-update", kwargs={"pk": theirs.pk})
    assert web.get(edit).status_code == 404
    assert web.post(edit, {"name": "Mine", "retirement_distance": "1"}).status_code == 404
    assert web.post(reverse("dashboard:shoe-retire", kwargs={"pk": theirs.pk})).status_code == 404
    assert "Not yours" not in web.get(SHOES).content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "Not yours" and not theirs.retired


def test_logging_a_run_preselects_the_default_and_saves_the_choice(web, runner):
    default = ShoeFactory(runner=runner, name="Default pair", is_default=True)
    other = ShoeFactory(runner=runner, name="Racing flats")
    ShoeFactory(runner=runner, name="Retired pair", retired=True)
    page = web.get(reverse("dashboard:run-create")).content.decode()
    assert _selected_shoe(page) == str(default.pk)
    assert "Racing flats" in page and "Retired pair" not in page
    body = {
        "started_at": f"{this_monday():%Y-%m-%d}T07:30",
        "distance": "10",
        "duration": "50:00",
        "shoe": str(other.pk),
    }
    assert web.post(reverse("dashboard:run-create"), body).status_code == 302
    run = Run.objects.get(runner=runner)
    assert run.shoe == other
    assert "Racing flats" in web.get(run.get_absolute_url()).content.decode()


def test_editing_a_run_keeps_its_own_shoe_even_none_or_retired(web, runner):
    ShoeFactory(runner=runner, is_default=True)
    retired = ShoeFactory(runner=runner, name="Retired pair", retired=True)
    bare = RunFactory(runner=runner)
    page = web.get(reverse("dashboard:run-update", kwargs={"pk": bare.pk})).content.decode()
    assert _selected_shoe(page) in (None, "")
    worn = RunFactory(runner=runner, shoe=retired)
    page = web.get(reverse("dashboard:run-update", kwargs={"pk": worn.pk})).content.decode()
    assert _selected_shoe(page) == str(retired.pk) and "Retired pair (retired)" in page


def test_a_run_cannot_be_given_another_runners_shoe(web, runner, other_runner):
    theirs = ShoeFactory(runner=other_runner)
    body = {
        "started_at": f"{this_monday():%Y-%m-%d}T07:30",
        "distance": "10",
        "duration": "50:00",
        "shoe": str(theirs.pk),
    }
    response = web.post(reverse("dashboard:run-create"), body)
    assert response.status_code == 400 and not Run.objects.exists()


def test_an_upload_wears_the_shoe_chosen_with_the_default_preselected(web, runner):
    default = ShoeFactory(runner=runner, is_default=True)
    other = ShoeFactory(runner=runner)
    assert _selected_shoe(web.get("/runs/upload/").content.decode()) == str(default.pk)
    start = datetime.combine(this_monday(), time(7), tzinfo=UTC)
    content = gpx_bytes(route([Leg(600, 3.0)], start=start))
    response = web.post(
        "/runs/upload/", {"file": SimpleUploadedFile("run.gpx", content), "shoe": str(other.pk)}
    )
    assert response.status_code == 302
    assert Run.objects.get(runner=runner).shoe == other


def test_home_shows_shoes_in_use_with_their_warning(web, runner):
    near = ShoeFactory(runner=runner, name="Nearly done", starting_distance_m=760_000)
    ShoeFactory(runner=runner, name="Shelved", retired=True)
    page = web.get("/").content.decode()
    assert 'id="shoes-title"' in page and "Nearly done" in page and "Shelved" not in page
    assert 'data-testid="shoe-warning"' in page
    assert near.name in page and reverse("dashboard:shoe-list") in page
