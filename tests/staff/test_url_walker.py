"""Walks every URL of the staff console and checks its access rules against every role.

For each URL pattern under the `staff` namespace (found by resolving the project's URLconf, so a new view is
included automatically):
- its view declares a permission (`@staff_view("…")`) or is marked `@public_view` — otherwise the test fails;
- anonymous GET and POST are redirected to the login page;
- a user whose role lacks the permission (and a user without a staff profile) gets 403 on GET and POST;
- a user whose role has it gets 200 on GET for objects of their jurisdiction, and 404 for another jurisdiction's.

Path parameters are filled from `OBJECTS` by name; a new parameter name fails until an entry is added here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jingsu.staff.access import PERMISSION_ATTR, PUBLIC_ATTR
from jingsu.staff.roles import PERMISSIONS, ROLES

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


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
def world(world, clock):
    """The console's world plus the rewards objects the 포상금 URLs point to (a decided meeting, a paid claim and
    its transfer batch) in both jurisdictions."""
    from _staff_helpers import add_money_world, add_resends, add_rewards_world, add_roll_uploads

    add_rewards_world(world, clock)
    add_roll_uploads(world, clock)  # a validated roll upload per jurisdiction for the roll URLs
    add_money_world(world, clock)  # unmatched payments and campaigns for the money and effect URLs
    from _assistance_helpers import add_assistance_world

    add_assistance_world(world, clock)  # a 분할 납부 request and a 상담 요청 per jurisdiction
    add_resends(world, clock)  # a pending resend per jurisdiction for the notice and resend URLs
    from _enforcement_world import add_enforcement_world

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
def test_another_jurisdictions_objects_are_404(world, client):
    ids = object_ids(world)
    with_params = [u for u in CONSOLE if u.params and getattr(u.callback, PERMISSION_ATTR, None)]
    assert with_params
    for u in with_params:
        perm = u.callback.staff_permission
        role = next(r for r in ROLES if perm in r.permissions)
        client.force_login(world.users[role.code], backend=LOGIN_BACKEND)
        assert client.get(_url(u, ids)).status_code == 200
        other = _url(u, ids, other=True)
        assert client.get(other).status_code == 404, f"{role.name} saw {other}"
        assert client.post(other, {"reason": "다른 구 자료 열람 시도"}).status_code == 404, other
        # and the other jurisdiction's clerk cannot see ours
        client.force_login(world.other_clerk, backend=LOGIN_BACKEND)
        if perm in dict((r.code, r) for r in ROLES)["clerk"].permissions:
            assert client.get(_url(u, ids)).status_code == 404
            assert client.get(other).status_code == 200
        client.logout()


def test_every_role_group_grants_exactly_its_permissions(db):
    from django.contrib.auth.models import Group

    for role in ROLES:
        group = Group.objects.get(name=role.name)
        assert set(group.permissions.values_list("codename", flat=True)) == set(role.permissions)
