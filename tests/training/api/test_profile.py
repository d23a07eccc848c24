"""GET/PATCH /api/v1/profile: the caller's own settings, the heart rates that give the zones."""

from __future__ import annotations

import pytest

from tests.helpers import API, assert_error

pytestmark = pytest.mark.django_db
URL = f"{API}/profile"


def test_get_shows_the_callers_own_profile(api_client, runner):
    assert api_client.get(URL).json() == {
        "units": "km",
        "max_hr": None,
        "resting_hr": None,
        "sex": "unspecified",
        "timezone": "UTC",
        "heart_rate_zones": None,
    }


def test_patch_sets_the_heart_rates_and_answers_with_the_zones(api_client, runner):
    response = api_client.patch(URL, {"max_hr": 190, "resting_hr": 50}, format="json")
    assert response.status_code == 200, response.content
    # Karvonen: 50 + 140 x 50/60/70/80/90/100 %.
    assert response.json()["heart_rate_zones"] == [
        {"zone": 1, "min_bpm": 120, "max_bpm": 134},
        {"zone": 2, "min_bpm": 134, "max_bpm": 148},
        {"zone": 3, "min_bpm": 148, "max_bpm": 162},
        {"zone": 4, "min_bpm": 162, "max_bpm": 176},
        {"zone": 5, "min_bpm": 176, "max_bpm": 190},
    ]
    runner.profile.refresh_from_db()
    assert (runner.profile.max_hr, runner.profile.resting_hr) == (190, 50)
    assert runner.profile.timezone == "UTC"  # untouched by a partial update


def test_resting_not_below_max_is_a_400_naming_it(api_client, runner):
    api_client.patch(URL, {"max_hr": 180}, format="json")
    response = api_client.patch(URL, {"resting_hr": 180}, format="json")
    assert_error(response, 400, attr="resting_hr")
    runner.profile.refresh_from_db()
    assert runner.profile.resting_hr is None


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"max_hr": 251}, "max_hr"),
        ({"resting_hr": 10}, "resting_hr"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"units": "furlongs"}, "units"),
    ],
)
def test_bad_values_are_400s_naming_the_field(api_client, body, attr):
    assert_error(api_client.patch(URL, body, format="json"), 400, attr=attr)


def test_put_is_not_offered(api_client):
    assert api_client.put(URL, {"units": "mi"}, format="json").status_code == 405


def test_anonymous_callers_get_401(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_each_caller_only_ever_reaches_their_own_profile(
    api_client, other_api_client, other_runner
):
    api_client.patch(URL, {"max_hr": 190, "resting_hr": 50}, format="json")
    assert other_api_client.get(URL).json()["max_hr"] is None
    other_runner.profile.refresh_from_db()
    assert other_runner.profile.max_hr is None
