"""Reward documents: the ledgers (별지 제1호·제2호서식), the decision record (심사결정서), the claim (별지 제3호서식)
as HTML/PDF (WeasyPrint, NanumGothic, as the notices use) and XLSX (openpyxl), and the bank-transfer file (CSV, CP949,
docs/formats/reward-transfer.md).

Ledger rows are built from the records (levies, payments, actions, findings, decisions, claims); nothing is typed
twice. Taxpayer names and addresses are masked on the ledgers (principle 3); officials see the full record on screen.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from jingsu.core.exports import csv_writer, xlsx_append
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.rewards.derive import derive_arrears_merits
from jingsu.rewards.models import (
    Claim,
    Decision,
    DecisionItem,
    EnforcementAction,
    HiddenRevenueFinding,
    RewardCase,
    TransferBatch,
    method_label,
)


def mask_name(name: str) -> str:
    """김민준 → 김*준; 홍길 → 홍*; corporations keep their first two characters."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_address(address: str) -> str:
    """Keep the 시·구 and the road or 동, hide the rest: '서울특별시 영등포구 여의대로 *'."""
    parts = address.split()
    return " ".join(parts[:3]) + (" *" if len(parts) > 3 else "")


def _tax_item_name(code: str) -> str:
    item = TAX_ITEMS.get(code)
    return item.name if item else code


def _ymd(d: date | None) -> str:
    return d.isoformat() if d else ""


def _rate_text(decision: Decision | None, merit_id: str, arrears_age: int) -> str:
    """The 비율 column of 별지 제1호서식: the ordinance's rate for the arrears age (jingsu.law), for a merit the
    decision found eligible; the amount column shows what was paid after the caps."""
    if decision is None:
        return ""
    found = next((m for m in decision.calculator_output.get("merits", []) if m.get("id") == merit_id), None)
    if found is None or not found.get("eligible"):
        return ""
    from jingsu.law import params

    rates = params.find(decision.jurisdiction_id, "reward.arrears.rates", decision.decided_on)
    if rates is None or arrears_age < 1:
        return ""
    rate = rates.value[str(min(arrears_age, 3))]  # type: ignore[index]
    return f"{float(rate) * 100:g}%"


@dataclass
class LedgerOneRow:
    collected_on: str
    collector_rank: str
    collector_name: str
    taxpayer_name: str
    taxpayer_address: str
    year_period: str
    tax_number: str
    tax_item: str
    collected: int
    merit: str
    rate: str
    reward: int | None
    case: str

    HEADERS = ("징수년월일", "징수자 직급", "징수자 성명", "체납자 성명", "체납자 주소", "년도·기분", "과세번호", "세목",
               "징수액", "특별징수공적(사유)", "포상금 비율", "포상금 금액", "안건")

    def values(self) -> list[Any]:
        return [self.collected_on, self.collector_rank, self.collector_name, self.taxpayer_name,
                self.taxpayer_address, self.year_period, self.tax_number, self.tax_item, self.collected, self.merit,
                self.rate, self.reward if self.reward is not None else "", self.case]


def ledger_one(jurisdiction: Jurisdiction, year: int) -> list[LedgerOneRow]:
    """별지 제1호서식 지난년도 체납액 징수대장(포상금 지급대상), collection year `year`: one row per merit derived from
    the records (a levy's collections in the year grouped by method and collector); merits with no collector on
    record appear only when a case was opened for them."""
    code = jurisdiction.code
    cases = {c.source_key: c for c in RewardCase.objects.filter(jurisdiction_id=code, collection_year=year,
                                                                merit_type="arrears")
             .prefetch_related("claimants__official", "claimants__civilian")}
    # A row needs a collector (an enforcement action on its levy) or a case opened for it: derive only those
    # levies' merits, not every collection of the year (thousands of payments for a few dozen rows; issue #14).
    levy_ids = set(EnforcementAction.objects.filter(jurisdiction_id=code).values_list("levy_id", flat=True))
    levy_ids |= {_case_levy(c) for c in cases.values()} - {None}
    rows = []
    for merit in derive_arrears_merits(code, year, levy_ids=levy_ids):
        case = None
        if merit.collector is not None:
            case = cases.get(merit.source_key)
        else:
            case = next((c for k, c in cases.items()
                         if k.startswith(f"arrears:{merit.levy.pk}:{year}:{merit.method}:")), None)
            if case is None:
                continue
        who = merit.collector or (case.claimants.first().payee if case else None)
        item = DecisionItem.objects.filter(case=case).select_related("decision").first() if case else None
        notes = f" — {merit.action.notes}" if merit.action is not None and merit.action.notes else ""
        taxpayer = merit.levy.taxpayer
        rows.append(LedgerOneRow(
            collected_on=_ymd(merit.collected_on), collector_rank=getattr(who, "rank", "민간인") if who else "",
            collector_name=who.name if who else "", taxpayer_name=mask_name(taxpayer.name),
            taxpayer_address=mask_address(taxpayer.address),
            year_period=f"{merit.levy.tax_year} {merit.levy.period}".strip(), tax_number=merit.levy.tax_number,
            tax_item=_tax_item_name(merit.levy.tax_item), collected=merit.collected,
            merit=method_label(merit.method) + notes,
            rate=_rate_text(item.decision if item else None, case.merit_id, merit.arrears_age) if case else "",
            reward=item.amount if item else None, case=case.number if case else ""))
    rows.sort(key=lambda r: (r.collected_on, r.tax_number))
    return rows


