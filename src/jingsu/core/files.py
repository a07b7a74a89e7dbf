"""Files at rest: everything jingsu writes under `var/` (the SQLite database, print PDFs and manifests, roll uploads,
public-notice lists, reports, development keys) is readable by its own user only — directories 0700, files 0600.

Two layers, each enough on its own for what it covers:
- `restrict_umask()` at process start (the `jingsu` command, the WSGI/ASGI application, the Celery app): whatever the
  process creates, a library included (SQLite's journal, WeasyPrint), is born private;
- `private_dir` / `write_private` where jingsu writes a file itself, so the modes hold even in a process started
  some other way (a test runner, a Python shell).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077


def restrict_umask() -> int:
    """Make files and directories this process creates private (umask 077). Returns the previous umask."""
    return os.umask(UMASK)


def private_dir(path: Path | str, *, tighten: bool = True) -> Path:
    """Create `path` (and missing parents) as 0700. An existing `path` is tightened to 0700 when `tighten` (jingsu's
    own directories: var/ and what is under it); never an existing parent."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    for created in (*missing, path) if tighten else missing:
        _chmod(created, DIR_MODE)
    return path


def write_private(path: Path | str, data: bytes) -> Path:
    """Write `data` to `path` as a 0600 file, atomically (a temporary file in the same directory, then rename).
    Missing directories are created 0700; an existing one is left as it is (it may be the user's own --out)."""
    path = Path(path)
    private_dir(path.parent, tighten=False)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_private_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    return write_private(path, text.encode(encoding))


def make_private(path: Path | str) -> None:
    """Tighten an existing file to 0600 (a file another library created, such as the SQLite database)."""
    _chmod(Path(path), FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except (FileNotFoundError, PermissionError):
        pass  # not ours (a shared parent such as /tmp) or gone: nothing to tighten
