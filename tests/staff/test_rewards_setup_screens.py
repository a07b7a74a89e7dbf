"""포상금 인적 사항 screens (staff/rewards_setup_views.py) through the Django test client on a real database:
officials with a bank account (masked), civilians, committees and members (composition check), a member's term end,
hidden-revenue findings and their collection check; refused input, read-only roles, another jurisdiction."""

from __future__ import annotations

from datetime import date

import pytest
from _staff_helpers import BACKEND, HOME, REWARD_LEVY, add_rewards_world, as_, text
from django.urls import reverse

from jingsu.core.models import AuditLog
from jingsu.rewards.models import (
    Civilian,
    Committee,
    CommitteeMember,
    EnforcementAction,
    HiddenRevenueFinding,
    Official,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]


def official_data(**over):
    data = {"name": "정세무", "rank": "지방세무주사", "department": "세무2과 체납징수팀", "bureau": "재무국",
            "bank": "국민은행", "account": "123-456-7890123", "holder": ""}
    return {**data, **over}


def add_official(clerk, **over) -> Official:
    r = clerk.post(reverse("staff:rewards_official_new"), official_data(**over))
    assert r.status_code == 302 and r["Location"] == reverse("staff:rewards_officials"), text(r)
    return Official.objects.get(jurisdiction_id=HOME, name=over.get("name", "정세무"))


def test_an_official_registered_on_screen_is_listed_masked_and_can_be_chosen_for_an_action(world, client):
    clerk = as_(client, world, "clerk")
    page = text(clerk.get(reverse("staff:rewards_official_new")))
    assert 'name="account"' in page and "csrfmiddlewaretoken" in page

    o = add_official(clerk)
    assert (o.rank, o.department, o.bureau, o.bank) == ("지방세무주사", "세무2과 체납징수팀", "재무국", "국민은행")
    assert o.reveal_account() == "1234567890123" and o.account_masked == "*********0123"
    assert "1234567890123" not in o.account_encrypted and o.account_holder == "정세무"  # holder defaults to the name
    row = AuditLog.objects.get(action="reward.official.add")
    assert row.actor == f"clerk-{HOME}" and row.target_id == str(o.pk) and row.jurisdiction_id == HOME

    page = text(clerk.get(reverse("staff:rewards_officials")))
    assert "정세무" in page and "*********0123" in page and "국민은행" in page
    assert "1234567890123" not in page and "456-7890123" not in page

    # the existing action-record form offers the new official, and recording an action with them works
    page = text(clerk.get(reverse("staff:rewards_actions")))
    assert f'value="official:{o.pk}"' in page
    ok = clerk.post(reverse("staff:rewards_action_record"),
                    {"tax_number": REWARD_LEVY, "kind": "seizure", "person": f"official:{o.pk}",
                     "taken_on": "2026-11-02"})
    assert ok.status_code == 302
    assert EnforcementAction.objects.get(official=o).levy.tax_number == REWARD_LEVY


def test_a_civilian_registered_on_screen_is_listed_masked(world, client):
    clerk = as_(client, world, "clerk")
    r = clerk.post(reverse("staff:rewards_civilian_new"),
                   {"name": "오신고", "address": "서울특별시 중랑구 망우로 123 101동 202호", "birth_date": "1970-05-06",
                    "bank": "088", "account": "110987654321", "holder": ""})
    assert r.status_code == 302
    c = Civilian.objects.get(jurisdiction_id=HOME, name="오신고")
    assert c.reveal_account() == "110987654321" and "1970" not in c.birth_date_encrypted
    assert AuditLog.objects.filter(action="reward.civilian.add", target_id=str(c.pk)).exists()
    page = text(clerk.get(reverse("staff:rewards_civilians")))
    assert "오신고" in page and "********4321" in page and "****-**-**" in page
    assert "110987654321" not in page and "101동" not in page and "1970" not in page
    # a civilian is offered in the action form only as a reporter (은닉재산 신고)
    assert f'value="civilian:{c.pk}"' in text(clerk.get(reverse("staff:rewards_actions")))


