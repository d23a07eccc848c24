"""Everything under /api/v1/. Explicit paths come before the router so that fixed segments
(``runs/import``, ``plans/<id>/progress``) win over the router's detail routes. A path is tried
only against the routes its first segment can begin (tracker.routing, ``segment_include``)."""

from django.urls import URLPattern, URLResolver, path, re_path
from rest_framework.routers import DefaultRouter

from tracker.routing import segment_include, with_optional_slash
from training.api.views import (
    UUID_REGEX,
    DeletionViewSet,
    PlanRunViewSet,
    PlanTemplateViewSet,
    PlanViewSet,
    PlanWorkoutViewSet,
    ProfileView,
    RunCommentsView,
    RunViewSet,
    ShoeViewSet,
    WorkoutCommentsView,
    WorkoutViewSet,
)


class ApiRouter(DefaultRouter):
    """DRF's router with the project's optional-slash rule (tracker.routing) applied to its
    routes, written slash-less: the same rule, and the same twins, as every other API path. Only
    JSON is rendered, so no ".json" format-suffix routes."""

    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__(trailing_slash=False)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return with_optional_slash(super().get_urls())


router = ApiRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("workouts", WorkoutViewSet, basename="workout")
router.register("runs", RunViewSet, basename="run")
router.register("plan-templates", PlanTemplateViewSet, basename="plan-template")
router.register("shoes", ShoeViewSet, basename="shoe")
router.register("deletions", DeletionViewSet, basename="deletion")

urlpatterns: list = [
    segment_include("analytics.api.urls"),
    segment_include("training.api.file_urls"),
    segment_include("accounts.api.urls"),
    # Seed-compatible nested routes (docs/API.md, Routes), plan from the path.
    *(
        with_optional_slash(
            [
                re_path(
                    rf"^plans/(?P<id>{UUID_REGEX})/workouts$",
                    PlanWorkoutViewSet.as_view({"get": "list", "post": "create"}),
                    name="plan-workouts",
                ),
                re_path(
                    rf"^workouts/(?P<id>{UUID_REGEX})/comments$",
                    WorkoutCommentsView.as_view(),
                    name="workout-comments",
                ),
                re_path(
                    rf"^runs/(?P<id>{UUID_REGEX})/comments$",
                    RunCommentsView.as_view(),
                    name="run-comments",
                ),
                re_path(
                    rf"^plans/(?P<id>{UUID_REGEX})/runs$",
                    PlanRunViewSet.as_view({"get": "list", "post": "create"}),
                    name="plan-runs",
                ),
                path("profile", ProfileView.as_view(), name="profile"),
            ]
        )
    ),
    # router:
    segment_include(router.urls),
]
