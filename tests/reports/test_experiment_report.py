"""The experiment report (issue #17): every notice of each group measured from the campaign's first send over the
pre-registered window (intention to treat), the comparisons with Bonferroni intervals and Holm-adjusted decisions,
the verdicts in plain Korean, the HTML/XLSX/JSON, the period report's list of experiments and the CLI."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from _clock import T0
from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices import experiments
from jingsu.notices import services as notices
from jingsu.notices.experiments import ArmSpec
from jingsu.notices.models import Notice, NoticeTemplate
from jingsu.payments.models import Allocation
from jingsu.reports.effects import period_effects, render_html, render_xlsx
from jingsu.reports.experiments import (
    NoExperiment,
    experiment_report,
    render_experiment_html,
    render_experiment_xlsx,
    verdict,
)
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll
from jingsu.stats import holm

AS_OF = date(2026, 11, 23)
DAY = timedelta(days=1)
DONE = T0 + 20 * DAY  # the 14-day window (from T0) is over


def test_holm_adjusts_a_known_vector():
    # sorted 0.01, 0.03, 0.04: 3 × 0.01 = 0.03; 2 × 0.03 = 0.06; 1 × 0.04 = 0.04 → kept monotone at 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # never above 1


def _send(notice_list, at, *, channel, cost):
    for n in notice_list:
        DeliveryAttempt.objects.create(
            notice=n, channel=channel, sequence=1, key=f"{n.reference}-1", status=AttemptStatus.DELIVERED,
            external_id=f"{n.reference}-1", cost=cost, created_at=at, updated_at=at, sent_at=at, delivered_at=at,
            read_deadline=at + timedelta(days=7), fallback_at=at + timedelta(hours=24))


def _levy(notice):
    return notice.lines.order_by("pk").first().levy


@pytest.fixture
def trial(jungnang, clock, tmp_path, pay):
    """39 notices: 대조군 9, A 15 (sent at T0 by Kakao, 30원 each), B 15 (its own moment T0 + 2 days, by SMS,
    20원 each). Paid within the 14 days: 대조군 1 (1,000원), A 3 (1,000원 each; a fourth pays after the window),
    B 6 (2,000원 each; one of them before B's notices went out)."""
    path = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=40, seed=5, out=path, today=AS_OF)
    import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="문구 실험", kind="arrears", as_of=AS_OF, actor="maker",
                                       clock=clock, control_share=20, control_seed=4242)
    base = NoticeTemplate.objects.filter(kind="arrears", active=True).latest("version")
    norm = notices.add_template_version("arrears", actor="maker", clock=clock, name="사회 규범",
                                        alert_text="기한 안에 꼭 내 주세요. {office_name}에서 보낸 {document_kind}입니다.")
    experiments.set_arms(campaign, [ArmSpec("기본 문구", base, 40),
                                    ArmSpec("사회 규범", norm, 40, channels=["sms", "paper"], send_at=T0 + 2 * DAY)],
                         stratify=["amount"], actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    # the groups this test reasons about, by notice order (the draw itself is tests/notices/test_experiments.py's)
    ordered = list(Notice.objects.filter(campaign=campaign).order_by("pk"))
    assert len(ordered) == 39
    arms = {a.label: a for a in campaign.arms.all()}
    control, a, b = ordered[:9], ordered[9:24], ordered[24:]
    Notice.objects.filter(pk__in=[n.pk for n in control]).update(control_group=True, arm=None,
                                                                  status=Notice.Status.CONTROL)
    for label, group in (("A", a), ("B", b)):
        Notice.objects.filter(pk__in=[n.pk for n in group]).update(control_group=False, arm=arms[label],
                                                                    status=Notice.Status.PENDING)
    experiments.preregister(campaign, hypothesis="사회 규범 문구가 기본 문구보다 납부율을 높인다", outcome="paid",
                            window_days=14, min_effect=5, baseline=30, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    _send(a, T0, channel=Channel.KAKAO, cost=30)
    _send(b, T0 + 2 * DAY, channel=Channel.SMS, cost=20)
    # read: 5 of A (day 0 and day 1), 3 of B (day 2)
    for n in a[:3]:
        Notice.objects.filter(pk=n.pk).update(read_at=T0 + timedelta(hours=2))
    for n in a[3:5]:
        Notice.objects.filter(pk=n.pk).update(read_at=T0 + DAY + timedelta(hours=2))
    for n in b[:3]:
        Notice.objects.filter(pk=n.pk).update(read_at=T0 + 2 * DAY + timedelta(hours=2))

    def payers(group, k):
        big = [n for n in group if n.lines.order_by("pk").first().total >= 10_000]
        assert len(big) >= k
        return big[:k]

    pa, pb, pc = payers(a, 4), payers(b, 6), payers(control, 1)
    for n, on in zip(pa, (date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 30)), strict=False):
        pay(_levy(n), 1_000, on)
    pay(_levy(pa[3]), 1_000, date(2026, 12, 7))  # 11:00 on day 14: after the window's end (10:00)
    # B's first payer pays on 11-24, before B's notices went out (11-25 10:00): it still counts for B
    for n, on in zip(pb, (date(2026, 11, 24), date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 28),
                          date(2026, 12, 1), date(2026, 12, 6)), strict=True):
        pay(_levy(n), 2_000, on)
    pay(_levy(pc[0]), 1_000, date(2026, 11, 28))
    campaign.refresh_from_db()
    return {"campaign": campaign, "A": a, "B": b, "control": control, "payers": {"A": pa, "B": pb}}


