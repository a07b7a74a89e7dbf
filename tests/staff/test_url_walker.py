"""Walks every URL of the staff console and checks its access rules against every role.

For each URL pattern under the `staff` namespace (found by resolving the project's URLconf, so a new view is
included automatically):
- its view declares a permission (`@staff_view("…")`) or is marked `@public_view` — otherwise the test fails;
- anonymous GET and POST are redirected to the login page;
- a user whose role lacks the permission (and a user without a staff profile) gets 403 on GET and POST;
- a user whose role has it gets 200 on GET for objects of their jurisdiction, and 404 for another jurisdiction's.

Many offices on one deployment (issue #19 §6): both offices of the world — 중랑구 (HOME, 11260) and 노원구 (OTHER,
11350), two 자치구 of 서울특별시 — have one user per role, and OTHER's roll has its own names and addresses
(`OTHER_PEOPLE`), so that every name, number and link in the world belongs to one office only.
- every console URL with path parameters, for EVERY role holding its permission, in both directions: the user of
  either office gets 200 on its own office's object — a page with no identifying string of the other office — and
  404 on the other office's, on GET and on POST;
- every console page without path parameters (lists, searches, forms, XLSX/PDF downloads), for every role that may
  GET it, in both directions: the page of one office's user contains no identifying string of the other office's
  data (`office_markers`: tax and payment numbers, taxpayer names and addresses as shown in full and masked, staff
  usernames, campaign names, 포상금 officials, members, committees, findings and cases, upload file names, links to
  the office's objects, the office's name). XLSX is read cell by cell (openpyxl), PDF through its text
  (tests/staff/_pdf_text.py), CSV in its charset. A taxpayer search is made first (by the masked registration
  number both rolls share) for the search page and its download. Every page but those in `NO_OWN_ROWS` must show a string of its own office — the proof
  that the check looks at pages where another office's rows would appear if a query lost its scope.

Roles and offices that are not one 자치구's staff, as the code has them (jingsu.staff.roles, access, city_views,
user_views):
- 시 담당 (`city_analyst`) holds only `use_console` and `view_city_figures`. In a 자치구 (`offices_of`) it sees that
  office's row of 구별 합계 only: the download of 중랑구's has the row 11260 alone, 노원구's the row 11350 alone
  (and the lists above: neither page names the other office). In the 시 (a profile in 11000 서울특별시) it sees one
  row per 자치구 of the 시 — exactly the 25, both offices of the world among them with the figures their own 시 담당
  sees — and their total, as counts and sums: none of either office's identifying strings on the page or in the
  download; every other console URL, either office's objects included, is 403 for it.
- 시스템관리자 (`sysadmin`) is not deployment-wide: its profile is in one office like every other role's, and its
  screens are scoped the same way, so it is checked like the other roles — it lists and changes that office's
  accounts only (`staff_accounts`, and `scoped_or_404` on `StaffProfile`: the other office's account is 404 on every
  `users/<user_id>/…` URL) and reads that office's audit log only (`audit_query`). The console has no deployment-wide role (Django's admin is not mounted; `jingsu create-admin`
  makes a 시스템관리자 of one office).

Path parameters are filled from `object_ids` by name; a new parameter name fails until an entry is added here.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from _pdf_text import pdf_text
from _staff_helpers import HOME, OTHER
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jingsu.staff.access import PERMISSION_ATTR, PUBLIC_ATTR
from jingsu.staff.roles import PERMISSIONS, ROLES

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
CITY = "11000"  # 서울특별시: the 시 of both offices of the world


@dataclass
class ConsoleURL:
    name: str  # "staff:…"
    route: str
    params: list[str]
    callback: Any


def walk(resolver: URLResolver | None = None, namespace: str = "", route: str = "") -> list[ConsoleURL]:
    resolver = resolver or get_resolver()
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            found += walk(p, ns, route + str(p.pattern))
        elif isinstance(p, URLPattern) and namespace.split(":")[0] == "staff":
            found.append(ConsoleURL(f"{namespace}:{p.name}" if p.name else "", route + str(p.pattern),
                                    list(p.pattern.converters), p.callback))
    return found


def undeclared(urls: list[ConsoleURL]) -> list[str]:
    """Console URLs whose view neither declares a known permission nor is marked public."""
    bad = []
    for u in urls:
        perm = getattr(u.callback, PERMISSION_ATTR, None)
        public = getattr(u.callback, PUBLIC_ATTR, False)
        if not public and perm not in PERMISSIONS:
            bad.append(f"{u.route} ({u.name or 'no name'}): permission {perm!r}")
        if not u.name:
            bad.append(f"{u.route}: no URL name")
    return bad


def object_ids(world) -> dict[str, tuple[int, int]]:
    """Path parameter → (own jurisdiction's object, another jurisdiction's object)."""
    r = world.rewards
    return {
        "taxpayer_id": (world.taxpayer.pk, world.other_taxpayer.pk),
        "meeting_id": (r.meeting.pk, r.other_meeting.pk),
        "claim_id": (r.claim.pk, r.other_claim.pk),
        "batch_id": (r.batch.pk, r.other_batch.pk),
        "upload_id": (world.roll_uploads[0].pk, world.roll_uploads[1].pk),
        "payment_upload_id": (world.payment_uploads[0].pk, world.payment_uploads[1].pk),  # 수납 파일 가져오기
        "payment_id": (world.money.unmatched.pk, world.money.other_unmatched.pk),
        "levy_id": (world.taxpayer.levies.order_by("pk").first().pk,  # 감액 정정 (money_views.levy_reduce)
                    world.other_taxpayer.levies.order_by("pk").first().pk),
        "campaign_id": (world.money.campaign.pk, world.money.other_campaign.pk),
        "committee_id": (r.committee.pk, r.other_committee.pk),  # 포상금 인적 사항 (rewards_setup_views)
        "member_id": (r.members[0].pk, r.other_member.pk),
        "finding_id": (r.finding.pk, r.other_finding.pk),
        "user_id": (world.users["clerk"].pk, world.other_clerk.pk),  # staff accounts (user_views)
        "plan_id": (world.assistance.plan.pk, world.assistance.other_plan.pk),  # 분할 납부 (assistance_views)
        "callback_id": (world.assistance.callback.pk, world.assistance.other_callback.pk),  # 상담 요청
        "notice_id": (world.resends[0].notice_id, world.resends[1].notice_id),  # 포털 주소, 다시 보내기
        "resend_id": (world.resends[0].pk, world.resends[1].pk),  # (notice_views)
        "case_id": (world.enforcement.case.pk, world.enforcement.other_case.pk),  # 체납처분 사건 (case_views)
    }


@pytest.fixture
def world(db, clock, tmp_path):
    """The console's world with OTHER's own people (`OTHER_PEOPLE`) and a user per role in both offices, a 시 담당
    of 서울특별시 (`world.city_analyst`), and in both jurisdictions the objects the URLs point to: 포상금 (a decided
    meeting, a paid claim and its transfer batch, a 민간인 신고자), roll and payment uploads, unmatched payments and
    campaigns, 분할 납부 and 상담 requests, resends, 체납처분 cases."""
    from _assistance_helpers import add_assistance_world
    from _enforcement_world import add_enforcement_world
    from _staff_helpers import (
        OTHER_PEOPLE,
        add_money_world,
        add_other_users,
        add_resends,
        add_rewards_world,
        add_roll_uploads,
        build_world,
    )

    from jingsu.core.models import Jurisdiction
    from jingsu.rewards import services as rewards
    from jingsu.staff import services

    world = build_world(clock, tmp_path, other_people=OTHER_PEOPLE)
    add_other_users(world, clock)
    world.city_analyst = services.create_staff_user(f"city_analyst-{CITY}", jurisdiction=Jurisdiction.by_code(CITY),
                                                    role="city_analyst", password=None, clock=clock).user
    add_rewards_world(world, clock)
    for office, name, address in ((world.home, "김민수", "서울특별시 중랑구 면목로 123"),
                                  (world.other, "오신고", "서울특별시 노원구 상계로 77")):
        rewards.add_civilian(office, name=name, address=address, actor="setup", clock=clock)  # 민간인 신고자
    add_roll_uploads(world, clock)  # a validated roll upload per jurisdiction for the roll URLs
    add_money_world(world, clock)  # unmatched payments and campaigns for the money and effect URLs
    add_assistance_world(world, clock)  # a 분할 납부 request and a 상담 요청 per jurisdiction
    add_resends(world, clock)  # a pending resend per jurisdiction for the notice and resend URLs
    add_enforcement_world(world, clock)  # a 체납처분 case with a pending request per jurisdiction
    return world


CONSOLE = walk()


def test_the_walker_finds_the_console():
    names = {u.name for u in CONSOLE}
    assert {"staff:login", "staff:home", "staff:taxpayer_search", "staff:taxpayer_detail",
            "staff:taxpayer_reveal", "staff:audit_log", "staff:rewards_home", "staff:rewards_meeting",
            "staff:rewards_claim_pdf", "staff:rewards_transfer_file", "staff:money_unmatched", "staff:money_payment",
            "staff:money_refunds", "staff:money_reconciliation", "staff:effects_campaign", "staff:effects_period_xlsx"} <= names


def test_every_console_view_declares_a_permission():
    assert undeclared(CONSOLE) == []


def test_a_view_without_a_declaration_is_caught():
    from django.http import HttpResponse
    from django.urls import path

    def sneaky(request):
        return HttpResponse("open")

    fake = [ConsoleURL("staff:sneaky", "staff/sneaky/", [], path("sneaky/", sneaky, name="sneaky").callback)]
    assert undeclared(fake) == ["staff/sneaky/ (staff:sneaky): permission None"]


def _url(u: ConsoleURL, ids: dict[str, tuple[int, int]], *, other: bool = False) -> str:
    missing = [p for p in u.params if p not in ids]
    assert not missing, f"{u.route}: add a test object for path parameter(s) {missing} in object_ids()"
    return reverse(u.name, kwargs={p: ids[p][1 if other else 0] for p in u.params})


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(world, client):
    ids = object_ids(world)
    login = resolve_url(settings.LOGIN_URL)
    for u in CONSOLE:
        if getattr(u.callback, PUBLIC_ATTR, False):
            continue
        url = _url(u, ids)
        for method in ("get", "post"):
            r = getattr(client, method)(url)
            assert r.status_code == 302, f"{method.upper()} {url}: {r.status_code}"
            assert r["Location"].startswith(login), f"{method.upper()} {url} → {r['Location']}"


@pytest.mark.django_db
def test_roles_without_the_permission_get_403_and_with_it_200(world, client):
    ids = object_ids(world)
    checked = 0
    for u in CONSOLE:
        perm = getattr(u.callback, PERMISSION_ATTR, None)
        if perm is None:
            continue
        url = _url(u, ids)
        for role in ROLES:
            client.force_login(world.users[role.code], backend=LOGIN_BACKEND)
            r = client.get(url)
            if perm in role.permissions:
                assert r.status_code == 200, f"{role.name} GET {url}: {r.status_code}"
                assert "no-store" in r["Cache-Control"], url
            else:
                assert r.status_code == 403, f"{role.name} GET {url}: {r.status_code} (lacks {perm})"
                assert client.post(url).status_code == 403, f"{role.name} POST {url}"
            checked += 1
        client.force_login(world.no_profile, backend=LOGIN_BACKEND)
        assert client.get(url).status_code == 403, f"user without staff profile: {url}"
        client.logout()
    assert checked >= len(ROLES) * 5


@pytest.mark.django_db
def test_every_role_sees_its_own_offices_objects_and_not_the_others(world, client):
    """Both directions, every role holding the view's permission: own office's object 200 (GET) without a string
    of the other office on it, the other office's 404 (GET and POST). The 시 담당 of the 시 holds none of these
    permissions: 403 on both offices'."""
    ids = object_ids(world)
    markers = office_markers(world)
    with_params = [u for u in CONSOLE if u.params and getattr(u.callback, PERMISSION_ATTR, None)]
    assert with_params
    checked = set()
    for u in with_params:
        perm = getattr(u.callback, PERMISSION_ATTR)
        roles = [r for r in ROLES if perm in r.permissions]
        assert roles, f"{u.route}: no role holds {perm}"
        home_url, other_url = _url(u, ids), _url(u, ids, other=True)
        for role in roles:
            for office, other, mine, theirs, user in (
                    (HOME, OTHER, home_url, other_url, world.users[role.code]),
                    (OTHER, HOME, other_url, home_url, world.other_users[role.code])):
                client.force_login(user, backend=LOGIN_BACKEND)
                who = f"{role.name} of {office}"
                r = client.get(mine)
                assert r.status_code == 200, f"{who} GET {mine} (own)"
                leaked = foreign_strings(page_text(r), markers[office], markers[other])
                assert not leaked, f"{who} GET {mine} (own) shows {other}'s {leaked}"
                assert client.get(theirs).status_code == 404, f"{who} saw {theirs}"
                assert client.post(theirs, {"reason": "다른 구 자료 열람 시도"}).status_code == 404, \
                    f"{who} POST {theirs}"
                checked.add((role.code, office))
        client.force_login(world.city_analyst, backend=LOGIN_BACKEND)
        for url in (home_url, other_url):
            assert client.get(url).status_code == 403, f"시 담당 of {CITY} GET {url}"
            assert client.post(url).status_code == 403, f"시 담당 of {CITY} POST {url}"
        client.logout()
    # every role that holds a permission of an object URL was checked from both offices
    holders = {r.code for r in ROLES for u in with_params if getattr(u.callback, PERMISSION_ATTR) in r.permissions}
    assert checked == {(code, office) for code in holders for office in (HOME, OTHER)}
    assert holders == {r.code for r in ROLES} - {"city_analyst"}


