"""Everything under /api/v1/. Explicit paths come before the router so that fixed segments
(``runs/import``, ``plans/<id>/progress``) win over the router's detail routes."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("analytics.urls")),
    path("", include("training.api.file_urls")),
    # router:             path("", include(router.urls)),
]
