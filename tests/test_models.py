from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from tests.factories import PlanFactory, UserFactory
from training.models import Plan


@pytest.mark.django_db
def test_every_user_gets_a_profile_with_utc_and_km():
    user = UserFactory()
    assert user.profile.timezone == "UTC"
    assert user.profile.units == "km"


@pytest.mark.django_db
@pytest.mark.parametrize(("length_days", "ok"), [(365, True), (366, False)])
def test_plan_length_is_at_most_365_days_in_the_database(length_days, ok):
    start = date(2026, 1, 1)
    plan = PlanFactory.build(runner=UserFactory(), start_date=start)
    plan.end_date = date.fromordinal(start.toordinal() + length_days)
    if ok:
        plan.save()
        assert Plan.objects.filter(pk=plan.pk).exists()
    else:
        with pytest.raises(IntegrityError):
            plan.save()


@pytest.mark.django_db
def test_plan_clean_names_the_end_date_when_it_is_before_the_start():
    plan = PlanFactory.build(
        runner=UserFactory(), start_date=date(2026, 3, 2), end_date=date(2026, 3, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        plan.full_clean()
    assert "end_date" in excinfo.value.message_dict
