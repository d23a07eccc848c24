"""A client generated from the OpenAPI schema by openapi-python-client drives a whole integration
against a live server (issue 15): if the schema promised something the server does not do, the
generated code fails to import, sends a request the server refuses, or cannot parse an answer.

The client is generated from the current schema at every run into a temporary directory (never
committed, never patched), with no warning allowed. The tests call only its generated functions
and models; every documented answer, success or error, must parse into a model.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.factories import CoachFactory, UserFactory
from tests.training.history.archives import strava_archive
from tests.training.importers.builders import Leg, gpx_bytes, route
from training.history.services import import_job_run_slice

PACKAGE = "tracker_api_client"
PASSWORD = "generated-client-pw-1"


@pytest.fixture(scope="session")
def api(tmp_path_factory, django_db_setup, django_db_blocker):
    """The generated package, imported; its modules are reached as ``api.<module path>``."""
    workdir = tmp_path_factory.mktemp("generated_client")
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema_path = workdir / "openapi.json"
    schema_path.write_bytes(response.content)
    # No post-generation hooks: the default ones run ruff over the code, which proves nothing
    # about the schema; generation must work offline with what the dev requirements install.
    config = workdir / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(workdir / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(workdir))
    try:
        yield _Package(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class _Package:
    """``api.op("api_v1_runs_create")`` → the generated operation module; ``api.models`` → the
    generated models package."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.used: set[str] = set()
        self.models = importlib.import_module(f"{name}.models")
        self.types = importlib.import_module(f"{name}.types")
        self.client = importlib.import_module(f"{name}.client")

    def operations(self) -> set[str]:
        """Every operation the schema documents: one generated module each."""
        root = Path(importlib.import_module(f"{self.name}.api").__file__).parent
        return {path.stem for path in root.glob("*/*.py") if path.stem != "__init__"}

    def op(self, name: str):
        self.used.add(name)
        for tag in ("api", "runs", "plans", "imports"):
            try:
                return importlib.import_module(f"{self.name}.api.{tag}.{name}")
            except ModuleNotFoundError:
                continue
        raise AssertionError(f"no generated operation {name}")