def problems_of(page: str) -> str:
    return page.split("구성 기준에 맞지 않습니다", 1)[1].split("</div>", 1)[0] if "구성 기준에 맞지" in page else ""


def test_committee_and_members_through_the_screens_change_the_composition_check(world, client):
    clerk = as_(client, world, "clerk")
    chair = add_official(clerk, name="강국장", rank="국장", department="행정국", bureau="행정국",
                         director_or_above="on", bank="", account="")
    heads = [add_official(clerk, name=n, rank="과장", department=d, bureau="행정국", bank="", account="")
             for n, d in (("남과장", "총무과장"), ("도과장", "자치행정과장"), ("류과장", "민원여권과장"))]

    r = clerk.post(reverse("staff:rewards_committee_new"), {"bureau": "행정국", "name": ""})
    committee = Committee.objects.get(jurisdiction_id=HOME, bureau="행정국")
    members_url = reverse("staff:rewards_committee_members", args=[committee.pk])
    assert r.status_code == 302 and r["Location"] == members_url
    assert committee.name == "행정국 세입징수공적심사위원회"
    assert AuditLog.objects.filter(action="reward.committee.create", target_id=str(committee.pk)).exists()
    # one committee per 국: the second is refused on the field, nothing written
    again = clerk.post(reverse("staff:rewards_committee_new"), {"bureau": "행정국"})
    assert again.status_code == 400 and "소관 국: 행정국의 공적심사위원회가 이미 있습니다." in text(again)
    assert Committee.objects.filter(jurisdiction_id=HOME).count() == 1

    committee_page = text(clerk.get(reverse("staff:rewards_committee")))
    assert members_url in committee_page and reverse("staff:rewards_committee_new") in committee_page
    assert "재적위원이 0명입니다" in problems_of(committee_page)

    add = reverse("staff:rewards_member_new", args=[committee.pk])
    ok = clerk.post(add, {"official": chair.pk, "name": "", "role": "chair", "kind": "internal",
                          "position": "행정국장", "term_start": "2026-01-01"})
    assert ok.status_code == 302 and ok["Location"] == members_url
    problems = problems_of(text(clerk.get(reverse("staff:rewards_committee"))))
    assert "재적위원이 1명입니다" in problems and "위원장이" not in problems
    for o in heads:
        ok = clerk.post(add, {"official": o.pk, "role": "member", "kind": "internal", "position": o.department,
                              "term_start": "2026-01-01"})
        assert ok.status_code == 302
    members = list(CommitteeMember.objects.filter(committee=committee).order_by("pk"))
    assert [m.name for m in members] == ["강국장", "남과장", "도과장", "류과장"]  # names from the officials
    assert members[0].role == "chair" and members[0].official == chair
    assert AuditLog.objects.filter(action="reward.committee.member").count() == 4
    committee_page = text(clerk.get(reverse("staff:rewards_committee")))
    assert "구성이 조례 기준에 맞습니다" in committee_page and not problems_of(committee_page)
    assert "구성이 조례 기준에 맞습니다" in text(clerk.get(members_url))

    # ending a member's term before today puts the committee below the ordinance's minimum again
    end = reverse("staff:rewards_member_end_term", args=[members[3].pk])
    assert clerk.get(end).status_code == 200
    ok = clerk.post(end, {"term_end": "2026-10-31"})
    assert ok.status_code == 302 and ok["Location"] == members_url
    members[3].refresh_from_db()
    assert members[3].term_end == date(2026, 10, 31)
    row = AuditLog.objects.get(action="reward.committee.member.end")
    assert row.target_id == str(members[3].pk) and row.detail["term_end"] == "2026-10-31"
    page = text(clerk.get(members_url))
    assert "임기 밖" in page and "재적위원이 3명입니다" in problems_of(page)
    assert "재적위원이 3명입니다" in problems_of(text(clerk.get(reverse("staff:rewards_committee"))))
    # the term can only be shortened
    longer = clerk.post(end, {"term_end": "2027-12-31"})
    assert longer.status_code == 400 and "임기를 늘릴 수는 없습니다" in text(longer)
    members[3].refresh_from_db()
    assert members[3].term_end == date(2026, 10, 31)


