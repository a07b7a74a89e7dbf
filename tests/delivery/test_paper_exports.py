"""Exports and files at rest on the paper channel (issue 20 §2, §8): hostile names and addresses in the print manifest
and the public-notice list come out as text, never as formulas."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from _delivery_helpers import build_campaign
from django.core.management import call_command

from jingsu.core.models import Jurisdiction
from jingsu.delivery import paper
from jingsu.delivery import services as delivery
from jingsu.delivery.models import Channel, DeliveryAttempt
from jingsu.taxpayers.models import Taxpayer

CMD = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/x","열기")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_batch(db, clock, jungnang, providers, tmp_path):
    """A 독촉장 campaign by 등기 whose two paper recipients carry formula-like names and addresses."""
    campaign = build_campaign(clock, jungnang, kind="demand", mail_class="registered")
    Taxpayer.objects.filter(name="김민준").update(name=CMD, address=LINK)
    Taxpayer.objects.filter(name="NGUYEN VAN AN").update(name="@SUM(1+1)", address="+82 서울 중랑구")
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    [batch] = paper.print_batches(providers, clock=clock, out_dir=tmp_path / "print")
    return campaign, batch, tmp_path


def csv_rows(path):
    return list(csv.DictReader(io.StringIO(Path(path).read_bytes().decode("utf-8-sig"))))


def test_print_manifest_writes_hostile_names_and_addresses_as_text(hostile_batch):
    campaign, batch, out = hostile_batch
    rows = csv_rows(batch.manifest_path)
    assert {(r["수취인"], r["주소"]) for r in rows} == {("'" + CMD, "'" + LINK), ("'@SUM(1+1)", "'+82 서울 중랑구")}
    assert all(r["면수"].isdigit() for r in rows)  # numbers are written as numbers
    for r in rows:
        assert not any(v.startswith(DANGEROUS) for v in r.values()), r


def test_public_notice_csv_writes_a_hostile_masked_name_as_text(hostile_batch, clock):
    campaign, batch, out = hostile_batch
    rows = [[a.key, "2026-11-25", "이사불명"]
            for a in DeliveryAttempt.objects.filter(notice__campaign=campaign, channel=Channel.PAPER)]
    buf = io.StringIO()
    csv.writer(buf).writerows([("우편물번호", "반송일", "사유"), *rows])
    (out / "returns.csv").write_bytes(buf.getvalue().encode("utf-8-sig"))
    call_command("import_returns", str(out / "returns.csv"), "--as-of", "2026-11-30", "--publish", "2026-11-30",
                 "--out", str(out / "pn"))
    listed = csv_rows(next((out / "pn").glob("*.csv")))
    names = {r["성명"] for r in listed}
    assert "'=***** ** *******0" in names and "'@*******)" in names
    for r in listed:
        assert not any(v.startswith(DANGEROUS) for v in r.values()), r


def mode(path):
    return Path(path).stat().st_mode & 0o777


def test_print_batch_and_public_notice_files_are_private(hostile_batch, clock):
    """§8 files at rest: the batch directory is 0700, every PDF and the manifest 0600, whatever the umask."""
    campaign, batch, out = hostile_batch
    directory = Path(batch.directory)
    assert mode(out / "print") == 0o700 and mode(directory) == 0o700
    files = sorted(directory.iterdir())
    assert {f.suffix for f in files} == {".pdf", ".csv"} and len(files) == 3
    assert all(mode(f) == 0o600 for f in files), [(f.name, oct(mode(f))) for f in files]
    paper.create_public_notices(Jurisdiction.by_code("11260"), clock.now().date(), "t", clock=clock, out_dir=out / "pn")
    assert mode(out / "pn") == 0o700
    assert all(mode(f) == 0o600 for f in (out / "pn").iterdir())
