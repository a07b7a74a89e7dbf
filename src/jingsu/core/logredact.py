"""Keep tokens out of logs (docs/security.md).

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
from typing import Any

REDACTED = "[redacted]"

# the portal's notice token: /n/<token>, /n/<token>/pdf, …
_PORTAL = re.compile(r"(/n/)[^/?#\s\"']+")
# query parameters that carry one-time tokens or codes
_QUERY = re.compile(r"((?:^|[?&])(?:token|ott|otp|code|key|password)=)[^&#\s\"']*", re.IGNORECASE)
# any other long opaque path segment (reset links and the like): 32+ URL-safe characters
_OPAQUE = re.compile(r"(?<=/)[A-Za-z0-9_-]{32,}(?=[/?#\s\"']|$)")


def redact(text: str) -> str:
    text = _PORTAL.sub(lambda m: m.group(1) + REDACTED, text)
    text = _QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    return _OPAQUE.sub(REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """Rewrites a record's message with the tokens redacted (keeps the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format is not ours to fix here
            return True
        record.msg, record.args = redact(message), ()
        return True


try:  # gunicorn is a dependency of `jingsu serve`, not of every process
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object  # type: ignore[assignment,misc]


class RedactingGunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with every access-log atom redacted (`--logger-class jingsu.core.logredact.…`)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
