"""The walking skeleton end to end at small size: real simulator subprocess over HTTP, real database."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Max

from jingsu.clock import SEOUL, ManualClock
from jingsu.delivery.models import DeliveryAttempt
from jingsu.enforcement.models import EnforcementCase
from jingsu.notices.models import Notice
from jingsu.payments.models import Payment
from jingsu.rewards.models import EnforcementAction

# a moment before 10:00: the demo's history must end the day before, at the latest
NOW = datetime(2026, 12, 5, 9, 30, tzinfo=SEOUL)
# fields that name a moment still to come by their nature (a deadline, an expiry, the end of a term, when a still
# unread document's next channel is scheduled to take over), not an event
FORWARD = ("due", "deadline", "expires", "until", "term_end", "effective", "valid", "window", "pay_by", "measure_on",
           "fallback_at")


def events_after(now: datetime) -> list[str]:
    """Every recorded event (a date or time column of a jingsu table) that lies after `now`."""
    late = []
    for model in apps.get_app_configs():
        if not model.name.startswith("jingsu."):
            continue
        for m in model.get_models():
            for f in m._meta.get_fields():
                if not isinstance(f, models.DateField) or any(w in f.name for w in FORWARD):
                    continue
                rows = m.objects.all()
                if any(x.name == "created_by" for x in m._meta.get_fields()):
                    rows = rows.exclude(created_by="system:migration")  # installed when migrate ran, not the demo
                latest = rows.aggregate(v=Max(f.name))["v"]
                limit: date | datetime = now if isinstance(f, models.DateTimeField) else now.date()
                if latest is not None and latest > limit:
                    late.append(f"{m.__name__}.{f.name} = {latest}")
    return late


def test_history_ends_at_the_last_ten_oclock_not_after_now():
    from jingsu.ops.demo.run import history_start

    assert history_start(NOW, 20) == datetime(2026, 11, 14, 10, 0, tzinfo=SEOUL)  # 12. 4. 10:00 − 20 days
    assert history_start(NOW.replace(hour=15), 20) == datetime(2026, 11, 15, 10, 0, tzinfo=SEOUL)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_runs_the_whole_pipeline(tmp_path):
    from jingsu.ops.demo.run import run_demo

    out = io.StringIO()
    result = run_demo(taxpayers=150, out=tmp_path, seed=11, days=20, stdout=out, clock=ManualClock(NOW))
    e = result.effects
    text = out.getvalue()
    assert "6/6 결과" in text and "절감" in text
    # the rewards flow: actions → cases → committee (a claimant member barred) → decision → claims → transfer
    assert "포상금 요약" in text and "출석할 수 없습니다" in text
    assert (tmp_path / "reward-decision.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "reward-transfer.csv").read_bytes().decode("cp949").startswith("은행,")
    # every non-control notice went out on some channel; the counts in the report are the rows in the database
    treated = Notice.objects.filter(control_group=False, campaign__kind="arrears")  # not the enforcement steps
    assert e["notices"] == treated.count() > 100
    assert e["control_group"] == Notice.objects.filter(control_group=True).count()
    assert not DeliveryAttempt.objects.filter(notice__control_group=True).exists()
    assert not treated.filter(attempts__isnull=True).exists()
    assert e["by_channel"]["kakao"]["sent"] > 0 and e["by_channel"]["paper"]["sent"] > 0
    assert e["delivered"] == treated.filter(delivered_at__isnull=False).count() > 0
    assert e["read"] > 0
    # money: what the bank feed carried is what was recorded, once
    assert e["paid_count"] > 0
    paid = sum(Payment.objects.filter(source="bank-feed").values_list("amount", flat=True))
    assert e["payments"]["amount"] == paid > 0
    assert e["cost"] < e["paper_cost"]
    # transfers to the taxpayers' 가상계좌 (drawn from the pool the demo imports) are matched to their levies
    assert Payment.objects.filter(matched_by="virtual_account").exists()
    assert not Payment.objects.filter(status=Payment.Status.UNMATCHED).exists()
    # nothing sent twice: one attempt per (notice, sequence) and a unique key each (database constraints),
    # and the simulator saw no duplicate keys
    assert DeliveryAttempt.objects.values("key").distinct().count() == DeliveryAttempt.objects.count()
    assert json.loads(result.report_json.read_text())["notices"] == e["notices"]
    assert "<svg" in result.report_html.read_text()
    assert (tmp_path / "effects.xlsx").stat().st_size > 0
    # the uplift is measured against the held-out control group, whose baseline payments come from the simulator
    up = e["uplift"]
    assert up is not None and up["rate_control"] == e["control_paid_rate"]
    assert up["interval"][0] <= up["difference"] <= up["interval"][1]
    # enforcement: the worklist written, one case per measure the roll has a taxpayer for, moved by the services;
    # the impounded plate's 자동차세 paid at the counter makes the case releasable, and it is released
    assert "체납처분 대상 (" in text
    assert json.loads((tmp_path / "enforcement-worklist.json").read_text())["schema"] == "jingsu.enforcement.worklist/1"
    cases = EnforcementCase.objects.all()
    assert {c.measure for c in cases} >= {"credit_report", "seizure", "plate_impound"}
    plate = cases.get(measure="plate_impound")
    assert plate.status == "released" and plate.events.filter(to_status="impounded").exists()
    assert Payment.objects.filter(source="counter-file").exists()
    assert not Payment.objects.filter(status=Payment.Status.UNMATCHED).exists()
    assert EnforcementAction.objects.filter(notes__contains=f"사건 {plate.pk}번").exists()
    # the arrears campaign is an experiment: two arms and the control group, its report written and its verdicts said
    experiment = json.loads((tmp_path / "experiment.json").read_text())
    assert experiment["schema"] == "jingsu.reports.experiment/1" and experiment["complete"]
    assert [g["key"] for g in experiment["groups"]] == ["control", "A", "B"]
    assert experiment["preregistration"]["frozen_by"] and len(experiment["comparisons"]) == 3
    assert "문구 실험" in text and experiment["verdicts"][-1] in text
    assert "대조군" in (tmp_path / "experiment.html").read_text() and (tmp_path / "experiment.xlsx").stat().st_size
    b = Notice.objects.filter(campaign__kind="arrears", arm__label="B").first()
    assert b is not None and b.template.style == "deterrence"
    # one story: the demo's history ends by the time the demo does — nothing is recorded in the future
    assert events_after(NOW) == []
    assert "2026-12-04 10:00" in text and "2026-12-05" not in text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_runs_again_on_the_same_database(tmp_path):
    """A second demo is a second simulator, i.e. a new bank feed whose sequence starts again at 1: its payments must
    be read from the start, not skipped as already seen (the feed position is kept per feed)."""
    from jingsu.ops.demo.run import run_demo
    from jingsu.payments.models import FeedCursor

    first = run_demo(taxpayers=80, out=tmp_path / "1", seed=5, days=10, stdout=io.StringIO(), clock=ManualClock(NOW))
    second = run_demo(taxpayers=80, out=tmp_path / "2", seed=5, days=10, stdout=io.StringIO(),
                      clock=ManualClock(NOW))
    assert first.effects["payments"]["new"] > 0
    assert second.effects["payments"]["new"] > 0
    assert FeedCursor.objects.count() == 2
