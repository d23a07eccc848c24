from django.contrib import admin
from django.urls import include, path

from training.feeds import calendar_feed

admin.site.site_header = "Running Training Tracker — coach workspace"
admin.site.site_title = "Training Tracker admin"
admin.site.index_title = "Plans, workouts and runs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api_urls")),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
]