def model(response, status: int):
    """The response has ``status`` and its body parsed into a generated model."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert attrs.has(type(response.parsed)), (status, response.parsed, response.content[:300])
    return response.parsed


def error_codes(parsed) -> list[str]:
    # Documented codes come as the generated enums, others as strings.
    return [getattr(error.code, "value", error.code) for error in parsed.errors]


@pytest.fixture
def people(transactional_db):
    cache.clear()
    runner = UserFactory(username="gen_runner", password=PASSWORD)
    coach = CoachFactory(username="gen_coach", password=PASSWORD)
    yield {"runner": runner, "coach": coach}
    cache.clear()


def login(api, base_url: str, username: str):
    anonymous = api.client.Client(base_url=base_url, raise_on_unexpected_status=True)
    body = api.models.TokenRequestRequest(username=username, password=PASSWORD)
    token = model(
        api.op("api_v1_auth_token_create").sync_detailed(client=anonymous, body=body), 200
    )
    assert isinstance(token.expiry, dt.datetime)
    return api.client.AuthenticatedClient(
        base_url=base_url, token=token.token, prefix="Token", raise_on_unexpected_status=True
    )


def test_a_generated_client_runs_a_whole_integration(api, live_server, people, import_archive_dir):
    m = api.models
    base = live_server.url
    runner_api = login(api, base, "gen_runner")
    coach_api = login(api, base, "gen_coach")
    runner_id = people["runner"].pk

    # --- errors before anything exists: 400 (bad login), 401, 404 ------------------------------
    anonymous = api.client.Client(base_url=base, raise_on_unexpected_status=True)
    wrong = m.TokenRequestRequest(username="gen_runner", password="wrong")
    bad_login = model(
        api.op("api_v1_auth_token_create").sync_detailed(client=anonymous, body=wrong), 400
    )
    assert bad_login.type_ == "validation_error"
    no_token = api.client.AuthenticatedClient(
        base_url=base, token="nope", prefix="Token", raise_on_unexpected_status=True
    )
    unauthorized = api.op("api_v1_plans_list").sync_detailed(client=no_token)
    assert "authentication_failed" in error_codes(model(unauthorized, 401))
    assert unauthorized.headers["WWW-Authenticate"] == "Token"
    missing = api.op("api_v1_runs_retrieve").sync_detailed(
        "00000000-0000-4000-8000-000000000000", client=runner_api
    )
    assert "not_found" in error_codes(model(missing, 404))

    # --- the runner starts a plan with their coach, who then plans its workouts ----------------
    plan_body = m.PlanRequest(
        name="Spring 10k",
        coach=people["coach"].pk,
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 29),
        status=m.StatusEnum.ACTIVE,
        goal="Sub 50",
    )
    create_plan = api.op("api_v1_plans_create").sync_detailed(
        client=runner_api, body=plan_body, idempotency_key="plan-1"
    )
    plan = model(create_plan, 201)
    assert plan.runner == runner_id and plan.coach == people["coach"].pk
    assert create_plan.headers["ETag"]
    replay = api.op("api_v1_plans_create").sync_detailed(
        client=runner_api, body=plan_body, idempotency_key="plan-1"
    )
    assert model(replay, 201).id == plan.id and replay.headers["Idempotent-Replayed"] == "true"
    plan_body.name = "Another plan"
    reused = api.op("api_v1_plans_create").sync_detailed(
        client=runner_api, body=plan_body, idempotency_key="plan-1"
    )
    assert "idempotency_key_reused" in error_codes(model(reused, 409))

    steps = [
        m.DistanceStep(kind=m.KindEnum.WARMUP, distance_m=2000.0),
        m.TimedStep(
            kind=m.KindEnum.WORK,
            repeat=5,
            duration_s=180.0,
            target_pace_min_s_per_km=240.0,
            target_pace_max_s_per_km=250.0,
        ),
        m.DistanceStep(kind=m.KindEnum.COOLDOWN, distance_m=1000.0),
    ]
    workout = model(
        api.op("api_v1_workouts_create").sync_detailed(
            client=coach_api,
            body=m.WorkoutRequest(
                plan=plan.id,
                name="Intervals",
                workout_type=m.WorkoutTypeEnum.SPEED,
                scheduled_date=dt.date(2026, 1, 6),
                steps=steps,
                notes="5 x 3 min",
            ),
        ),
        201,
    )
    assert [type(step).__name__ for step in workout.steps] == [
        "DistanceStep",
        "TimedStep",
        "DistanceStep",
    ]
    nested_workout = model(
        api.op("api_v1_plans_workouts_create").sync_detailed(
            plan.id,
            client=coach_api,
            body=m.PlanWorkoutRequest(name="Long run", scheduled_date=dt.date(2026, 1, 11)),
        ),
        201,
    )
    outside = api.op("api_v1_workouts_create").sync_detailed(
        client=coach_api,
        body=m.WorkoutRequest(plan=plan.id, name="Late", scheduled_date=dt.date(2027, 1, 1)),
    )
    model(outside, 400)

    # --- the runner logs, reads and edits ------------------------------------------------------
    run_started = dt.datetime(2026, 1, 6, 7, 0, tzinfo=dt.UTC)
    run = model(
        api.op("api_v1_runs_create").sync_detailed(
            client=runner_api,
            body=m.RunRequest(
                started_at=run_started,
                distance_m=8000.0,
                duration_s=2400,
                workout=workout.id,
                avg_heart_rate=150,
                max_heart_rate=170,
                perceived_effort=7,
                notes="Felt good",
            ),
            idempotency_key="run-1",
        ),
        201,
    )
    assert run.plan == plan.id and run.workout == workout.id
    linked_to_plan = model(
        api.op("api_v1_runs_create").sync_detailed(
            client=runner_api,
            body=m.RunRequest(
                started_at=run_started + dt.timedelta(days=5),
                distance_m=16000.0,
                duration_s=5400,
                plan=plan.id,
            ),
        ),
        201,
    )
    assert linked_to_plan.plan == plan.id
    nested_run = model(
        api.op("api_v1_plans_runs_create").sync_detailed(
            plan.id,
            client=runner_api,
            body=m.PlanRunRequest(
                started_at=run_started + dt.timedelta(days=1), distance_m=5000.0, duration_s=1500
            ),
        ),
        201,
    )
    assert nested_run.plan == plan.id
    coach_logs = api.op("api_v1_plans_runs_create").sync_detailed(
        plan.id,
        client=coach_api,
        body=m.PlanRunRequest(started_at=run_started, distance_m=5000.0, duration_s=1500),
    )
    model(coach_logs, 403)

    fetched = api.op("api_v1_runs_retrieve").sync_detailed(run.id, client=runner_api)
    assert model(fetched, 200).id == run.id
    tag = fetched.headers["ETag"]
    not_modified = api.op("api_v1_runs_retrieve").sync_detailed(
        run.id, client=runner_api, if_none_match=tag
    )
    assert not_modified.status_code == 304 and not_modified.parsed is None
    edited = api.op("api_v1_runs_partial_update").sync_detailed(
        run.id, client=runner_api, body=m.PatchedRunRequest(notes="Windy"), if_match=tag
    )
    assert model(edited, 200).notes == "Windy"
    stale = api.op("api_v1_runs_partial_update").sync_detailed(
        run.id, client=runner_api, body=m.PatchedRunRequest(notes="Lost"), if_match=tag
    )
    assert "precondition_failed" in error_codes(model(stale, 412))
    replaced = api.op("api_v1_runs_update").sync_detailed(
        run.id,
        client=runner_api,
        body=m.RunRequest(
            started_at=run_started, distance_m=8100.0, duration_s=2410, workout=workout.id
        ),
    )
    assert model(replaced, 200).distance_m == 8100.0
    unlinked = api.op("api_v1_runs_partial_update").sync_detailed(
        linked_to_plan.id, client=runner_api, body=m.PatchedRunRequest(plan=None)
    )
    assert model(unlinked, 200).plan is None
    invalid = api.op("api_v1_runs_partial_update").sync_detailed(
        run.id, client=runner_api, body=m.PatchedRunRequest(elapsed_s=1)
    )
    assert "elapsed_s" in [error.attr for error in model(invalid, 400).errors]

    runs_page = model(
        api.op("api_v1_runs_list").sync_detailed(
            client=runner_api,
            ordering=m.ApiV1RunsListOrdering("-distance_m"),
            limit=10,
        ),
        200,
    )
    assert [r.distance_m for r in runs_page.results] == sorted(
        (r.distance_m for r in runs_page.results), reverse=True
    )
    assert runs_page.count == 3
    coach_view = model(
        api.op("api_v1_runs_list").sync_detailed(client=coach_api, runner=runner_id), 200
    )
    assert coach_view.count == 3
    coach_write = api.op("api_v1_runs_partial_update").sync_detailed(
        run.id, client=coach_api, body=m.PatchedRunRequest(notes="Coach")
    )
    model(coach_write, 403)

    # --- the runner's profile: heart rates give the zones (issue 19) --------------------------
    profile = model(
        api.op("api_v1_profile_partial_update").sync_detailed(
            client=runner_api, body=m.PatchedProfileRequest(max_hr=190, resting_hr=50)
        ),
        200,
    )
    assert [z.min_bpm for z in profile.heart_rate_zones] == [120, 134, 148, 162, 176]
    assert (
        model(api.op("api_v1_profile_retrieve").sync_detailed(client=runner_api), 200).max_hr == 190
    )
    detail = model(api.op("api_v1_runs_retrieve").sync_detailed(run.id, client=runner_api), 200)
    assert detail.best_efforts == [] and detail.heart_rate_zones is None  # typed in, no track
    list_response = api.op("api_v1_plans_list").sync_detailed(client=runner_api)
    assert model(list_response, 200).count == 1
    unchanged = api.op("api_v1_plans_list").sync_detailed(
        client=runner_api, if_none_match=list_response.headers["ETag"]
    )
    assert unchanged.status_code == 304
    model(api.op("api_v1_plans_workouts_list").sync_detailed(plan.id, client=runner_api), 200)
    model(api.op("api_v1_plans_runs_list").sync_detailed(plan.id, client=runner_api), 200)
    workouts_page = model(
        api.op("api_v1_workouts_list").sync_detailed(client=runner_api, plan=plan.id), 200
    )
    assert workouts_page.count == 2
    model(api.op("api_v1_workouts_retrieve").sync_detailed(workout.id, client=runner_api), 200)
    model(api.op("api_v1_plans_retrieve").sync_detailed(plan.id, client=runner_api), 200)
    bad_filter = api.op("api_v1_plans_list").sync_detailed(client=coach_api, runner=0)
    model(bad_filter, 400)

    # --- the coach edits the plan and its workouts ---------------------------------------------
    model(
        api.op("api_v1_plans_partial_update").sync_detailed(
            plan.id, client=coach_api, body=m.PatchedPlanUpdateRequest(goal="Sub 48")
        ),
        200,
    )
    model(
        api.op("api_v1_plans_update").sync_detailed(
            plan.id,
            client=coach_api,
            body=m.PlanUpdateRequest(
                name="Spring 10k",
                start_date=dt.date(2026, 1, 5),
                end_date=dt.date(2026, 3, 29),
                status=m.StatusEnum.ACTIVE,
                coach=people["coach"].pk,
            ),
        ),
        200,
    )
    model(
        api.op("api_v1_workouts_partial_update").sync_detailed(
            nested_workout.id,
            client=coach_api,
            body=m.PatchedWorkoutRequest(planned_distance_m=21000.0),
        ),
        200,
    )
    model(
        api.op("api_v1_workouts_update").sync_detailed(
            nested_workout.id,
            client=coach_api,
            body=m.WorkoutRequest(
                plan=plan.id, name="Long run", scheduled_date=dt.date(2026, 1, 11)
            ),
        ),
        200,
    )

    # --- the runner's shoes: add, wear on a run, read, retire; the coach only reads ------------
    shoe = model(
        api.op("api_v1_shoes_create").sync_detailed(
            client=runner_api,
            body=m.ShoeRequest(name="Trainer", starting_distance_m=700_000.0, is_default=True),
            idempotency_key="shoe-1",
        ),
        201,
    )
    assert shoe.is_default and shoe.distance_m == 700_000.0 and shoe.run_count == 0
    worn = api.op("api_v1_runs_partial_update").sync_detailed(
        linked_to_plan.id, client=runner_api, body=m.PatchedRunRequest(shoe=shoe.id)
    )
    assert model(worn, 200).shoe == shoe.id
    # 700 km + the 16 km run = 716 km of 800 km: 84 km left, under 90 %.
    read = model(api.op("api_v1_shoes_retrieve").sync_detailed(shoe.id, client=runner_api), 200)
    assert (read.distance_m, read.remaining_m, read.wear) == (716_000.0, 84_000.0, m.WearEnum.OK)
    shoes_page = model(api.op("api_v1_shoes_list").sync_detailed(client=coach_api), 200)
    assert [s.id for s in shoes_page.results] == [shoe.id]
    coach_retires = api.op("api_v1_shoes_partial_update").sync_detailed(
        shoe.id, client=coach_api, body=m.PatchedShoeRequest(retired=True)
    )
    model(coach_retires, 403)
    retired = model(
        api.op("api_v1_shoes_partial_update").sync_detailed(
            shoe.id, client=runner_api, body=m.PatchedShoeRequest(retired=True)
        ),
        200,
    )
    assert retired.retired and not retired.is_default
    renamed = api.op("api_v1_shoes_update").sync_detailed(
        shoe.id,
        client=runner_api,
        body=m.ShoeRequest(name="Old trainer", retirement_distance_m=720_000.0, retired=True),
    )
    assert model(renamed, 200).wear == m.WearEnum.NEAR_RETIREMENT  # 716 of 720 km
    both = api.op("api_v1_shoes_create").sync_detailed(
        client=runner_api, body=m.ShoeRequest(name="Odd", is_default=True, retired=True)
    )
    assert "is_default" in [error.attr for error in model(both, 400).errors]

    # --- analytics and files -------------------------------------------------------------------
    summary = model(
        api.op("analytics_summary").sync_detailed(
            client=runner_api, period=m.AnalyticsSummaryPeriod.ALL
        ),
        200,
    )
    assert summary.totals.runs == 3
    assert summary.longest_run is not None and summary.longest_run.distance_m == 16000.0
    both = api.op("analytics_summary").sync_detailed(
        client=runner_api, period=m.AnalyticsSummaryPeriod.WEEK, from_=dt.date(2026, 1, 1)
    )
    model(both, 400)
    empty = model(api.op("analytics_summary").sync_detailed(client=coach_api), 200)
    assert empty.longest_run is None and empty.fastest_run is None
    analytics = model(api.op("analytics_plan").sync_detailed(plan.id, client=coach_api), 200)
    assert analytics.actual.runs == 2
    model(api.op("plans_progress").sync_detailed(plan.id, client=runner_api), 200)
    week = model(
        api.op("plans_weekly_summary").sync_detailed(plan.id, client=runner_api, week_number=1),
        200,
    )
    assert week.week_number == 1
    model(
        api.op("plans_weekly_summary").sync_detailed(plan.id, client=runner_api, week_number=99),
        400,
    )
    csv = api.op("runs_export_csv").sync_detailed(client=runner_api, plan=plan.id)
    assert csv.status_code == 200 and csv.parsed.count("\n") == 3  # header + two plan runs
    assert csv.headers["Content-Disposition"].startswith("attachment")
    calendar = api.op("plans_calendar_ics").sync_detailed(plan.id, client=runner_api)
    assert calendar.status_code == 200 and "BEGIN:VCALENDAR" in calendar.parsed
    legs = [Leg(duration_s=900, speed_m_s=3.3)]
    gpx = gpx_bytes(route(legs, start=dt.datetime(2026, 1, 20, 7, tzinfo=dt.UTC)))
    upload = m.RunImportRequest(file=api.types.File(payload=io.BytesIO(gpx), file_name="run.gpx"))
    imported = api.op("runs_import").sync_detailed(client=runner_api, body=upload)
    assert model(imported, 201).source == "gpx" and imported.headers["ETag"]
    not_a_file = m.RunImportRequest(
        file=api.types.File(payload=io.BytesIO(b"hello"), file_name="x.gpx")
    )
    model(api.op("runs_import").sync_detailed(client=runner_api, body=not_a_file), 400)

    # --- whole-history import: upload, follow, list, undo --------------------------------------
    archive = strava_archive(import_archive_dir.parent / "export.zip")
    body = m.ArchiveUploadRequest(
        archive=api.types.File(payload=io.BytesIO(archive.read_bytes()), file_name="export.zip")
    )
    accepted = api.op("imports_create").sync_detailed(client=runner_api, body=body)
    job = model(accepted, 202)
    assert job.status == m.ImportJobStatusEnum.QUEUED
    assert accepted.headers["Location"].endswith(f"/api/v1/imports/{job.id}")
    while not import_job_run_slice(job_id=str(job.id), owner="generated-client-test"):
        pass
    done = model(api.op("imports_retrieve").sync_detailed(job.id, client=runner_api), 200)
    assert (done.status, done.imported, done.skipped, done.progress) == (
        m.ImportJobStatusEnum.DONE,
        5,
        1,
        1.0,
    )
    assert {file.outcome.value for file in done.files} == {"notice", "skipped", "failed"}
    jobs = model(api.op("imports_list").sync_detailed(client=runner_api), 200)
    assert [item.id for item in jobs.results] == [job.id]
    undone = model(api.op("imports_undo").sync_detailed(job.id, client=runner_api), 200)
    assert undone.status == m.ImportJobStatusEnum.UNDONE
    conflict = model(api.op("imports_cancel").sync_detailed(job.id, client=runner_api), 409)
    assert error_codes(conflict) == ["conflict"]
    model(api.op("imports_retrieve").sync_detailed(job.id, client=coach_api), 404)

    # --- copy, delete and sync -----------------------------------------------------------------
    copy = api.op("api_v1_plans_copy_create").sync_detailed(
        plan.id,
        client=coach_api,
        body=m.PlanCopyRequest(runner=runner_id, start_date=dt.date(2026, 6, 1)),
    )
    copied = model(copy, 201)
    assert copied.status == m.StatusEnum.DRAFT and copy.headers["ETag"]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    deleted = api.op("api_v1_runs_destroy").sync_detailed(nested_run.id, client=runner_api)
    assert deleted.status_code == 204
    assert (
        api.op("api_v1_workouts_destroy").sync_detailed(workout.id, client=coach_api).status_code
        == 204
    )
    assert (
        api.op("api_v1_plans_destroy").sync_detailed(copied.id, client=coach_api).status_code == 204
    )
    assert (
        api.op("api_v1_shoes_destroy").sync_detailed(shoe.id, client=runner_api).status_code == 204
    )
    feed = model(api.op("api_v1_deletions_list").sync_detailed(client=runner_api, since=since), 200)
    gone = {(d.type_.value, d.id) for d in feed.results}
    assert {
        ("run", nested_run.id),
        ("workout", workout.id),
        ("plan", copied.id),
        ("shoe", shoe.id),
    } <= gone

    # --- logout: this token only, then every token ----------------------------------------------
    assert api.op("api_v1_auth_logout_create").sync_detailed(client=coach_api).status_code == 204
    model(api.op("api_v1_plans_list").sync_detailed(client=coach_api), 401)
    second = login(api, base, "gen_runner")
    assert api.op("api_v1_auth_logout_all_create").sync_detailed(client=second).status_code == 204
    model(api.op("api_v1_plans_list").sync_detailed(client=runner_api), 401)

    assert api.operations() - api.used == set()


@override_settings(LOGIN_ATTEMPTS_PER_MINUTE=2)
def test_a_generated_client_parses_the_login_rate_limit(api, live_server, people):
    anonymous = api.client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    wrong = api.models.TokenRequestRequest(username="gen_runner", password="wrong")
    token_create = api.op("api_v1_auth_token_create")
    for _ in range(2):
        model(token_create.sync_detailed(client=anonymous, body=wrong), 400)
    limited = token_create.sync_detailed(client=anonymous, body=wrong)
    assert "throttled" in error_codes(model(limited, 429))
    assert int(limited.headers["Retry-After"]) >= 1
