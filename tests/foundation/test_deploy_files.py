"""deploy/: the env file names only settings jingsu reads, and with its REQUIRED values filled in it passes
`jingsu check-deploy`; every unit runs the check before it starts."""

from __future__ import annotations

import re
from pathlib import Path

from test_check_deploy import PRODUCTION, _check

ROOT = Path(__file__).resolve().parents[2]
ENV = ROOT / "deploy" / "env" / "jingsu.env.example"


def _assignments() -> dict[str, str]:
    return dict(line.split("=", 1) for line in ENV.read_text().splitlines() if line and not line.startswith("#"))


def test_every_variable_in_the_env_file_is_one_jingsu_reads():
    read = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', (ROOT / "src" / "jingsu" / "settings.py").read_text()))
    assert set(_assignments()) <= read


def test_the_env_file_with_its_secrets_filled_passes_check_deploy(tmp_path):
    env = _assignments()
    filled = {k: (PRODUCTION[k] if not v or "CHANGE-ME" in v else v) for k, v in env.items()}
    assert all(filled.values())
    filled |= {"JINGSU_VAR_DIR": str(tmp_path), "JINGSU_STATIC_ROOT": str(tmp_path / "static")}  # not the server's
    result = _check(filled)
    assert result.returncode == 0, result.stderr


def test_every_unit_checks_the_deployment_before_it_starts():
    for unit in (ROOT / "deploy" / "systemd").glob("*.service"):
        text = unit.read_text()
        assert "ExecStartPre=/opt/jingsu/.venv/bin/jingsu check-deploy" in text, unit.name
        assert "EnvironmentFile=/etc/jingsu/jingsu.env" in text, unit.name
