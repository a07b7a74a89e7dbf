"""Roll import with the reading and validation in a worker process: the same result as in one process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy
from jingsu.rolls import importer
from jingsu.rolls.importer import RollRejected, import_roll
from jingsu.taxpayers.models import Taxpayer

pytestmark = pytest.mark.skipif(not importer._can_fork(), reason="the worker needs fork")

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"


def _contents() -> tuple[list[tuple], list[tuple]]:
    levies = list(Levy.objects.order_by("tax_number").values_list(
        "tax_number", "taxpayer__registration_hash", *importer.LEVY_FIELDS))
    taxpayers = list(Taxpayer.objects.order_by("registration_hash").values_list(
        "registration_hash", "registration_masked", *importer.TAXPAYER_FIELDS))
    return levies, taxpayers


@pytest.fixture
def generated(tmp_path) -> Path:
    from jingsu.rolls.generate import generate_roll

    path = tmp_path / "gen.csv"
    generate_roll(jurisdiction="11260", taxpayers=400, seed=11, out=path, today=date(2026, 11, 23))
    return path


@pytest.mark.django_db
def test_worker_writes_what_one_process_writes(clock, generated):
    inline = import_roll(generated, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, worker=False, batch_size=50)
    want = _contents()
    Levy.objects.all().delete()
    Taxpayer.objects.all().delete()
    progress: list[int] = []
    worker = import_roll(generated, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, worker=True, batch_size=50,
                         progress=progress.append)
    assert worker.as_dict() == inline.as_dict()
    assert _contents() == want
    assert progress[-1] == worker.rows and len(progress) > 5
    again = import_roll(generated, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, worker=True, batch_size=50)
    assert (again.levies_created, again.levies_updated, again.levies_unchanged) == (0, 0, worker.rows)


@pytest.mark.django_db
def test_worker_reports_the_same_errors_and_writes_nothing(clock, generated, tmp_path):
    lines = generated.read_text(encoding="utf-8").splitlines()
    # impossible dates on a row after batches were written, and a duplicate 과세번호 on the next row
    at = next(i for i in range(300, len(lines) - 1) if ",2024-" in lines[i])
    lines[at] = lines[at].replace(",2024-", ",2024-13-")
    lines[at + 1] = lines[2]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = {}
    for worker in (False, True):
        with pytest.raises(RollRejected) as info:
            import_roll(bad, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, worker=worker, batch_size=50)
        errors[worker] = (info.value.errors, info.value.total_errors)
        assert Levy.objects.count() == 0 and Taxpayer.objects.count() == 0
    assert errors[True] == errors[False]
    assert errors[True][1] >= 2


@pytest.mark.django_db
def test_an_exception_in_the_worker_is_raised_in_the_importer(clock, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("in the worker")

    monkeypatch.setattr(importer, "_prepare", broken)  # the forked worker inherits the patch
    with pytest.raises(ZeroDivisionError, match="in the worker"):
        import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, worker=True)
    assert Levy.objects.count() == 0