@pytest.mark.django_db
def test_groups_are_counted_from_the_first_send_over_the_window(trial):
    r = experiment_report(trial["campaign"], now=DONE)
    assert r["schema"] == "jingsu.reports.experiment/1"
    assert r["started"] and r["complete"]
    assert r["start"] == T0.isoformat() and r["end"] == (T0 + 14 * DAY).isoformat()
    g = {x["key"]: x for x in r["groups"]}
    assert [x["key"] for x in r["groups"]] == ["control", "A", "B"]
    assert (g["control"]["label"], g["control"]["n"], g["control"]["paid"], g["control"]["amount"]) == ("대조군", 9, 1, 1_000)
    # A: 3 of 15 within the window (the fourth paid at 11:00 on day 14, after 10:00: not counted)
    assert (g["A"]["n"], g["A"]["paid"], g["A"]["paid_rate"], g["A"]["amount"]) == (15, 3, 0.2, 3_000)
    assert g["A"]["amount_per_notice"] == 200
    # B: 6 of 15 — the payment of 11-24, before B's own send on 11-25, counts for B (intention to treat)
    assert (g["B"]["n"], g["B"]["paid"], g["B"]["paid_rate"], g["B"]["amount"]) == (15, 6, 0.4, 12_000)
    # Wilson 95 % for 6/15, by hand: centre (0.4 + 1.9208/15) / (1 + 3.8415/15) …
    assert g["B"]["paid_rate_interval"] == pytest.approx([0.198245, 0.642532], abs=1e-6)
    # cost of sent attempts; cost per won collected
    assert (g["A"]["cost"], g["B"]["cost"], g["control"]["cost"]) == (450, 300, 0)
    assert (g["A"]["cost_per_won"], g["B"]["cost_per_won"]) == (0.15, 0.025)
    assert (g["A"]["read"], g["A"]["read_rate"], g["B"]["read"], g["control"]["read_rate"]) == (5, 0.333333, 3, 0.0)
    # curves: day d = the (d+1)-th 24 hours since T0; A's payers on day 1, 2 and 7, its readers on days 0 and 1
    assert g["A"]["curves"]["paid"][:8] == [0.0, pytest.approx(1 / 15, abs=1e-6), pytest.approx(2 / 15, abs=1e-6),
                                            *[pytest.approx(2 / 15, abs=1e-6)] * 4, 0.2]
    assert g["A"]["curves"]["paid"][14] == 0.2 and len(g["A"]["curves"]["paid"]) == 15
    assert g["A"]["curves"]["read"][:2] == [0.2, pytest.approx(1 / 3, abs=1e-6)]
    assert g["B"]["curves"]["paid"][-1] == 0.4 and g["B"]["curves"]["paid"][1] == pytest.approx(1 / 15, abs=1e-6)
    # each arm's identity
    assert g["B"]["template"]["name"] == "사회 규범" and g["B"]["channels"] == ["sms", "paper"]
    assert g["B"]["send_at"] == (T0 + 2 * DAY).isoformat() and g["A"]["send_at"] is None
    assert g["B"]["channels_text"] == "문자 메시지 → 종이 우편"