def _case_levy(case: RewardCase) -> int | None:
    """The levy an arrears case is about: its `levy`, or the one its source key names (arrears:<levy>:…)."""
    if case.levy_id is not None:
        return case.levy_id
    parts = case.source_key.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[0] == "arrears" and parts[1].isdigit() else None


@dataclass
class LedgerTwoRow:
    due_on: str
    finder_rank_or_address: str
    finder_name: str
    tax_item: str
    category: str
    source: str
    taxpayer_address: str
    taxpayer_name: str
    collected_on: str
    confirmed_by: str
    reward: int | None
    paid_on: str
    reason: str

    HEADERS = ("납기", "부과자(제보자) 직급(주소)", "성명(생년월일)", "세목", "구분", "발굴세원", "납세의무자 주소",
               "납세의무자 성명", "징수일자", "징수확인(팀장)", "포상금액", "지급일", "사유")

    def values(self) -> list[Any]:
        return [self.due_on, self.finder_rank_or_address, self.finder_name, self.tax_item, self.category,
                self.source, self.taxpayer_address, self.taxpayer_name, self.collected_on, self.confirmed_by,
                self.reward if self.reward is not None else "", self.paid_on, self.reason]


def ledger_two(jurisdiction: Jurisdiction, year: int) -> list[LedgerTwoRow]:
    """별지 제2호서식 숨은 세원발굴 과징대장(포상금 지급대상): findings recorded, due or collected in `year`."""
    rows = []
    findings = (HiddenRevenueFinding.objects.filter(jurisdiction=jurisdiction)
                .select_related("official", "civilian").order_by("due_on", "pk"))
    for f in findings:
        years = {d.year for d in (f.due_on, f.collected_on) if d} | {f.created_at.year}
        if year not in years:
            continue
        case = f.cases.order_by("pk").first()
        item = DecisionItem.objects.filter(case=case).select_related("decision").first() if case else None
        paid_on = ""
        if item is not None:
            claim = item.decision.claims.filter(payee_key=f.finder.payee_key, paid_on__isnull=False).first()
            paid_on = _ymd(claim.paid_on) if claim else ""
        if f.official is not None:
            rank_or_address, name = f.official.rank, f.official.name
        else:
            assert f.civilian is not None
            rank_or_address = mask_address(f.civilian.address)
            name = f"{f.civilian.name} ({f.civilian.birth_date_masked})" if f.civilian.birth_date_masked else \
                f.civilian.name
        rows.append(LedgerTwoRow(
            due_on=_ymd(f.due_on), finder_rank_or_address=rank_or_address, finder_name=name, tax_item=f.tax_item,
            category=f.get_category_display(), source=f.source_description,
            taxpayer_address=mask_address(f.taxpayer_address), taxpayer_name=mask_name(f.taxpayer_name),
            collected_on=_ymd(f.collected_on), confirmed_by=f.confirmed_by,
            reward=item.amount if item else None, paid_on=paid_on, reason=item.reason if item else ""))
    return rows


# --- rendering ------------------------------------------------------------------------------------------------------

