"""Paper: the print batch against the simulator's post office, returned mail, 공시송달."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from _delivery_helpers import build_campaign
from django.core.management import call_command
from django.core.management.base import CommandError

from jingsu.core.models import Jurisdiction
from jingsu.delivery import paper
from jingsu.delivery import services as delivery
from jingsu.delivery.models import (
    AttemptStatus,
    Channel,
    DeliveryAttempt,
    PrintBatch,
    PublicNotice,
    ReturnedMail,
)
from jingsu.notices.models import Notice
from jingsu.providers.registry import simulator_providers


@pytest.fixture
def printed(db, clock, jungnang, providers, tmp_path):
    """A 독촉장 campaign by 등기: 김민준 and NGUYEN VAN AN on paper (no 전자송달), 이서연 electronically."""
    campaign = build_campaign(clock, jungnang, kind="demand", mail_class="registered")
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    batches = paper.print_batches(providers, clock=clock, out_dir=tmp_path)
    return campaign, batches, tmp_path


def read_manifest(path):
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_print_batch_writes_pdfs_and_manifest_and_submits(printed, sim, clock):
    campaign, batches, out = printed
    paper_attempts = DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER).order_by("pk")
    assert len(batches) == 1 and paper_attempts.count() == 2
    b = batches[0]
    assert b.status == PrintBatch.Status.SUBMITTED and b.mail_class == "registered" and b.count == b.accepted == 2
    assert b.jurisdiction_id == "11260"
    rows = read_manifest(b.manifest_path)
    assert list(rows[0]) == paper.MANIFEST_HEADER
    assert [r["일련번호"] for r in rows] == ["1", "2"]
    assert [r["우편물번호"] for r in rows] == [a.key for a in paper_attempts]
    assert {r["우편물구분"] for r in rows} == {"등기"}
    by_name = {r["수취인"]: r for r in rows}
    assert set(by_name) == {"김민준", "NGUYEN VAN AN"}
    assert by_name["김민준"]["우편번호"] == "02100" and by_name["김민준"]["주소"] == "서울특별시 중랑구 면목로 100"
    pdfs = sorted((out / b.batch_id).glob("*.pdf"))
    assert [p.name for p in pdfs] == sorted(r["파일명"] for r in rows)
    for r in rows:
        data = (out / b.batch_id / r["파일명"]).read_bytes()
        assert data.startswith(b"%PDF")
        import hashlib

        assert r["문서해시"] == hashlib.sha256(data).hexdigest() and int(r["면수"]) >= 1
    assert all(a.status == AttemptStatus.ACCEPTED and a.external_id == b.batch_id for a in paper_attempts)
    assert set(Notice.objects.filter(pk__in=[a.notice_id for a in paper_attempts]).values_list("status", flat=True)) \
        == {Notice.Status.PAPER}
    post = sim.control.inspect("post")
    assert post["accepted"] >= 2
    assert paper.print_batches(simulator_providers(sim.url), clock=clock, out_dir=out) == []  # nothing left


def test_ordinary_campaign_and_override(db, clock, jungnang, providers, tmp_path):
    campaign = build_campaign(clock, jungnang, kind="demand")
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    assert paper.print_batch(providers, clock=clock, out_dir=tmp_path) == 2
    b = PrintBatch.objects.get()
    assert b.mail_class == "ordinary"
    assert {r["우편물구분"] for r in read_manifest(b.manifest_path)} == {"일반"}
    assert paper.print_batch(providers, clock=clock, out_dir=tmp_path) == 0  # nothing left


def write_returns(path, rows, header=("우편물번호", "반송일", "사유")):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def test_returns_import_fails_attempts_idempotently(printed, clock):
    campaign, batches, out = printed
    kim = DeliveryAttempt.objects.get(notice__campaign=campaign, channel=Channel.PAPER, notice__taxpayer__name="김민준")
    f = write_returns(out / "returns.csv", [[kim.key, "2026-11-25", "수취인불명"]])
    call_command("import_returns", str(f), "--as-of", "2026-11-30")
    kim.refresh_from_db()
    assert kim.status == AttemptStatus.FAILED and kim.result_code == "수취인불명"
    assert Notice.objects.get(pk=kim.notice_id).status == Notice.Status.UNDELIVERABLE
    events = kim.events.count()
    call_command("import_returns", str(f), "--as-of", "2026-11-30")  # the same file again changes nothing
    assert kim.events.count() == events and ReturnedMail.objects.count() == 1


def test_malformed_returns_file_is_rejected_with_line_numbers(printed, clock, capsys):
    campaign, batches, out = printed
    keys = list(DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER)
                .order_by("pk").values_list("key", flat=True))
    f = write_returns(out / "bad.csv", [[keys[0], "2026-11-25", "수취인불명"],
                                         [keys[1], "2026/11/25", "폐문부재"],
                                         ["NOT-A-KEY", "2026-11-25", "이사불명"],
                                         [keys[0], "2026-11-26", ""]])
    with pytest.raises(CommandError) as exc:
        call_command("import_returns", str(f), "--as-of", "2026-11-30")
    assert exc.value.returncode == 2
    err = capsys.readouterr().err
    assert [line.split(":")[0] for line in err.splitlines()] == ["3행", "4행", "5행", "5행"]
    assert not ReturnedMail.objects.exists()
    assert not DeliveryAttempt.objects.filter(channel=Channel.PAPER, status=AttemptStatus.FAILED).exists()
    with pytest.raises(paper.ReturnsRejected):
        paper.read_returns_file(write_returns(out / "nohdr.csv", [], header=("key", "날짜")), today=date(2026, 11, 23))


def test_public_notice_list_masks_names_and_takes_effect_after_14_days(printed, clock):
    campaign, batches, out = printed
    attempts = DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER).order_by("pk")
    f = write_returns(out / "returns.csv", [[a.key, "2026-11-25", "이사불명"] for a in attempts])
    call_command("import_returns", str(f), "--as-of", "2026-11-30", "--publish", "2026-11-30", "--out", str(out / "pn"))
    pns = PublicNotice.objects.all()
    assert pns.count() == 2
    assert {p.effective_on for p in pns} == {date(2026, 12, 14)}
    csv_file = next((out / "pn").glob("*.csv"))
    html_file = next((out / "pn").glob("*.html"))
    rows = list(csv.DictReader(io.StringIO(csv_file.read_bytes().decode("utf-8-sig"))))
    assert {r["성명"] for r in rows} == {"김*준", "N***** *** *N"}
    assert {r["과세번호"] for r in rows} >= {"11260-14-2024-0000001", "11260-15-2023-0000002"}
    assert {r["효력발생일"] for r in rows} == {"2026-12-14"}
    assert all(r["공시송달 사유"] == "우편 반송(이사불명)" and r["서류명"] == "독촉장" for r in rows)
    text = csv_file.read_text(encoding="utf-8-sig") + html_file.read_text(encoding="utf-8")
    for secret in ("김민준", "850101", "1234566", "면목로", "02100", "010-"):
        assert secret not in text
    # publishing again creates nothing new
    again = paper.create_public_notices(Jurisdiction.by_code("11260"), date(2026, 11, 30), "tester", clock=clock, out_dir=out / "pn")
    assert again.created == 0 and PublicNotice.objects.count() == 2


def test_public_notice_whose_14th_day_falls_on_christmas_and_a_weekend_takes_effect_on_monday(printed, clock):
    # 2026-12-11 + 14 = 12-25 (기독탄신일) → 12-26 (Sat) → 12-27 (Sun) → 12-28 (민법 제161조 via 지방세기본법 제23조)
    campaign, batches, out = printed
    attempts = DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER).order_by("pk")
    f = write_returns(out / "returns.csv", [[a.key, "2026-11-25", "이사불명"] for a in attempts])
    call_command("import_returns", str(f), "--as-of", "2026-11-30", "--out", str(out / "pn"))
    result = paper.create_public_notices(Jurisdiction.by_code("11260"), date(2026, 12, 11), "tester", clock=clock, out_dir=out / "pn")
    assert result.created == 2 and result.effective_on == date(2026, 12, 28)
    assert {p.effective_on for p in PublicNotice.objects.all()} == {date(2026, 12, 28)}


def test_mask_name():
    assert paper.mask_name("김민준") == "김*준"
    assert paper.mask_name("김민") == "김*"
    assert paper.mask_name("남궁민수") == "남**수"
    assert paper.mask_name("이") == "*"
    assert paper.mask_name("(주)한국상회") == "(주)한**회"  # the legal form is not the name
    assert paper.mask_name("㈜ 중랑건설") == "㈜ 중**설"
    assert paper.mask_name("성진산업(주)") == "성**업(주)"


def test_post_office_statuses_move_paper_on(printed, sim, clock, providers):
    campaign, batches, out = printed
    clock.advance(timedelta(days=6))
    sim.control.set_clock(clock.now())
    delivery.poll_statuses(providers, clock=clock)
    statuses = set(DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER)
                   .values_list("status", flat=True))
    assert statuses <= {AttemptStatus.DELIVERED, AttemptStatus.FAILED} and statuses


def test_a_print_run_claims_a_few_hundred_at_a_time(db, clock, jungnang, providers, tmp_path, monkeypatch):
    """Each claim is rendered and handed over before the next is taken, so no attempt stays `sending` longer than
    one claim takes (the sweep takes one older than JINGSU_STUCK_AFTER for a dead worker's): here claims of one."""
    monkeypatch.setattr(paper, "PRINT_CLAIM", 1)
    campaign = build_campaign(clock, jungnang, kind="demand", mail_class="registered")
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    batches = paper.print_batches(providers, clock=clock, out_dir=tmp_path, pdf=False)
    assert [b.count for b in batches] == [1, 1]  # 김민준 and NGUYEN VAN AN, one claim each
    assert set(DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER)
               .values_list("status", flat=True)) == {AttemptStatus.ACCEPTED}


def test_a_print_claim_that_is_still_rendering_is_not_swept(db, clock, jungnang, providers, monkeypatch):
    """Rendering marks its claim alive every RENEW_EVERY notices: however slowly the machine renders, the sweep of
    stuck attempts (JINGSU_STUCK_AFTER) never takes a live claim for a dead worker's; a dead one's it does take."""
    campaign = build_campaign(clock, jungnang, kind="demand", mail_class="registered")
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    group = delivery.claim(Channel.PAPER, 10, now=clock.now())
    assert len(group) == 2
    renewals = []
    monkeypatch.setattr(paper, "RENEW_EVERY", 1)
    clock.advance(timedelta(minutes=30))  # a slow machine: half an hour into rendering

    def renew():
        renewals.append(clock.now())
        paper._renew(group, clock)

    pdfs = paper._render([a.notice for a in group], renew=renew)
    assert len(pdfs) == 2 and len(renewals) == 2
    assert delivery.sweep_stuck(clock=clock, older_than=timedelta(minutes=10)) == 0  # alive: not swept
    clock.advance(timedelta(minutes=11))  # the worker died after rendering: nothing renews any more
    assert delivery.sweep_stuck(clock=clock, older_than=timedelta(minutes=10)) == 2
