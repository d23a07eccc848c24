from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tracker import health, metrics
from tracker.routing import optional_slash, segment_include
from training.api.feeds import calendar_feed

urlpatterns = [
    path("admin/", admin.site.urls),
    segment_include("tracker.api_urls", prefix="api/v1/"),
    # Probes and metrics (tracker.middleware.HealthCheckMiddleware answers them first; these
    # routes name them), with or without the trailing slash.
    *optional_slash("health", health.health, "health"),
    *optional_slash("health/live", health.live, "health-live"),
    *optional_slash("health/ready", health.ready, "health-ready"),
    *optional_slash("metrics", metrics.metrics_view, "metrics"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    # OpenAPI schema and its offline viewers (assets from drf-spectacular-sidecar), each with and
    # without the trailing slash.
    *optional_slash("api/schema", SpectacularAPIView.as_view(), "schema"),
    *optional_slash("docs", SpectacularSwaggerView.as_view(url_name="schema"), "swagger-ui"),
    *optional_slash(
        "redoc",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        "redoc",
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
