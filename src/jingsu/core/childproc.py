"""Child processes that read untrusted files: they never share the parent's database session, die with the parent,
and run under time and memory limits.

A forked child inherits the parent's open database sockets. If it used one (or merely closed it the polite way, which
sends PostgreSQL a Terminate on the parent's session) the parent's session would break; if it outlived a killed
parent, its copy of the socket would keep the parent's session alive — idle in transaction, holding the import's
locks, so that the next import waits forever (issue 20 §5). So a child first calls `become_child`:

- the parent-death signal (Linux `prctl(PR_SET_PDEATHSIG, SIGKILL)`): the child is killed when the parent dies;
- `detach_inherited_connections`: the child's copies of the sockets are replaced by /dev/null (the parent's session
  is untouched: it still has its own descriptor) and Django forgets them, so a query in the child opens a new
  connection of its own.

`run_limited` runs a function in such a child with a wall-clock timeout, a CPU-time limit (RLIMIT_CPU) and a memory
limit (RLIMIT_AS, on top of what the forked child already maps); the function may send progress messages to the
parent. A limit reached ends the child and raises `ChildFailed` with the reason in Korean.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

PR_SET_PDEATHSIG = 1
#: Database connection objects a child detached from: kept referenced so that no finaliser ever runs on them.
_DETACHED: list[Any] = []


def set_parent_death_signal(parent_pid: int | None = None, sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send `sig` to this process when its parent dies; if the parent is already gone, exit now.
    Returns False where prctl is not available (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:  # the parent died before prctl
        os._exit(1)
    return True


def detach_inherited_connections() -> int:
    """Forget, in a forked child, every database connection inherited from the parent, without closing it the
    polite way (that would end the parent's session). Returns how many were detached."""
    from django.db import connections

    detached = 0
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None:
            continue
        fileno = getattr(raw, "fileno", None)
        if callable(fileno):  # psycopg: the child's copy of the socket becomes /dev/null
            try:
                fd = fileno()
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, fd)
                os.close(devnull)
            except Exception:  # noqa: BLE001 — a closed connection has no descriptor
                pass
        _DETACHED.append(raw)
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []
        conn.atomic_blocks = []
        conn.needs_rollback = False
        conn.run_on_commit = []
        detached += 1
    return detached


def become_child(parent_pid: int | None = None) -> None:
    """What every forked reader does first (see the module's docstring)."""
    if parent_pid is None:
        parent = multiprocessing.parent_process()
        parent_pid = parent.pid if parent is not None else None
    set_parent_death_signal(parent_pid)
    detach_inherited_connections()


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    cpu_seconds: int
    memory_mb: int  # address space the child may add to what it inherits


class ChildFailed(Exception):
    """The child was stopped by a limit or ended abnormally; `reason` is Korean, for the user; `kind` is one of
    timeout, cpu, memory, crashed, error."""

    def __init__(self, kind: str, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.detail = detail  # for the log (a child's traceback), never shown


def _mapped_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _apply_limits(limits: Limits) -> None:
    import resource

    cpu = max(1, int(limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU at the soft limit, SIGKILL at the hard one
    base = _mapped_bytes()
    if base is not None:
        cap = base + (int(limits.memory_mb) << 20)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _child_main(sender: Any, parent_pid: int, limits: Limits, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    become_child(parent_pid)
    try:
        _apply_limits(limits)
        result = fn(lambda message: sender.send(("progress", message)), *args)
        sender.send(("ok", result))
    except MemoryError:
        _DETACHED.clear()  # nothing to free, but do not allocate
        try:
            sender.send(("memory", None))
        except Exception:  # noqa: BLE001
            os._exit(3)
    except BaseException as exc:  # noqa: BLE001 — reported to the parent
        try:
            sender.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
        except Exception:  # noqa: BLE001
            os._exit(4)
    finally:
        sender.close()


def _seconds(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def run_limited(
    fn: Callable[..., Any],
    *args: Any,
    limits: Limits,
    what: str,
    on_progress: Callable[[Any], None] | None = None,
) -> Any:
    """Run `fn(send, *args)` in a forked child under `limits` and return its result (it must pickle). `send(msg)`
    passes progress to `on_progress` in this process. `what` names the work in the Korean reasons ("검증")."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, os.getpid(), limits, fn, args),
                            name=f"jingsu-{what}", daemon=True)
    child.start()
    sender.close()
    deadline = time.monotonic() + limits.wall_seconds
    outcome: tuple[str, Any] | None = None
    try:
        while outcome is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildFailed("timeout", f"{what} 시간이 {_seconds(limits.wall_seconds)}초를 넘어 중단했습니다.")
            if not receiver.poll(min(left, 1.0)):
                continue
            try:
                kind, payload = receiver.recv()
            except EOFError:
                break  # the child ended without a word
            if kind == "progress":
                if on_progress is not None:
                    on_progress(payload)
                continue
            outcome = (kind, payload)
        child.join(timeout=max(0.0, min(5.0, deadline - time.monotonic())))
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
            child.join()
    if outcome is None:
        code = child.exitcode
        if code == -signal.SIGXCPU:
            raise ChildFailed("cpu", f"{what}에 쓴 처리 시간이 한도({limits.cpu_seconds:,}초)를 넘어 중단했습니다.")
        raise ChildFailed("crashed", f"{what} 프로세스가 비정상으로 끝났습니다 (종료 코드 {code}).")
    kind, payload = outcome
    if kind == "memory":
        raise ChildFailed("memory", f"{what}에 필요한 메모리가 한도({limits.memory_mb:,}MB)를 넘어 중단했습니다.")
    if kind == "error":
        raise ChildFailed("error", f"{what} 중 오류가 났습니다.", payload)
    return payload


def import_idle_seconds() -> int:
    """PostgreSQL's idle_in_transaction_session_timeout for a roll import's session (JINGSU_IMPORT_IDLE_SECONDS,
    default 600): a session left idle in its transaction this long (its process stopped or hung) is ended."""
    from django.conf import settings

    return int(getattr(settings, "JINGSU_IMPORT_IDLE_SECONDS", 600))


@contextlib.contextmanager
def idle_in_transaction_timeout(seconds: int, using: str = "default") -> Iterator[None]:
    """PostgreSQL ends this session if it sits idle inside a transaction for `seconds` (its process stopped, hung
    or lost its reader): the transaction is rolled back and its locks released, instead of blocking the next import
    forever. Session-level, reset afterwards; nothing on other databases."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql" or seconds <= 0:
        yield
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, false)", [f"{int(seconds)}s"])
    try:
        yield
    finally:
        try:
            with conn.cursor() as cursor:
                cursor.execute("RESET idle_in_transaction_session_timeout")
        except Exception:  # noqa: BLE001 — a broken session is closed by Django; its settings go with it
            pass