def test_refused_input_is_400_with_the_field_named_and_nothing_written(world, client):
    clerk = as_(client, world, "clerk")
    url = reverse("staff:rewards_official_new")

    r = clerk.post(url, official_data(name=""))
    assert r.status_code == 400 and "성명: 성명을 입력하세요." in text(r) and 'aria-invalid="true"' in text(r)
    r = clerk.post(url, official_data(account="12-34ab-5678"))
    assert r.status_code == 400 and "계좌번호: 계좌번호는 숫자와 -(하이픈)만 입력하세요." in text(r)
    assert "12-34ab-5678" not in text(r) and "계좌번호를 다시 입력하세요" in text(r)  # not echoed back
    r = clerk.post(url, official_data(account="1234-5678"))
    assert r.status_code == 400 and "계좌번호는 숫자 10~16자리여야 합니다 (8자리 입력)" in text(r)
    r = clerk.post(url, official_data(bank=""))
    assert r.status_code == 400 and "거래은행: 계좌번호를 입력했으면 거래은행도 입력하세요." in text(r)
    assert "1234567890123" not in text(r) and "123-456-7890123" not in text(r)
    r = clerk.post(reverse("staff:rewards_civilian_new"), {"name": "오신고", "address": " "})
    assert r.status_code == 400 and "주소: 주소를 입력하세요" in text(r)
    assert not Official.objects.exists() and not Civilian.objects.exists()

    chair = add_official(clerk, name="강국장", rank="국장", department="행정국", bank="", account="")
    committee = Committee.objects.create(jurisdiction_id=HOME, bureau="행정국", name="행정국 위원회",
                                         created_at=chair.created_at)
    before = AuditLog.objects.filter(action__startswith="reward.").count()
    add = reverse("staff:rewards_member_new", args=[committee.pk])
    r = clerk.post(add, {"official": chair.pk, "role": "chair", "kind": "internal", "term_start": "2026-01-01",
                         "term_end": "2025-12-31"})
    assert r.status_code == 400 and "임기 종료: 임기 종료일이 시작일보다 앞섭니다." in text(r)
    r = clerk.post(add, {"name": "외부위원", "role": "member", "kind": "internal", "term_start": "2026-01-01"})
    assert r.status_code == 400 and "직원(내부 위원): 내부 위원은 직원으로 등록된 공무원이어야 합니다." in text(r)
    r = clerk.post(add, {"name": "외부위원", "role": "member", "kind": "external", "term_start": "2026-01-01"})
    assert r.status_code == 400 and "임기 종료: 외부 위원은 임기 종료일이 있어야 합니다" in text(r)
    r = clerk.post(add, {"role": "member", "kind": "external", "term_start": "2026-01-01", "term_end": "2027-12-31"})
    assert r.status_code == 400 and "성명: 성명을 입력하세요" in text(r)
    assert not CommitteeMember.objects.exists()

    member = CommitteeMember.objects.create(committee=committee, name="강국장", role="chair", kind="internal",
                                            official=chair, term_start=date(2026, 1, 1),
                                            created_at=chair.created_at)
    end = reverse("staff:rewards_member_end_term", args=[member.pk])
    r = clerk.post(end, {"term_end": "2025-06-30"})
    assert r.status_code == 400 and "임기 종료일(마지막 날): 임기 종료일이 임기 시작일(2026. 1. 1.)보다 앞섭니다." in text(r)
    r = clerk.post(end, {"term_end": ""})
    assert r.status_code == 400 and "임기 종료일을 입력하세요." in text(r)
    member.refresh_from_db()
    assert member.term_end is None
    assert AuditLog.objects.filter(action__startswith="reward.").count() == before


