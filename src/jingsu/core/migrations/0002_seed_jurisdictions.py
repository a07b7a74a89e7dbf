from django.db import migrations


def seed(apps, schema_editor):
    from jingsu.core.jurisdictions import SEOUL, SEOUL_DISTRICTS

    Jurisdiction = apps.get_model("core", "Jurisdiction")
    seoul, _ = Jurisdiction.objects.get_or_create(
        code=SEOUL[0], defaults={"name": SEOUL[1], "level": "metropolitan", "office_name": "서울특별시청"}
    )
    for code, name in SEOUL_DISTRICTS:
        Jurisdiction.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": "district", "parent": seoul, "office_name": f"서울특별시 {name}청"},
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