# --- lists, searches and downloads: no string of the other office ---------------------------------------------------


def office_markers(world) -> dict[str, set[str]]:
    """Office code → the strings that identify its data and no other office's: everything each office's rows
    show (in full and masked, as HTML, XLSX or PDF may show them), less any string both offices have. Strings
    shorter than 3 characters are left out: they could be any page's words."""
    from jingsu.core.models import Jurisdiction
    from jingsu.levies.models import Levy
    from jingsu.notices.models import Campaign
    from jingsu.payments.models import Payment
    from jingsu.rewards.documents import mask_address, mask_name
    from jingsu.rewards.models import (
        Civilian,
        Committee,
        CommitteeMember,
        HiddenRevenueFinding,
        Official,
        RewardCase,
    )
    from jingsu.staff.models import PaymentUpload, RollUpload, StaffProfile
    from jingsu.taxpayers.models import Taxpayer

    ids = object_ids(world)
    found: dict[str, set[str]] = {}
    for code, index in ((HOME, 0), (OTHER, 1)):
        strings = {Jurisdiction.objects.get(code=code).name}
        for name, address in Taxpayer.objects.filter(jurisdiction=code).values_list("name", "address"):
            strings |= {name, mask_name(name), address, mask_address(address)}
        strings |= set(Levy.objects.filter(jurisdiction=code).values_list("tax_number", flat=True))
        strings |= set(Payment.objects.filter(jurisdiction=code).exclude(payment_number="")
                       .values_list("payment_number", flat=True))
        strings |= set(Campaign.objects.filter(jurisdiction=code).values_list("name", flat=True))
        strings |= set(StaffProfile.objects.filter(jurisdiction=code).values_list("user__username", flat=True))
        for name in Official.objects.filter(jurisdiction=code).values_list("name", flat=True):
            strings |= {name, mask_name(name)}
        for name, address in Civilian.objects.filter(jurisdiction=code).values_list("name", "address"):
            strings |= {name, mask_name(name), address, mask_address(address)}
        strings |= set(Committee.objects.filter(jurisdiction=code).values_list("name", flat=True))
        strings |= set(CommitteeMember.objects.filter(committee__jurisdiction=code).values_list("name", flat=True))
        for name, source in HiddenRevenueFinding.objects.filter(jurisdiction=code).values_list(
                "taxpayer_name", "source_description"):
            strings |= {name, mask_name(name), source}
        strings |= set(RewardCase.objects.filter(jurisdiction=code).values_list("title", flat=True))
        for model in (RollUpload, PaymentUpload):
            strings |= set(model.objects.filter(jurisdiction=code).values_list("original_name", flat=True))
        # links to the office's objects: every taxpayer and campaign, and each object URL's object
        strings |= {reverse("staff:taxpayer_detail", args=[pk]) for pk in
                    Taxpayer.objects.filter(jurisdiction=code).values_list("pk", flat=True)}
        strings |= {f"/taxpayers/{pk}/open/" for pk in
                    Taxpayer.objects.filter(jurisdiction=code).values_list("pk", flat=True)}
        strings |= {reverse("staff:campaign_detail", args=[pk]) for pk in
                    Campaign.objects.filter(jurisdiction=code).values_list("pk", flat=True)}
        strings |= {reverse(u.name, kwargs={p: ids[p][index] for p in u.params}) for u in CONSOLE
                    if u.params and getattr(u.callback, PERMISSION_ATTR, None)}
        found[code] = {_flat(s) for s in strings if s and len(_flat(s)) >= 3}
    home, other = found[HOME], found[OTHER]
    return {HOME: home - other, OTHER: other - home}


