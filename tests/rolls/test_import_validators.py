"""A first import validated by several processes (`importer._checked_in_validators`) gives what one pass gives
(`checked_batches(new_rows=True)`): the same rows, in the same order, and the same errors — whatever the chunk size,
wherever the errors fall (a refused row, a duplicate, a taxpayer met again with another name, a penalty the law
cannot compute before or after the first error, the file's own error)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from test_importer_fast_path import GOOD, TRICKY  # the tricky cells of the fast-path tests

from jingsu.core import crypto
from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy
from jingsu.rolls import importer
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import RollRejected, import_roll
from jingsu.rolls.reader import open_roll
from jingsu.taxpayers.models import Taxpayer

AS_OF = date(2026, 11, 23)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
# the fixture's 자동차세 of 2023 moved to 2005, before the law's encoded versions: its penalty cannot be computed
NO_RULE = ("15,2023,정기1기,12가3456,200000,60000,0,,2023-06-30,2023-06-30",
           "15,2005,정기1기,12가3456,200000,60000,0,,2005-06-30,2005-06-30")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _fixture_row(index: int, tax_number: str, *, no_rule: bool = False, **cells: str) -> str:
    header, *rows = _lines(FIXTURE)
    line = rows[index].replace(*NO_RULE) if no_rule else rows[index]
    row = dict(zip(header.split(","), next(csv.reader([line])), strict=True))
    row.update({"과세번호": tax_number, **cells})
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row.values())
    return out.getvalue()


@pytest.fixture
def generated(db, tmp_path) -> list[str]:
    roll = tmp_path / "generated.csv"
    generate_roll(jurisdiction="11260", taxpayers=120, seed=3, out=roll, today=AS_OF)
    return _lines(roll)


def _roll(tmp_path: Path, lines: list[str], inserts: dict[int, str]) -> Path:
    """`lines` (header first) with a row put in before data row k for each k in `inserts`."""
    header, *rows = lines
    for at in sorted(inserts, reverse=True):
        rows.insert(at, inserts[at])
    path = tmp_path / f"roll-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _cases(generated: list[str]) -> dict[str, dict[int, str]]:
    bad_amount = _fixture_row(0, "X-BAD", 본세="-1")
    return {
        "valid": {},
        "a penalty the law cannot compute, twice": {40: _fixture_row(1, "X-NR1", no_rule=True),
                                                  90: _fixture_row(1, "X-NR2", no_rule=True)},
        "errors, then a penalty refused": {30: bad_amount, 60: _fixture_row(1, "X-NR1", no_rule=True),
                                           77: _fixture_row(0, "X-OTHER-NAME", 성명="김민수")},
        "a penalty refused, then errors": {20: _fixture_row(1, "X-NR1", no_rule=True), 50: bad_amount,
                                           51: bad_amount.replace("X-BAD", "X-BAD2") + ",extra"},
        "a duplicate across chunks": {5: _fixture_row(2, "X-DUP"), 95: _fixture_row(3, "X-DUP")},
    }


def _without_encryption(text: str) -> str:
    """A taxpayer's COPY text without its encrypted registration number (Fernet is randomised)."""
    cells = text.split("\t")
    return "\t".join([cells[0], crypto.decrypt(cells[1]), *cells[2:]])


def _outcome(batches) -> tuple:
    taxpayers, owners, levies, penalty, checked = [], [], [], 0, None
    for item in batches:
        if isinstance(item, importer.Checked):
            checked = item
            continue
        taxpayers += [_without_encryption(t) for t in item.taxpayers]
        owners += item.owners
        levies += item.levies
        penalty += item.penalty
    assert checked is not None
    result = (checked.rows, checked.total_tax, checked.taxpayers, checked.errors, checked.total_errors)
    if checked.total_errors:  # nothing is written: which rows were on their way does not matter
        return result
    return (*result, taxpayers, owners, levies, penalty)


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [1, 7, 40, 5000])
@pytest.mark.parametrize("validators", [2, 3])
def test_several_validators_give_what_one_pass_gives(generated, tmp_path, chunk, validators):
    for name, inserts in _cases(generated).items():
        source = open_roll(_roll(tmp_path, generated, inserts))
        one = _outcome(importer.checked_batches(source, "11260", AS_OF, chunk, new_rows=True))
        several = _outcome(importer._checked_in_validators(source, "11260", AS_OF, chunk, validators=validators))
        assert several == one, name
        if name == "valid":
            assert one[4] == 0 and len(one[5]) == one[2] and len(one[6]) == one[0]
        else:
            assert one[4] > 0


