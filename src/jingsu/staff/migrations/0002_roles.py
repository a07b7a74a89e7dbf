"""Data migration: the console's permissions and one Group per role (jingsu.staff.roles).

The same `sync_groups` runs after every `migrate` (post_migrate), so a change to roles.py reaches the groups without
another data migration."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from jingsu.staff.roles import sync_groups

    sync_groups(apps)


def remove_roles(apps, schema_editor):
    from jingsu.staff.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=[r.name for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