_EXAMPLE = re.compile(r"예:\s*[^\s)<\"]+")  # a form hint's example ("예: 11260-14-2024-0000001") is not data


def _flat(text: str) -> str:
    """Whitespace out (a PDF keeps no spaces where a line wraps), entities decoded."""
    return re.sub(r"\s+", "", html.unescape(text))


def page_text(r) -> str:
    """What the user is shown, without whitespace and without the form hints' examples: the HTML (links
    included) or JSON, every cell of an XLSX, the text of a PDF, a CSV in its charset."""
    body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
    kind = r.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        text = "|".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                        for v in row if v is not None)
    elif kind.startswith("application/pdf"):
        text = pdf_text(body)
    elif kind.startswith("text/csv"):
        charset = re.search(r"charset=([\w-]+)", kind)
        text = body.decode(charset.group(1) if charset else "utf-8")
    else:
        assert kind.startswith(("text/html", "application/json")), kind
        text = body.decode()
    return _flat(_EXAMPLE.sub("", text))


def foreign_strings(text: str, own: set[str], foreign: set[str]) -> list[str]:
    """The other office's strings on the page — except where one is part of one of the office's own (its campaign
    "노원 11월 체납안내" holds HOME's "11월 체납안내")."""
    hits = [f for f in foreign if f in text]
    if not hits:
        return []
    covered = [(m.start(), m.end()) for o in own for m in re.finditer(re.escape(o), text)]
    return sorted(f for f in hits if any(not any(a <= m.start() and m.end() <= b for a, b in covered)
                                         for m in re.finditer(re.escape(f), text)))


