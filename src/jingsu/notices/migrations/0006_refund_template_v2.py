"""환급금 안내: a new version of the refund template whose document shows the refund (과오납) and its set-off against
what is owed (지방세기본법 제60조). Versions in use are never changed; this adds the next one and makes it active.
On a database whose refund template already shows refunds (a fresh install reads the current body file in 0003),
nothing is added."""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

BODY_FILE = "notices/documents/standard_v1.html"
FIELDS = ("kind", "name", "alert_title", "alert_text", "sms_text", "document_title", "intro_text", "required_items")


def install(apps, schema_editor):
    NoticeTemplate = apps.get_model("notices", "NoticeTemplate")
    import jingsu.notices

    body = (Path(jingsu.notices.__file__).parent / "templates" / BODY_FILE).read_text(encoding="utf-8")
    latest = NoticeTemplate.objects.filter(kind="refund").order_by("-version").first()
    if latest is None or "has_refund" in latest.document_body:
        return
    NoticeTemplate.objects.filter(kind="refund").update(active=False)
    NoticeTemplate.objects.create(
        version=latest.version + 1, document_body=body, source_name=BODY_FILE, active=True,
        created_by="system:migration", created_at=timezone.now(), **{f: getattr(latest, f) for f in FIELDS})


class Migration(migrations.Migration):
    dependencies = [("notices", "0005_noticeline_refund")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