@pytest.mark.django_db
def test_the_errors_of_the_cases_are_the_expected_ones(generated, tmp_path):
    """The cases above hold what they say (so the comparison compares something)."""
    cases = _cases(generated)
    errors = {}
    for name, inserts in cases.items():
        source = open_roll(_roll(tmp_path, generated, inserts))
        *_, checked = importer.checked_batches(source, "11260", AS_OF, 7, new_rows=True)
        errors[name] = [(e.row, e.column) for e in checked.errors]
    assert errors["a penalty the law cannot compute, twice"] == [(42, "납부기한")]  # the first only
    # no penalty refused after an error; 김민수 has 김민준's registration number (row 63)
    assert errors["errors, then a penalty refused"] == [(32, "본세"), (81, "성명")]
    assert errors["a penalty refused, then errors"] == [(22, "납부기한"), (53, "본세"), (55, ""), (55, "본세")]
    assert [column for _, column in errors["a duplicate across chunks"]] == ["과세번호"]


@pytest.mark.django_db
def test_a_file_error_is_reported_once(tmp_path):
    header, *rows = _lines(FIXTURE)
    path = tmp_path / "bad-header.csv"
    path.write_text("\n".join([header + ",모르는열", *rows]) + "\n", encoding="utf-8")
    source = open_roll(path)
    one = _outcome(importer.checked_batches(source, "11260", AS_OF, 2, new_rows=True))
    several = _outcome(importer._checked_in_validators(source, "11260", AS_OF, 2, validators=2))
    assert several == one and one[4] == 1 and one[3][0].row == 0


def test_a_validator_records_what_one_pass_records_for_the_rows_it_does_not_check():
    """`_register_row` leaves the cross-row state as `_parse_row` does, for every tricky cell."""
    for header, values in TRICKY.items():
        for value in values:
            rows = [GOOD, {**GOOD, "과세번호": "11260-14-2024-0000002", header: value},
                    {**GOOD, "과세번호": "11260-14-2024-0000002", "성명": "김민수"}]
            parsed, registered = importer._Validation(), importer._Validation()
            for number, cells in enumerate(rows, start=2):
                importer._parse_row(number, dict(cells), "11260", AS_OF, parsed)
                importer._register_row(number, dict(cells), AS_OF, registered)
            assert registered.tax_numbers == parsed.tax_numbers, (header, value)
            assert registered.taxpayers == parsed.taxpayers, (header, value)
            assert registered.total_errors == 0
    for header in GOOD:  # each cell left blank in turn
        cells = {k: v for k, v in GOOD.items() if k != header}
        parsed, registered = importer._Validation(), importer._Validation()
        importer._parse_row(2, dict(cells), "11260", AS_OF, parsed)
        importer._register_row(2, dict(cells), AS_OF, registered)
        assert (registered.tax_numbers, registered.taxpayers) == (parsed.tax_numbers, parsed.taxpayers), header


def _stored() -> list[tuple]:
    taxpayers = {t.pk: (t.registration_hash, crypto.decrypt(t.registration_encrypted), t.registration_masked, t.kind,
                        t.name, t.address, t.postal_code, t.mobile, t.e_service, t.opt_out, t.created_at)
                 for t in Taxpayer.objects.all()}
    return sorted((lv.tax_number, taxpayers[lv.taxpayer_id], lv.tax_item, lv.tax_year, lv.period, lv.principal,
                   lv.education_tax, lv.city_area_tax, lv.billed_amount, lv.penalty, lv.penalty_as_of,
                   lv.liability_date, lv.due_date, lv.status) for lv in Levy.objects.all())


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a first import's rows as COPY text: PostgreSQL")
def test_a_first_import_with_two_validators_stores_and_refuses_what_one_validator_does(generated, tmp_path, clock):
    jungnang = Jurisdiction.objects.get(code="11260")
    valid = _roll(tmp_path, generated, {})
    stored = []
    for validators in (1, 2):
        summary = import_roll(valid, jurisdiction=jungnang, clock=clock, worker=True, validators=validators,
                              batch_size=9)
        stored.append((summary.taxpayers_created, summary.levies_created, summary.total_penalty, _stored()))
        Levy.objects.all().delete()
        Taxpayer.objects.all().delete()
    assert stored[0] == stored[1] and stored[0][1] == len(generated) - 1
    bad = _roll(tmp_path, generated, _cases(generated)["a penalty refused, then errors"])
    refused = []
    for validators in (1, 2):
        with pytest.raises(RollRejected) as e:
            import_roll(bad, jurisdiction=jungnang, clock=clock, worker=True, validators=validators, batch_size=9)
        refused.append(e.value.errors)
        assert not Levy.objects.exists() and not Taxpayer.objects.exists()
    assert refused[0] == refused[1]
