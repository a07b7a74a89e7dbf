"""Shared set-up for the benchmarks (run as `python bench/NAME.py`, so this module is importable as `_support`).

The order a bench follows: `fresh_database(url)`, `bench_env(url, …)` (with production-like secrets, so that
signed callbacks verify and gunicorn starts with DEBUG off), `start_django(env)` (django.setup and migrate), then `roll_campaign` (a generated roll
imported, a campaign built and, when a checker is given, approved) or `campaign_for` (the campaign alone, over a
roll already imported).
"""

from __future__ import annotations

import base64
import os
import platform
import secrets
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: the jurisdiction every bench works in (중랑구)
JURISDICTION = "11260"


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in `url` (or delete the SQLite file)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {name}"], check=True)


def production_secrets() -> dict[str, str]:
    """Random keys and secrets of its own for a fresh database, as production has (gunicorn refuses to start without
    them with DEBUG off, and DEBUG would slow every request down; docs/security.md)."""
    from cryptography.fernet import Fernet

    return {"JINGSU_SECRET_KEY": secrets.token_urlsafe(40), "JINGSU_PII_KEYS": Fernet.generate_key().decode(),
            "JINGSU_LOOKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "JINGSU_CI_LOOKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "JINGSU_KT_CALLBACK_SECRET": secrets.token_urlsafe(32), "JINGSU_PG_SECRET": secrets.token_urlsafe(32)}


def bench_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a bench and of the processes it starts: this process's, with the database, `var/` of this
    checkout, the settings module, this checkout's `src` first on PYTHONPATH (children import the code under test),
    the production-like keys and secrets of `production_secrets` (those this process's environment does not set
    already: the database is fresh, so new ones fit it) and `extra`."""
    pythonpath = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    return {**production_secrets(), **os.environ, "DATABASE_URL": url, "JINGSU_VAR_DIR": str(ROOT / "var"),
            "PYTHONPATH": pythonpath, "DJANGO_SETTINGS_MODULE": "jingsu.settings", **extra}


def start_django(env: dict[str, str], *, migrate: bool = True) -> None:
    """Take `env` into this process, set Django up and (by default) migrate the database."""
    os.environ.update(env)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def campaign_for(clock: Any, *, as_of: date, name: str = "bench", maker: str = "bench:maker",
                 checker: str | None = "bench:checker", open_window: bool = False,
                 jurisdiction: str = JURISDICTION) -> Any:
    """A campaign of the jurisdiction's arrears, built by `maker` and approved by `checker` (none: left built);
    `open_window`: its send window open all day."""
    from datetime import time as dtime

    from jingsu.core.models import Jurisdiction
    from jingsu.notices import services as notices
    from jingsu.notices.models import Campaign

    campaign = notices.create_campaign(Jurisdiction.by_code(jurisdiction), name=name, kind="arrears",
                                       as_of=as_of, actor=maker, clock=clock)
    notices.build_campaign(campaign, actor=maker, clock=clock)
    if checker is not None:
        notices.approve_campaign(campaign, actor=checker, clock=clock)
    if open_window:
        Campaign.objects.filter(pk=campaign.pk).update(send_window_start=dtime(0), send_window_end=dtime(0))
        campaign.refresh_from_db()
    return campaign


def roll_campaign(roll: Path, clock: Any, *, taxpayers: int, seed: int, as_of: date, cached: bool = True,
                  import_actor: str | None = None, **campaign: Any) -> Any:
    """Generate a roll of `taxpayers` into `roll` (kept and reused when `cached`), import it and make its campaign
    (`campaign_for` with `campaign`)."""
    from jingsu.core.models import Jurisdiction
    from jingsu.rolls.generate import generate_roll
    from jingsu.rolls.importer import import_roll

    roll.parent.mkdir(parents=True, exist_ok=True)
    if not (cached and roll.exists()):
        generate_roll(jurisdiction=JURISDICTION, taxpayers=taxpayers, seed=seed, out=roll, today=as_of)
    import_roll(roll, jurisdiction=Jurisdiction.by_code(JURISDICTION), clock=clock,
                **({"actor": import_actor} if import_actor else {}))
    return campaign_for(clock, as_of=as_of, **campaign)


def duplicates_and_losses(campaign: Any, inspect: dict[str, Any]) -> dict[str, Any]:
    """What the chaos check and the fault drill promise, counted from the database and the simulator's inspection
    (`SimulatorControl.inspect(counts=True)`):
    - duplicates: notices with two attempts on one channel, plus notices a provider received under two document keys
      (a resend with the same key is not one: the provider de-duplicates on it);
    - lost: treated notices no provider accepted, plus keys the simulator received that the database records neither
      as sent nor as refused (`untracked`)."""
    from collections import defaultdict

    from jingsu.delivery.models import AttemptStatus, DeliveryAttempt
    from jingsu.notices.models import Notice

    attempts = list(DeliveryAttempt.objects.filter(notice__campaign=campaign)
                    .values_list("notice_id", "channel", "key", "status", "sent_at"))
    sent_keys = {key for _, _, key, _, sent in attempts if sent is not None}
    status_of = {key: status for _, _, key, status, _ in attempts}
    per_channel: dict[tuple[int, str], int] = defaultdict(int)
    for notice_id, channel, *_ in attempts:
        per_channel[(notice_id, channel)] += 1
    db_duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    sim_duplicates = 0
    untracked: list[str] = []
    for provider in ("kakao", "kt", "sms", "post"):
        by_notice: dict[str, set[str]] = defaultdict(set)
        for raw_key in inspect.get(provider, {}).get("counts", {}):
            key = raw_key.split(":", 1)[1] if ":" in raw_key else raw_key  # KT: "pre:"/"main:" + src_key
            by_notice[key.rsplit("-", 1)[0]].add(key)
            if key not in sent_keys and status_of.get(key) != AttemptStatus.REJECTED:
                untracked.append(f"{provider}:{key}:{status_of.get(key)}")
        sim_duplicates += sum(len(keys) - 1 for keys in by_notice.values() if len(keys) > 1)
    never_sent = (Notice.objects.filter(campaign=campaign, control_group=False)
                  .exclude(attempts__sent_at__isnull=False).count())
    return {"duplicates": db_duplicates + sim_duplicates, "lost": never_sent + len(untracked),
            "untracked_sample": untracked[:5], "attempts": len(attempts)}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
