"""New template versions whose alerts end with the whole contact: "문의: {contact}" (the office, its team and the
phone; docs/notices.md). The earlier SMS ended "… {link} 문의 {office_phone}", a bare "문의" when the office had
set no number. Versions in use are never changed: for each kind the next version is added (its document body and
other wording copied from the active version, or the latest when none is active) and made the active one. A kind
whose base version already uses {contact} is left alone."""

from django.db import migrations
from django.utils import timezone

SMS = "[{office_name}] {document_kind}이(가) 도착했습니다. 본인 확인 후 열람: {link}\n문의: {contact}"
OLD_CONTACT_LINE = "문의: {office_name} {office_phone}"
FIELDS = ("name", "alert_title", "document_title", "intro_text", "document_body", "source_name", "required_items")


def install(apps, schema_editor):
    NoticeTemplate = apps.get_model("notices", "NoticeTemplate")
    for kind in NoticeTemplate.objects.order_by().values_list("kind", flat=True).distinct():
        versions = NoticeTemplate.objects.filter(kind=kind).order_by("-version")
        latest = versions.filter(active=True).first() or versions.first()
        if "{contact}" in latest.sms_text:
            continue
        alert_text = latest.alert_text.replace(OLD_CONTACT_LINE, "문의: {contact}")
        if "{contact}" not in alert_text:
            alert_text = alert_text.rstrip() + "\n문의: {contact}"
        NoticeTemplate.objects.filter(kind=kind).update(active=False)
        NoticeTemplate.objects.create(
            kind=kind, version=versions.first().version + 1, alert_text=alert_text, sms_text=SMS, active=True,
            created_by="system:migration", created_at=timezone.now(), **{f: getattr(latest, f) for f in FIELDS})


class Migration(migrations.Migration):
    dependencies = [("notices", "0009_campaign_issuer")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