@pytest.mark.django_db
def test_comparisons_newcombe_bonferroni_and_holm(trial):
    r = experiment_report(trial["campaign"], now=DONE)
    assert [(c["b"], c["a"]) for c in r["comparisons"]] == experiments.comparisons(["A", "B"], control=True) == [
        ("A", "control"), ("B", "control"), ("B", "A")]
    adj = r["adjustment"]
    assert adj["comparisons"] == 3 and adj["decisions"] == "holm" and adj["intervals"] == "bonferroni"
    assert adj["z"] == pytest.approx(2.393980, abs=1e-6)  # the normal quantile at 1 − 0.05/6
    a_c, b_c, b_a = r["comparisons"]
    # B 6/15 − A 3/15 = 0.2; Newcombe (method 10) at 95 %: −0.1227 to 0.4750; Bonferroni (z 2.394): −0.1861 to 0.5205
    assert b_a["paid"]["difference"] == 0.2
    assert b_a["paid"]["interval_95"] == pytest.approx([-0.122701, 0.474951], abs=1e-6)
    assert b_a["paid"]["interval"] == pytest.approx([-0.186058, 0.520452], abs=1e-6)
    # pooled z-test p-values 0.5716 (A − 대조군 1/9), 0.1317 (B − 대조군), 0.2320 (B − A); Holm:
    # 3 × 0.1317 = 0.3951, 2 × 0.2320 = 0.4640, 1 × 0.5716 = 0.5716
    assert [c["paid"]["p"] for c in (a_c, b_c, b_a)] == pytest.approx([0.571608, 0.131707, 0.231998], abs=1e-6)
    assert [c["paid"]["p_holm"] for c in (a_c, b_c, b_a)] == pytest.approx([0.571608, 0.395121, 0.463995], abs=1e-6)
    assert not any(c["significant"] for c in r["comparisons"])
    # amount per notice: B 800원 − A 200원 = 600원
    assert b_a["amount"]["difference"] == 600 and b_a["amount"]["p_holm"] >= b_a["amount"]["p"]
    assert b_a["verdict"] == ("B와 A의 납부율 차이(20.0%p)는 우연의 범위를 넘지 않습니다 "
                              "(95% 신뢰구간 -18.6~52.0%p, 비교 3건 동시 보정).")
    assert a_c["verdict"].startswith("A와 대조군의 납부율 차이(8.9%p)")
    # caveats: 3 comparisons adjusted; groups this small have little power; this office, this season
    caveats = " ".join(r["caveats"])
    assert "홀름" in caveats and "검정력" in caveats and "이 자치단체" in caveats and "늦게 발송한" in caveats
    assert r["preregistration"]["power"] < 0.8
    pre = r["preregistration"]
    assert pre["frozen_by"] == "checker" and pre["frozen_at_text"] == "2026. 11. 23. 10:00"
    assert pre["strata_labels"] == ["체납액 구간"] and pre["seed"] == 4242 and pre["outcome_label"] == "기간 내 납부율"
    json.dumps(r, ensure_ascii=False)  # JSON-ready


@pytest.mark.django_db
def test_while_the_window_is_open_the_result_is_provisional(trial):
    r = experiment_report(trial["campaign"], now=T0 + 3 * DAY)  # 11-26 10:00
    assert r["started"] and not r["complete"]
    g = {x["key"]: x for x in r["groups"]}
    # only what was received by now: A 11-24 and 11-25, B 11-24
    assert (g["A"]["paid"], g["B"]["paid"], g["control"]["paid"]) == (2, 1, 0)
    assert all(v.endswith("관찰 기간이 끝나지 않아 잠정 결과입니다.") for v in r["verdicts"])
    assert "잠정" in r["caveats"][0] and "2026. 12. 7. 10:00" in r["caveats"][0]


@pytest.mark.django_db
def test_the_refund_part_of_an_overpayment_counts_for_no_group(trial, pay):
    levy = _levy(trial["payers"]["A"][0])
    payment = pay(levy, 10_000_000, date(2026, 11, 27))
    refund = Allocation.objects.get(payment=payment, head=Allocation.Head.REFUND)
    assert refund.levy_id == levy.pk and refund.amount > 0
    g = {x["key"]: x for x in experiment_report(trial["campaign"], now=DONE)["groups"]}
    assert g["A"]["paid"] == 3 and g["A"]["amount"] == 3_000 + 10_000_000 - refund.amount


