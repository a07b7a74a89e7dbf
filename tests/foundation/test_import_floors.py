"""The floors (docs/architecture.md, "Floors"): the import-linter contracts in pyproject.toml — each package imports
only from the floors below it, no cycles between packages nor between the modules of one, the law without Django,
the simulator without the apps — checked here too, so that `pytest` alone fails on a new upward import. Imports
inside functions count like any other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "jingsu"


def test_the_import_contracts_are_kept_with_no_exception():
    assert "ignore_imports" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # lint-imports in a child process: it reconfigures logging, which the other tests rely on
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
         "--config", str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr  # which contract, which import, which line


def test_every_command_is_an_entry_point_of_ops():
    apps = {p.parents[2].name for p in SRC.glob("*/management/commands/*.py") if p.name != "__init__.py"}
    assert apps == {"ops"}


def test_the_upper_floors_are_plugged_into_the_hooks_of_the_lower():
    from jingsu.assistance import services as assistance
    from jingsu.enforcement import services as enforcement
    from jingsu.notices import hooks as notice_hooks
    from jingsu.payments import campaigns
    from jingsu.payments import hooks as payment_hooks
    from jingsu.rewards import services as rewards

    assert notice_hooks.money() is campaigns
    assert payment_hooks.installment_levies == [assistance.levies_for_number]
    # enforcement: money recorded or given back re-checks the taxpayer's enforcement cases (해제 가능)
    assert payment_hooks.after_allocation == [assistance.after_allocation, enforcement.after_allocation]
    assert payment_hooks.unmatch_refusals == [rewards.unmatch_refusal]
    assert payment_hooks.money_returned == [rewards.claw_back_on_reduction, enforcement.money_returned]
