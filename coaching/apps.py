from django.apps import AppConfig
from django.contrib.admin import (
    apps as admin_apps,
)  # the module, so only our configs are classes here


class CoachingConfig(AppConfig):
    # Coaching — the coach's admin workspace
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"


class CoachAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the coach's site (coaching/sites.py) as ``admin.site``;
    named in INSTALLED_APPS in its place."""

    default = False  # "coaching" alone still means CoachingConfig
    default_site = "coaching.sites.CoachAdminSite"
