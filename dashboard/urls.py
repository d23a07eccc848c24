from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/<uuid:pk>/", views.plan_detail, name="plan-detail"),
    path("workouts/<uuid:pk>/", views.workout_detail, name="workout-detail"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/new/", views.run_create_view, name="run-create"),
    # Bodies up to MAX_UPLOAD_SIZE pass the request-body limit here (tracker.middleware).
    path("runs/upload/", views.run_upload_view, name="run-upload"),
    path("runs/<uuid:pk>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:pk>/edit/", views.run_update_view, name="run-update"),
    path("runs/<uuid:pk>/delete/", views.run_delete_view, name="run-delete"),
    path("shoes/", views.shoe_list, name="shoe-list"),
    path("shoes/<uuid:pk>/edit/", views.shoe_update_view, name="shoe-update"),
    path("shoes/<uuid:pk>/retire/", views.shoe_retire_view, name="shoe-retire"),
    # Bodies up to MAX_ARCHIVE_UPLOAD_SIZE pass the request-body limit here.
    path("history/import/", views.history_import_view, name="history-import"),
    path(
        "history/import/<uuid:pk>/cancel/",
        views.history_import_cancel_view,
        name="history-import-cancel",
    ),
    path(
        "history/import/<uuid:pk>/undo/", views.history_import_undo_view, name="history-import-undo"
    ),
    path("profile/", views.profile_view, name="profile"),
    path("profile/calendar-token/", views.profile_calendar_token, name="profile-calendar-token"),
]
