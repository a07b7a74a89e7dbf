"""Thin Celery wrappers for the console's background work (without a broker they run inline). Each is guarded by
the upload's status in jingsu.staff.roll_uploads, so a task delivered twice does no harm."""

from __future__ import annotations

from celery import shared_task

from jingsu.core.runtime import runtime
from jingsu.staff import roll_uploads


@shared_task(name="jingsu.staff.validate_roll_upload", acks_late=True)
def validate_roll_upload(upload_id: int) -> str:
    return roll_uploads.validate_upload(upload_id)


@shared_task(name="jingsu.staff.import_roll_upload", acks_late=True)
def import_roll_upload(upload_id: int) -> str:
    return roll_uploads.run_import(upload_id)


@shared_task(name="jingsu.staff.sweep_roll_uploads")
def sweep_roll_uploads() -> int:
    """Beat: fail uploads stuck in validation or import (their worker died) and delete their files."""
    return roll_uploads.sweep_stuck(clock=runtime().clock)


# --- 수납 파일 가져오기 (jingsu.staff.payment_uploads): the same steps for bank/수납 files ----------------------------


@shared_task(name="jingsu.staff.validate_payment_upload", acks_late=True)
def validate_payment_upload(upload_id: int) -> str:
    from jingsu.staff import payment_uploads

    return payment_uploads.validate_upload(upload_id)


@shared_task(name="jingsu.staff.import_payment_upload", acks_late=True)
def import_payment_upload(upload_id: int) -> str:
    from jingsu.staff import payment_uploads

    return payment_uploads.run_import(upload_id)


@shared_task(name="jingsu.staff.sweep_payment_uploads")
def sweep_payment_uploads() -> int:
    from jingsu.staff import payment_uploads

    return payment_uploads.sweep_stuck(clock=runtime().clock)
