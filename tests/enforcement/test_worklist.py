"""The worklist on the real test database: thresholds ±1원, the date boundary (체납 발생일 + 1년), the within-N-days
list, "확인 필요" for the findings the record cannot hold, filters, future dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jingsu.enforcement.worklist import Filters, FutureDate, dong_of, worklist

YDP = "11560"
TODAY = date(2026, 11, 23)  # the test clock's day (tests/_clock.py)
DUE = date(2025, 10, 31)  # 체납 발생일 2025-11-01; "1년이 지난" from 2026-11-01
YEAR_PASSED = date(2026, 11, 1)


def _wl(as_of: date, **kw):
    return worklist(YDP, as_of, today=TODAY, **kw)


def _ids(rows) -> set[int]:
    return {r.taxpayer_id for r in rows}


@pytest.mark.django_db
def test_credit_report_at_5_million_won_plus_minus_1_won(make_taxpayer, make_levy):
    at = make_taxpayer("정확히")
    make_levy(at, due=DUE, principal=4_000_000, owed_on=(YEAR_PASSED, 5_000_000))
    below = make_taxpayer("일원모자람")
    make_levy(below, due=DUE, principal=4_000_000, owed_on=(YEAR_PASSED, 4_999_999))
    wl = _wl(YEAR_PASSED, within_days=0)
    credit = wl.measures["credit_report"]
    assert _ids(credit.qualifying) == {at.pk}
    row = credit.qualifying[0]
    assert row.arrears == 5_000_000 and row.count == 1 and row.oldest_arrears_date == date(2025, 11, 1)
    assert row.tax_items == ("14",) and row.dong == "여의도동" and "제9조" in row.next_step
    assert below.pk not in _ids(credit.qualifying + credit.soon + credit.check)


@pytest.mark.django_db
def test_credit_report_the_day_before_a_year_has_passed_is_soon(make_taxpayer, make_levy):
    tp = make_taxpayer()
    make_levy(tp, due=DUE, principal=6_000_000)
    day_before = YEAR_PASSED - timedelta(days=1)
    assert tp.pk in _ids(_wl(YEAR_PASSED).measures["credit_report"].qualifying)
    wl = _wl(day_before, within_days=1)
    credit = wl.measures["credit_report"]
    assert tp.pk not in _ids(credit.qualifying)
    (row,) = credit.soon
    assert row.next_change == YEAR_PASSED and row.status == "soon"
    assert "1년이 지난 체납액" in row.reason_text
    assert _wl(day_before, within_days=0).measures["credit_report"].soon == []


@pytest.mark.django_db
def test_disclosure_at_10_million_won_is_a_candidate_with_the_finding_named(make_taxpayer, make_levy):
    at = make_taxpayer("천만원")
    make_levy(at, due=DUE, principal=8_000_000, owed_on=(YEAR_PASSED, 10_000_000))
    below = make_taxpayer("천만원모자람")
    make_levy(below, due=DUE, principal=8_000_000, owed_on=(YEAR_PASSED, 9_999_999))
    d = _wl(YEAR_PASSED, within_days=0).measures["disclosure"]
    assert d.qualifying == []  # the record holds no 통지: never counted as qualifying
    assert _ids(d.check) == {at.pk}
    assert "통지" in d.check[0].finding and d.check[0].status == "check"
    assert below.pk not in _ids(d.check + d.soon)


@pytest.mark.django_db
def test_disclosure_the_day_before_a_year_has_passed_is_soon_with_the_finding_named(make_taxpayer, make_levy):
    tp = make_taxpayer("일년되기전날")
    make_levy(tp, due=DUE, principal=15_000_000)
    soon = _wl(YEAR_PASSED - timedelta(days=1), within_days=1).measures["disclosure"]
    assert soon.check == [] and _ids(soon.soon) == {tp.pk}
    assert soon.soon[0].next_change == YEAR_PASSED and soon.soon[0].finding
    assert "1년이 지난 지방세" in soon.soon[0].reason_text


@pytest.mark.django_db
def test_exit_ban_and_license_suspension_need_a_finding(make_taxpayer, make_levy):
    big = make_taxpayer("삼천만원")
    make_levy(big, due=DUE, principal=25_000_000, owed_on=(YEAR_PASSED, 30_000_000))
    small = make_taxpayer("삼천만원모자람")
    make_levy(small, due=DUE, principal=25_000_000, owed_on=(YEAR_PASSED, 29_999_999))
    three = make_taxpayer("세번")
    for m in (3, 4, 5):
        make_levy(three, due=date(2026, m, 30), principal=100_000)
    wl = _wl(YEAR_PASSED, within_days=0)
    ex = wl.measures["exit_ban"]
    assert ex.qualifying == [] and _ids(ex.check) == {big.pk}
    assert "시행령 제15조①" in ex.check[0].finding and ex.finding
    assert {r.condition for r in ex.check[0].reasons} == {"conditions", "unsecured"}
    lic = wl.measures["license_suspension"]
    assert lic.qualifying == [] and three.pk in _ids(lic.check)
    assert "허가등" in lic.check[0].finding
    # what the office recorded makes them qualify
    rec = worklist(YDP, YEAR_PASSED, today=TODAY, within_days=0,
                   recorded={three.pk: {"licensed_business": True}})
    assert three.pk in _ids(rec.measures["license_suspension"].qualifying)


@pytest.mark.django_db
def test_plate_impound_after_the_demand_deadline(make_taxpayer, make_levy, demand):
    tp = make_taxpayer("자동차")
    car = make_levy(tp, due=date(2026, 6, 30), principal=300_000, tax_item="15", vehicle="12가3456")
    demand([car], pay_by=date(2026, 8, 20), sent_on=date(2026, 7, 31))
    no_demand = make_taxpayer("독촉없음")
    make_levy(no_demand, due=date(2026, 6, 30), principal=300_000, tax_item="15", vehicle="34나5678")
    on_deadline = _wl(date(2026, 8, 20), within_days=1).measures["plate_impound"]
    assert on_deadline.qualifying == []
    assert _ids(on_deadline.soon) == {tp.pk} and on_deadline.soon[0].next_change == date(2026, 8, 21)
    after = _wl(date(2026, 8, 21), within_days=0).measures["plate_impound"]
    assert _ids(after.qualifying) == {tp.pk}
    assert "영치" in after.qualifying[0].next_step
    # the seizure list follows the same deadline (지방세징수법 제33조①1호) — 자동차세 of a car also by 제133조
    assert tp.pk in _ids(_wl(date(2026, 8, 21)).measures["seizure"].qualifying)


@pytest.mark.django_db
def test_filters(make_taxpayer, make_levy):
    a = make_taxpayer("가", dong="여의도동")
    make_levy(a, due=DUE, principal=6_000_000)
    b = make_taxpayer("나", dong="당산동")
    make_levy(b, due=date(2026, 6, 30), principal=300_000, tax_item="15", vehicle="12가1111")
    everyone = {a.pk, b.pk}

    def kept(**kw) -> set[int]:
        wl = _wl(YEAR_PASSED, filters=Filters(**kw))
        return _ids(wl.measures["license_refusal"].qualifying)

    assert kept() == everyone
    assert kept(min_amount=1_000_000) == {a.pk}
    assert kept(max_amount=1_000_000) == {b.pk}
    assert kept(min_age_months=12) == {a.pk}
    assert kept(max_age_months=6) == {b.pk}
    assert kept(tax_item="15") == {b.pk}
    assert kept(dong="당산동") == {b.pk}
    assert kept(dong="없는동") == set()
    assert _wl(YEAR_PASSED, filters=Filters(dong="당산동")).taxpayers == 1


@pytest.mark.django_db
def test_a_future_date_is_refused(make_taxpayer):
    with pytest.raises(FutureDate, match="오늘"):
        _wl(TODAY + timedelta(days=1))
    assert _wl(TODAY).taxpayers == 0


def test_dong_of():
    assert dong_of("서울특별시 중랑구 면목로 12, 101동 1203호 (면목동)") == "면목동"
    assert dong_of("서울특별시 종로구 종로 1 (종로1가, 한빛빌딩)") == "종로1가"
    assert dong_of("서울 중랑구 면목동 123-4") == "면목동"
    assert dong_of("서울특별시 영등포구 여의대로 1 101동 202호") == ""
    assert dong_of("") == ""


@pytest.mark.django_db
def test_disclosure_with_a_recorded_notice_waits_for_the_explanation_period(make_taxpayer, make_levy):
    tp = make_taxpayer("통지받음")
    make_levy(tp, due=DUE, principal=15_000_000)
    notified = date(2026, 11, 2)  # 소명 기간: 6개월, 재심의 2027-05-03부터
    rec = {tp.pk: {"disclosure_notified_on": notified, "disclosure_notified_arrears": 16_000_000}}
    d = worklist(YDP, TODAY, today=TODAY, within_days=30, recorded=rec).measures["disclosure"]
    assert _ids(d.qualifying + d.check + d.soon) == set()  # in the 소명 기간, not within 30 days
    d = worklist(YDP, TODAY, today=TODAY, within_days=200, recorded=rec).measures["disclosure"]
    assert _ids(d.soon) == {tp.pk} and d.soon[0].next_change == date(2027, 5, 3)
    assert "소명 기간 중" in d.soon[0].reason_text
