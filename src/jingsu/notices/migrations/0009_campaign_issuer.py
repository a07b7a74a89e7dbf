"""Campaign.issuer: the office, team and phone frozen when a campaign's notices are built.

Campaigns built before this migration had their notices hashed with the jurisdiction's office name and phone as they
were then (and still are: nothing changed them in between). The issuer of each such campaign is frozen here with
exactly those two values and no team, so their canonical content — and the hash registered for 유통증명 — stays the
same byte for byte, whatever the office sets afterwards (docs/notices.md "Canonical content and hash").
"""

from django.db import migrations, models


def freeze(apps, schema_editor):
    Campaign = apps.get_model("notices", "Campaign")
    for campaign in Campaign.objects.exclude(status="draft").select_related("jurisdiction"):
        j = campaign.jurisdiction
        campaign.issuer = {"office": j.office_name or j.name, "phone": j.office_phone}
        campaign.save(update_fields=["issuer"])


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0008_noticeline_enforcement_cost"),
        ("core", "0004_jurisdiction_office_team"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="issuer",
            field=models.JSONField(blank=True, default=dict, verbose_name="발신 기관(대상 확정 당시)"),
        ),
        migrations.RunPython(freeze, migrations.RunPython.noop),
    ]
