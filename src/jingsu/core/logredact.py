"""Keep tokens and personal data out of logs (docs/security.md, docs/operations.md "Logs").

A portal address `/n/<token>` opens a citizen's notice (with identity verification), and an intermediary's link
carries a one-time `?token=…`. Neither may end up in an access log or a Django request log, where anyone reading logs
could replay or correlate them. `redact()` replaces them; it is applied to

- gunicorn's access log: `RedactingGunicornLogger` (`jingsu serve` passes `--logger-class`), every atom — request
  line, path, query, referer, environ values;
- Django's `django.request` and `django.server` loggers: `RedactTokensFilter` on the handler in settings.LOGGING.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC
from typing import Any

REDACTED = "[redacted]"

# the portal's notice token: /n/<token>, /n/<token>/pdf, …
_PORTAL = re.compile(r"(/n/)[^/?#\s\"']+")
# query parameters that carry one-time tokens or codes
_QUERY = re.compile(r"((?:^|[?&])(?:token|ott|otp|code|key|password)=)[^&#\s\"']*", re.IGNORECASE)
# any other long opaque path segment (reset links and the like): 32+ URL-safe characters
_OPAQUE = re.compile(r"(?<=/)[A-Za-z0-9_-]{32,}(?=[/?#\s\"']|$)")


# personal data that must never be in a log line, written the ways people and files write them:
# 주민등록번호/외국인등록번호 (900101-1234567, 9001011234567), a mobile number (010-1234-5678, 01012345678), a CI
# (88 characters of base64 ending in "==", as the identity agency returns it)
REGISTRATION = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-?[1-8]\d{6}(?!\d)")
MOBILE = re.compile(r"(?<!\d)01[016789]-?\d{3,4}-?\d{4}(?!\d)")
CI = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==")


def personal_data(text: str) -> list[str]:
    """The kinds of personal data found in `text` ("registration", "mobile", "ci"); empty when none."""
    return [kind for kind, pattern in (("registration", REGISTRATION), ("mobile", MOBILE), ("ci", CI))
            if pattern.search(text)]


def redact(text: str) -> str:
    text = _PORTAL.sub(lambda m: m.group(1) + REDACTED, text)
    text = _QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    text = _OPAQUE.sub(REDACTED, text)
    for pattern in (REGISTRATION, MOBILE, CI):
        text = pattern.sub(REDACTED, text)
    return text


class RedactTokensFilter(logging.Filter):
    """Rewrites a record's message with the tokens redacted (keeps the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format is not ours to fix here
            return True
        record.msg, record.args = redact(message), ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (JINGSU_LOG_FORMAT=json, production): time (ISO 8601 with offset), level, logger,
    message, and the exception's text when there is one — for journald or a log shipper to index. The message has
    already been through RedactTokensFilter on the handler."""

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import datetime

        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


try:  # gunicorn is a dependency of `jingsu serve`, not of every process
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object  # type: ignore[assignment,misc]


class RedactingGunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with every access-log atom redacted (`--logger-class jingsu.core.logredact.…`)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
