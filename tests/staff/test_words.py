"""No English words, internal codes or bracketed particles reach a person (issue #14, "Words, codes and 조사").

Walks every console URL (the URL walker's list, with the objects its world builds) as every role that may open it,
and reads what a person sees:
- pages (HTML): the text outside tags, scripts and styles, plus the attributes that are read or shown (`title`,
  `alt`, `aria-label`, `placeholder`, a button's `value`) — never class or id names, links or other attributes;
- PDFs: the text WeasyPrint lays out on the pages (caught as the document is rendered, the way
  tests/notices/test_notice_documents.py reads a PDF's text without an outside tool);
- XLSX: every sheet title and cell, each written as a spreadsheet shows it (its number format applied);
- every page of the audit log (50 rows a page).

and fails on any ASCII word outside ALLOWED and on any bracketed particle ("을(를)", "(으)로", …). JSON answers
(read by the pages' scripts, which show only their Korean fields) and the transfer file (a bank's CSV format, bank
codes by design) are not read.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import caches
from django.urls import reverse
from test_url_walker import CONSOLE, _url, object_ids

from jingsu.korean import AMBIGUOUS
from jingsu.staff.access import PERMISSION_ATTR
from jingsu.staff.roles import ROLES

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"

#: ASCII words a person may see, each for a reason. Keep it short: where the crawl finds English, fix the source.
ALLOWED = {
    "PDF", "XLSX", "CSV",  # file kinds, on download links and in the upload form (what the file is called)
    "MB", "KB",  # file sizes and the upload limits' unit
    "XLS",  # the older spreadsheet file kind the roll upload accepts (.xls), named as offices call it
    "Y", "N",  # the roll format's yes/no values (전자송달신청, 수신거부), in the roll template's example row
    "KT",  # a company's name (KT 공인알림문자), written so in Korean
    # an experiment's arms (비교군 A, B …): lettered so by notices.experiments (Arm.label, its messages) and the report,
    # as offices name the versions of an A/B test
    "A", "B", "C", "D", "E",
}
#: Text that is not a word: web addresses a person types (위택스 www.wetax.go.kr); a notice's 문서번호 (N and 20 hex
#: digits) and the SHA-256 of its content, printed to be checked (as 과세번호 and 전자납부번호 are); the encodings a
#: roll file may be saved in, by the names spreadsheet programs give them.
NOT_WORDS = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:kr|com|net)(?![\w.])(?:/[\w./-]*)?"
    r"|\bN[0-9A-F]{20}\b|\b[0-9a-f]{64}\b|\bSHA-256\b|\bUTF-8\b|\bCP949\b"
    # 퍼센트포인트 written as Korean writes it after a figure (2.1%p), as the experiment verdicts do
    r"|(?<=[0-9]%)p\b", re.I)


class _Visible(HTMLParser):
    SKIP = {"script", "style", "template"}
    READ_ATTRS = {"title", "alt", "aria-label", "placeholder", "aria-description", "aria-roledescription"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        a = dict(attrs)
        self.parts += [v for k, v in attrs if k in self.READ_ATTRS and v]
        if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
            self.parts.append(a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def xlsx_text(body: bytes) -> tuple[str, list[str]]:
    """The workbook's text as shown, and its cells that show a rate as a raw fraction (0.9977 rather than 99.77%)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body))
    parts, fractions = [], []
    for ws in wb.worksheets:
        parts.append(ws.title)
        for row in ws.iter_rows():
            parts += [shown(c.value, c.number_format) for c in row if c.value is not None]
            fractions += [f"{ws.title}!{c.coordinate} = {c.value} ({c.number_format})" for c in row
                          if isinstance(c.value, float) and 0 < abs(c.value) < 1 and "%" not in c.number_format]
    return " ".join(parts), fractions


