"""Fault drill (issue #19): the production topology on this machine sends a campaign through Celery while the drill
kills a worker, restarts RabbitMQ, restarts PostgreSQL and fills the simulator with faults; then it counts.

    .venv/bin/python bench/drill.py [--notices 50000] [--workers 2] [--fault-rate 0.2] [--json var/drill/result.json]
    .venv/bin/python bench/drill.py --short          # the test suite's version: 3,000 notices, one fault of each

The topology, as docs/operations.md and deploy/ describe it, all on this machine:
- PostgreSQL: a cluster of the drill's own (initdb in a temporary directory, a free port), so that restarting it
  touches nothing else on the machine — the test suite's own database included;
- RabbitMQ: the local broker, in a virtual host of the drill's own (deleted at the end);
- Redis: the local server, one database number (the shared rate limits, sessions and the audit buffer);
- the simulator of the intermediaries, the SMS agency, the post office and the bank, on real time (scale 1);
- gunicorn serving jingsu (KT's result callbacks arrive there: JINGSU_KT_CALLBACK_URL);
- `--workers` × `jingsu worker -Q delivery,payments,imports --concurrency 2`, one `jingsu worker -Q documents --concurrency 2`
  (print batches) and one `jingsu beat` (its schedule shortened with
  JINGSU_BEAT_INTERVALS so that the drill takes minutes, not hours; a `sending` attempt is swept after
  JINGSU_STUCK_AFTER seconds). The drill restarts any of them that exits, as systemd's Restart=always does.

The campaign is scheduled (발송 예약), so the beat's `start-scheduled` starts it in a worker; nothing is sent by
`jingsu dispatch`. Kakao is held to `--kakao-rate` requests/s (100 documents each), shared through Redis, as a real
contract is. The faults come at fractions of the time the sending should take at that rate (T = ¾ of the notices,
Kakao's share, at 100 × `--kakao-rate` documents/s), counted from the first claim, each while work is open (the
timeline records how much):
    5 %  the simulator's faults on for `--fault-seconds` (5xx, timeouts, answers lost after acceptance, slow
         answers, KT callbacks posted twice or out of order)
   15 %  one worker's whole process group killed (SIGKILL), started again 2 s later
   35 %  RabbitMQ restarted (`rabbitmqctl stop_app`, 3 s, `start_app`)
   55 %  PostgreSQL restarted in immediate mode (a crash: WAL recovery on start)
   25/45/65/85 %  citizens pay: `--pay-share` of the notices' lines paid through the bank feed, in four bursts
Then it waits until everything is settled and checks:
- duplicates: notices with two attempts on one channel, and notices the simulator received under two document keys
  from one provider (a resend with the same key is not a duplicate: the provider de-duplicates on it);
- lost: notices no provider accepted, and keys the simulator received that the database knows neither as sent nor
  as refused;
- settled: no attempt queued or sending, no electronic attempt still waiting for the provider's report;
- payments: every transaction of the bank's feed (up to the place jingsu has read to, which must be the feed's end)
  recorded exactly once, and every matched payment allocated exactly once (its allocations sum to its amount);
- a backup: `jingsu backup create` and `jingsu backup verify` (restores into a scratch database and compares).
It prints one JSON line (and writes `--json`): the checks, the timeline of faults and the progress samples. Exit 0
only when duplicates = 0, lost = 0, everything settled, every payment booked once and the backup verified.

Needs: PostgreSQL's server binaries (initdb, pg_ctl; run as the `postgres` user when the drill runs as root),
RabbitMQ with `rabbitmqctl` usable by this user, Redis. docs/benchmarks.md has the figures of a full run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _support import (
    ROOT,
    bench_env,
    cpu_model,
    duplicates_and_losses,
    fresh_database,
    roll_campaign,
    start_django,
)

from jingsu.clock import SystemClock

MAKER, CHECKER = "drill:maker", "drill:checker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(text: str) -> None:
    # the wall time in KST, as the system clock gives it (Django's setup sets the process's TZ part-way through the
    # drill, so the local time of `time.strftime` would jump)
    print(f"[drill {SystemClock().now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


# --- PostgreSQL: a cluster of the drill's own --------------------------------------------------------------------


def _pg_bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise SystemExit("drill: PostgreSQL's server binaries (initdb, pg_ctl) were not found")
    return versions[-1].parent


class PrivateCluster:
    """initdb + pg_ctl in a temporary directory on a free port; as the `postgres` user when run as root."""

    def __init__(self) -> None:
        self.bindir = _pg_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="jingsu-drill-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        os.chmod(self.root, 0o755)
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale")
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        # the server's output goes to its log (-l), never to a pipe of ours that it would hold open
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "start")

    def restart(self) -> float:
        """Immediate mode (a crash: the server recovers from its WAL on start); returns the seconds it took."""
        started = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "immediate", "-w", "-t", "60",
                  "restart")
        return time.monotonic() - started

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


# --- RabbitMQ: a virtual host of the drill's own on the local broker ---------------------------------------------


class RabbitVhost:
    def __init__(self) -> None:
        if not shutil.which("rabbitmqctl"):
            raise SystemExit("drill: rabbitmqctl was not found (the drill restarts the local RabbitMQ)")
        self.name = f"jingsu-drill-{os.getpid()}"
        self.stopped = False

    def _ctl(self, *args: str) -> None:
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=120)

    def create(self) -> str:
        self._ctl("add_vhost", self.name)
        self._ctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        return f"amqp://guest:guest@127.0.0.1:5672/{self.name}"

    def restart_broker(self, down_seconds: float = 3.0) -> float:
        started = time.monotonic()
        self.stopped = True
        self._ctl("stop_app")
        time.sleep(down_seconds)
        self._ctl("start_app")
        self._ctl("await_startup")
        self.stopped = False
        return time.monotonic() - started

    def delete(self) -> None:
        if self.stopped:  # never leave the machine's broker stopped
            subprocess.run(["rabbitmqctl", "-q", "start_app"], check=False, capture_output=True, timeout=120)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.name], check=False, capture_output=True,
                       timeout=120)


# --- the processes of the topology --------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    unexpected_exits: list[int] = field(default_factory=list)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=ROOT, stdout=self.log.open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL to the whole process group (the worker and its pool children die at once, as in a crash)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def supervise(self) -> bool:
        """Start it again if it exited (systemd's Restart=always); True when it did."""
        if self.proc is not None and self.proc.poll() is not None:
            self.unexpected_exits.append(self.proc.returncode)
            self.start()
            return True
        return False


def wait_http(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"drill: {url} did not answer within {seconds:.0f} s")


# --- the drill ----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--short", action="store_true", help="the test suite's version (3,000 notices, shorter faults)")
    p.add_argument("--notices", type=int)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--fault-rate", type=float, default=0.2)
    p.add_argument("--fault-seconds", type=float)
    p.add_argument("--kakao-rate", type=float, help="Kakao requests/s (100 documents each), shared through Redis")
    p.add_argument("--pay-share", type=float, default=0.04, help="share of the notices' lines the drill pays")
    p.add_argument("--settle-minutes", type=float,
                   help="how long to wait for everything to settle (60; --short: 10, within the test's 20 minutes)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--redis-db", type=int, default=13, help="the Redis database number the drill may empty")
    p.add_argument("--json", type=Path, help="also write the result here")
    args = p.parse_args(argv)
    notices = args.notices or (3000 if args.short else 50_000)
    fault_seconds = args.fault_seconds or (40.0 if args.short else 90.0)
    kakao_rate = args.kakao_rate or 1.0
    if args.settle_minutes is None:
        args.settle_minutes = 10.0 if args.short else 60.0


    # SIGTERM (a timeout, a test's clean-up) unwinds like an exception, so the clean-up below always runs: the
    # machine's broker is never left stopped, nor the drill's cluster, workers or virtual host left behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    var = ROOT / "var" / "drill"
    var.mkdir(parents=True, exist_ok=True)
    for old in var.glob("*.log"):
        old.unlink()
    cluster = PrivateCluster()
    vhost = RabbitVhost()
    procs: list[Proc] = []
    try:
        say(f"PostgreSQL cluster of the drill's own on port {cluster.port}")
        cluster.start()
        url = cluster.url("jingsu_drill")
        fresh_database(url)
        broker = vhost.create()
        redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        web_port = free_port()
        env = bench_env(url, CELERY_BROKER_URL=broker, REDIS_URL=redis_url, JINGSU_VAR_DIR=str(var),
                        JINGSU_ALLOWED_HOSTS="127.0.0.1,localhost", JINGSU_PROVIDER_TIMEOUT="2",
                        JINGSU_KT_CALLBACK_URL=f"http://127.0.0.1:{web_port}/callbacks/kt",
                        JINGSU_PROVIDER_RATE_LIMITS=f"kakao={kakao_rate}",
                        JINGSU_BEAT_INTERVALS=("start-scheduled=2,send-queued=2,poll-statuses=10,fallback-due=10,"
                                               "sweep-stuck=5,read-bank-feed=5,print-batch=10,complete-finished=30"),
                        JINGSU_LOG_LEVEL="WARNING")
        start_django(env)
        # a claim of CLAIM_BATCH Kakao attempts shares the rate with every other process's claim: an attempt is taken
        # for a dead worker's only well after the slowest live claim could have finished
        from jingsu.delivery.services import CLAIM_BATCH

        # (and a print claim of PRINT_CLAIM notices, ≈ 0.2 s each, on a loaded machine)
        stuck_after = max(180.0, 1.5 * args.workers * args.concurrency * CLAIM_BATCH / (100 * kakao_rate))
        env["JINGSU_STUCK_AFTER"] = str(stuck_after)
        result = drill(args, env, var, cluster, vhost, procs, notices=notices, fault_seconds=fault_seconds,
                       kakao_rate=kakao_rate, web_port=web_port, stuck_after=stuck_after)
    finally:
        for proc in procs:
            proc.stop()
        vhost.delete()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up when the set-up failed
            pass
        cluster.stop()
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0 if result["passed"] else 1


def drill(args: argparse.Namespace, env: dict[str, str], var: Path, cluster: PrivateCluster, vhost: RabbitVhost,
          procs: list[Proc], *, notices: int, fault_seconds: float, kakao_rate: float, web_port: int,
          stuck_after: float) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count
    from django.db.utils import Error as DatabaseError

    from jingsu.clock import SEOUL, SystemClock
    from jingsu.delivery import control
    from jingsu.delivery.models import AttemptStatus as S
    from jingsu.delivery.models import DeliveryAttempt
    from jingsu.notices.models import Notice, NoticeLine
    from jingsu.simulator.process import SimulatorProcess

    rng = random.Random(args.seed)
    clock = SystemClock()  # the production topology runs on real time; so do the simulator and every process
    now = clock.now()
    say(f"roll of {notices:,} taxpayers: import, build, approve")
    prep_started = time.monotonic()
    campaign = roll_campaign(var / f"roll-{notices}.csv", clock, taxpayers=notices, seed=args.seed,
                             as_of=now.astimezone(SEOUL).date(), name="drill", maker=MAKER, checker=CHECKER,
                             open_window=True)
    prep_seconds = time.monotonic() - prep_started
    treated = Notice.objects.filter(campaign=campaign, control_group=False).count()
    lines = list(NoticeLine.objects.filter(notice__campaign=campaign, notice__control_group=False)
                 .values_list("payment_number", "total"))
    rng.shuffle(lines)
    to_pay = lines[: int(len(lines) * args.pay_share)]

    sim = SimulatorProcess(seed=args.seed, start=clock.now(), time_scale=1.0, fault_rate=0.0, hang_seconds=3.0,
                           slow_seconds=0.5, callback_secret=env["JINGSU_KT_CALLBACK_SECRET"],
                           pg_secret=env["JINGSU_PG_SECRET"], stderr=(var / "simulator.log").open("ab")).start()
    try:
        env["JINGSU_PROVIDER_URL"] = sim.url
        os.environ["JINGSU_PROVIDER_URL"] = sim.url
        py = sys.executable
        procs.append(Proc("web", [str(Path(py).parent / "gunicorn"), "jingsu.wsgi:application", "--bind",
                                  f"127.0.0.1:{web_port}", "--workers", "2", "--timeout", "60",
                                  "--logger-class", "jingsu.core.logredact.RedactingGunicornLogger"],
                          env, var / "web.log"))
        # workers by queue, as deploy/systemd's jingsu-worker@QUEUE units: `--workers` for sending, polls and the
        # bank feed (the ones the drill kills), one for documents (print batches render a PDF per notice), so that
        # rendering never holds up sending
        for i in range(args.workers):
            procs.append(Proc(f"worker{i + 1}", [py, "-m", "jingsu", "worker", "-Q", "delivery,payments,imports",
                                                 "--concurrency", str(args.concurrency), "--hostname",
                                                 f"drill{i + 1}@%h", "--without-mingle", "--without-gossip"],
                              env, var / f"worker{i + 1}.log"))
        procs.append(Proc("documents", [py, "-m", "jingsu", "worker", "-Q", "documents", "--concurrency", "2",
                                        "--hostname", "documents@%h", "--without-mingle", "--without-gossip"],
                          env, var / "documents.log"))
        procs.append(Proc("beat", [py, "-m", "jingsu", "beat"], env, var / "beat.log"))
        for proc in procs:
            proc.start()
        wait_http(f"http://127.0.0.1:{web_port}/healthz")

        # how long Kakao's rate makes the sending take (¾ of the notices go by Kakao), the clock of the fault plan
        expected = 0.75 * treated / (100 * kakao_rate)
        t0 = time.monotonic()
        timeline: list[dict[str, Any]] = []
        samples: list[dict[str, Any]] = []

        def event(what: str, **detail: Any) -> None:
            timeline.append({"t": round(time.monotonic() - t0, 1), "event": what, **detail})
            say(f"t={timeline[-1]['t']:>6} s  {what} {json.dumps(detail, ensure_ascii=False) if detail else ''}")

        def counts() -> dict[str, int] | None:
            """Attempts by status and notices sent, or None while the database does not answer."""
            try:
                by = dict(DeliveryAttempt.objects.filter(notice__campaign=campaign)
                          .values_list("status").annotate(n=Count("id"))
                          .order_by())
                # paper stays `accepted` until the post office reports, days later: settled once handed over
                waiting = (DeliveryAttempt.objects.filter(notice__campaign=campaign, status=S.ACCEPTED)
                           .exclude(channel="paper").count())
                sent = (Notice.objects.filter(campaign=campaign, control_group=False,
                                              attempts__sent_at__isnull=False).distinct().count())
            except DatabaseError:
                connection.close()
                return None
            return {"sent": sent, "open": by.get(S.QUEUED, 0) + by.get(S.SENDING, 0),
                    "sending": by.get(S.SENDING, 0), "awaiting_report": waiting,
                    **{f"status_{k}": v for k, v in by.items()}}

        control.schedule_campaign(campaign, clock.now() + timedelta(seconds=2), actor=CHECKER, clock=clock)
        event("campaign scheduled (발송 예약): the beat's start-scheduled starts it in a worker",
              notices=treated)
        paid = 0

        def pay_burst() -> None:
            nonlocal paid
            k = max(1, len(to_pay) // 4)
            burst = to_pay[paid: paid + k]
            if not burst:
                return
            sim.control.bank_add([{"transaction_id": f"DRILL{paid + i:08d}", "amount": total,
                                   "payment_number": number, "channel": "e-payment"}
                                  for i, (number, total) in enumerate(burst)])
            paid += len(burst)
            event("citizens pay through the bank feed", transactions=len(burst))

        def kill_worker() -> None:
            from django.core.cache import cache

            from jingsu.delivery.tasks import POLL_LEASE, Lease

            c = counts() or {}
            victim = procs[1]
            victim.kill()
            # a poll the victim was running leaves its lease behind (delivery.tasks.Lease), which runs out by itself
            event("worker killed (SIGKILL to its process group)", worker=victim.name,
                  sending_at_kill=c.get("sending"), open_at_kill=c.get("open"),
                  poll_lease_held=cache.has_key(Lease.key_of(POLL_LEASE)))
            time.sleep(2)
            victim.start()
            event("worker started again", worker=victim.name)

        def restart_rabbit() -> None:
            c = counts() or {}
            event("RabbitMQ stopping", open=c.get("open"))
            took = vhost.restart_broker()
            event("RabbitMQ back", seconds=round(took, 1))

        def restart_postgres() -> None:
            c = counts() or {}
            event("PostgreSQL restarting (immediate mode: crash recovery)", open=c.get("open"))
            took = cluster.restart()
            event("PostgreSQL back", seconds=round(took, 1))

        faults_until: float | None = None

        def faults_on() -> None:
            nonlocal faults_until
            sim.control.set_faults(args.fault_rate)
            faults_until = time.monotonic() + fault_seconds
            event("simulator faults on", rate=args.fault_rate, seconds=fault_seconds)

        plan: list[tuple[float, str, Callable[[], None]]] = [
            (0.05, "faults", faults_on), (0.15, "kill", kill_worker), (0.25, "pay", pay_burst),
            (0.35, "rabbitmq", restart_rabbit), (0.45, "pay", pay_burst), (0.55, "postgresql", restart_postgres),
            (0.65, "pay", pay_burst), (0.85, "pay", pay_burst),
        ]
        faults_done: dict[str, dict[str, Any]] = {}
        deadline = t0 + args.settle_minutes * 60
        last_sample = last_said = 0.0
        stable = 0
        sending_began: float | None = None  # the fault plan's clock starts with the first claim
        while time.monotonic() < deadline:
            for proc in procs:
                if proc.supervise():
                    event("process exited and was started again", process=proc.name,
                          returncode=proc.unexpected_exits[-1])
            if faults_until is not None and time.monotonic() >= faults_until:
                sim.control.set_faults(0.0)
                faults_until = None
                event("simulator faults off")
            c = counts()
            if c is None:
                time.sleep(0.5)
                continue
            if sending_began is None:
                if not (c["sending"] or c["sent"]):
                    time.sleep(0.2)
                    continue
                sending_began = time.monotonic()
                event("sending began (the first attempts claimed)")
            fraction = (time.monotonic() - sending_began) / expected
            if time.monotonic() - last_sample >= 5:
                samples.append({"t": round(time.monotonic() - t0, 1), **{k: c[k] for k in
                                ("sent", "open", "sending", "awaiting_report")}})
                last_sample = time.monotonic()
            if not plan and time.monotonic() - last_said >= 60:  # a drill that does not settle says what is open
                event("waiting", **{k: c[k] for k in ("sent", "open", "sending", "awaiting_report")})
                last_said = time.monotonic()
            while plan and fraction >= plan[0][0]:
                at, name, action = plan.pop(0)
                open_before = c["open"]
                action()
                faults_done.setdefault(name, {"at_fraction": at, "open_work": open_before, "sent": c["sent"]})
                c = counts() or c
            if not plan and faults_until is None and c["open"] == 0 and c["awaiting_report"] == 0:
                stable += 1
                if stable >= 3:  # three looks in a row, a second apart
                    break
            else:
                stable = 0
            time.sleep(1.0)
        sending_done = time.monotonic() - t0
        event("settled" if stable >= 3 else "gave up waiting", open=c["open"] if c else None)

        # the bank feed read to its end, as the beat's read-bank-feed does it
        bank = _bank_adapter(sim.url)
        feed_end = _feed_end(bank)
        caught_up = _wait_for(lambda: _cursor(bank.feed_id()) >= feed_end, seconds=120)
        event("bank feed read to its end" if caught_up else "bank feed NOT read to its end", feed_end=feed_end)
        payments = _check_payments(bank, _cursor(bank.feed_id()), drill_paid=paid)
        inspect = sim.control.inspect(counts=True)
        delivery = _check_delivery(campaign, inspect)
    finally:
        sim.stop()
    for proc in procs:
        proc.stop()
    event("backup: jingsu backup create, then verify (restores into a scratch database)")
    backup = _backup(env, var)
    event("backup verified" if backup["verified"] else "backup NOT verified", seconds=backup["seconds"])
    passed = (delivery["duplicates"] == 0 and delivery["lost"] == 0 and delivery["unsettled"] == 0
              and payments["booked_once"] and backup["verified"] and stable >= 3)
    return {
        "passed": passed,
        "notices": treated,
        **delivery,
        "payments": payments,
        "backup": backup,
        "faults": faults_done,
        "faults_injected": {p: inspect.get(p, {}).get("faults", {}) for p in ("kakao", "kt", "sms", "post")},
        "kt_callbacks": inspect.get("kt", {}).get("callbacks", {}),
        "restarts": {proc.name: {"starts": proc.starts, "unexpected_exits": proc.unexpected_exits}
                     for proc in procs},
        "timeline": timeline,
        "samples": samples,
        "seconds": {"prepare": round(prep_seconds, 1), "send_to_settled": round(sending_done, 1)},
        "settings": {"workers": args.workers, "concurrency": args.concurrency, "fault_rate": args.fault_rate,
                     "fault_seconds": fault_seconds, "kakao_rate": kakao_rate, "pay_share": args.pay_share,
                     "stuck_after": stuck_after, "expected_send_seconds": round(expected, 1),
                     "seed": args.seed},
        "machine": f"{cpu_model()}, {os.cpu_count()} cores",
        "date": date.today().isoformat(),  # the bench's record of when it ran (the system clock, as in production)
    }


def _wait_for(ok: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ok():
                return True
        except Exception:  # noqa: BLE001 - the database or the simulator may be coming back
            from django.db import connection

            connection.close()
        time.sleep(1.0)
    return False


def _bank_adapter(url: str) -> Any:
    from jingsu.providers.registry import simulator_providers

    return simulator_providers(url, timeout=10.0).bank


def _feed_end(bank: Any) -> int:
    """The sequence number of the feed's last transaction now."""
    last, after = 0, 0
    while True:
        page = bank.transactions(after_seq=after, limit=10_000)
        if not page:
            return last
        last = after = max(tx.seq for tx in page)


def _cursor(feed_id: str) -> int:
    from jingsu.payments.models import FeedCursor
    from jingsu.payments.services import BANK_FEED

    return FeedCursor.objects.filter(name=f"{BANK_FEED}:{feed_id}"[:50]).values_list("position", flat=True).first() or 0


def _check_payments(bank: Any, upto: int, *, drill_paid: int) -> dict[str, Any]:
    """Every feed transaction up to `upto` recorded exactly once, nothing else recorded from the feed, every matched
    payment allocated exactly once."""
    from django.db.models import Sum

    from jingsu.payments.models import Payment
    from jingsu.payments.services import BANK_FEED

    feed: list[str] = []
    after = 0
    while after < upto:
        page = [tx for tx in bank.transactions(after_seq=after, limit=10_000) if tx.seq <= upto]
        if not page:
            break
        feed += [tx.transaction_id for tx in page]
        after = max(tx.seq for tx in page)
    recorded = list(Payment.objects.filter(source=BANK_FEED).values_list("external_id", flat=True))
    per_id: dict[str, int] = defaultdict(int)
    for external_id in recorded:
        per_id[external_id] += 1
    missing = [t for t in set(feed) if per_id.get(t, 0) == 0]
    twice = [t for t, n in per_id.items() if n > 1]
    extra = [t for t in per_id if t not in set(feed)]
    matched = Payment.objects.filter(source=BANK_FEED).exclude(status=Payment.Status.UNMATCHED)
    misallocated = [pk for pk, amount, allocated in matched.annotate(allocated=Sum("allocations__amount"))
                    .values_list("pk", "amount", "allocated") if allocated != amount]
    return {"feed_transactions": len(feed), "distinct_in_feed": len(set(feed)), "recorded": len(recorded),
            "paid_by_drill": drill_paid, "matched": matched.count(), "missing": len(missing),
            "recorded_twice": len(twice), "not_in_feed": len(extra), "misallocated": len(misallocated),
            "booked_once": not missing and not twice and not extra and not misallocated}


def _check_delivery(campaign: Any, inspect: dict[str, Any]) -> dict[str, Any]:
    """Duplicates and losses (bench/_support.py), and what is not settled: attempts queued or sending, and
    electronic attempts still waiting for the provider's report with nothing after them."""
    from jingsu.delivery.models import AttemptStatus as S
    from jingsu.delivery.models import DeliveryAttempt

    latest: dict[int, tuple[int, str, str]] = {}
    for notice_id, channel, status, sequence in (DeliveryAttempt.objects.filter(notice__campaign=campaign)
                                                 .values_list("notice_id", "channel", "status", "sequence")):
        if notice_id not in latest or sequence > latest[notice_id][0]:
            latest[notice_id] = (sequence, channel, status)
    open_attempts = (DeliveryAttempt.objects.filter(notice__campaign=campaign, status__in=(S.QUEUED, S.SENDING))
                     .count())
    awaiting = sum(1 for _, channel, status in latest.values() if status == S.ACCEPTED and channel != "paper")
    final: dict[str, int] = defaultdict(int)
    for _, channel, status in latest.values():
        final[f"{channel}:{status}"] += 1
    return {**duplicates_and_losses(campaign, inspect), "unsettled": open_attempts + awaiting,
            "open_attempts": open_attempts, "awaiting_report": awaiting,
            "final_state_by_channel": dict(sorted(final.items()))}


def _backup(env: dict[str, str], var: Path) -> dict[str, Any]:
    started = time.monotonic()
    out = var / "backup"
    shutil.rmtree(out, ignore_errors=True)
    jingsu = [sys.executable, "-m", "jingsu", "backup"]
    create = subprocess.run([*jingsu, "create", "--dir", str(out)], env=env, capture_output=True, text=True,
                            timeout=1800, cwd=ROOT)
    verify = (subprocess.run([*jingsu, "verify", "--dir", str(out)], env=env, capture_output=True, text=True, timeout=1800,
                             cwd=ROOT) if create.returncode == 0 else None)
    ok = verify is not None and verify.returncode == 0
    return {"verified": ok, "seconds": round(time.monotonic() - started, 1),
            "output": ((verify.stdout if verify else create.stderr) or "").strip().splitlines()[-3:]}


if __name__ == "__main__":
    raise SystemExit(main())