PRINT_CSS = """
@page { size: A4 %(orientation)s; margin: 14mm 12mm 16mm 12mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-family: "NanumGothic"; font-size: 7pt; } }
html, body { font-family: "NanumGothic", sans-serif; font-size: 8pt; line-height: 1.35; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 6pt; } h2 { font-size: 10pt; margin: 8pt 0 3pt; }
table { border-collapse: collapse; width: 100%%; } th, td { border: 0.5pt solid #333; padding: 2pt 3pt; }
th { background: #eee; } td.num { text-align: right; } tr { break-inside: avoid; }
.page-break { break-before: page; } .meta { margin: 2pt 0 6pt; }
table.fixed { table-layout: fixed; } table.fixed td, table.fixed th { overflow-wrap: anywhere; }
col.w4 { width: 4%%; } col.w6 { width: 6%%; } col.w7 { width: 7%%; } col.w8 { width: 8%%; } col.w9 { width: 9%%; }
col.w10 { width: 10%%; } col.w12 { width: 12%%; } col.w13 { width: 13%%; } col.w5 { width: 5%%; }
col.w14 { width: 14%%; } col.w16 { width: 16%%; } col.w20 { width: 20%%; } col.w25 { width: 25%%; }
col.w40 { width: 40%%; }
"""
# Wide ledgers use `table.fixed` with column widths: WeasyPrint's automatic table layout measures every cell's
# shortest and longest line first, which for Korean text (a break opportunity at every syllable) was half the time
# of the ledger PDF (issue #14; docs/benchmarks.md "Console pages")


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"external resource refused in a reward document: {url}")


