"""Notice documents: alert texts (no personal data), the document (HTML for the portal, PDF for paper), its
canonical content and hash, and the check of a template's required items (지방세징수법 제12조).

Public API (docs/notices.md):

    render_alert(campaign, *, link="{link}") -> Alert(title, text, sms_text)
    document_context(notice) -> dict
    render_html(notice) -> str
    render_pdf(notice) -> bytes
    render_pdfs(notices) -> Iterator[tuple[Notice, bytes]]
    canonical_content(campaign, taxpayer, lines, *, reference) -> bytes
    document_hash(notice) -> str
    missing_required_items(template) -> list[str]
    campaign_figures(campaign) -> dict          (the figures data-filled claims state; frozen at the build)
    wording_problems(campaign, template) -> list[str]

The alert can only say who sent which kind of document: `render_alert` takes the campaign, never a notice, and the
template's placeholders are limited to ALERT_PLACEHOLDERS. The document is rendered from `document_context`, which is
built only from the notice's stored rows (lines carry a snapshot of the amounts), so the hash of the canonical content
can be recomputed and checked by the portal and the paper batch.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from django.template import engines

from jingsu.core.formats import kdate as ymd  # the documents' name for it
from jingsu.core.formats import won
from jingsu.core.models import Sender
from jingsu.korean import AMBIGUOUS
from jingsu.korean import particle as korean_particle
from jingsu.law import params
from jingsu.law.dates import add_months
from jingsu.law.enforcement import explanation_period_end
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.notices.hooks import money
from jingsu.notices.models import (
    ALERT_PLACEHOLDERS,
    SMS_PLACEHOLDERS,
    Campaign,
    Notice,
    NoticeLine,
    NoticeTemplate,
    alert_placeholders,
    check_alert_text,
)

# --- required items (지방세징수법 제12조① + 체납처분 예고, 이의신청, 문의처) -----------------------------------------------

#: key (as marked in the document with data-item="key") → Korean name
REQUIRED_ITEMS: dict[str, str] = {
    "tax_year": "과세연도",
    "tax_item": "세목",
    "amount_basis": "세액과 산출근거",
    "due_date": "납부기한",
    "payment_place": "납부장소",
    "enforcement_warning": "체납처분 예고",
    "appeal": "이의신청 안내",
    "contact": "문의처",
    "measure": "예고하는 조치와 그 날짜·법적 근거",
    "explanation": "소명·납부 방법",
}
#: Kinds whose document must carry the 체납처분 예고.
ENFORCEMENT_KINDS = frozenset({Campaign.Kind.ARREARS, Campaign.Kind.DEMAND, Campaign.Kind.PARKING})
#: Items only the enforcement steps (Campaign.MEASURE_KINDS) carry.
MEASURE_ITEMS = frozenset({"measure", "explanation"})


def required_items_for(kind: str) -> list[str]:
    return [k for k in REQUIRED_ITEMS
            if (k != "enforcement_warning" or kind in ENFORCEMENT_KINDS)
            and (k not in MEASURE_ITEMS or kind in Campaign.MEASURE_KINDS)]


_ITEM_MARK = re.compile(r'data-item="([a-z_]+)"')


def missing_required_items(template: NoticeTemplate) -> list[str]:
    """Korean names of the required items the template does not carry. An item counts as carried when the template
    declares it (required_items) *and* rendering it with a sample notice produces an element marked
    data-item="<key>" — a declaration alone is not trusted."""
    try:
        html = _compiled(template.document_body).render(sample_context(template))
    except Exception as e:  # a template that does not render carries nothing
        return [f"(서식 오류: {e})", *(REQUIRED_ITEMS[k] for k in required_items_for(template.kind))]
    found = set(_ITEM_MARK.findall(html))
    declared = set(template.required_items or [])
    return [REQUIRED_ITEMS[k] for k in required_items_for(template.kind) if not (k in found and k in declared)]


# --- alerts ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    title: str
    text: str
    sms_text: str


class TemplateError(Exception):
    """A template that cannot be used (message in Korean)."""


_FILL = re.compile(r"\{([^{}]*)\}(['\"’”)\]]*)(" + AMBIGUOUS.pattern + ")?")


def _fill(text: str, values: dict[str, str]) -> str:
    """Placeholders replaced by their values; a particle written for the reader to pick after a placeholder
    ("'{document_kind}'을(를)") becomes the one the value takes ("'체납안내문'을"), by jingsu.korean."""

    def one(m: re.Match[str]) -> str:
        value, closers, particle = values[m.group(1)], m.group(2), m.group(3)
        return value + closers + (korean_particle(value, particle) if particle else "")

    return _FILL.sub(one, text)


#: Kakao: title ≤ 40 characters, message ≤ 500 (reference/mobile-enotice.md §1.4).
ALERT_TITLE_MAX = 40
ALERT_TEXT_MAX = 500


def render_alert(campaign: Campaign, *, link: str = "{link}", template: NoticeTemplate | None = None) -> Alert:
    """The alert for every notice of the campaign (of one arm of its experiment: `template`, the arm's): the same
    text for everyone, nothing about the taxpayer. `link` is the opaque portal URL for the SMS (left as the literal
    `{link}` by default, for the caller to fill per notice)."""
    template = template or campaign.template
    errors = [
        *check_alert_text("알림 제목", template.alert_title, ALERT_PLACEHOLDERS),
        *check_alert_text("알림 문구", template.alert_text, ALERT_PLACEHOLDERS),
        *check_alert_text("문자 문구", template.sms_text, SMS_PLACEHOLDERS),
    ]
    if errors:
        raise TemplateError("; ".join(errors))
    # the office as it is set now (its current number is the one a citizen can call back)
    sender = campaign.jurisdiction.sender
    values = {
        "office_name": sender.name,
        "office_phone": sender.phone,
        "contact": sender.contact,
        "document_kind": campaign.get_kind_display(),
    }
    if uses_on_time_share(template):  # the frozen figure (a fresh one before the build, for previews)
        figure = campaign_figures(campaign, [template]).get(ON_TIME_SHARE)
        if figure is None:
            raise TemplateError("기한 내 납부 비율이 대상 확정 때 계산되지 않았습니다.")
        values[ON_TIME_SHARE] = figure["share"]
    alert = Alert(
        title=_fill(template.alert_title, values),
        text=_fill(template.alert_text, values),
        sms_text=_fill(template.sms_text, {**values, "link": link}),
    )
    if len(alert.title) > ALERT_TITLE_MAX or len(alert.text) > ALERT_TEXT_MAX:
        raise TemplateError(f"알림 제목은 {ALERT_TITLE_MAX}자, 알림 문구는 {ALERT_TEXT_MAX}자 이내여야 합니다.")
    return alert


# --- data-filled claims (the wording library, docs/notices.md) -----------------------------------------------------

ON_TIME_SHARE = "on_time_share"
#: the window of levies the on-time share counts: those whose 납부기한 fell in the 12 months before the 기준일 (the
#: office's statistic, not a legal figure)
ON_TIME_WINDOW_MONTHS = 12
#: the fewest levies the share may rest on, and the share "대부분" needs (more than half, as printed): the office's
#: rule for the social-norm wording (Hallsworth et al. 2017 state a true majority), not a legal figure
ON_TIME_MIN_LEVIES = 100
MAJORITY_PERCENT = 50
#: the claim the figure must back: a template that says it without stating the figure is refused
MAJORITY_WORD = "대부분"


def uses_on_time_share(template: NoticeTemplate) -> bool:
    texts = (template.alert_title, template.alert_text, template.sms_text)
    return any(ON_TIME_SHARE in alert_placeholders(t) for t in texts)


def on_time_figure(jurisdiction_id: str, as_of: date) -> dict[str, Any]:
    """The on-time share of `jurisdiction_id` for a campaign dated `as_of`, from the records (`hooks.money().on_time`,
    in jingsu.payments): {"share": "87%", "percent": 87, "paid": n, "levies": m, "from": ISO, "to": ISO}. The percent
    is rounded down, so the printed figure never overstates."""
    start, end = add_months(as_of, -ON_TIME_WINDOW_MONTHS), as_of - timedelta(days=1)
    counted = money().on_time(jurisdiction_id, start, end)
    percent = counted.paid * 100 // counted.levies if counted.levies else 0
    return {"share": f"{percent}%", "percent": percent, "paid": counted.paid, "levies": counted.levies,
            "from": start.isoformat(), "to": end.isoformat()}


def campaign_figures(campaign: Campaign, templates: Iterable[NoticeTemplate] | None = None) -> dict[str, Any]:
    """The figures the campaign's data-filled claims state: those frozen at the build (`Campaign.figures`), or — before
    it — computed now from the records (for previews and checks). `templates`: compute only what these use (the build
    passes the campaign's template and its arms'); None: every figure."""
    if campaign.figures:
        return dict(campaign.figures)
    wanted = templates is None or any(uses_on_time_share(t) for t in templates)
    return {ON_TIME_SHARE: on_time_figure(campaign.jurisdiction_id, campaign.as_of)} if wanted else {}


def wording_problems(campaign: Campaign, template: NoticeTemplate) -> list[str]:
    """Why `template`'s data-filled claims cannot go out in `campaign` (Korean); empty when they can. A template that
    states the on-time share says "대부분": the records must give at least ON_TIME_MIN_LEVIES levies and a share above
    MAJORITY_PERCENT (the frozen figure after the build). Approval (`services.template_problems`) and the experiment's
    arms (`experiments.set_arms`, `experiments.problems`) both ask here."""
    if not uses_on_time_share(template):
        texts = (template.alert_title, template.alert_text, template.sms_text, template.intro_text)
        if any(MAJORITY_WORD in t for t in texts):
            return [f"서식({template})에서 '{MAJORITY_WORD}'이라고 쓰려면 기한 내 납부 비율({{{ON_TIME_SHARE}}})을 함께 "
                    "적어야 합니다. 사회 규범 문구는 기록에서 계산한 수치로만 주장합니다."]
        return []
    fig = campaign_figures(campaign, [template]).get(ON_TIME_SHARE)
    if fig is None:  # frozen without it: the build did not know this template would state it
        return [f"서식({template})의 기한 내 납부 비율이 대상 확정 때 계산되지 않았습니다."]
    where = f"{ymd(date.fromisoformat(fig['from']))}–{ymd(date.fromisoformat(fig['to']))} 납부기한"
    if fig["levies"] < ON_TIME_MIN_LEVIES:
        return [f"서식({template}): 기한 내 납부 비율을 계산할 고지가 {fig['levies']}건뿐이라({where}, "
                f"{ON_TIME_MIN_LEVIES}건 미만) '대부분'이라고 쓸 수 없습니다."]
    if fig["percent"] <= MAJORITY_PERCENT:
        return [f"서식({template}): 기한 내 납부 비율이 {fig['share']}라({where} {fig['levies']}건 중 "
                f"{fig['paid']}건) '대부분'이라고 쓸 수 없습니다."]
    return []


#: The deterrence document's sentence when no rule gives this taxpayer a measure and a date (the intro's
#: {next_measure}); the measures are named in general words, as the alert's.
GENERAL_DETERRENCE = ("납부기한까지 내지 않으시면 「지방세징수법」에 따라 재산 압류 등 체납처분을 받을 수 있습니다.")


def next_measure_sentence(deterrence: dict[str, Any] | None) -> str:
    """The deterrence document's sentence: this taxpayer's next measure, from when, on what basis (the notice's
    canonical content, `Notice.deterrence`), or the general sentence without a date."""
    if not deterrence:
        return GENERAL_DETERRENCE
    on = ymd(date.fromisoformat(deterrence["on"]))
    measure = deterrence["measure"]
    return (f"납부기한까지 내지 않으시면 {on} 이후 {measure}({deterrence['basis']})"
            f"{korean_particle(measure, '을')} 할 수 있습니다.")


# --- legal wording per kind (values of the law, not of the template) ---------------------------------------------

PAYMENT_PLACES = [
    "위택스(www.wetax.go.kr) 또는 서울시 이택스(etax.seoul.go.kr): 전자납부번호로 조회하여 납부",
    "전국 은행·우체국 창구, 현금자동입출금기, 인터넷·모바일뱅킹: 지방세 납부 메뉴에서 전자납부번호 입력",
    "가상계좌 이체: 납부 화면에서 건별 가상계좌를 발급받아 이체 (문의처에서도 안내)",
    "간편결제(카카오페이·네이버페이 등) 및 신용카드: 위택스 또는 전자고지 열람 화면에서 납부",
]

_LOCAL_TAX_MEASURES = (
    "체납액이 있으면 「지방세징수법」에 따라 관허사업 제한(제7조: 3회 이상 체납, 체납액 30만 원 이상), "
    "출국금지 요청(제8조: 정당한 사유 없이 3천만 원 이상 체납), 고액·상습체납자 명단공개(제11조: 체납 발생일부터 "
    "1년이 지난 1천만 원 이상) 등의 조치를 받을 수 있습니다."
)

ENFORCEMENT_WARNING: dict[str, list[str]] = {
    Campaign.Kind.ARREARS: [
        "납부기한까지 납부하지 않으면 「지방세징수법」 제33조에 따라 부동산·자동차·예금·급여 등 재산을 압류하는 "
        "체납처분을 받을 수 있으며, 납부지연가산세가 계속 늘어납니다.",
        _LOCAL_TAX_MEASURES,
    ],
    Campaign.Kind.DEMAND: [
        "이 독촉장에 적힌 납부기한까지 완납하지 않으면 「지방세징수법」 제33조제1항제1호에 따라 재산을 압류합니다.",
        _LOCAL_TAX_MEASURES,
    ],
    Campaign.Kind.PARKING: [
        "납부기한까지 납부하지 않으면 「질서위반행위규제법」 제24조와 「지방행정제재·부과금의 징수 등에 관한 법률」에 "
        "따라 재산을 압류할 수 있으며, 가산금이 더해집니다.",
        "자동차 관련 과태료를 체납하면 자동차 등록번호판 영치(「질서위반행위규제법」 제55조), 관허사업 제한(같은 법 "
        "제52조) 등의 조치를 받을 수 있습니다.",
    ],
}

_TAX_APPEAL = [
    "지방세 부과·징수 처분에 이의가 있으면 처분이 있음을 안 날(처분의 통지를 받았을 때에는 통지받은 날)부터 90일 "
    "이내에 「지방세기본법」 제90조에 따라 이의신청을 하거나, 같은 법 제91조에 따라 조세심판원에 심판청구를 할 수 "
    "있습니다.",
    "이의신청이나 심판청구를 하더라도 체납처분의 집행은 원칙적으로 중지되지 않습니다. 자세한 절차는 문의처로 연락하세요.",
]

APPEAL: dict[str, list[str]] = {
    Campaign.Kind.ARREARS: _TAX_APPEAL,
    Campaign.Kind.DEADLINE: _TAX_APPEAL,
    Campaign.Kind.REFUND: _TAX_APPEAL,
    Campaign.Kind.DEMAND: _TAX_APPEAL,
    Campaign.Kind.PARKING: [
        "과태료 부과에 이의가 있으면 과태료 부과 통지를 받은 날부터 60일 이내에 「질서위반행위규제법」 제20조에 따라 "
        "서면으로 이의제기를 할 수 있습니다. 이의제기 기간이 지나 확정된 과태료는 이의제기를 할 수 없습니다.",
        "자세한 절차는 문의처로 연락하세요.",
    ],
    # the steps of an enforcement case rest on the 지방세 owed: the appeal is the tax's (their 소명 is the measure's)
    **{kind: _TAX_APPEAL for kind in Campaign.MEASURE_KINDS},
}

# --- the enforcement steps: the measure each one announces (its wording; its dates are the campaign's) -------------


@dataclass(frozen=True)
class MeasureWording:
    """What one enforcement step says: the measure, the label of its date, the legal basis (law and article) and
    the paragraphs on what happens and how to avoid it (소명, 납부). `what` may name the law's figures as `{age}`
    (a period, e.g. "1년") and `{count}` (체납 횟수): `terms` reads them from jingsu.law's parameters as of the
    notice's date (never typed here) and the canonical content carries them."""

    name: str
    date_label: str
    basis: str
    what: tuple[str, ...]
    explanation: tuple[str, ...]
    terms: tuple[tuple[str, str], ...] = ()  # placeholder → parameter path (enforcement.yaml), as of the 통지일


def _months(n: int) -> str:
    return f"{n // 12}년" if n % 12 == 0 else f"{n}개월"


_PAY_FIRST = "예정일 전까지 체납액을 모두 납부하시면 이 조치를 하지 않습니다. 납부 방법은 아래 '납부장소와 방법'을 보세요."

MEASURES: dict[str, MeasureWording] = {
    Campaign.Kind.DISCLOSURE: MeasureWording(
        name="고액·상습체납자 명단공개",
        date_label="공개 예정일",
        basis="「지방세징수법」 제11조, 같은 법 시행령 제19조",
        terms=(("age", "enforcement.disclosure.age_months"),),
        what=(
            "체납 발생일부터 {age}이 지난 지방세가 「지방세징수법」 제11조제1항의 기준금액 이상이어서, 지방세심의위원회의 "
            "심의를 거쳐 귀하를 명단공개 대상자로 정하였음을 같은 조 제3항에 따라 알려 드립니다.",
            "소명 기간이 지난 뒤 지방세심의위원회가 체납액의 납부이행 등을 고려하여 다시 심의하고, 공개대상자로 "
            "선정되면 성명(상호)·나이·직업·주소, 체납액의 세목·납부기한·체납 요지 등이 관보·공보 또는 행정안전부와 "
            "지방자치단체의 정보통신망에 공개됩니다 (같은 조 제4항).",
        ),
        explanation=(
            "소명 기간 안에 체납액을 납부하거나, 공개하지 않을 사유(회생계획에 따른 납부, 물적납세의무에 관한 체납 등, "
            "같은 법 시행령 제19조제1항)를 소명할 자료를 문의처에 제출할 수 있습니다.",
        ),
    ),
    Campaign.Kind.LICENSE: MeasureWording(
        name="관허사업의 제한 (허가등의 거부, 사업의 정지 또는 허가등의 취소 요구)",
        date_label="제한 요구 예정일",
        basis="「지방세징수법」 제7조, 같은 법 시행령 제9조·제12조",
        terms=(("count", "enforcement.license.min_count"),),
        what=(
            "지방세를 체납한 자에게는 허가·인가·면허·등록 및 그 갱신(허가등)을 하지 않도록 주무관청에 요구할 수 있고 "
            "(「지방세징수법」 제7조제1항), 허가등을 받아 경영하는 사업에서 {count}회 이상 체납하고 체납액이 기준금액 이상이면 "
            "그 사업의 정지 또는 허가등의 취소를 요구할 수 있습니다 (같은 조 제2항).",
            "예정일까지 납부하지 않으면 귀하의 관허사업에 대하여 주무관청에 위의 요구를 할 예정임을 미리 알려 드립니다.",
        ),
        explanation=(
            "재해·도난으로 재산에 심한 손실을 입은 경우, 사업에 심한 손해를 입은 경우, 질병·중상해로 납부가 곤란한 "
            "경우 등 같은 법 시행령 제9조의 사유가 있으면 예정일 전까지 그 사유를 소명할 자료를 문의처에 제출해 주세요.",
        ),
    ),
    Campaign.Kind.PLATE: MeasureWording(
        name="자동차등록번호판 영치",
        date_label="영치 예정일",
        basis="「지방세법」 제131조, 같은 법 시행령 제128조",
        what=(
            "자동차세를 체납하여 독촉기한까지 납부하지 않으면 「지방세법」 제131조제1항과 같은 법 시행령 "
            "제128조제2항에 따라 자동차등록번호판을 영치합니다. 번호판이 영치된 자동차는 운행할 수 없습니다.",
            "영치한 뒤에도 체납된 자동차세를 납부하면 번호판을 돌려 드립니다 (같은 법 시행령 제128조제4항).",
        ),
        explanation=(
            "직접적인 생계유지 목적으로 쓰는 자동차이면 같은 법 제131조제2항에 따라 영치의 일시 해제를 신청할 수 "
            "있습니다. 이미 납부하셨거나 차량을 처분하셨다면 문의처로 알려 주세요.",
        ),
    ),
    Campaign.Kind.CREDIT: MeasureWording(
        name="체납자료의 신용정보집중기관 제공",
        date_label="제공 예정일",
        basis="「지방세징수법」 제9조, 같은 법 시행령 제16조",
        terms=(("age", "enforcement.credit.age_months"), ("count", "enforcement.credit.count")),
        what=(
            "체납 발생일부터 {age}이 지나고 체납액이 기준금액 이상이거나, 1년에 {count}회 이상 체납하고 체납액이 기준금액 "
            "이상이면 「신용정보의 이용 및 보호에 관한 법률」에 따른 종합신용정보집중기관 등이 요구할 때 체납자료를 "
            "제공할 수 있습니다 (「지방세징수법」 제9조제1항).",
            "체납자료가 제공되면 금융거래 등에서 불이익을 받을 수 있습니다.",
        ),
        explanation=(
            "재해·도난, 사업의 현저한 손실 등 같은 법 시행령 제16조제1항의 사유가 있거나 체납처분이 유예된 경우에는 "
            "제공하지 않으니, 해당하면 예정일 전까지 소명할 자료를 문의처에 제출해 주세요.",
        ),
    ),
}


def measure_content(campaign: Campaign) -> dict[str, Any] | None:
    """The measure part of an enforcement step's canonical content (None for every other kind, whose content is
    unchanged): the measure's date, its legal basis and, for 명단공개, the 통지일 (the campaign's 기준일, the
    document's date) and the last day of the 소명 기간 — 통지일부터 6개월, computed by jingsu.law
    (`law.enforcement.explanation_period_end`), never here."""
    wording = MEASURES.get(campaign.kind)
    if wording is None:
        return None
    out: dict[str, Any] = {
        "name": wording.name,
        "basis": wording.basis,
        "on": campaign.measure_on.isoformat() if campaign.measure_on else None,
    }
    if wording.terms:
        terms = {}
        for key, path in wording.terms:
            n = params.typed_value(params.get(campaign.jurisdiction_id, path, campaign.as_of), int)
            terms[key] = _months(n) if key == "age" else str(n)
        out["terms"] = terms
    if campaign.kind == Campaign.Kind.DISCLOSURE:
        out["notified_on"] = campaign.as_of.isoformat()
        out["explanation_until"] = explanation_period_end(campaign.jurisdiction_id, campaign.as_of).isoformat()
        out["paid_ratio"] = _percent(params.typed_value(
            params.get(campaign.jurisdiction_id, "enforcement.disclosure.paid_ratio", campaign.as_of), Fraction))
    return out


def _percent(r: Fraction) -> str:
    x = r * 100
    return f"{x.numerator}%" if x.denominator == 1 else f"{float(x):g}%"


def _measure_context(kind: str, measure: dict[str, Any] | None) -> dict[str, Any] | None:
    if measure is None:
        return None
    wording = MEASURES[kind]
    on = date.fromisoformat(measure["on"]) if measure.get("on") else None
    explanation = list(wording.explanation)
    until = ""
    if measure.get("explanation_until"):
        until = ymd(date.fromisoformat(measure["explanation_until"]))
        explanation.insert(0, f"소명 기간: 통지일({ymd(date.fromisoformat(measure['notified_on']))}) 다음 날부터 "
                              f"{until}까지")
    if measure.get("paid_ratio"):
        explanation.append(f"통지일부터 이 통지에 적힌 체납액의 {measure['paid_ratio']} 이상을 납부하시면 명단을 공개하지 "
                           "않습니다 (같은 법 시행령 제19조제1항제1호).")
    explanation.append(_PAY_FIRST)
    return {
        "name": measure["name"],
        "date_label": wording.date_label,
        "on": ymd(on) if on else "",
        "basis": measure["basis"],
        "what": [para.format(**measure.get("terms", {})) for para in wording.what],
        "explanation": explanation,
        "explanation_until": until,
    }


BASIS_NOTE = (
    "세액은 고지세액(본세 + 지방교육세 + 도시지역분)에서 이미 납부한 금액을 뺀 미납 세액에 가산금·납부지연가산세를 "
    "더한 금액이며, 기준일 현재로 계산했습니다. 10원 미만은 버립니다(지방세기본법 제59조)."
)


@functools.lru_cache(maxsize=64)
def _regime(jurisdiction: str, liability_date: date) -> str:
    from jingsu.law.penalty import regime_for

    try:
        return regime_for(jurisdiction, liability_date)
    except Exception:  # a date the law's parameters do not cover: say both names rather than guess
        return "?"


def penalty_label(jurisdiction: str, tax_item: str, liability_date: date | None) -> str:
    """The name and legal basis of the penalty head for one line."""
    item = TAX_ITEMS.get(tax_item)
    if item is not None and item.key == "parking-fine":
        return "가산금(질서위반행위규제법 제24조)"
    if item is not None and item.nature == "non-tax":
        return "가산금(지방행정제재·부과금의 징수 등에 관한 법률)"
    regime = _regime(jurisdiction, liability_date) if liability_date else "?"
    if regime == "B":
        return "납부지연가산세(지방세기본법 제55조)"
    if regime == "A":
        return "가산금·중가산금(종전 지방세징수법)"
    return "가산금·납부지연가산세"


# --- canonical content and hash ------------------------------------------------------------------------------------

CANONICAL_FORMAT = "jingsu.notice/1"


def canonical_line(
    *, tax_number: str, tax_item: str, tax_year: int, period: str, object_description: str, liability_date: date,
    due_date: date, payment_number: str, principal: int, education_tax: int, city_area_tax: int, tax_due: int,
    penalty: int, enforcement_cost: int = 0, refund: int = 0,
) -> dict[str, Any]:
    line = {
        "tax_number": tax_number,
        "tax_item": tax_item,
        "tax_year": tax_year,
        "period": period,
        "object": object_description,
        "liability_date": liability_date.isoformat(),
        "due_date": due_date.isoformat(),
        "payment_number": payment_number,
        "principal": principal,
        "education_tax": education_tax,
        "city_area_tax": city_area_tax,
        "tax_due": tax_due,
        "penalty": penalty,
        "total": enforcement_cost + tax_due + penalty,
    }
    if enforcement_cost:  # only lines with 체납처분비 carry it, so every other document's content (and hash) is unchanged
        line["enforcement_cost"] = enforcement_cost
    if refund:  # only 환급금 안내 lines carry it, so every other document's content (and hash) is unchanged
        line["refund"] = refund
    return line


def canonical_content(campaign: Campaign, taxpayer: Any, lines: Iterable[dict[str, Any]], *, reference: str,
                      template: NoticeTemplate | None = None, deterrence: dict[str, Any] | None = None) -> bytes:
    """The document's content in a canonical form (sorted-key JSON, compact separators, UTF-8): its SHA-256 is the
    hash registered for 유통증명. It holds every value the document shows and none of its wording or layout (the
    template is identified by kind and version only). `lines` are canonical_line() dicts in 과세번호 order.

    The document is an object of these members (the optional ones only when present, so that every other document's
    content is unchanged): "format" (CANONICAL_FORMAT), "issuer" (the jurisdiction's code and the sender frozen on the
    campaign at the build, Campaign.issuer; "team" only when one is set), "kind", "legal_nature", "template" ({kind,
    version}), "as_of", "pay_by", "reference", "taxpayer" ({name, registration}), "lines", "totals" ({tax_due,
    penalty, total}, plus "refund" and "enforcement_cost" when the lines carry any), "measure" (the enforcement steps
    only, `measure_content`) and "deterrence" (a deterrence document's next measure, when given).

    campaign.jurisdiction and campaign.template should be loaded once by the caller. `template`: the notice's own when
    it differs from the campaign's (an experiment's arm, Notice.template). `deterrence`: a deterrence-style notice's
    next measure (Notice.deterrence), carried only when given. For many notices of one campaign use one
    `CanonicalEncoder` (the build does): the same bytes, the shared members encoded once."""
    return CanonicalEncoder(campaign)(taxpayer, lines, reference=reference, template=template,
                                      deterrence=deterrence)


#: `json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`, the encoder made once (json.dumps
#: makes one per call when given options)
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


class CanonicalEncoder:
    """`canonical_content` of the notices of one campaign (its issuer, kind, dates and measure read once).

    The content is `json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`. With sorted keys
    and no indentation an object encodes as its members, in key order, each `"key":` followed by the encoding of its
    value on its own — so the members every notice of the campaign shares are encoded once here, and each notice's
    own members are encoded and joined in their places in the key order: the same bytes, by construction
    (tests/notices/test_build_equivalence.py checks them against one `json.dumps` of the whole document)."""

    def __init__(self, campaign: Campaign) -> None:
        j = campaign.jurisdiction
        measure = measure_content(campaign)
        # the members in key order: as_of, [deterrence], format, issuer, kind, legal_nature, lines, [measure],
        # pay_by, reference, taxpayer, template, totals
        self._head = '{"as_of":' + _encode(campaign.as_of.isoformat())
        self._before_lines = (
            ',"format":' + _encode(CANONICAL_FORMAT)
            + ',"issuer":' + _encode({"code": j.code, **campaign.sender.as_issuer()})
            + ',"kind":' + _encode(campaign.kind)
            + ',"legal_nature":' + _encode(campaign.legal_nature)
            + ',"lines":'
        )
        self._after_lines = (
            (',"measure":' + _encode(measure) if measure is not None else "")
            + ',"pay_by":' + _encode(campaign.pay_by.isoformat() if campaign.pay_by else None)
            + ',"reference":'
        )
        self._template = campaign.template
        self._templates: dict[tuple[str, int], str] = {}

    def __call__(self, taxpayer: Any, lines: Iterable[dict[str, Any]], *, reference: str,
                 template: NoticeTemplate | None = None, deterrence: dict[str, Any] | None = None) -> bytes:
        template = template or self._template
        key = (template.kind, template.version)
        template_json = self._templates.get(key)
        if template_json is None:
            template_json = self._templates[key] = _encode({"kind": template.kind, "version": template.version})
        line_list = list(lines)
        totals = {
            "tax_due": sum(x["tax_due"] for x in line_list),
            "penalty": sum(x["penalty"] for x in line_list),
            "total": sum(x["total"] for x in line_list),
        }
        refund = sum(x.get("refund", 0) for x in line_list)
        if refund:
            totals["refund"] = refund
        cost = sum(x.get("enforcement_cost", 0) for x in line_list)
        if cost:
            totals["enforcement_cost"] = cost
        return "".join((
            self._head,
            ',"deterrence":' + _encode(dict(deterrence)) if deterrence else "",
            self._before_lines, _encode(line_list),
            self._after_lines, _encode(reference),
            ',"taxpayer":', _encode({"name": taxpayer.name, "registration": taxpayer.registration_masked}),
            ',"template":', template_json,
            ',"totals":', _encode(totals),
            "}",
        )).encode()


def _stored_lines(notice: Notice) -> list[NoticeLine]:
    cache = getattr(notice, "_prefetched_objects_cache", {})
    if "lines" in cache:
        lines = list(cache["lines"])
    else:
        lines = list(notice.lines.select_related("levy"))
    return sorted(lines, key=lambda ln: ln.levy.tax_number)


def _canonical_lines(notice: Notice) -> list[dict[str, Any]]:
    return [
        canonical_line(
            tax_number=ln.levy.tax_number, tax_item=ln.levy.tax_item, tax_year=ln.levy.tax_year,
            period=ln.levy.period, object_description=ln.levy.object_description,
            liability_date=ln.levy.liability_date, due_date=ln.levy.due_date, payment_number=ln.payment_number,
            principal=ln.principal, education_tax=ln.education_tax, city_area_tax=ln.city_area_tax,
            tax_due=ln.tax_due, penalty=ln.penalty, enforcement_cost=ln.enforcement_cost, refund=ln.refund,
        )
        for ln in _stored_lines(notice)
    ]


def notice_canonical_content(notice: Notice) -> bytes:
    return canonical_content(notice.campaign, notice.taxpayer, _canonical_lines(notice), reference=notice.reference,
                             template=notice.template, deterrence=notice.deterrence)


def document_hash(notice: Notice) -> str:
    """SHA-256 (hex) of the canonical content recomputed from the stored notice; equals notice.doc_hash unless a
    stored value changed after the build."""
    return hashlib.sha256(notice_canonical_content(notice)).hexdigest()


# --- document context and rendering ---------------------------------------------------------------------------------


def _line_context(jurisdiction: str, c: dict[str, Any]) -> dict[str, Any]:
    billed = c["principal"] + c["education_tax"] + c["city_area_tax"]
    paid = max(billed - c["tax_due"], 0)
    label = penalty_label(jurisdiction, c["tax_item"], date.fromisoformat(c["liability_date"]))
    heads = [f"본세 {won(c['principal'])}"]
    if c["education_tax"]:
        heads.append(f"지방교육세 {won(c['education_tax'])}")
    if c["city_area_tax"]:
        heads.append(f"도시지역분 {won(c['city_area_tax'])}")
    basis = " + ".join(heads) + f" = 고지세액 {won(billed)}"
    if paid:
        basis += f"; 고지세액 {won(billed)} − 이미 납부한 세액 {won(paid)} = 미납 세액 {won(c['tax_due'])}"
    cost = c.get("enforcement_cost", 0)
    cost_part = f"체납처분비 {won(cost)} + " if cost else ""
    basis += f"; {cost_part}미납 세액 {won(c['tax_due'])} + {label} {won(c['penalty'])} = 합계 {won(c['total'])}"
    item = TAX_ITEMS.get(c["tax_item"])
    return {
        "tax_item": c["tax_item"],
        "tax_item_name": item.name if item else c["tax_item"],
        "tax_year": c["tax_year"],
        "period": c["period"],
        "tax_number": c["tax_number"],
        "object_description": c["object"],
        "principal": won(c["principal"]),
        "education_tax": won(c["education_tax"]),
        "city_area_tax": won(c["city_area_tax"]),
        "has_education_tax": bool(c["education_tax"]),
        "has_city_area_tax": bool(c["city_area_tax"]),
        "billed": won(billed),
        "paid": won(paid),
        "has_paid": bool(paid),
        "tax_due": won(c["tax_due"]),
        "penalty": won(c["penalty"]),
        "penalty_label": label,
        "total": won(c["total"]),
        "due_date": ymd(date.fromisoformat(c["due_date"])),
        "payment_number": c["payment_number"],
        "basis": basis,
        "enforcement_cost": won(cost),
        "has_enforcement_cost": bool(cost),
        "refund": won(c.get("refund", 0)),
        "has_refund": bool(c.get("refund")),
    }


def _office(issuer: dict[str, Any]) -> dict[str, str]:
    """The sender as the document shows it: name = office and team, phone, contact = both (never a bare label)."""
    sender = Sender.from_issuer(issuer)
    return {"name": sender.name, "phone": sender.phone, "contact": sender.contact}


def _context_from_canonical(doc: dict[str, Any], template: NoticeTemplate, kind_display: str,
                            nature_display: str) -> dict[str, Any]:
    kind = doc["kind"]
    lines = [_line_context(doc["issuer"]["code"], c) for c in doc["lines"]]
    labels = {ln["penalty_label"] for ln in lines}
    intro = template.intro_text
    if "{" in intro:  # the intro's data-filled parts: the name, the next measure (models.INTRO_PLACEHOLDERS)
        intro = _fill(intro, {"taxpayer_name": doc["taxpayer"]["name"],
                              "next_measure": next_measure_sentence(doc.get("deterrence"))})
    return {
        "title": template.document_title,
        "intro": intro,
        "kind": kind,
        "kind_display": kind_display,
        "legal_nature_display": nature_display,
        "template_version": template.version,
        "reference": doc["reference"],
        "as_of": ymd(date.fromisoformat(doc["as_of"])),
        "pay_by": ymd(date.fromisoformat(doc["pay_by"])) if doc["pay_by"] else "",
        "office": _office(doc["issuer"]),
        "taxpayer": {"name": doc["taxpayer"]["name"], "registration_masked": doc["taxpayer"]["registration"]},
        "lines": lines,
        "totals": {
            "count": len(lines),
            "tax_due": won(doc["totals"]["tax_due"]),
            "penalty": won(doc["totals"]["penalty"]),
            "penalty_label": labels.pop().split("(")[0] if len(labels) == 1 else "가산금·납부지연가산세",
            "total": won(doc["totals"]["total"]),
            "has_enforcement_cost": bool(doc["totals"].get("enforcement_cost")),
            "enforcement_cost": won(doc["totals"].get("enforcement_cost", 0)),
            "has_refund": bool(doc["totals"].get("refund")),
            "refund": won(doc["totals"].get("refund", 0)),
            # 지방세기본법 제60조: the refund is first set off against what is owed; the rest is paid out
            "refund_net": won(max(doc["totals"].get("refund", 0) - doc["totals"]["total"], 0)),
            "owed_after_refund": won(max(doc["totals"]["total"] - doc["totals"].get("refund", 0), 0)),
        },
        "basis_note": BASIS_NOTE,
        "payment_places": PAYMENT_PLACES,
        "enforcement_warning": ENFORCEMENT_WARNING.get(kind, []),
        "appeal": APPEAL[kind],
        "measure": _measure_context(kind, doc.get("measure")),
    }


def document_context(notice: Notice) -> dict[str, Any]:
    """Everything the document shows, formatted (amounts '1,234,560원', dates '2026. 11. 23.'), plus `canonical`:
    the canonical content bytes the values were taken from (so the document is exactly a view of the hashed
    content)."""
    content = notice_canonical_content(notice)
    campaign = notice.campaign
    ctx = _context_from_canonical(json.loads(content), notice.template, campaign.get_kind_display(),
                                  campaign.get_legal_nature_display())
    ctx["doc_hash"] = hashlib.sha256(content).hexdigest()
    return ctx


def sample_context(template: NoticeTemplate) -> dict[str, Any]:
    """A context with two sample lines, for checking and previewing a template without a notice."""
    lines = [
        canonical_line(tax_number="11260-14-2024-0000001", tax_item="14", tax_year=2024, period="정기2기",
                       object_description="예시동 1-1 주택", liability_date=date(2024, 6, 1),
                       due_date=date(2024, 9, 30), payment_number="1126014240000001238", principal=120000,
                       education_tax=24000, city_area_tax=16800, tax_due=160800, penalty=4820),
        canonical_line(tax_number="11260-15-2023-0000002", tax_item="15", tax_year=2023, period="정기1기",
                       object_description="12가3456", liability_date=date(2023, 6, 1),
                       due_date=date(2023, 6, 30), payment_number="1126015230000002236", principal=200000,
                       education_tax=60000, city_area_tax=0, tax_due=260000, penalty=7800),
    ]
    doc = {
        "kind": template.kind, "reference": "NSAMPLE0000000000000", "as_of": "2026-11-23", "pay_by": "2026-12-10",
        "issuer": {"code": "11260", "office": "예시구 세무과", "team": "체납징수팀", "phone": "02-000-0000"},
        "taxpayer": {"name": "홍길동", "registration": "800101-1******"},
        "lines": lines,
        "totals": {k: sum(x[k] for x in lines) for k in ("tax_due", "penalty", "total")},
    }
    if template.style == NoticeTemplate.Style.DETERRENCE:
        doc["deterrence"] = {"measure": "재산 압류", "on": "2026-12-11", "basis": "지방세징수법 제33조①1호"}
    if template.kind in MEASURES:
        doc["measure"] = {"name": MEASURES[template.kind].name, "basis": MEASURES[template.kind].basis,
                          "on": "2027-01-15", "terms": {"age": "1년", "count": "3"}}
        if template.kind == Campaign.Kind.DISCLOSURE:
            until = explanation_period_end("11260", date(2026, 11, 23))
            doc["measure"] |= {"notified_on": "2026-11-23", "explanation_until": until.isoformat(),
                               "paid_ratio": "50%"}
    kind = Campaign.Kind(template.kind)
    return _context_from_canonical(doc, template, kind.label,
                                   Campaign.LegalNature(Campaign.NATURE_OF_KIND[kind]).label)


@functools.lru_cache(maxsize=32)
def _compiled(source: str) -> Any:
    return engines["django"].from_string(source)


def render_html(notice: Notice) -> str:
    """The document as one self-contained HTML page (lang="ko", inline CSS, no external resources)."""
    return _compiled(notice.template.document_body).render(document_context(notice))


PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-family: "NanumGothic"; font-size: 8pt; } }
html, body { font-family: "NanumGothic", sans-serif; }
body { font-size: 9pt; line-height: 1.4; }
main { max-width: none; padding: 0; }
h1 { font-size: 16pt; } h2 { font-size: 11pt; margin: 10pt 0 4pt; }
.summary, .line { padding: 4pt 8pt; margin: 6pt 0; }
.line { break-inside: auto; }
tr { break-inside: avoid; }
th, td { padding: 1.5pt 4pt; }
footer { margin-top: 10pt; }
"""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"external resource refused in a notice document: {url}")


class _PdfRenderer:
    """WeasyPrint with one font configuration and one compiled print stylesheet, reused across documents."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self.css = CSS(string=PRINT_CSS, font_config=self.font_config)

    def render(self, html: str) -> bytes:
        from weasyprint import HTML

        return HTML(string=html, url_fetcher=_no_fetch).write_pdf(
            stylesheets=[self.css], font_config=self.font_config
        )


def html_to_pdf(html: str) -> bytes:
    """Any of jingsu's self-contained documents (the portal's 납부확인서) as an A4 PDF, with the notices' font and print
    stylesheet; external resources refused."""
    return _PdfRenderer().render(html)


def render_pdf(notice: Notice) -> bytes:
    """The document as an A4 PDF (NanumGothic embedded), for paper."""
    return _PdfRenderer().render(render_html(notice))


def render_pdfs(notices: Iterable[Notice]) -> Iterator[tuple[Notice, bytes]]:
    """PDFs for many notices, reusing one font configuration and stylesheet. Pass notices with
    select_related("campaign__jurisdiction", "campaign__template", "taxpayer") and prefetch_related("lines__levy")
    to avoid queries per notice."""
    renderer = _PdfRenderer()
    for notice in notices:
        yield notice, renderer.render(render_html(notice))


def notices_for_rendering(queryset: Any) -> Any:
    """The select/prefetch that render_pdfs and render_html need for a batch of notices."""
    return queryset.select_related("campaign__jurisdiction", "campaign__template", "taxpayer").prefetch_related(
        "lines__levy"
    )