def test_findings_and_their_collection_check_through_the_screens(world, client):
    clerk = as_(client, world, "clerk")
    clerk.post(reverse("staff:rewards_civilian_new"),
               {"name": "오신고", "address": "서울특별시 중랑구 망우로 123", "bank": "088", "account": "110987654321"})
    civilian = Civilian.objects.get(name="오신고")
    url = reverse("staff:rewards_finding_new")
    data = {"category": "informant", "person": f"civilian:{civilian.pk}", "tax_item": "취득세",
            "source_description": "법인 취득세 탈루 제보", "taxpayer_name": "주식회사 감춤",
            "taxpayer_address": "서울특별시 중랑구 면목로 1 2층", "assessed": "0", "evaded": "30000000",
            "assessment_notified_on": "2026-08-01", "verified": "on"}
    r = clerk.post(url, {**data, "evaded": "0"})
    assert r.status_code == 400 and "탈루세액 등(원): 탈루세액 자료 제공은 탈루세액 등을 입력하세요" in text(r)
    r = clerk.post(url, {**data, "person": ""})
    assert r.status_code == 400 and "발굴한 직원 또는 제보한 민간인을 고르세요." in text(r)
    r = clerk.post(url, {**data, "tax_number": "11260-99-0000-0000000"})
    assert r.status_code == 400 and "과세번호(부과한 경우): 이 지자체에 그 과세번호의 부과 건이 없습니다." in text(r)
    assert not HiddenRevenueFinding.objects.exists()

    assert clerk.post(url, data).status_code == 302
    finding = HiddenRevenueFinding.objects.get(jurisdiction_id=HOME)
    assert finding.civilian == civilian and finding.evaded == 30_000_000 and finding.verified
    assert finding.assessment_notified_on == date(2026, 8, 1) and finding.created_by == f"clerk-{HOME}"
    assert AuditLog.objects.filter(action="reward.finding.record", target_id=str(finding.pk)).exists()
    page = text(clerk.get(reverse("staff:rewards_findings")))
    assert "법인 취득세 탈루 제보" in page and "주*****춤" in page and "주식회사 감춤" not in page and "미확인" in page

    collected = reverse("staff:rewards_finding_collected", args=[finding.pk])
    page = text(clerk.get(collected))
    assert "법인 취득세 탈루 제보" in page and "서울특별시 중랑구 면목로 *" in page and "2층" not in page
    r = clerk.post(collected, {"collected": "0", "collected_on": "2026-11-20", "confirmed_by": "김팀장"})
    assert r.status_code == 400 and "징수액(원): 징수액은 0보다 커야 합니다." in text(r)
    r = clerk.post(collected, {"collected": "30000000", "collected_on": "2026-11-20", "confirmed_by": ""})
    assert r.status_code == 400 and "징수를 확인한 팀장의 성명을 입력하세요." in text(r)
    finding.refresh_from_db()
    assert finding.collected == 0 and not finding.confirmed_by
    ok = clerk.post(collected, {"collected": "30000000", "collected_on": "2026-11-20", "confirmed_by": "김팀장"})
    assert ok.status_code == 302
    finding.refresh_from_db()
    assert (finding.collected, finding.collected_on, finding.confirmed_by) == (30_000_000, date(2026, 11, 20), "김팀장")
    assert AuditLog.objects.filter(action="reward.finding.confirm", target_id=str(finding.pk)).exists()
    assert "30,000,000원 (2026. 11. 20., 확인 김팀장)" in text(clerk.get(reverse("staff:rewards_findings")))
    # the 별지 제2호서식 ledger shows the row
    ledger = text(clerk.get(reverse("staff:rewards_ledgers"), {"year": 2026}))
    assert "법인 취득세 탈루 제보" in ledger and "김팀장" in ledger


SETUP_POSTS = ("rewards_official_new", "rewards_civilian_new", "rewards_committee_new", "rewards_finding_new")


