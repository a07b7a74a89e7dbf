"""Install version 1 of the default template for each enforcement step (명단공개 사전 통지, 관허사업 제한 예고, 번호판
영치 예고, 신용정보 제공 예고; docs/notices.md "Enforcement steps").

The document body is copied from the packaged file templates/notices/documents/measure_v1.html into the row (as
0003 did for standard_v1.html): the standard document plus the measure (its name, its date, its legal basis) and the
소명·납부 section. The alerts end with the whole contact ("문의: {contact}", as 0010 made every kind's).
"""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

BODY_FILE = "notices/documents/measure_v1.html"
ITEMS = ["tax_year", "tax_item", "amount_basis", "due_date", "payment_place", "appeal", "contact", "measure",
         "explanation"]
SMS = "[{office_name}] {document_kind}이(가) 도착했습니다. 본인 확인 후 열람: {link}\n문의: {contact}"
ALERT_TEXT = (
    "안녕하세요. {office_name}입니다. 공인전자문서중계자를 통해 '{document_kind}'을(를) 전자문서로 보내 드립니다. "
    "아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n문의: {contact}"
)

DEFAULTS = [
    {
        "kind": "disclosure",
        "name": "명단공개 사전 통지 기본 서식",
        "document_title": "고액·상습체납자 명단공개 사전 통지",
        "intro_text": (
            "귀하께서 체납하신 지방세에 대하여 「지방세징수법」 제11조제3항에 따라 명단공개 대상자임을 알려 드리고 "
            "소명 기회를 드립니다. 아래 소명 기간 안에 체납액을 납부하시거나 공개하지 않을 사유를 소명해 주시기 바랍니다."
        ),
    },
    {
        "kind": "license",
        "name": "관허사업 제한 예고 기본 서식",
        "document_title": "관허사업 제한 예고",
        "intro_text": (
            "귀하께서 체납하신 지방세에 대하여 「지방세징수법」 제7조에 따른 관허사업의 제한을 예고합니다. 아래 예정일 "
            "전까지 납부하시거나 제한하지 않을 사유를 소명해 주시기 바랍니다."
        ),
    },
    {
        "kind": "plate",
        "name": "번호판 영치 예고 기본 서식",
        "document_title": "자동차등록번호판 영치 예고",
        "intro_text": (
            "귀하께서 체납하신 자동차세에 대하여 「지방세법」 제131조에 따른 자동차등록번호판 영치를 예고합니다. 아래 "
            "예정일 전까지 납부해 주시기 바랍니다."
        ),
    },
    {
        "kind": "credit",
        "name": "신용정보 제공 예고 기본 서식",
        "document_title": "체납자료 신용정보집중기관 제공 예고",
        "intro_text": (
            "귀하께서 체납하신 지방세에 대하여 「지방세징수법」 제9조에 따른 체납자료의 제공을 예고합니다. 아래 예정일 "
            "전까지 납부하시거나 제공하지 않을 사유를 소명해 주시기 바랍니다."
        ),
    },
]


def install(apps, schema_editor):
    NoticeTemplate = apps.get_model("notices", "NoticeTemplate")
    import jingsu.notices

    body = (Path(jingsu.notices.__file__).parent / "templates" / BODY_FILE).read_text(encoding="utf-8")
    now = timezone.now()
    for d in DEFAULTS:
        if NoticeTemplate.objects.filter(kind=d["kind"]).exists():
            continue
        NoticeTemplate.objects.create(
            version=1, alert_title="{office_name} {document_kind}", alert_text=ALERT_TEXT, sms_text=SMS,
            document_body=body, source_name=BODY_FILE, required_items=ITEMS, active=True,
            created_by="system:migration", created_at=now, **d,
        )


def uninstall(apps, schema_editor):
    apps.get_model("notices", "NoticeTemplate").objects.filter(
        kind__in=[d["kind"] for d in DEFAULTS], created_by="system:migration", version=1, campaigns__isnull=True,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("notices", "0013_measure_campaigns")]
    operations = [migrations.RunPython(install, uninstall)]
