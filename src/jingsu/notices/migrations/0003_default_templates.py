"""Install version 1 of the default template for each campaign kind, and point existing campaigns at it.

The document body is copied from the packaged file templates/notices/documents/standard_v1.html into the row, so a
version is self-contained and immutable; the packaged file is never edited (new wording = new file + new version).
"""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

BODY_FILE = "notices/documents/standard_v1.html"

ALL_ITEMS = ["tax_year", "tax_item", "amount_basis", "due_date", "payment_place", "appeal", "contact"]
WITH_WARNING = [*ALL_ITEMS[:5], "enforcement_warning", *ALL_ITEMS[5:]]

SMS = "[{office_name}] {document_kind}이(가) 도착했습니다. 본인 확인 후 열람: {link} 문의 {office_phone}"

DEFAULTS = [
    {
        "kind": "arrears",
        "name": "체납안내문 기본 서식",
        "alert_title": "{office_name} {document_kind}",
        "alert_text": (
            "안녕하세요. {office_name}입니다. 공인전자문서중계자를 통해 '{document_kind}'을(를) 전자문서로 "
            "보내 드립니다. 아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n"
            "문의: {office_name} {office_phone}"
        ),
        "document_title": "지방세 체납액 납부 안내문",
        "intro_text": (
            "귀하께서 납부기한까지 납부하지 않으신 지방세(체납액)를 아래와 같이 알려 드립니다. 아래 납부기한까지 "
            "납부해 주시기 바랍니다. 이미 납부하셨다면 이 안내문과 엇갈린 것이니 양해해 주십시오."
        ),
        "required_items": WITH_WARNING,
    },
    {
        "kind": "deadline",
        "name": "납부 안내 기본 서식",
        "alert_title": "{office_name} {document_kind}",
        "alert_text": (
            "안녕하세요. {office_name}입니다. 공인전자문서중계자를 통해 '{document_kind}'을(를) 전자문서로 "
            "보내 드립니다. 아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n"
            "문의: {office_name} {office_phone}"
        ),
        "document_title": "지방세 납부 안내",
        "intro_text": (
            "아래 지방세의 납부를 안내해 드립니다. 납부기한까지 납부해 주시기 바랍니다. 이미 납부하셨다면 "
            "이 안내와 엇갈린 것이니 양해해 주십시오."
        ),
        "required_items": ALL_ITEMS,
    },
    {
        "kind": "refund",
        "name": "환급금 안내 기본 서식",
        "alert_title": "{office_name} {document_kind}",
        "alert_text": (
            "안녕하세요. {office_name}입니다. 공인전자문서중계자를 통해 '{document_kind}'을(를) 전자문서로 "
            "보내 드립니다. 아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n"
            "문의: {office_name} {office_phone}"
        ),
        "document_title": "지방세 환급금 안내",
        "intro_text": (
            "귀하의 지방세 환급금과 납부하실 세액을 아래와 같이 안내해 드립니다. 환급금은 「지방세기본법」 "
            "제60조에 따라 납부하실 지방세에 먼저 충당하고 남은 금액을 환급합니다. 환급 신청은 위택스 또는 "
            "문의처에서 하실 수 있습니다."
        ),
        "required_items": ALL_ITEMS,
    },
    {
        "kind": "parking",
        "name": "주정차 과태료 체납안내 기본 서식",
        "alert_title": "{office_name} {document_kind}",
        "alert_text": (
            "안녕하세요. {office_name}입니다. 공인전자문서중계자를 통해 '{document_kind}'을(를) 전자문서로 "
            "보내 드립니다. 아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n"
            "문의: {office_name} {office_phone}"
        ),
        "document_title": "주정차위반 과태료 체납 안내문",
        "intro_text": (
            "귀하께서 납부기한까지 납부하지 않으신 주정차위반 과태료를 아래와 같이 알려 드립니다. 아래 "
            "납부기한까지 납부해 주시기 바랍니다. 이미 납부하셨다면 양해해 주십시오."
        ),
        "required_items": WITH_WARNING,
    },
    {
        "kind": "demand",
        "name": "독촉장 기본 서식",
        "alert_title": "{office_name} {document_kind}",
        "alert_text": (
            "안녕하세요. {office_name}입니다. 전자송달을 신청하신 분께 '{document_kind}'을(를) 공인전자문서중계자를 "
            "통해 전자문서로 송달합니다. 아래 [열람하기] 버튼을 누르고 본인 확인을 거쳐 내용을 확인해 주세요.\n"
            "문의: {office_name} {office_phone}"
        ),
        "document_title": "지방세 독촉장",
        "intro_text": (
            "귀하께서는 아래 지방세를 납부기한까지 완납하지 않으셨으므로 「지방세징수법」 제32조제1항에 따라 "
            "독촉합니다. 이 독촉장에 적힌 납부기한(발급일부터 20일 이내, 같은 조 제3항)까지 납부해 주시기 "
            "바랍니다."
        ),
        "required_items": WITH_WARNING,
    },
]


def install(apps, schema_editor):
    NoticeTemplate = apps.get_model("notices", "NoticeTemplate")
    Campaign = apps.get_model("notices", "Campaign")
    import jingsu.notices

    body = (Path(jingsu.notices.__file__).parent / "templates" / BODY_FILE).read_text(encoding="utf-8")
    now = timezone.now()
    by_kind = {}
    for d in DEFAULTS:
        by_kind[d["kind"]] = NoticeTemplate.objects.create(
            version=1, sms_text=SMS, document_body=body, source_name=BODY_FILE, active=True,
            created_by="system:migration", created_at=now, **d,
        )
    for campaign in Campaign.objects.filter(template__isnull=True):
        campaign.template = by_kind[campaign.kind]
        campaign.save(update_fields=["template"])


def uninstall(apps, schema_editor):
    apps.get_model("notices", "Campaign").objects.update(template=None)
    apps.get_model("notices", "NoticeTemplate").objects.filter(created_by="system:migration", version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_templates_and_send_settings")]
    operations = [migrations.RunPython(install, uninstall)]