def shown(value: object, number_format: str) -> str:
    """A cell as a spreadsheet shows it, for the formats the project writes (General, #,##0, 0, 0.0%, 0.00%)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if "%" in number_format:
        decimals = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
        return f"{value * 100:,.{decimals}f}%"
    if "#,##0" in number_format:
        decimals = len(number_format.split(".")[1]) if "." in number_format else 0
        return f"{value:,.{decimals}f}"
    return str(value)


def problems(text: str, allowed_names: set[str]) -> list[str]:
    found = []
    for m in AMBIGUOUS.finditer(text):
        found.append(f"particle {text[max(0, m.start() - 20):m.end()]!r}")
    cleaned = text
    for name in sorted(allowed_names, key=len, reverse=True):
        cleaned = cleaned.replace(name, " ")
    cleaned = NOT_WORDS.sub(" ", cleaned)
    for m in re.finditer(r"[A-Za-z][A-Za-z]*", cleaned):
        if m.group() not in ALLOWED:
            found.append(f"word {m.group()!r} in {cleaned[max(0, m.start() - 30):m.end() + 30]!r}")
    return found


@pytest.fixture
def world(world, clock):
    from _staff_helpers import add_money_world, add_resends, add_rewards_world, add_roll_uploads

    add_rewards_world(world, clock)
    add_roll_uploads(world, clock)
    add_money_world(world, clock)
    from _assistance_helpers import add_assistance_world

    add_assistance_world(world, clock)  # the 분할 납부 and 상담 요청 screens
    add_resends(world, clock)
    from _enforcement_world import add_enforcement_world

    add_enforcement_world(world, clock)  # a 체납처분 case with a pending request per jurisdiction
    return world


@pytest.fixture
def pdf_texts(monkeypatch):
    """The text of every PDF rendered while the fixture is active, as laid out by WeasyPrint."""
    from weasyprint import HTML

    seen: list[str] = []
    original = HTML.render

    def render(self, *args, **kwargs):
        doc = original(self, *args, **kwargs)
        parts = []
        for page in doc.pages:
            for box in page._page_box.descendants():
                text = getattr(box, "text", None)
                if isinstance(text, str):
                    parts.append(text)
        seen.append(" ".join(parts))
        return doc

    monkeypatch.setattr(HTML, "render", render)
    return seen


def _names(world) -> set[str]:
    """Names people gave or outsiders sent, shown as they are: 아이디 (Django usernames, ASCII by rule, and the
    test world's actors "maker", "checker", "setup", which stand for usernames), the example 아이디 on the new-account
    form, uploaded files' own names, the bank's transaction numbers (거래번호) as the bank sent them, the
    intermediaries' document numbers as they gave them (`DeliveryAttempt.external_id`), and taxpayers' names as the
    roll gives them (NGUYEN VAN AN), whole or masked (N***** *** *N)."""
    from django.contrib.auth import get_user_model

    from jingsu.core.models import AuditLog
    from jingsu.delivery.models import DeliveryAttempt
    from jingsu.delivery.paper import mask_name
    from jingsu.payments.models import Payment
    from jingsu.staff.models import PaymentUpload, RollUpload
    from jingsu.taxpayers.models import Taxpayer

    names = set(get_user_model().objects.values_list("username", flat=True)) | {"maker", "checker", "setup"}
    names |= {"kim.minjun-11260"}
    names |= set(RollUpload.objects.values_list("original_name", flat=True))
    names |= set(PaymentUpload.objects.values_list("original_name", flat=True))  # 수납 파일 가져오기
    names |= set(AuditLog.objects.filter(target_type="roll").values_list("target_id", flat=True))  # import-roll's file
    names |= set(Payment.objects.values_list("external_id", flat=True))
    names |= set(DeliveryAttempt.objects.values_list("external_id", flat=True))
    taxpayers = set(Taxpayer.objects.values_list("name", flat=True))
    names |= taxpayers | {mask_name(n) for n in taxpayers}
    return {n for n in names if n}


@pytest.mark.django_db
def test_no_english_codes_or_bracketed_particles_on_any_page_or_document(world, client, pdf_texts):
    ids = object_ids(world)
    names = _names(world)
    report: list[str] = []
    read = {"html": 0, "pdf": 0, "xlsx": 0}
    urls: set[str] = set()
    for u in CONSOLE:
        perm = getattr(u.callback, PERMISSION_ATTR, None)
        if perm is None or u.name == "staff:rewards_transfer_file":
            continue
        url = _url(u, ids)
        for role in ROLES:
            if perm not in role.permissions:
                continue
            client.force_login(world.users[role.code], backend=LOGIN_BACKEND)
            pdf_texts.clear()
            caches["documents"].clear()  # a kept PDF is not laid out again: read each one as it is made
            r = client.get(url)
            assert r.status_code == 200, f"{role.name} GET {url}: {r.status_code}"
            kind = r["Content-Type"].split(";")[0]
            if kind == "text/html":
                texts = [visible_text(r.content.decode())]
                read["html"] += 1
            elif kind == "application/pdf":
                texts = list(pdf_texts)
                assert texts, url
                read["pdf"] += 1
            elif kind.endswith("spreadsheetml.sheet"):
                sheet_text, fractions = xlsx_text(r.content)
                texts = [sheet_text]
                report += [f"{role.name} {url}: raw fraction {f}" for f in fractions]
                read["xlsx"] += 1
            else:
                continue  # JSON for the pages' scripts, plain-text answers of the preview
            for text in texts:
                report += [f"{role.name} {url}: {p}" for p in problems(text, names)]
            urls.add(u.name)
    # every page of the audit log, as the auditor
    client.force_login(world.users["auditor"], backend=LOGIN_BACKEND)
    page, pages = 1, 1
    while page <= pages:
        r = client.get(reverse("staff:audit_log"), {"page": page})
        pages = r.context["page"].paginator.num_pages
        report += [f"audit page {page}: {p}" for p in problems(visible_text(r.content.decode()), names)]
        page += 1
    print(f"read {len(urls)} console URLs: {read} (role × URL), {pages} audit log pages")
    assert len(urls) > 60 and read["html"] > 100 and read["pdf"] >= 4 and read["xlsx"] >= 4, read
    assert not report, "\n".join(sorted(set(report)))


def test_the_reader_checks_what_a_person_sees_and_only_that():
    html = (
        '<html><head><title>감사 기록</title><style>.seizure{}</style></head><body class="console-body" id="top">'
        '<script>var action = "reward.batch.paid";</script><a href="/staff/money/?source=bank-feed">수납</a>'
        '<img alt="Logo"><input placeholder="search"><button aria-label="close">닫기</button>'
        '<input type="submit" value="Go"><p title="hint">체납안내문을(를) 보냈습니다 &amp; 끝</p></body></html>')
    seen = visible_text(html)
    assert "감사 기록" in seen and "수납" in seen and "&" in seen
    assert not any(w in seen for w in ("seizure", "reward", "bank-feed", "console-body", "top"))
    found = problems(seen, set())
    for expected in ("'Logo'", "'search'", "'close'", "'Go'", "'hint'", "particle"):
        assert any(expected in p for p in found), expected
    # what is allowed, and names people gave
    assert problems("PDF 내려받기 · KT 공인알림문자 · www.wetax.go.kr · clerk-11260 · 문서번호 N0123456789ABCDEF0123", {"clerk-11260"}) == []
    assert shown(0.9977, "0.00%") == "99.77%" and shown(2026, "0") == "2026" and shown(1234560, "#,##0") == "1,234,560"


def korean_main(page, names) -> str:
    """A browser page's main text; fails on English words or bracketed particles anywhere a person reads."""
    found = problems(visible_text(page.content()), names)
    assert found == [], (page.url, found)
    return page.inner_text("main")