@pytest.mark.django_db
def test_before_the_first_send_there_is_no_result(jungnang, clock, tmp_path):
    path = tmp_path / "roll.csv"
    generate_roll(jurisdiction="11260", taxpayers=12, seed=3, out=path, today=AS_OF)
    import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    c = notices.create_campaign(jungnang, name="발송 전", kind="arrears", as_of=AS_OF, actor="maker", clock=clock,
                                control_share=0)
    base = NoticeTemplate.objects.filter(kind="arrears", active=True).latest("version")
    experiments.set_arms(c, [ArmSpec("가", base, 50), ArmSpec("나", base, 50)], actor="maker", clock=clock)
    notices.build_campaign(c, actor="maker", clock=clock)
    with pytest.raises(NoExperiment, match="실험"):
        experiment_report(c, now=DONE)
    experiments.preregister(c, hypothesis="차이가 없다", outcome="amount", window_days=7, min_effect=1000,
                            baseline=5000, spread=20000, actor="maker", clock=clock)
    r = experiment_report(c, now=DONE)
    assert not r["started"] and not r["complete"] and r["comparisons"] == [] and r["verdicts"] == []
    assert r["summary"] == "아직 발송하지 않아 결과가 없습니다."
    assert [g["key"] for g in r["groups"]] == ["A", "B"]  # no control group: arms only
    assert "승인 때 고정되지 않았습니다" in " ".join(r["caveats"])
    page = render_experiment_html(r)
    assert "아직 발송하지 않아 결과가 없습니다." in page and "<svg" not in page
    assert load_workbook(io.BytesIO(render_experiment_xlsx(r))).sheetnames == ["사전 등록", "비교군별 결과", "비교",
                                                                              "일별 추이"]


def _group(label, name, control=False):
    return {"label": "대조군" if control else label, "name": name, "control": control}


def test_verdict_wording_higher_lower_within_chance_and_amounts():
    a, b, ctl = _group("A", "기본 문구"), _group("B", "사회 규범"), _group("", "", control=True)
    higher = {"difference": 0.021, "interval": [0.008, 0.034]}
    assert verdict(b, a, "paid", higher, confidence=0.95, m=1, complete=True) == (
        "B(사회 규범) 문구가 A(기본 문구)보다 납부율이 2.1%p 높았습니다 (95% 신뢰구간 0.8~3.4%p).")
    lower = {"difference": -0.021, "interval": [-0.034, -0.008]}
    assert verdict(b, a, "paid", lower, confidence=0.95, m=1, complete=True) == (
        "B(사회 규범) 문구가 A(기본 문구)보다 납부율이 2.1%p 낮았습니다 (95% 신뢰구간 -3.4~-0.8%p).")
    none = {"difference": 0.004, "interval": [-0.012, 0.02]}
    assert verdict(b, a, "paid", none, confidence=0.95, m=1, complete=True) == (
        "B와 A의 납부율 차이(0.4%p)는 우연의 범위를 넘지 않습니다 (95% 신뢰구간 -1.2~2.0%p).")
    assert verdict(b, ctl, "paid", higher, confidence=0.9, m=3, complete=False) == (
        "B(사회 규범) 문구가 안내문을 받지 않은 대조군보다 납부율이 2.1%p 높았습니다 "
        "(90% 신뢰구간 0.8~3.4%p, 비교 3건 동시 보정). 관찰 기간이 끝나지 않아 잠정 결과입니다.")
    more = {"difference": 1230.4, "interval": [200, 2260]}
    assert verdict(b, a, "amount", more, confidence=0.95, m=1, complete=True) == (
        "B(사회 규범) 문구가 A(기본 문구)보다 안내문당 징수액이 1,230원 많았습니다 (95% 신뢰구간 200~2,260원).")
    less = {"difference": -1230, "interval": [-2260, -200]}
    assert "안내문당 징수액이 1,230원 적었습니다" in verdict(b, a, "amount", less, confidence=0.95, m=1, complete=True)


