from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Running Training Tracker — coach workspace"
admin.site.site_title = "Training Tracker admin"
admin.site.index_title = "Plans, workouts and runs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api_urls")),
]
