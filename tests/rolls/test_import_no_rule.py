"""A roll row whose dates the law has no rule for is refused by row, with the law's explanation (issue #13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy
from jingsu.rolls.importer import RollRejected, import_roll

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"


@pytest.mark.django_db
def test_a_row_the_law_has_no_penalty_rule_for_is_refused_by_row_not_a_crash(clock, jungnang, tmp_path):
    old = tmp_path / "old.csv"
    old.write_text(SMALL.read_text(encoding="utf-8").replace(
        "15,2023,정기1기,12가3456,200000,60000,0,,2023-06-30,2023-06-30",
        "15,2005,정기1기,12가3456,200000,60000,0,,2005-06-30,2005-06-30"), encoding="utf-8")
    with pytest.raises(RollRejected) as e:
        import_roll(old, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    [error] = e.value.errors
    assert (error.row, error.column) == (3, "납부기한") and "가산세를 계산할 수 없습니다" in error.message
    assert "2005" in error.message
    assert not Levy.objects.exists()