def render_document(html: str, *, landscape: bool = False) -> Any:
    """The WeasyPrint document (pages can be counted); `.write_pdf()` gives the bytes."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = CSS(string=PRINT_CSS % {"orientation": "landscape" if landscape else "portrait"}, font_config=fonts)
    return HTML(string=html, url_fetcher=_no_fetch).render(stylesheets=[css], font_config=fonts)


def page_count(html: str, *, landscape: bool = False) -> int:
    """Pages of the rendered document. The WeasyPrint document is dropped here: one that survives until interpreter
    shutdown (say, in a test frame kept alive by a traceback) is freed after Pango is gone and crashes the process."""
    return len(render_document(html, landscape=landscape).pages)


def pdf(html: str, *, landscape: bool = False) -> bytes:
    """The PDF of `html`. WeasyPrint takes 0.5–0.9 s for these documents (Korean line breaking through Pango:
    docs/benchmarks.md "Console pages"), so the bytes are kept in the `documents` cache under the SHA-256 of
    everything that goes into them — the HTML (rendered from the records on every request), the stylesheet, the page
    orientation and WeasyPrint's version. A changed record changes the HTML and so the key: a kept PDF is never
    stale, and one asked for again (the ledger opened twice, a claim printed for the committee) comes back at once."""
    import weasyprint
    from django.core.cache import caches

    key = "jingsu:reward-pdf:" + hashlib.sha256(
        "\0".join((weasyprint.__version__, PRINT_CSS, str(landscape), html)).encode()).hexdigest()
    cache = caches["documents"]
    kept = cache.get(key)
    if kept is not None:
        return bytes(kept)
    data = bytes(render_document(html, landscape=landscape).write_pdf())
    cache.set(key, data)
    return data


def ledger_html(jurisdiction: Jurisdiction, year: int) -> str:
    j = jurisdiction
    return render_to_string("rewards/ledgers.html", {
        "jurisdiction": j, "year": year,
        "one_headers": LedgerOneRow.HEADERS, "one_rows": [r.values() for r in ledger_one(jurisdiction, year)],
        "two_headers": LedgerTwoRow.HEADERS, "two_rows": [r.values() for r in ledger_two(jurisdiction, year)],
    })


def ledger_pdf(jurisdiction: Jurisdiction, year: int) -> bytes:
    return pdf(ledger_html(jurisdiction, year), landscape=True)


def _xlsx_sheet(wb: Any, title: str, heading: str, headers: tuple[str, ...], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    xlsx_append(ws, [heading])
    ws["A1"].font = Font(bold=True, size=13)
    xlsx_append(ws, headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        xlsx_append(ws, row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = max(10, len(h) * 2)


def _xlsx_bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ledger_xlsx(jurisdiction: Jurisdiction, year: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    name = jurisdiction.name
    _xlsx_sheet(wb, "별지1 징수대장", f"{name} {year}년 지난년도 체납액 징수대장(포상금 지급대상) [별지 제1호서식]",
                LedgerOneRow.HEADERS, [r.values() for r in ledger_one(jurisdiction, year)])
    _xlsx_sheet(wb, "별지2 과징대장", f"{name} {year}년 숨은 세원발굴 과징대장(포상금 지급대상) [별지 제2호서식]",
                LedgerTwoRow.HEADERS, [r.values() for r in ledger_two(jurisdiction, year)])
    return _xlsx_bytes(wb)


def decision_context(decision: Decision) -> dict[str, Any]:
    meeting = decision.meeting
    items = []
    for item in decision.items.select_related("case").order_by("case_id"):
        claimants = [f"{c.payee.name}({c.share})" for c in item.case.claimants.select_related("official", "civilian")]
        items.append({"id": item.case.number, "type": item.case.get_merit_type_display(), "title": item.case.title,
                      "claimants": ", ".join(claimants), "votes_for": item.votes_for,
                      "votes_against": item.votes_against, "approved": item.approved, "amount": item.amount,
                      "reason": item.reason})
    payees = []
    for award in decision.awards.order_by("payee_key", "month"):
        from jingsu.rewards.services import payee_by_key

        year, month = award.month.split("-")
        payees.append({"name": payee_by_key(award.payee_key).name, "key": award.payee_key,
                       "kind": "민간인" if award.payee_key.startswith("civilian:") else "공무원",
                       "month": f"{year}년 {int(month)}월", "amount": award.amount})
    present = [a.member for a in meeting.attendance.select_related("member").order_by("member_id")]
    return {"decision": decision, "meeting": meeting, "committee": meeting.committee,
            "jurisdiction": decision.jurisdiction, "present": present,
            "items": items, "payees": payees}


def decision_html(decision: Decision) -> str:
    return render_to_string("rewards/decision.html", decision_context(decision))


def decision_pdf(decision: Decision) -> bytes:
    return pdf(decision_html(decision))


def claim_context(claim: Claim) -> dict[str, Any]:
    return {"claim": claim, "jurisdiction": claim.jurisdiction}


def claim_html(claim: Claim) -> str:
    """The claim form followed by the decision record (제7조①: 심사결정서를 붙여 신청), one document."""
    return render_to_string("rewards/claim.html", {**claim_context(claim), **decision_context(claim.decision)})


def claim_pdf(claim: Claim) -> bytes:
    return pdf(claim_html(claim))


CLAIM_HEADERS = ("소속(주소)", "직급", "성명", "건수", "징수(세원발굴)액", "청구액", "거래은행", "계좌번호", "예금주")


def claim_xlsx(claim: Claim) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _xlsx_sheet(wb, "지급신청서", "포상금 지급 신청서 [별지 제3호서식]", CLAIM_HEADERS, [[
        claim.affiliation, claim.rank, claim.name, claim.case_count, claim.collected, claim.amount, claim.bank_display,
        claim.account_masked, claim.account_holder]])
    ctx = decision_context(claim.decision)
    _xlsx_sheet(wb, "심사결정서", f"세입징수공적심사위원회 심사결정서 ({kdate(claim.decision.decided_on)})",
                ("안건", "구분", "요지", "공적자(지분)", "찬성", "반대", "가결", "포상금", "사유"),
                [[i["id"], i["type"], i["title"], i["claimants"], i["votes_for"], i["votes_against"],
                  "가결" if i["approved"] else "부결", i["amount"], i["reason"]] for i in ctx["items"]])
    return _xlsx_bytes(wb)


TRANSFER_HEADERS = ("은행", "계좌번호", "예금주", "금액", "적요")


def transfer_file(batch: TransferBatch) -> bytes:
    """The bank-transfer file of a batch: CSV in CP949, one line per payee (docs/formats/reward-transfer.md).
    Reveals account numbers: the caller (services or the command) writes the audit row."""
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\r\n")
    writer.writerow(TRANSFER_HEADERS)
    totals: dict[tuple[str, str, str], int] = {}
    for claim in batch.claims.order_by("pk"):
        key = (claim.bank, claim.reveal_account(), claim.account_holder)
        totals[key] = totals.get(key, 0) + claim.amount
    for (bank, account, holder), amount in totals.items():
        writer.writerow([bank, account, holder, amount, f"세입징수포상금{batch.year}"[:20]])
    return buf.getvalue().encode("cp949")