#: Pages on which neither office of the world has a row of its own to show — forms with nothing of the office's to
#: choose from, lists that are empty in the world (no refund, no clawback, no effect in the period), the 구별 합계
#: (an office's row is only its name, which every page's header shows), the roll template. Every other page must show
#: a string of its own office to both offices' users: there, the other office's rows would be on the page if its
#: query lost its scope, so the absence of the other office's strings means something.
NO_OWN_ROWS = {
    "staff:account", "staff:account_password", "staff:campaign_new", "staff:campaign_preview", "staff:city_figures",
    "staff:effects_period", "staff:effects_period_xlsx", "staff:money_reconciliation", "staff:money_refunds",
    "staff:money_refunds_xlsx", "staff:rewards_civilian_new", "staff:rewards_clawbacks_xlsx", "staff:rewards_home",
    "staff:roll_template", "staff:user_new",
}


def _search(client) -> dict[str, str]:
    """A taxpayer search both offices have rows for (the same masked registration number in both rolls), kept in
    the session as the console keeps it: the `?s=` of its results page and download."""
    r = client.post(reverse("staff:taxpayer_search"), {"q": "850101-1******", "by": "auto"})
    assert r.status_code == 302, r.status_code
    return {"s": parse_qs(urlsplit(r["Location"]).query)["s"][0]}


