"""Notice templates, alerts without personal data, the document (HTML/PDF), its hash, and the approval check."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from jingsu.core.models import Jurisdiction
from jingsu.notices import documents
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, NoticeLine, NoticeTemplate, TemplateInUse
from jingsu.rolls.importer import import_roll
from jingsu.rolls.validation import rrn_check_digit

FIXTURES = Path(__file__).parent.parent / "fixtures"
SMALL = FIXTURES / "roll_small.csv"
AS_OF = date(2026, 11, 23)

# --- canary taxpayer: every personal value is unique and greppable ---------------------------------------------------
_RRN12 = "771122123456"
CANARY_RRN = f"{_RRN12[:6]}-{_RRN12[6:]}{rrn_check_digit(_RRN12)}"
CANARY = {
    "name": "카나리아홍길순",
    "rrn": CANARY_RRN,
    "rrn_digits": CANARY_RRN.replace("-", ""),
    "rrn_front": CANARY_RRN[:6],
    "address": "카나리아로 777",
    "mobile": "010-7777-3131",
    "mobile_digits": "01077773131",
    "mobile_tail": "7777-3131",
    "tax_number": "11260-14-2024-7777777",
    "object": "카나리아동 77-7 주택",
    "principal": "987654",
    "principal_won": "987,654",
    "education": "197530",
    "city_area": "138271",
}
CANARY_ROWS = [
    f"11260,{CANARY['tax_number']},개인,{CANARY['name']},{CANARY['rrn']},서울특별시 중랑구 {CANARY['address']},02100,"
    f"{CANARY['mobile']},Y,N,14,2024,정기2기,{CANARY['object']},{CANARY['principal']},{CANARY['education']},"
    f"{CANARY['city_area']},,2024-09-30,,부과,정상",
    f"11260,11260-15-2023-7777778,개인,{CANARY['name']},{CANARY['rrn']},서울특별시 중랑구 {CANARY['address']},02100,"
    f"{CANARY['mobile']},Y,N,15,2023,정기1기,33카7777,313131,93939,0,,2023-06-30,2023-06-30,부과,정상",
]


def _roll_with_canary(tmp_path: Path) -> Path:
    lines = SMALL.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "roll.csv"
    path.write_text("\n".join([*lines, *CANARY_ROWS]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def office(jungnang):
    jungnang.office_name = "중랑구청 세무과"
    jungnang.office_phone = "02-2094-1234"
    jungnang.save()
    return jungnang


@pytest.fixture
def built(tmp_path, clock, office):
    import_roll(_roll_with_canary(tmp_path), jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(office, name="11월 체납안내", kind="arrears", as_of=AS_OF, actor="maker",
                                       clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    return campaign


def _canary_notice(campaign):
    return documents.notices_for_rendering(campaign.notices.filter(taxpayer__name=CANARY["name"])).get()


def _all_values_of(notice) -> set[str]:
    """Every personal or notice-specific value, in the forms it could be printed."""
    values = {v for v in CANARY.values()}
    values.add(notice.taxpayer.registration_masked)
    values.add(notice.reference)
    values.add(notice.token)
    values.add(str(notice.total_amount))
    values.add(documents.won(notice.total_amount))
    values.add(f"{notice.total_amount:,}")
    for line in notice.lines.all():
        values |= {line.payment_number, str(line.total), f"{line.total:,}", str(line.tax_due), f"{line.tax_due:,}",
                   line.levy.tax_number, line.levy.object_description}
        if line.penalty:
            values |= {str(line.penalty), f"{line.penalty:,}"}
    return {v for v in values if v}


# --- templates and versions ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_default_template_per_kind_carries_every_required_item():
    for kind in Campaign.Kind.values:
        # the standard style's version 2 (migration 0010): the alerts end "문의: …" (the wording library's variants,
        # migration 0017, are other styles, never a campaign's default)
        t = NoticeTemplate.objects.get(kind=kind, active=True, style="standard")
        assert t.document_body.lstrip().startswith("<!DOCTYPE html>")
        assert t.sms_text.endswith("문의: {contact}") and t.alert_text.endswith("문의: {contact}"), kind
        assert documents.missing_required_items(t) == [], kind
        if kind in Campaign.MEASURE_KINDS:  # the enforcement steps came later (migration 0013), with "문의: …"
            assert t.version == 1 and {"measure", "explanation"} <= set(t.required_items)
            continue
        assert t.version == 2
        v1 = NoticeTemplate.objects.get(kind=kind, version=1)  # kept, retired, unchanged
        assert not v1.active and v1.document_body == t.document_body and "{office_phone}" in v1.sms_text
    assert documents.required_items_for("arrears") != documents.required_items_for("deadline")
    assert "enforcement_warning" in documents.required_items_for("demand")
    assert "measure" in documents.required_items_for("plate") and "measure" not in documents.required_items_for("demand")
    assert "enforcement_warning" in documents.required_items_for("parking")


@pytest.mark.django_db
def test_new_campaign_takes_the_latest_active_version(clock, office):
    v2 = notices.add_template_version("arrears", actor="designer", clock=clock, name="체납안내문 2판",
                                      alert_text="{office_name}에서 {document_kind}을(를) 보냈습니다. 문의 {office_phone}")
    # the kind's next version (after the wording library's variants 3–6, migration 0017), in the standard style
    assert (v2.version, v2.style) == (7, "standard") and v2.document_body == NoticeTemplate.objects.get(kind="arrears", version=2).document_body
    c = notices.create_campaign(office, name="a", kind="arrears", as_of=AS_OF, actor="m", clock=clock)
    assert c.template == v2
    # the particle written for the reader to pick is chosen for the value (jingsu.korean)
    assert "에서 체납안내문을 보냈습니다." in documents.render_alert(c).text
    v2.active = False
    v2.save()
    c = notices.create_campaign(office, name="b", kind="arrears", as_of=AS_OF, actor="m", clock=clock)
    assert c.template.version == 2
    with pytest.raises(notices.CampaignError, match="종류"):
        notices.create_campaign(office, name="c", kind="demand", as_of=AS_OF, actor="m", clock=clock, template=v2)
    # defaults of the dispatcher's settings
    assert c.channels == ["kakao", "kt", "sms", "paper"] and c.mail_class == "ordinary"
    assert (c.send_window_start.hour, c.send_window_end.hour) == (9, 20)
    assert c.pay_by == AS_OF + timedelta(days=14)


@pytest.mark.django_db
def test_a_version_used_by_a_campaign_is_frozen(clock, office):
    c = notices.create_campaign(office, name="a", kind="arrears", as_of=AS_OF, actor="m", clock=clock)
    t = NoticeTemplate.objects.get(pk=c.template_id)
    t.alert_text = t.alert_text + " 변경"
    with pytest.raises(TemplateInUse):
        t.save()
    t.refresh_from_db()
    t.active = False  # retiring a version is allowed
    t.save()
    with pytest.raises(ProtectedError):
        t.delete()


@pytest.mark.django_db
def test_an_alert_placeholder_outside_the_whitelist_is_rejected(clock, built):
    for field, text in [("alert_text", "{taxpayer_name}님께 안내문"), ("alert_title", "{amount}원 체납"),
                        ("sms_text", "{tax_number} 안내 {link}"), ("alert_text", "문의 {link}"),
                        ("alert_text", "{office_name.__class__}"), ("alert_title", "짝이 {안 맞음")]:
        with pytest.raises(notices.CampaignError, match="치환자|중괄호"):
            notices.add_template_version("arrears", actor="designer", clock=clock, **{field: text})
        with pytest.raises(ValidationError):
            fields = {"alert_title": "t", "alert_text": "t", "sms_text": "t", field: text}
            NoticeTemplate(kind="arrears", version=99, name="x", document_title="t", document_body="",
                           created_by="x", created_at=clock.now(), **fields).save()
    # a row written around save() is still refused when used
    t = notices.add_template_version("arrears", actor="designer", clock=clock)
    NoticeTemplate.objects.filter(pk=t.pk).update(alert_text="{taxpayer_name}님")
    built.template = NoticeTemplate.objects.get(pk=t.pk)
    with pytest.raises(documents.TemplateError, match="taxpayer_name"):
        documents.render_alert(built)


# --- the canary test ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_alert_of_any_template_carries_personal_data(clock, built):
    # one more version besides the defaults, with every allowed placeholder
    notices.add_template_version(
        "arrears", actor="designer", clock=clock, alert_title="[{office_name}] {document_kind}",
        alert_text="{office_name}({office_phone})에서 {document_kind}을(를) 보냈습니다.",
        sms_text="{office_name} {document_kind} {link} {office_phone}",
    )
    notice = _canary_notice(built)
    assert notice.lines.count() == 2
    canaries = _all_values_of(notice)
    # the document does carry them (so the canaries are real) ...
    html = documents.render_html(notice)
    for v in (CANARY["name"], CANARY["tax_number"], CANARY["object"], notice.lines.first().payment_number):
        assert v in html
    assert CANARY["rrn"] not in html and CANARY["address"] not in html and CANARY["mobile"] not in html
    # ... and no alert does, whatever the template and version
    link = f"https://portal.example/n/{notice.token}"
    templates = list(NoticeTemplate.objects.all())
    assert len(templates) >= 6
    for template in templates:
        built.template = template
        alert = documents.render_alert(built, link=link)
        for part in (alert.title, alert.text, alert.sms_text):
            assert part
            leaked = [v for v in canaries if v in part and not (part is alert.sms_text and v == notice.token)]
            assert not leaked, (template, part, leaked)
        assert "중랑구청 세무과" in alert.text or "중랑구청 세무과" in alert.title
        assert link in alert.sms_text


# --- the document --------------------------------------------------------------------------------------------------

REQUIRED_WORDS = ["과세연도", "세목", "산출근거", "납부기한", "납부장소", "체납처분 예고", "이의신청 안내", "문의처",
                  "지방세기본법」 제90조", "90일", "지방세징수법」 제33조"]


def _expected_values(notice) -> list[str]:
    ctx = documents.document_context(notice)
    values = [ctx["taxpayer"]["name"], ctx["taxpayer"]["registration_masked"], ctx["totals"]["total"],
              ctx["pay_by"], "중랑구청 세무과", "02-2094-1234", "위택스"]
    for line in ctx["lines"]:
        values += [line["tax_item_name"], f"{line['tax_year']}년", line["tax_number"], line["principal"],
                   line["payment_number"], line["total"], line["due_date"]]
    return values


@pytest.mark.django_db
def test_html_document_carries_every_required_item_and_value(built):
    notice = _canary_notice(built)
    ctx = documents.document_context(notice)
    assert [ln["tax_item_name"] for ln in ctx["lines"]] == ["재산세", "자동차세"]
    assert ctx["lines"][0]["principal"] == "987,654원" and ctx["as_of"] == "2026. 11. 23."
    assert re.fullmatch(r"[0-9,]+원", ctx["totals"]["total"])
    assert "본세 987,654원 + 지방교육세 197,530원 + 도시지역분 138,271원" in ctx["lines"][0]["basis"]
    assert "납부지연가산세(지방세기본법 제55조)" in ctx["lines"][0]["basis"]  # liability in 2024: new regime
    html = documents.render_html(notice)
    assert '<html lang="ko">' in html
    for word in REQUIRED_WORDS + _expected_values(notice):
        assert word in html, word
    # self-contained: nothing to fetch
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its Flate streams inflated (WeasyPrint puts the font dictionaries in compressed object streams)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", m.end())
        try:
            out.append(zlib.decompress(pdf[m.end():end]))
        except zlib.error:
            continue
    return b"\n".join(out)


def _laid_out_text(html: str) -> str:
    """The text WeasyPrint actually lays out on the pages (no external tool needed)."""
    from weasyprint import HTML

    doc = HTML(string=html).render()
    parts = []
    for page in doc.pages:
        for box in page._page_box.descendants():
            text = getattr(box, "text", None)
            if isinstance(text, str):
                parts.append(text)
    return " ".join(parts)


@pytest.mark.django_db
def test_pdf_document_is_a4_with_the_korean_font_and_every_required_item(built):
    notice = _canary_notice(built)
    pdf = documents.render_pdf(notice)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    objects = _pdf_objects(pdf)
    assert b"NanumGothic" in objects and b"/FontFile2" in objects  # the Korean font is embedded
    assert re.search(rb"/MediaBox \[0 0 595\.\d* 841\.\d*\]", objects)  # A4: 595.28 × 841.89 pt
    text = _laid_out_text(documents.render_html(notice))
    squashed = re.sub(r"\s+", "", text)
    for word in REQUIRED_WORDS + _expected_values(notice):
        assert re.sub(r"\s+", "", word) in squashed, word
    if shutil.which("pdftotext"):  # an extra check where poppler is installed; not required
        out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        extracted = re.sub(r"\s+", "", out.decode())
        for word in REQUIRED_WORDS + _expected_values(notice):
            assert re.sub(r"\s+", "", word) in extracted, word


@pytest.mark.django_db
def test_render_pdfs_reuses_one_renderer(built, django_assert_max_num_queries):
    qs = documents.notices_for_rendering(built.notices.order_by("id"))
    with django_assert_max_num_queries(4):
        out = list(documents.render_pdfs(qs))
    assert len(out) == built.notices.count() and all(pdf.startswith(b"%PDF-") for _, pdf in out)


# --- the hash ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_stored_hash_is_the_hash_of_the_content_and_follows_every_amount(built):
    for notice in documents.notices_for_rendering(built.notices.all()):
        assert notice.doc_hash == documents.document_hash(notice)
        assert documents.document_context(notice)["doc_hash"] == notice.doc_hash
    notice = _canary_notice(built)
    line = notice.lines.order_by("id").first()
    for field in ("tax_due", "penalty", "principal", "education_tax", "city_area_tax"):
        original = getattr(line, field)
        NoticeLine.objects.filter(pk=line.pk).update(**{field: original + 10})
        assert documents.document_hash(_canary_notice(built)) != notice.doc_hash, field
        NoticeLine.objects.filter(pk=line.pk).update(**{field: original})
        assert documents.document_hash(_canary_notice(built)) == notice.doc_hash


@pytest.mark.django_db
def test_canonical_content_does_not_depend_on_wording(clock, built):
    import json

    notice = _canary_notice(built)
    doc = json.loads(documents.notice_canonical_content(notice))
    assert doc["format"] == "jingsu.notice/1" and doc["template"] == {"kind": "arrears", "version": 2}
    assert [x["tax_number"] for x in doc["lines"]] == sorted(x["tax_number"] for x in doc["lines"])
    assert doc["totals"]["total"] == notice.total_amount
    # editing wording on the template object in memory changes the rendered page, not the hash
    notice.campaign.template.intro_text = "다른 문구"
    notice.campaign.template.document_title = "다른 제목"
    assert documents.document_hash(notice) == notice.doc_hash
    assert "다른 제목" in documents.render_html(notice)


# --- approval -----------------------------------------------------------------------------------------------------


def _without_appeal(body: str) -> str:
    start = body.index('<section aria-labelledby="appeal-h"')
    end = body.index("</section>", start) + len("</section>")
    return body[:start] + body[end:]


@pytest.mark.django_db
def test_a_template_missing_a_required_item_blocks_approval(tmp_path, clock, office):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    v1 = NoticeTemplate.objects.get(kind="arrears", version=1)
    broken = notices.add_template_version("arrears", actor="designer", clock=clock,
                                          document_body=_without_appeal(v1.document_body))
    assert documents.missing_required_items(broken) == ["이의신청 안내"]
    # declaring an item is not enough: it has to be on the page; and a page item not declared does not count
    lying = notices.add_template_version("arrears", actor="designer", clock=clock, based_on=broken, active=False)
    assert documents.missing_required_items(lying) == ["이의신청 안내"]
    undeclared = notices.add_template_version("arrears", actor="designer", clock=clock, based_on=v1, active=False,
                                              required_items=[k for k in v1.required_items if k != "contact"])
    assert documents.missing_required_items(undeclared) == ["문의처"]

    campaign = notices.create_campaign(office, name="x", kind="arrears", as_of=AS_OF, actor="maker", clock=clock)
    assert campaign.template == broken
    notices.build_campaign(campaign, actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="필수 기재사항.*이의신청 안내"):
        notices.approve_campaign(campaign, actor="checker", clock=clock)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.BUILT


@pytest.mark.django_db
@pytest.mark.parametrize("kind", Campaign.Kind.values)
def test_default_templates_can_be_approved_by_a_second_person(kind, clock, office):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    if kind == Campaign.Kind.REFUND:  # a 환급금 안내 needs a refund to tell about: overpay one levy
        from jingsu.levies import numbers
        from jingsu.levies.models import Levy
        from jingsu.payments.services import record_payment

        levy = Levy.objects.order_by("pk").first()
        record_payment(source="test", external_id="over", received_at=clock.now(), amount=levy.billed_amount * 3,
                       channel="counter", payment_number=numbers.payment_number(
                           "11260", levy.tax_item, levy.tax_year, levy.pk), virtual_account="", tax_number="",
                       jurisdiction="11260", clock=clock)
    targets = {}
    if kind in Campaign.MEASURE_KINDS:  # an enforcement step is made for named taxpayers and a measure date
        targets = {"taxpayers": list(office.taxpayers.all()), "measure_on": AS_OF + timedelta(days=200)}
    campaign = notices.create_campaign(office, name=kind, kind=kind, as_of=AS_OF, actor="maker", clock=clock,
                                       **targets)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="만든 사람은 승인할 수 없습니다"):
        notices.approve_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    assert campaign.status == Campaign.Status.APPROVED and campaign.approved_by == "checker"


@pytest.mark.django_db
def test_a_demand_must_give_at_most_20_days(clock, office):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(office, name="독촉", kind="demand", as_of=AS_OF, actor="maker", clock=clock,
                                       pay_by=AS_OF + timedelta(days=30))
    notices.build_campaign(campaign, actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="20일"):
        notices.approve_campaign(campaign, actor="checker", clock=clock)


@pytest.mark.django_db
def test_a_demand_deadline_that_would_end_on_a_weekend_may_run_to_monday(clock, office):
    # issued 2026-11-23: + 20 days = 12-13 (Sun) → the latest 납부기한 is Monday 12-14 (지방세기본법 제24조①)
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    late = notices.create_campaign(office, name="독촉", kind="demand", as_of=AS_OF, actor="maker", clock=clock,
                                   pay_by=date(2026, 12, 15))
    ok = notices.create_campaign(office, name="독촉", kind="demand", as_of=AS_OF, actor="maker", clock=clock,
                                 pay_by=date(2026, 12, 14))
    today = clock.now().date()
    assert today == AS_OF
    assert any("20일" in p for p in notices.template_problems(late, today=today))
    assert notices.template_problems(ok, today=today) == []


@pytest.mark.django_db
def test_the_default_deadline_moves_off_a_weekend(clock, office):
    # as_of 2026-11-21 (Sat) + 14 = 12-05 (Sat) → Monday 12-07 (지방세기본법 제24조①1호)
    c = notices.create_campaign(office, name="c", kind="arrears", as_of=date(2026, 11, 21), actor="m", clock=clock)
    assert c.pay_by == date(2026, 12, 7)
