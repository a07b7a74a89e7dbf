"""§8 files at rest: var/ and what jingsu writes under it are private (0700 directories, 0600 files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from jingsu.core.files import private_dir, write_private


def mode(path) -> int:
    return Path(path).stat().st_mode & 0o777


@pytest.fixture
def open_umask():
    previous = os.umask(0o000)  # the worst case: everything world-writable unless jingsu says otherwise
    yield
    os.umask(previous)


def test_private_dir_and_file_ignore_a_permissive_umask(tmp_path, open_umask):
    d = private_dir(tmp_path / "a" / "b")
    assert mode(tmp_path / "a") == 0o700 and mode(d) == 0o700
    f = write_private(d / "x.csv", b"1")
    assert mode(f) == 0o600 and f.read_bytes() == b"1"
    write_private(f, b"2")  # replacing keeps it private
    assert mode(f) == 0o600 and f.read_bytes() == b"2"
    (tmp_path / "old").mkdir(mode=0o755)
    assert mode(private_dir(tmp_path / "old")) == 0o700  # jingsu's own directories are tightened
    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o755)
    write_private(mine / "report.xlsx", b"x")  # a user's --out directory is left as it is
    assert mode(mine) == 0o755 and mode(mine / "report.xlsx") == 0o600


@pytest.mark.django_db
def test_sqlite_database_and_var_dir_are_private():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file only exists on SQLite")
    connection.ensure_connection()
    assert mode(settings.VAR_DIR) == 0o700
    assert mode(connection.settings_dict["NAME"]) == 0o600


def test_the_jingsu_command_creates_private_files(tmp_path):
    """A database created by `jingsu migrate` in a fresh var/ is 0600 in a 0700 directory, even with umask 022."""
    var = tmp_path / "var"
    env = {**os.environ, "JINGSU_VAR_DIR": str(var), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("DATABASE_URL", None)
    code = ("import os, sys; os.umask(0o022); from jingsu.cli import main; "
            "sys.exit(main(['migrate', '--verbosity', '0']))")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path, timeout=300)
    assert mode(var) == 0o700
    assert mode(var / "jingsu.sqlite3") == 0o600
    for p in var.rglob("*"):
        assert mode(p) in (0o700, 0o600), (p, oct(mode(p)))
