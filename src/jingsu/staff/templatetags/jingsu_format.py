"""Korean formats for the console: amounts as 1,234,560원, dates as 2026. 11. 23. (KS X ISO 8601 notation used by
government documents), times in Asia/Seoul."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone

from jingsu.core import formats

register = template.Library()


@register.filter
def won(value: Any) -> str:
    """1234560 → "1,234,560원"; None/"" → ""."""
    if value is None or value == "":
        return ""
    return formats.won(value)


@register.filter
def count(value: Any) -> str:
    """12345 → "12,345" (a count, with separators, no unit); None/"" → ""."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"


@register.filter
def kdate(value: Any) -> str:
    """date or datetime → "2026. 11. 23." (a datetime is first converted to local time)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return formats.kdate(value)
    return str(value)


@register.filter
def kdatetime(value: Any) -> str:
    """datetime → "2026. 11. 23. 14:05" in local time."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return formats.kdatetime(value)
        return f"{kdate(value.date())} {value:%H:%M}"
    return kdate(value)


@register.filter
def mask_mobile(value: Any) -> str:
    """01012345678 or 010-1234-5678 → "010-****-5678"."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) < 10:
        return "*" * len(digits)
    return f"{digits[:3]}-****-{digits[-4:]}"


@register.filter
def attempt_status(value: Any) -> str:
    """A delivery attempt status code → its Korean label (queued → 대기)."""
    from jingsu.delivery.models import AttemptStatus

    try:
        return str(AttemptStatus(value).label)
    except ValueError:
        return str(value)


@register.filter
def result_code(value: Any) -> str:
    """A delivery result code → Korean (READ → 열람; delivery.models.RESULT_LABELS)."""
    from jingsu.delivery.models import result_label

    return result_label(str(value or ""))


@register.filter
def actor(value: Any) -> str:
    """Who acted, as stored (username, cli, system:…, official:N) → Korean (staff.audit_labels.actor_label)."""
    from jingsu.staff.audit_labels import actor_label

    return actor_label(str(value or ""))


@register.filter(is_safe=True)
def josa(value: Any, particle: str) -> str:
    """{{ word|josa:"을" }} → the word and the particle its ending takes: 압류를, 체납안내문을, 성명으로
    (jingsu.korean; never "을(를)"). Escaping is Django's as for the word itself: the particle adds no markup."""
    from jingsu.korean import josa as _josa

    return _josa(value, particle)


@register.filter
def filesize_ko(value: Any) -> str:
    """A size in bytes → "300MB", "12.5MB", "640KB" (jingsu.core.formats.file_size)."""
    if value is None or value == "":
        return ""
    return formats.file_size(int(value))