QUERIES = {"staff:taxpayer_search": _search, "staff:taxpayer_search_xlsx": _search}


def _template_example() -> set[str]:
    from jingsu.staff.roll_views import TEMPLATE_EXAMPLE

    return {_flat(str(v)) for k, v in TEMPLATE_EXAMPLE.items() if k not in ("자치단체코드", "과세번호")}


#: Pages that show every office the same example, which the world's HOME roll happens to copy (the roll template's
#: example row is tests/fixtures/roll_small.csv's first row): the example is taken out before the page is searched
#: (its 자치단체코드 and 과세번호 are the user's office's, and stay).
EXAMPLES = {"staff:roll_template": _template_example}


@pytest.mark.django_db
def test_no_page_shows_another_offices_data(world, client):
    markers = office_markers(world)
    assert len(markers[HOME]) > 30 and len(markers[OTHER]) > 30, markers
    pages = [u for u in CONSOLE if not u.params and getattr(u.callback, PERMISSION_ATTR, None)]
    shown: dict[str, set[str]] = {HOME: set(), OTHER: set()}
    for u in pages:
        perm = getattr(u.callback, PERMISSION_ATTR)
        for role in (r for r in ROLES if perm in r.permissions):
            for office, other, user in ((HOME, OTHER, world.users[role.code]),
                                        (OTHER, HOME, world.other_users[role.code])):
                client.force_login(user, backend=LOGIN_BACKEND)
                query = QUERIES[u.name](client) if u.name in QUERIES else {}
                r = client.get(reverse(u.name), query)
                assert r.status_code == 200, f"{role.name} of {office} GET {u.route}: {r.status_code}"
                text = page_text(r)
                for example in EXAMPLES[u.name]() if u.name in EXAMPLES else ():
                    text = text.replace(example, "")
                leaked = foreign_strings(text, markers[office], markers[other])
                assert not leaked, f"{role.name} of {office} GET {u.route} shows {other}'s {leaked}"
                # the page's own rows: not the header's office name and user name, which every page shows
                chrome = {_flat(world.home.name if office == HOME else world.other.name), user.get_username()}
                if any(m in text for m in markers[office] - chrome):
                    shown[office].add(u.name)
    client.logout()
    for office in (HOME, OTHER):
        blind = {u.name for u in pages} - NO_OWN_ROWS - shown[office]
        assert not blind, f"no row of {office}'s own on {sorted(blind)}: the check proves nothing there"


