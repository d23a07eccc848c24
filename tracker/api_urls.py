"""Everything under /api/v1/. Explicit paths come before the router so that fixed segments
(``runs/import``, ``plans/<id>/progress``) win over the router's detail routes."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from training.api.views import (
    UUID_REGEX,
    DeletionViewSet,
    PlanRunViewSet,
    PlanViewSet,
    PlanWorkoutViewSet,
    RunViewSet,
    WorkoutViewSet,
)


class ApiRouter(DefaultRouter):
    # docs/API.md, Conventions: paths work with and without the trailing slash, with no redirect
    # that would drop a POST body; only JSON is rendered, so no ".json" format-suffix routes.
    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__()
        # DRF's constructor only takes a boolean; the optional slash is set afterwards.
        self.trailing_slash = "/?"


router = ApiRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("workouts", WorkoutViewSet, basename="workout")
router.register("runs", RunViewSet, basename="run")
router.register("deletions", DeletionViewSet, basename="deletion")

urlpatterns: list = [
    path("", include("analytics.api.urls")),
    path("", include("training.api.file_urls")),
    path("", include("accounts.api.urls")),
    # Seed-compatible nested routes (docs/API.md, Routes), plan from the path.
    re_path(
        rf"^plans/(?P<id>{UUID_REGEX})/workouts/?$",
        PlanWorkoutViewSet.as_view({"get": "list", "post": "create"}),
        name="plan-workouts",
    ),
    re_path(
        rf"^plans/(?P<id>{UUID_REGEX})/runs/?$",
        PlanRunViewSet.as_view({"get": "list", "post": "create"}),
        name="plan-runs",
    ),
    # router:
    path("", include(router.urls)),
]
