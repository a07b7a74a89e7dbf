"""`jingsu serve` as a real process: it starts the simulator, the dispatcher and gunicorn, and stops all of them.

Runs against its own SQLite file (pytest-django's test database is invisible to subprocesses; serve migrates the file
itself, and the migration seeds the jurisdictions). Linux only: the process tree is read from /proc.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from jingsu.clock import SEOUL
from jingsu.providers.signing import sign
from jingsu.simulator.gateway import DEFAULT_PG_SECRET


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # one file for the module: the first serve migrates it, the second finds it up to date
    return f"sqlite:///{tmp_path_factory.mktemp('serve') / 'serve.sqlite3'}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> dict[int, str]:
    """pid → command line of every living descendant of `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                try:
                    found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


PRODUCTION_KEYS = {  # what an operator sets: its own random values (serve generates the callback secrets itself)
    "JINGSU_SECRET_KEY": secrets.token_urlsafe(40),
    "JINGSU_PII_KEYS": Fernet.generate_key().decode(),
    "JINGSU_LOOKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "JINGSU_CI_LOOKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
}
UNSET = ("JINGSU_PROVIDER_URL", "JINGSU_PORTAL_URL", "JINGSU_DEBUG", "JINGSU_KT_CALLBACK_SECRET", "JINGSU_PG_SECRET",
         *PRODUCTION_KEYS)


def start_serve(database_url: str, log: Path, *extra: str,
                keys: dict[str, str] = PRODUCTION_KEYS) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(DATABASE_URL=database_url, JINGSU_VAR_DIR=str(Path("var").resolve()), PYTHONUNBUFFERED="1", **keys)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jingsu", "serve", "--port", str(port), "--workers", "1", "--no-demo-users",
         "--dispatch-interval", "1", *extra],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    return proc, port


def wait_for_console(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"serve ended early ({proc.returncode}):\n{log.read_text()}"
        try:
            if get(f"http://127.0.0.1:{port}/staff/login/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the console did not answer within 25 s:\n{log.read_text()}")


def children_by_role(proc: subprocess.Popen[bytes]) -> dict[str, int]:
    """simulator / dispatch / web → pid, among serve's direct children."""
    roles: dict[str, int] = {}
    for pid, cmdline in descendants(proc.pid).items():
        try:
            if _ppid(pid) != proc.pid:
                continue
        except OSError:
            continue
        if "jingsu.simulator" in cmdline:
            roles["simulator"] = pid
        elif " dispatch " in f"{cmdline} ":
            roles["dispatch"] = pid
        elif "gunicorn" in cmdline:
            roles["web"] = pid
    return roles


def _ppid(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


def wait_all_gone(pids: list[int], timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def kill_tree(proc: subprocess.Popen[bytes], pids: list[int]) -> None:
    """Test cleanup only: whatever is still running after a failed assertion."""
    for pid in [proc.pid, *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(5)


def test_serve_runs_simulator_dispatcher_and_console_and_stops_them_on_sigterm(database_url, tmp_path):
    log = tmp_path / "serve.log"
    proc, port = start_serve(database_url, log)
    tree: list[int] = []
    try:
        wait_for_console(proc, port, log)
        roles = children_by_role(proc)
        assert set(roles) == {"simulator", "dispatch", "web"}, (roles, log.read_text())
        tree = list(descendants(proc.pid))  # including gunicorn's worker
        assert len(tree) >= 4

        out = log.read_text()
        sim_url = next(line.split()[1] for line in out.splitlines() if line.startswith("시뮬레이터:"))
        status, body = get(f"{sim_url}/healthz")
        assert status == 200 and json.loads(body) == {"status": "ok"}
        clock = json.loads(get(f"{sim_url}/sim/v1/clock")[1])
        assert clock["time_scale"] == 1.0
        assert abs((datetime.fromisoformat(clock["now"]) - datetime.now(SEOUL)).total_seconds()) < 60
        # KT result callbacks come back to this server
        inspect = json.loads(get(f"{sim_url}/sim/v1/inspect")[1])
        assert inspect["kt"]["callbacks"]["url"] == f"http://127.0.0.1:{port}/callbacks/kt"
        assert inspect["seed"] == 2026

        # a gateway notice signed with the simulator's published key is refused before anything is read from it
        # (serve generated its own secret): no forged payment
        ts = str(int(time.time()))
        forged = json.dumps({"tid": "PGFORGED", "order_id": "JS11260FORGED", "amount": 5_774_070,
                             "payment_number": "1" * 19, "status": "approved", "approved_at": ts}).encode()
        r = httpx.post(f"http://127.0.0.1:{port}/callbacks/pg", content=forged,
                       headers={"X-Timestamp": ts, "X-Signature": sign(DEFAULT_PG_SECRET, ts, forged)})
        assert (r.status_code, r.json()["code"]) == (401, "bad_signature")

        # the access log names the request without the portal token or the intermediary's one-time token
        portal_token = secrets.token_urlsafe(32)
        assert get(f"http://127.0.0.1:{port}/n/{portal_token}?token=ONE-TIME-OTT&src_key=K1")[0] == 404
        assert get(f"http://127.0.0.1:{port}/n/{portal_token}/pdf")[0] == 404
        deadline = time.monotonic() + 5
        while "/n/[redacted]/pdf" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        out = log.read_text()
        assert "GET /n/[redacted]?token=[redacted]&src_key=K1" in out and "/n/[redacted]/pdf" in out, out
        assert portal_token not in out and "ONE-TIME-OTT" not in out

        time.sleep(1.5)  # a dispatch cycle or two against the simulator, and still running
        assert alive(roles["dispatch"]), log.read_text()
        assert "발송 주기:   1초마다" in out and f"http://127.0.0.1:{port}/staff/" in out

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
        assert wait_all_gone(tree) == [], log.read_text()
        assert "모두 멈췄습니다." in log.read_text()
    finally:
        if proc.poll() is None or any(alive(p) for p in tree):
            kill_tree(proc, tree)


def test_serve_stops_everything_when_a_child_dies(database_url, tmp_path):
    log = tmp_path / "serve.log"
    proc, port = start_serve(database_url, log, "--seed", "7")
    tree: list[int] = []
    try:
        wait_for_console(proc, port, log)
        roles = children_by_role(proc)
        assert set(roles) == {"simulator", "dispatch", "web"}, (roles, log.read_text())
        tree = list(descendants(proc.pid))
        os.kill(roles["dispatch"], signal.SIGKILL)
        assert proc.wait(30) != 0
        assert wait_all_gone(tree) == [], log.read_text()
        assert "스스로 끝남: 발송 주기" in log.read_text()
    finally:
        if proc.poll() is None or any(alive(p) for p in tree):
            kill_tree(proc, tree)


def test_serve_refuses_missing_keys_with_debug_off_and_starts_with_debug_on(database_url, tmp_path):
    log = tmp_path / "serve.log"
    proc, _ = start_serve(database_url, log, "--host", "0.0.0.0", keys={})  # reachable from outside: no trial
    assert proc.wait(60) != 0
    out = log.read_text()
    assert "운영에 필요한 비밀값이 안전하지 않아 시작하지 않습니다" in out, out
    assert "JINGSU_PII_KEYS" in out and "JINGSU_SECRET_KEY" in out
    assert "JINGSU_KT_CALLBACK_SECRET" not in out  # serve generated its own callback secrets

    # the trial after `make demo`: on the loopback with its own simulator, the demo database's development keys and a
    # fresh session key, said on the screen
    proc, port = start_serve(database_url, log, "--no-dispatch", keys={})
    try:
        wait_for_console(proc, port, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert "시험 운영:" in log.read_text() and "var/dev-keys.json" in log.read_text()

    # the documented development path: JINGSU_DEBUG=1 starts with a warning
    proc, port = start_serve(database_url, log, "--no-dispatch", keys={"JINGSU_DEBUG": "1"})
    try:
        wait_for_console(proc, port, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
