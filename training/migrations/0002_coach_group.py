"""Create the ``coach`` group with the model permissions a coach's admin workspace needs.

Coaches edit plans and workouts, and read (never write) runs and runner profiles. Which rows
they see is scoped in the admin, not here.
"""

from django.db import migrations

COACH_PERMISSIONS = {
    "plan": ("view", "add", "change", "delete"),
    "workout": ("view", "add", "change", "delete"),
    "run": ("view",),
    "runnerprofile": ("view",),
}


def create_coach_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate (post_migrate); make sure they exist now.
    # create_permissions skips app configs without a models module, which migration state
    # stubs lack, hence the flag.
    app_config = apps.get_app_config("training")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="coach")
    for model, actions in COACH_PERMISSIONS.items():
        for action in actions:
            permission = Permission.objects.get(
                content_type__app_label="training", codename=f"{action}_{model}"
            )
            group.permissions.add(permission)


def remove_coach_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="coach").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_coach_group, remove_coach_group)]
