from django.contrib import admin
from django.urls import include, path

from tracker.auth_views import RateLimitedLoginView, signup
from training.feeds import calendar_feed

admin.site.site_header = "Running Training Tracker — coach workspace"
admin.site.site_title = "Training Tracker admin"
admin.site.index_title = "Plans, workouts and runs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api_urls")),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    # Dashboard (SPEC §10): sign-in pages, then the runner's pages at the site root.
    path("accounts/login/", RateLimitedLoginView.as_view(), name="login"),
    path("accounts/signup/", signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("training.urls")),
]