#: arm labels, and the staff's usernames (as people typed them: the console shows them as they are too)
ALLOWED = {"A", "B", "maker", "checker"}


def _latin_words(text: str) -> set[str]:
    text = text.replace("%p", "%")  # percentage points, as Korean writes them
    return set(re.findall(r"[A-Za-z]+", text)) - ALLOWED


def _visible(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', page))
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page) + " " + labels)


@pytest.mark.django_db
def test_html_and_xlsx_are_korean_and_complete(trial):
    r = experiment_report(trial["campaign"], now=DONE)
    page = render_experiment_html(r)
    assert page.startswith("<!doctype html>") and 'lang="ko"' in page
    assert "control" not in page and "대조군" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched from outside
    assert _latin_words(_visible(page)) == set()
    assert "사전 등록" in page and "사회 규범 문구가 기본 문구보다 납부율을 높인다" in page
    assert page.count("<svg") == 3 and "<polyline" in page
    assert "12,000원" in page and "2026. 11. 23." in page and r["verdicts"][2] in htmllib.unescape(page)
    wb = load_workbook(io.BytesIO(render_experiment_xlsx(r)))
    assert wb.sheetnames == ["사전 등록", "비교군별 결과", "비교", "일별 추이"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"
                if isinstance(c.value, str):
                    assert _latin_words(c.value) == set(), (ws.title, c.coordinate, c.value)
    groups = list(wb["비교군별 결과"].iter_rows(values_only=True))
    assert groups[0][0] == "비교군" and [row[0] for row in groups[1:]] == ["대조군", "A", "B"]
    b_row = wb["비교군별 결과"][4]
    assert b_row[7].value == 0.4 and b_row[7].number_format == "0.00%"
    assert b_row[10].value == 12_000 and b_row[10].number_format == "#,##0"
    daily = list(wb["일별 추이"].iter_rows(values_only=True))
    assert len(daily) == 16 and daily[15][0] == 14 and daily[15][3] == 0.4  # day 14: B's paid rate


@pytest.mark.django_db
def test_the_period_report_lists_its_experiments(trial, jungnang):
    e = period_effects(jungnang, date(2026, 11, 1), date(2026, 11, 30), now=DONE)
    (row,) = e["experiments"]
    assert row["campaign"] == trial["campaign"].pk and row["name"] == "문구 실험" and row["complete"]
    assert row["outcome_label"] == "기간 내 납부율"
    assert [(g["label"], g["n"]) for g in row["groups"]] == [("대조군", 9), ("A", 15), ("B", 15)]
    assert len(row["verdicts"]) == 3 and row["verdicts"][2].startswith("B와 A의 납부율 차이")
    page = render_html(e)
    assert "지난 실험과 결과" in page and "사회 규범 문구가 기본 문구보다" in page
    assert "지난 실험" in load_workbook(io.BytesIO(render_xlsx(e))).sheetnames
    # a period without experiments shows no such table
    empty = period_effects(jungnang, date(2025, 1, 1), date(2025, 12, 31), now=DONE)
    assert empty["experiments"] == [] and "지난 실험" not in render_html(empty)
    assert "지난 실험" not in load_workbook(io.BytesIO(render_xlsx(empty))).sheetnames


@pytest.mark.django_db
def test_the_command_writes_three_files_and_refuses_in_korean(trial, clock, tmp_path):
    clock.set(DONE)
    out = tmp_path / "실험"
    call_command("report", "experiment", "--campaign", str(trial["campaign"].pk), "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["experiment.html", "experiment.json", "experiment.xlsx"]
    data = json.loads((out / "experiment.json").read_text(encoding="utf-8"))
    assert data["schema"] == "jingsu.reports.experiment/1" and data["complete"] and data["as_of"] == DONE.isoformat()
    assert "대조군" in (out / "experiment.html").read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="--campaign: 캠페인 999999를 찾을 수 없습니다"):
        call_command("report", "experiment", "--campaign", "999999", "--out", str(out))
    plain = notices.create_campaign(Jurisdiction.by_code("11260"), name="보통", kind="arrears", as_of=AS_OF,
                                    actor="maker", clock=clock)
    with pytest.raises(CommandError, match="--campaign: 캠페인 .*실험.*없는 캠페인"):
        call_command("report", "experiment", "--campaign", str(plain.pk), "--out", str(out))
