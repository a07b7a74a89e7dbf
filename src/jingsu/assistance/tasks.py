"""Thin Celery wrapper: the 분할 납부 step of the dispatch cycle (bills to the bank, reminders by SMS)."""

from __future__ import annotations

from celery import shared_task

from jingsu.core.runtime import runtime
from jingsu.providers.registry import configured_providers


@shared_task(name="jingsu.assistance.run_cycle", acks_late=True)
def run_cycle() -> dict[str, int]:
    from jingsu.assistance.services import run_cycle as run

    return run(configured_providers(), clock=runtime().clock).__dict__
