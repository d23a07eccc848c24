from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tracker import health, metrics
from training.api.feeds import calendar_feed

admin.site.site_header = "Running Training Tracker — coach workspace"
admin.site.site_title = "Training Tracker admin"
admin.site.index_title = "Plans, workouts and runs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api_urls")),
    # Probes and metrics (tracker.middleware.HealthCheckMiddleware answers them first; these
    # routes name them), with or without the trailing slash.
    re_path(r"^health/?$", health.health, name="health"),
    re_path(r"^health/live/?$", health.live, name="health-live"),
    re_path(r"^health/ready/?$", health.ready, name="health-ready"),
    re_path(r"^metrics/?$", metrics.metrics_view, name="metrics"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    # OpenAPI schema and its offline viewers (assets from drf-spectacular-sidecar), each with and
    # without the trailing slash.
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(
        r"^redoc/?$",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    # Dashboard (docs/ARCHITECTURE.md): sign-in pages, then the runner's pages at the site root.
    path("accounts/", include("accounts.urls")),
    path("", include("dashboard.urls")),
]

# JSON errors under /api/, Django's HTML pages elsewhere (docs/API.md, Errors). The 500 handler
# first turns database outages into 503s (also when the fault comes from middleware), then defers to
# the API's handler.
handler404 = "tracker.errors.not_found"
handler500 = "tracker.db_faults.server_error"