def _city_rows(client) -> dict[str, tuple]:
    """구별 합계 as downloaded: 코드 → the row (자치단체, 코드, counts and sums)."""
    from openpyxl import load_workbook

    r = client.get(reverse("staff:city_figures"), {"download": "xlsx"})
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
    rows = load_workbook(io.BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True)
    return {str(row[1]): row for row in rows if len(row) > 1 and re.fullmatch(r"\d{5}", str(row[1] or ""))}


@pytest.mark.django_db
def test_the_city_sees_every_districts_figures_and_no_offices_data(world, client):
    """구별 합계: an office's 시 담당 gets its own office's row only; the 시 담당 of 서울특별시 gets one row per 자치구
    (both offices of the world among them, with the figures their own 시 담당 see) on the page and in its download,
    no identifying string of either office, and no other console page."""
    from jingsu.core.jurisdictions import SEOUL_DISTRICTS

    own_rows = {}
    for office, user in ((HOME, world.users["city_analyst"]), (OTHER, world.other_users["city_analyst"])):
        client.force_login(user, backend=LOGIN_BACKEND)
        own_rows[office] = _city_rows(client)
        assert set(own_rows[office]) == {office}, f"시 담당 of {office}: rows {sorted(own_rows[office])}"
    assert own_rows[HOME][HOME][2] > 0 and own_rows[OTHER][OTHER][2] > 0  # open levies in both offices

    client.force_login(world.city_analyst, backend=LOGIN_BACKEND)
    rows = _city_rows(client)
    assert set(rows) == {code for code, _ in SEOUL_DISTRICTS}
    assert rows[HOME] == own_rows[HOME][HOME] and rows[OTHER] == own_rows[OTHER][OTHER]
    markers = office_markers(world)
    data = (markers[HOME] | markers[OTHER]) - {_flat(world.home.name), _flat(world.other.name)}
    for query in ({}, {"download": "xlsx"}):
        r = client.get(reverse("staff:city_figures"), query)
        assert r.status_code == 200, query
        text = page_text(r)
        assert all(_flat(name) in text for _, name in SEOUL_DISTRICTS), query
        assert not [m for m in data if m in text], query
    for u in CONSOLE:
        perm = getattr(u.callback, PERMISSION_ATTR, None)
        if u.params or perm is None or perm in ("use_console", "view_city_figures"):
            continue
        assert client.get(reverse(u.name)).status_code == 403, f"시 담당 of {CITY} GET {u.route}"
    client.logout()


def test_every_role_group_grants_exactly_its_permissions(db):
    from django.contrib.auth.models import Group

    for role in ROLES:
        group = Group.objects.get(name=role.name)
        assert set(group.permissions.values_list("codename", flat=True)) == set(role.permissions)