def test_read_only_roles_see_the_lists_but_cannot_change_anything(world, client, clock):
    done = add_rewards_world(world, clock)
    def state():
        return (Official.objects.count(), Committee.objects.count(), CommitteeMember.objects.count(),
                HiddenRevenueFinding.objects.count(), AuditLog.objects.filter(action__startswith="reward.").count())

    before = state()
    for role in ("section_chief", "auditor", "team_lead", "committee_member"):
        c = as_(client, world, role)
        page = text(c.get(reverse("staff:rewards_officials")))
        assert "한지민" in page and "********6789" in page and "110123456789" not in page
        assert reverse("staff:rewards_official_new") not in page and "등록하기" not in page
        page = text(c.get(reverse("staff:rewards_committee_members", args=[done.committee.pk])))
        assert "이수근" in page and "임기 종료</button>" not in page and "위원 등록하기" not in page
        assert "법인 부동산 취득 누락" in text(c.get(reverse("staff:rewards_findings")))
        assert c.get(reverse("staff:rewards_civilians")).status_code == 200
        for name in SETUP_POSTS:
            assert c.post(reverse(f"staff:{name}"), official_data()).status_code == 403, (role, name)
        assert c.post(reverse("staff:rewards_member_new", args=[done.committee.pk]),
                      {"name": "x", "role": "member", "kind": "external", "term_start": "2026-01-01",
                       "term_end": "2027-01-01"}).status_code == 403
        assert c.post(reverse("staff:rewards_member_end_term", args=[done.members[1].pk]),
                      {"term_end": "2026-11-01"}).status_code == 403
        assert c.post(reverse("staff:rewards_finding_collected", args=[done.finding.pk]),
                      {"collected": "1", "collected_on": "2026-11-01", "confirmed_by": "x"}).status_code == 403
    assert state() == before
    done.members[1].refresh_from_db()
    assert done.members[1].term_end is None
    c = as_(client, world, "sysadmin")
    assert c.get(reverse("staff:rewards_officials")).status_code == 403


def test_another_jurisdictions_people_are_404_and_not_listed_or_offered(world, client, clock):
    done = add_rewards_world(world, clock)
    client.force_login(world.other_clerk, backend=BACKEND)
    for name, pk in (("rewards_committee_members", done.committee.pk), ("rewards_member_new", done.committee.pk),
                     ("rewards_member_end_term", done.members[1].pk),
                     ("rewards_finding_collected", done.finding.pk)):
        url = reverse(f"staff:{name}", args=[pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"term_end": "2026-11-01", "collected": "1", "collected_on": "2026-11-01",
                                 "confirmed_by": "x", "name": "x", "kind": "external", "role": "member",
                                 "term_start": "2026-01-01"}).status_code == 404, name
    assert "한지민" not in text(client.get(reverse("staff:rewards_officials")))
    assert "노원징수" in text(client.get(reverse("staff:rewards_officials")))
    assert "법인 부동산 취득 누락" not in text(client.get(reverse("staff:rewards_findings")))
    # HOME's official cannot be put on OTHER's committee, nor named as OTHER's finder
    r = client.post(reverse("staff:rewards_member_new", args=[done.other_committee.pk]),
                    {"official": done.collector.pk, "role": "member", "kind": "internal", "term_start": "2026-01-01"})
    assert r.status_code == 400 and 'aria-invalid="true"' in text(r)
    r = client.post(reverse("staff:rewards_finding_new"),
                    {"category": "evasion", "person": f"official:{done.collector.pk}", "tax_item": "취득세",
                     "source_description": "다른 구 직원", "taxpayer_name": "누구", "assessed": "0", "evaded": "0"})
    assert r.status_code == 400
    assert not CommitteeMember.objects.filter(committee=done.other_committee, official=done.collector).exists()
    assert not HiddenRevenueFinding.objects.filter(source_description="다른 구 직원").exists()
    done.members[1].refresh_from_db()
    assert done.members[1].term_end is None


def test_pages_have_no_inline_style_or_script_and_are_korean(world, client, clock):
    done = add_rewards_world(world, clock)
    c = as_(client, world, "clerk")
    for url in (reverse("staff:rewards_officials"), reverse("staff:rewards_civilians"),
                reverse("staff:rewards_committee_new"),
                reverse("staff:rewards_committee_members", args=[done.committee.pk]),
                reverse("staff:rewards_member_end_term", args=[done.members[1].pk]),
                reverse("staff:rewards_findings"), reverse("staff:rewards_finding_collected", args=[done.finding.pk])):
        r = c.get(url)
        page = text(r)
        assert r.status_code == 200 and "no-store" in r["Cache-Control"], url
        assert "style=" not in page and "<script" not in page, url
        assert 'lang="ko"' in page and 'aria-current="page"' in page and "csrfmiddlewaretoken" in page, url
