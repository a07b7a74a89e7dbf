"""Merits derived from records (levies, payments, actions, notices) and the ledgers filled from them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.notices import services as notices
from jingsu.rewards import documents, services
from jingsu.rewards.derive import derive_arrears_merits
from jingsu.rewards.models import Civilian, EnforcementAction, RewardError

YDP = "11560"
pytestmark = pytest.mark.django_db


def method_of(levy, year=2026):
    merits = derive_arrears_merits(YDP, year, levy=levy)
    assert len(merits) == 1
    return merits[0]


@pytest.mark.parametrize("kind", ["seizure", "plate-impound", "license-restriction", "prosecution"])
def test_forced_action_before_payment_sets_method_collector_and_age(make_levy, pay, official, clock, kind):
    levy = make_levy(due=date(2024, 9, 30))
    kim = official()
    services.record_action(levy, kind=kind, taken_on=date(2026, 3, 2), official=kim, actor="t", clock=clock)
    pay(levy, 400_000, date(2026, 3, 10))
    m = method_of(levy)
    assert (m.method, m.collector, m.arrears_age, m.collected) == (kind, kim, 2, 400_000)
    assert m.facts() == {"type": "arrears", "collected": 400_000, "arrears_age": 2, "collected_on": "2026-03-10",
                         "method": kind}


def test_action_after_payment_does_not_count_and_most_specific_wins(make_levy, pay, official, clock):
    levy = make_levy()
    kim, lee = official("김"), official("이")
    services.record_action(levy, kind="plate-impound", taken_on=date(2026, 2, 1), official=lee, actor="t", clock=clock)
    services.record_action(levy, kind="seizure", taken_on=date(2026, 2, 5), official=kim, actor="t", clock=clock)
    services.record_action(levy, kind="prosecution", taken_on=date(2026, 4, 1), official=lee, actor="t", clock=clock)
    pay(levy, 100_000, date(2026, 3, 1))
    m = method_of(levy)
    assert (m.method, m.collector) == ("seizure", kim)


def test_age_counts_collection_year_minus_due_year_and_current_year_is_not_arrears(make_levy, pay):
    last_year = make_levy(due=date(2025, 12, 31))
    this_year = make_levy(due=date(2026, 1, 31))
    old = make_levy(due=date(2021, 7, 31))
    for lv in (last_year, this_year, old):
        pay(lv, 10_000, date(2026, 5, 1))
    ages = {m.levy.pk: m.arrears_age for m in derive_arrears_merits(YDP, 2026)}
    assert ages == {last_year.pk: 1, old.pk: 5}


def test_hidden_asset_report_by_civilian(make_levy, pay, clock):
    levy = make_levy()
    informant = services.add_civilian(Jurisdiction.by_code(YDP), name="박제보", address="서울특별시 영등포구 당산로 5",
                                      birth_date=date(1970, 1, 2), actor="t", clock=clock)
    assert "1970" not in Civilian.objects.get(pk=informant.pk).birth_date_encrypted
    services.record_action(levy, kind="hidden-asset-report", taken_on=date(2026, 1, 5), civilian=informant,
                           actor="t", clock=clock)
    pay(levy, 300_000, date(2026, 2, 1))
    m = method_of(levy)
    assert (m.method, m.collector) == ("hidden-asset-report", informant)


def test_civilian_can_only_report_hidden_assets(make_levy, clock):
    civ = services.add_civilian(Jurisdiction.by_code(YDP), name="박", address="영등포구", actor="t", clock=clock)
    with pytest.raises(RewardError) as e:
        services.record_action(make_levy(), kind="seizure", taken_on=date(2026, 1, 1), civilian=civ, actor="t",
                               clock=clock)
    assert e.value.field == "civilian" and "은닉재산" in e.value.message


def test_auction_distribution_with_and_without_objection(make_levy, pay, official, clock):
    kim = official()
    plain, objected = make_levy(), make_levy()
    for lv in (plain, objected):
        services.record_action(lv, kind="auction-distribution", taken_on=date(2026, 4, 1), official=kim, actor="t",
                               clock=clock)
    services.record_action(objected, kind="distribution-objection", taken_on=date(2026, 3, 20), official=kim,
                           actor="t", clock=clock)
    pay(plain, 50_000, date(2026, 4, 2))
    pay(objected, 50_000, date(2026, 4, 2))
    assert method_of(plain).method == "auction-distribution"
    assert method_of(objected).method == "auction-distribution-with-objection"


def test_deferral_into_next_year_is_carryover(make_levy, pay, official, clock):
    kim = official()
    levy = make_levy(due=date(2025, 9, 30))
    services.record_action(levy, kind="deferral", taken_on=date(2025, 10, 10), deferred_until=date(2026, 3, 31),
                           official=kim, actor="t", clock=clock)
    pay(levy, 80_000, date(2026, 3, 30))
    assert method_of(levy).method == "deferred-carryover"
    with pytest.raises(RewardError):
        services.record_action(levy, kind="deferral", taken_on=date(2025, 10, 10), official=kim, actor="t",
                               clock=clock)


def _campaign(clock):
    ydp = Jurisdiction.objects.get(code=YDP)
    campaign = notices.create_campaign(ydp, name="체납 안내", kind="arrears", as_of=date(2026, 11, 23), actor="maker",
                                       clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    campaign.refresh_from_db()
    return campaign


def test_paid_within_a_jingsu_notice_deadline_is_a_regular_notice_collection(make_levy, pay, official, clock):
    on_time, late = make_levy(), make_levy()
    campaign = _campaign(clock)
    assert campaign.pay_by == date(2026, 12, 7)
    pay(on_time, 1_000_000, date(2026, 12, 1))
    pay(late, 1_000_000, date(2026, 12, 10))
    assert method_of(on_time).method == "regular-notice-paid-by-deadline"
    assert method_of(on_time).collector is None
    assert method_of(late).method == "other-special"
    # a named collector gets a case, which the calculator will exclude (제2조④1)
    kim = official()
    [case] = services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, levy=on_time, collector=kim, actor="t", clock=clock)
    assert case.facts["method"] == "regular-notice-paid-by-deadline"
    assert case.claimants.get().direct is False


def test_forced_action_beats_the_notice(make_levy, pay, official, clock):
    levy = make_levy()
    _campaign(clock)
    kim = official()
    with pytest.raises(RewardError) as e:  # recorded before the day it names: refused
        services.record_action(levy, kind="seizure", taken_on=date(2026, 11, 25), official=kim, actor="t",
                               clock=clock)
    assert e.value.field == "taken_on" and not EnforcementAction.objects.exists()
    clock.set(datetime(2026, 11, 25, 17, 0, tzinfo=SEOUL))
    services.record_action(levy, kind="seizure", taken_on=date(2026, 11, 25), official=kim, actor="t", clock=clock)
    pay(levy, 1_000_000, date(2026, 12, 1))
    assert method_of(levy).method == "seizure"


def test_open_cases_is_idempotent_and_groups_instalments(make_levy, pay, official, clock):
    levy = make_levy()
    kim = official()
    services.record_action(levy, kind="seizure", taken_on=date(2026, 1, 5), official=kim, actor="t", clock=clock)
    pay(levy, 100_000, date(2026, 2, 1))
    pay(levy, 150_000, date(2026, 3, 1))
    [case] = services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock)
    assert case.collected == 250_000 and case.collected_on == date(2026, 3, 1) and case.payments.count() == 2
    assert case.claimants.get().direct is True
    assert services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock) == []
    assert AuditLog.objects.filter(action="reward.case.open").count() == 1
    assert AuditLog.objects.filter(action="reward.action.record").count() == 1


def test_ledger_one_rows_xlsx_and_pdf(make_levy, pay, official, clock):
    levy = make_levy(name="김민준")
    kim = official()
    services.record_action(levy, kind="seizure", taken_on=date(2026, 1, 5), official=kim, notes="예금 압류",
                           actor="t", clock=clock)
    pay(levy, 250_000, date(2026, 2, 1))
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock)
    [row] = documents.ledger_one(Jurisdiction.by_code(YDP), 2026)
    assert row.values()[:9] == ["2026-02-01", "지방세무주사", "김징수", "김*준", "서울특별시 영등포구 여의대로 *",
                                "2024 정기", levy.tax_number, "재산세", 250_000]
    assert row.merit.startswith("압류 — ") and "예금 압류" in row.merit
    wb = load_workbook(__import__("io").BytesIO(documents.ledger_xlsx(Jurisdiction.by_code(YDP), 2026)))
    ws = wb["별지1 징수대장"]
    assert ws.cell(row=2, column=1).value == "징수년월일"
    assert ws.cell(row=3, column=7).value == levy.tax_number and ws.cell(row=3, column=9).value == 250_000
    html = documents.ledger_html(Jurisdiction.by_code(YDP), 2026)
    assert "지난년도 체납액 징수대장" in html and "김*준" in html and "김민준" not in html
    assert documents.page_count(html, landscape=True) >= 2
    assert documents.ledger_pdf(Jurisdiction.by_code(YDP), 2026).startswith(b"%PDF")


def test_a_reward_pdf_is_kept_by_its_content_and_a_changed_record_makes_a_new_one(make_levy, pay, official, clock):
    """Issue #14 (pages under 300 ms): WeasyPrint takes most of a second, so a PDF is kept in the `documents` cache
    under the hash of its HTML. The same records give the same bytes from the cache; a new record changes the HTML,
    so the ledger is made again and shows it."""
    from django.core.cache import caches

    caches["documents"].clear()
    levy = make_levy(name="김민준")
    services.record_action(levy, kind="seizure", taken_on=date(2026, 1, 5), official=official(), actor="t",
                           clock=clock)
    pay(levy, 250_000, date(2026, 2, 1))
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock)
    first = documents.ledger_pdf(Jurisdiction.by_code(YDP), 2026)
    key = "jingsu:reward-pdf:" + __import__("hashlib").sha256("\0".join((
        __import__("weasyprint").__version__, documents.PRINT_CSS, "True", documents.ledger_html(Jurisdiction.by_code(YDP), 2026)))
        .encode()).hexdigest()
    assert caches["documents"].get(key) == first
    caches["documents"].set(key, b"%PDF-kept")  # what the cache holds is what comes back: no second rendering
    assert documents.ledger_pdf(Jurisdiction.by_code(YDP), 2026) == b"%PDF-kept"
    other = make_levy(name="이서연")
    services.record_action(other, kind="seizure", taken_on=date(2026, 1, 6), official=official("이징수"), actor="t",
                           clock=clock)
    pay(other, 90_000, date(2026, 2, 2))
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock)
    again = documents.ledger_pdf(Jurisdiction.by_code(YDP), 2026)
    assert again.startswith(b"%PDF") and again != first and len(caches["documents"].get(key) or b"") == 9


def test_ledger_one_derives_only_the_levies_it_can_show_and_gives_the_same_rows(make_levy, pay, official, clock,
                                                                                monkeypatch):
    """Issue #14: the ledger derived every collection of the year (thousands of payments for a few dozen rows). It
    now derives only levies with an enforcement action or a case; the rows are those of the full derivation."""
    kim, lee = official(), official("이징수")
    seized, named, plain = make_levy(name="김민준"), make_levy(name="이서연"), make_levy(name="박지훈")
    services.record_action(seized, kind="seizure", taken_on=date(2026, 1, 5), official=kim, actor="t", clock=clock)
    for levy in (seized, named, plain):
        pay(levy, 100_000, date(2026, 2, 1))
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock)
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock, levy=named, collector=lee)  # named by hand
    asked = []
    full = documents.derive_arrears_merits

    def spy(code, year, *, levy=None, levy_ids=None):
        asked.append(None if levy_ids is None else set(levy_ids))
        return full(code, year, levy=levy, levy_ids=levy_ids)

    monkeypatch.setattr(documents, "derive_arrears_merits", spy)
    rows = documents.ledger_one(Jurisdiction.by_code(YDP), 2026)
    assert asked == [{seized.pk, named.pk}]
    monkeypatch.setattr(documents, "derive_arrears_merits", lambda code, year, **_: full(code, year))
    assert rows == documents.ledger_one(Jurisdiction.by_code(YDP), 2026)
    assert sorted(r.tax_number for r in rows) == sorted([seized.tax_number, named.tax_number])


def test_ledger_two_from_findings(official, clock):
    kim = official()
    informant = services.add_civilian(Jurisdiction.by_code(YDP), name="최제보", address="서울특별시 영등포구 당산로 5 3층",
                                      birth_date=date(1980, 5, 6), actor="t", clock=clock)
    services.record_finding(Jurisdiction.by_code(YDP), category="unauthorized-use", tax_item="도로점용료", source_description="무단 적치물",
                            taxpayer_name="주식회사 갑", taxpayer_address="서울특별시 영등포구 선유로 9", official=kim,
                            assessed=2_000_000, due_on=date(2026, 4, 30), actor="t", clock=clock)
    f = services.record_finding(Jurisdiction.by_code(YDP), category="informant", tax_item="취득세", source_description="취득 미신고 자료",
                                taxpayer_name="이을", civilian=informant, evaded=30_000_000,
                                due_on=date(2026, 5, 31), actor="t", clock=clock)
    services.confirm_finding_collection(f, collected=30_000_000, collected_on=date(2026, 6, 20), confirmed_by="정팀장",
                                        actor="t", clock=clock)
    rows = documents.ledger_two(Jurisdiction.by_code(YDP), 2026)
    assert [r.category for r in rows] == ["무단점용·부정사용 부과", "탈루세액 자료 제공"]
    assert rows[1].finder_name == "최제보 (****-**-**)" and rows[1].confirmed_by == "정팀장"
    assert rows[1].finder_rank_or_address == "서울특별시 영등포구 당산로 *"
    assert rows[0].finder_rank_or_address == "지방세무주사"
