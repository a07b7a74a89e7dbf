"""`jingsu serve`: the staff console and the citizen portal on localhost over the current database (after `make demo`).

Migrates (harmless when up to date), creates one demo user per role in the demo jurisdiction if missing — with a
random password printed once, stored only as Django's salted hash — then starts and supervises three child processes:

- the simulator (`python -m jingsu.simulator`, sim time = wall time) standing in for Kakao, KT, SMS, the post office,
  the bank and the payment gateway, unless JINGSU_PROVIDER_URL is set (then that is used) or `--no-simulator`;
  its KT result callbacks and payment-gateway notices come back to this server (`/callbacks/kt`, `/callbacks/pg`);
- the delivery cycle (`python -m jingsu dispatch --interval N`) unless `--no-dispatch`;
- gunicorn (whitenoise serves the static files), or Django's development server with `--server runserver`.

With its own simulator it generates random KT callback and gateway notice secrets and gives the same ones to the
simulator and to its children. With DEBUG off it refuses to start on missing or published secrets or missing
personal-data keys (jingsu.core.checks); `JINGSU_DEBUG=1` is the development path (docs/security.md). gunicorn's
access log goes through jingsu.core.logredact (no portal or intermediary tokens).

Ctrl+C / SIGTERM, or any child ending on its own, stops all of them (SIGTERM, then SIGKILL after a timeout); the exit
status is non-zero when a child failed."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from jingsu.clock import SystemClock
from jingsu.core.checks import enforce_at_startup
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.staff import services
from jingsu.staff.models import StaffProfile
from jingsu.staff.roles import ROLE_BY_CODE, ROLES


def demo_username(jurisdiction: str, role_code: str) -> str:
    return f"{role_code}-{jurisdiction}"


def ensure_demo_users(jurisdiction: Jurisdiction, *, reset_passwords: bool = False) -> list[tuple[str, str, str]]:
    """(role name, username, password or "") per role; the password only when it was set now.

    The demo's bootstrap, run by whoever runs commands on the server: the users get their roles and passwords at
    once (`create_staff_user`), without the console's maker-checker. Two 시스템관리자 accounts (`sysadmin-…` and
    `sysadmin2-…`), so that the console's account requests can be approved by a second administrator. The 시 담당
    belongs to the 시 above the office (`city_analyst-11000` for 중랑구), where its 구별 합계 lists every 자치구."""
    rows = []
    User = get_user_model()
    for role, code in [(r, r.code) for r in ROLES] + [(ROLE_BY_CODE["sysadmin"], "sysadmin2")]:
        home = (jurisdiction.parent or jurisdiction) if role.code == "city_analyst" else jurisdiction
        username = demo_username(home.code, code)
        user = User.objects.filter(username=username).first()
        if user is None:
            password = services.generate_password()
            services.create_staff_user(username, jurisdiction=home, role=role.code, password=password,
                                       display_name=f"시연 {role.name}", actor="system:serve", clock=runtime().clock)
            rows.append((role.name, username, password))
        elif reset_passwords:
            password = services.generate_password()
            profile = StaffProfile.objects.get(user=user)
            services.reset_password(profile, password, actor="system:serve", clock=runtime().clock)
            rows.append((role.name, username, password))
        else:
            rows.append((role.name, username, ""))
    return rows


@dataclass
class Child:
    """One supervised process, leader of its own process group (signalled as a whole, so no grandchild — a gunicorn
    worker, the runserver child — outlives it). `last`: stopped only after the others (the simulator)."""

    name: str
    proc: subprocess.Popen[bytes]
    stop_timeout: float
    last: bool = False


def _killpg(child: Child, sig: int) -> None:
    try:
        os.killpg(child.proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_children(children: list[Child], say: Any) -> list[str]:
    """SIGTERM every child but the `last` ones at once, wait for each, SIGKILL after its timeout; then the same for the
    `last` ones (a dispatch cycle in progress finishes against a live simulator). Returns the names that had to be
    killed."""
    killed = []
    for step in ([c for c in children if not c.last], [c for c in children if c.last]):
        for child in step:
            if child.proc.poll() is None:
                _killpg(child, signal.SIGTERM)
        for child in step:
            try:
                child.proc.wait(child.stop_timeout)
            except subprocess.TimeoutExpired:
                say(f"{child.name}: {child.stop_timeout:.0f}초 안에 끝나지 않아 강제로 끝냅니다 (SIGKILL)")
                killed.append(child.name)
                _killpg(child, signal.SIGKILL)
                child.proc.wait()
            _killpg(child, signal.SIGKILL)  # stragglers of the group, if any
    return killed


def gunicorn_extra_args() -> list[str]:
    """Recent gunicorn releases open a control socket at one fixed path per user; `jingsu serve` supervises gunicorn
    itself, and two of them side by side must not fight over that path."""
    from gunicorn.config import KNOWN_SETTINGS

    return ["--no-control-socket"] if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS) else []


LOOPBACK = ("127.0.0.1", "localhost", "::1")
TRIAL_KEYS = ("JINGSU_SECRET_KEY", "JINGSU_PII_KEYS", "JINGSU_LOOKUP_KEY", "JINGSU_CI_LOOKUP_KEY")


def trial_keys(env: dict[str, str]) -> list[str]:
    """The trial on this machine (`make demo`, then `jingsu serve`): bound to the loopback with its own simulator —
    no real intermediary, bank or gateway can reach it and no money moves. Keys the environment does not set are
    the demo database's development keys (var/dev-keys.json, which encrypted it) and a session key made now; the
    lines say so. Anything else (another address, real providers) must set every key (jingsu.core.checks)."""
    from jingsu.core.crypto import dev_keys

    missing = [name for name in TRIAL_KEYS if not env.get(name)]
    if not missing:
        return []
    stored = dev_keys()
    made = {"JINGSU_SECRET_KEY": secrets.token_urlsafe(50), "JINGSU_PII_KEYS": stored["pii"],
            "JINGSU_LOOKUP_KEY": stored["lookup"], "JINGSU_CI_LOOKUP_KEY": stored["ci_lookup"]}
    for name in missing:
        env[name] = made[name]
    return ["시험 운영:   이 컴퓨터에서만(127.0.0.1), 시뮬레이터와 함께 — 개발용 개인정보 키(var/dev-keys.json)와 "
            "이번에 만든 세션 키를 씁니다. 실제 운영은 모든 키를 환경 변수로 설정합니다 (docs/security.md)."]


def connect_host(host: str) -> str:
    """The address a local client uses to reach a server bound to `host` (a wildcard bind → the loopback)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class Command(BaseCommand):
    help = (
        "직원 콘솔과 시민 포털을 localhost에서 시작합니다 — 시뮬레이터(외부 기관)와 발송 주기(jingsu dispatch)도 함께 "
        "띄웁니다. 역할마다 시연 계정을 만들고 비밀번호를 한 번만 보여 줍니다."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--jurisdiction", default="11260", help="시연 계정의 지자체 (기본: 11260 중랑구, make demo와 같음)")
        parser.add_argument("--reset-passwords", action="store_true", help="이미 있는 시연 계정의 비밀번호도 새로 만듭니다")
        parser.add_argument("--no-demo-users", action="store_true")
        parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-simulator", action="store_true",
                            help="시뮬레이터를 띄우지 않습니다 (JINGSU_PROVIDER_URL이 있으면 어차피 그 주소를 씁니다)")
        parser.add_argument("--seed", type=int, default=2026, help="시뮬레이터의 seed (기본 2026)")
        parser.add_argument("--no-dispatch", action="store_true", help="발송 주기(jingsu dispatch)를 띄우지 않습니다")
        parser.add_argument("--dispatch-interval", type=float, default=10.0, help="발송 주기 사이 대기(초, 기본 10)")
        parser.add_argument("--check", action="store_true", help="준비만 하고 서버는 띄우지 않습니다 (시험용)")
        # tests: stop everything after S seconds as if Ctrl+C had been pressed
        parser.add_argument("--run-seconds", type=float, default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not (settings.KRDS_DIR / "css" / "component" / "output.css").is_file():
            raise CommandError(
                f"KRDS 화면 자원이 없습니다: {settings.KRDS_DIR}\n"
                "저장소 최상위에서 `npm ci`를 실행하세요 (`make setup`이 실행합니다). "
                "KRDS assets missing: run `npm ci` at the repository root."
            )
        if opts["dispatch_interval"] <= 0:
            raise CommandError("--dispatch-interval은 0보다 커야 합니다.")
        call_command("migrate", interactive=False, verbosity=0)
        if not opts["no_demo_users"]:
            try:
                j = Jurisdiction.by_code(opts["jurisdiction"])
            except UnknownJurisdiction as e:
                raise CommandError(str(e)) from e
            rows = ensure_demo_users(j, reset_passwords=opts["reset_passwords"])
            self.stdout.write(f"시연 계정 ({j.name}, 역할마다 하나):")
            for role_name, username, password in rows:
                shown = password or "(이미 있음 — 비밀번호는 처음 만들 때만 보여 줍니다; --reset-passwords)"
                self.stdout.write(f"  {role_name:<8} {username:<24} {shown}")
            if any(p for _, _, p in rows):
                self.stdout.write("비밀번호는 지금 한 번만 보여 주고 어디에도 평문으로 저장하지 않습니다. 적어 두세요.")
        base = f"http://{connect_host(opts['host'])}:{opts['port']}"
        if opts["check"]:
            self.stdout.write(f"직원 콘솔: {base}/staff/")
            self.stdout.flush()
            return
        from django.db import connections

        connections.close_all()  # the children open their own
        self.supervise(base, opts)

    # --- the child processes -----------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def supervise(self, base: str, opts: dict[str, Any]) -> None:
        if opts["server"] == "gunicorn" and shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
            raise CommandError("gunicorn이 없습니다: pip install -e . 로 설치하세요 (또는 --server runserver).")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "jingsu.settings"),
                   PYTHONUNBUFFERED="1")
        # links in notices (/n/<token>) and the payment gateway's notify_url point at this server
        if not env.get("JINGSU_PORTAL_URL"):  # set: e.g. the address behind a reverse proxy, kept as it is
            env["JINGSU_PORTAL_URL"] = base
        portal = env["JINGSU_PORTAL_URL"].rstrip("/")

        stop_requested: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            stop_requested.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        children: list[Child] = []
        sim: Any = None
        lines: list[str] = []
        try:
            provider_url = os.environ.get("JINGSU_PROVIDER_URL", "")
            if not provider_url and not opts["no_simulator"]:
                # our own simulator: fresh random callback secrets, the same for it and for our children, never
                # the simulator's published ones
                env["JINGSU_KT_CALLBACK_SECRET"] = secrets.token_urlsafe(32)
                env["JINGSU_PG_SECRET"] = secrets.token_urlsafe(32)
                if opts["host"] in LOOPBACK:
                    lines += trial_keys(env)
            try:
                # what the children will see: the environment we hand them (Django's SECRET_KEY is JINGSU_SECRET_KEY)
                handed = {name: env.get(name, "") for name in TRIAL_KEYS + (
                    "JINGSU_KT_CALLBACK_SECRET", "JINGSU_PG_SECRET")}
                handed["SECRET_KEY"] = handed.pop("JINGSU_SECRET_KEY") or settings.SECRET_KEY
                enforce_at_startup(handed)
            except ImproperlyConfigured as e:
                raise CommandError(str(e)) from e
            if provider_url:
                lines.append(f"발송 기관:   {provider_url}  (JINGSU_PROVIDER_URL)")
            elif not opts["no_simulator"]:
                sim = self.start_simulator(base, opts["seed"], kt_secret=env["JINGSU_KT_CALLBACK_SECRET"],
                                           pg_secret=env["JINGSU_PG_SECRET"])
                provider_url = sim.url
                env["JINGSU_PROVIDER_URL"] = provider_url
                children.append(Child("시뮬레이터", sim.proc, stop_timeout=10.0, last=True))
                lines.append(f"시뮬레이터:  {sim.url}  (seed {opts['seed']}, 실제 시간과 함께 흐름; "
                             f"KT 결과·간편결제 통지 → {base}/callbacks/…; pid {sim.proc.pid})")
            else:
                lines.append("발송 기관:   없음 (--no-simulator, JINGSU_PROVIDER_URL 없음) — 발송 버튼은 503을 돌려줍니다")

            if opts["no_dispatch"]:
                lines.append("발송 주기:   띄우지 않음 (--no-dispatch) — 발송한 캠페인이 진행되지 않습니다")
            elif not provider_url:
                lines.append("발송 주기:   띄우지 않음 (발송 기관 주소가 없음)")
            else:
                interval = opts["dispatch_interval"]
                argv = [sys.executable, "-m", "jingsu", "dispatch", "--interval", f"{interval:g}"]
                proc = subprocess.Popen(argv, env=env, start_new_session=True)
                # the dispatcher finishes its cycle and its sleep before it stops
                children.append(Child("발송 주기", proc, stop_timeout=interval + 30.0))
                lines.append(f"발송 주기:   {interval:g}초마다 jingsu dispatch (발송·상태 조회·다음 채널·종이·수납; "
                             f"pid {proc.pid})")

            if opts["server"] == "runserver":
                argv = [sys.executable, "-m", "jingsu", "runserver", f"{opts['host']}:{opts['port']}"]
            else:
                argv = [sys.executable, "-m", "gunicorn", "jingsu.wsgi:application",
                        "--bind", f"{opts['host']}:{opts['port']}", "--workers", str(opts["workers"]),
                        "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1",
                        # the access log without portal or intermediary tokens (docs/security.md)
                        "--logger-class", "jingsu.core.logredact.RedactingGunicornLogger", *gunicorn_extra_args()]
            web = subprocess.Popen(argv, env=env, start_new_session=True)
            children.append(Child("웹 서버", web, stop_timeout=15.0))
            self.say(f"직원 콘솔:   {base}/staff/  ({opts['server']}, pid {web.pid})")
            self.say(f"시민 포털:   {portal}/n/<안내문 토큰>")
            for line in lines:
                self.say(line)
            self.say("발송 시간대(기본 09:00–20:00, 공휴일 제외) 밖에 발송한 캠페인은 시간대가 열릴 때까지 기다립니다 "
                     "(바로 보려면 캠페인의 발송 시각을 00:00–23:59로).")
            self.say("끝내려면 Ctrl+C")
            failed = self.wait(children, stop_requested, opts["run_seconds"])
        finally:
            killed = stop_children(children, self.say)
            if sim is not None:
                sim.stop()  # closes its pipe (the process has ended above)
            for s, handler in previous.items():
                signal.signal(s, handler)
        if failed is not None:
            name, code = failed
            raise CommandError(f"{name} 프로세스가 스스로 끝나 모두 멈췄습니다 (종료 코드 {code}).", returncode=1)
        if killed:
            raise CommandError(f"강제로 끝낸 프로세스: {', '.join(killed)}", returncode=1)
        self.say("모두 멈췄습니다.")

    def start_simulator(self, base: str, seed: int, *, kt_secret: str, pg_secret: str) -> Any:
        from jingsu.providers.http import build_simulator_adapters
        from jingsu.simulator.process import SimulatorProcess, SimulatorStartError

        sim = SimulatorProcess(
            seed=seed, time_scale=1.0, start=SystemClock().now(),
            callback_secret=kt_secret, pg_secret=pg_secret,
            # sim time runs at real speed from serve's own clock, so callback timestamps agree with jingsu's
            # in its own session, like the other children: Ctrl+C in the terminal then reaches only this process,
            # which stops the web server and the dispatcher (finishing its cycle against a live simulator) first
            new_session=True,
        )
        try:
            sim.start()
        except SimulatorStartError as e:
            raise CommandError(f"시뮬레이터를 띄우지 못했습니다: {e}") from e
        try:
            with build_simulator_adapters(sim.url) as adapters:
                adapters.kt.register_callback(f"{base}/callbacks/kt")
        except Exception as e:
            sim.stop()
            raise CommandError(f"시뮬레이터에 KT 결과 콜백 주소를 등록하지 못했습니다: {e}") from e
        return sim

    def wait(self, children: list[Child], stop_requested: list[int], run_seconds: float | None) -> tuple[str, int] | None:
        """Until a signal, the --run-seconds deadline or a child ending; returns (name, exit code) of a child that
        ended on its own."""
        deadline = None if run_seconds is None else time.monotonic() + run_seconds
        while True:
            if stop_requested:
                self.say(f"신호 {signal.Signals(stop_requested[0]).name}: 모두 멈춥니다…")
                return None
            if deadline is not None and time.monotonic() >= deadline:
                self.say("--run-seconds: 모두 멈춥니다…")
                return None
            for child in children:
                code = child.proc.poll()
                if code is not None:
                    self.say(f"스스로 끝남: {child.name} (pid {child.proc.pid}, 종료 코드 {code}). 모두 멈춥니다…")
                    return child.name, code
            time.sleep(0.2)
