"""When to try a failed email again, and whether to try at all.

Pure: numbers and headers in, numbers and verdicts out. The delivery service asks this module;
it does not re-decide what is temporary or how long to wait.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum

__all__ = [
    "DEFAULT_POLICY",
    "ErrorKind",
    "RetryPolicy",
    "classify_status",
    "delay",
    "gives_up",
    "retry_after_seconds",
]


class ErrorKind(StrEnum):
    TEMPORARY = "temporary"  # try again later: the same request may well succeed
    PERMANENT = "permanent"  # the request itself is wrong: retrying sends the same wrong thing


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (AWS architecture blog), capped, with a floor.

    The floor keeps a retried row out of the run that just failed it: a zero delay would make
    the same worker claim it again at once.
    """

    base: float = 30.0  # seconds; the ceiling of the first retry's window
    cap: float = 3600.0  # no wait is longer than this, however many attempts
    floor: float = 1.0
    max_attempts: int = 8  # after this many failed attempts the email is 'failed'


DEFAULT_POLICY = RetryPolicy()


def delay(
    attempt: int,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before attempt number `attempt + 1`, `attempt` (>= 1) having failed.

    Full jitter: uniform in [floor, min(cap, base * 2**(attempt-1))]. When the provider said how
    long to wait (Retry-After, a rate-limit reset), we wait at least that long, plus up to one
    second of jitter so that every worker does not return in the same instant.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(policy.cap, policy.base * 2 ** min(attempt - 1, 62))
    ceiling = max(ceiling, policy.floor)
    seconds = policy.floor + rand() * (ceiling - policy.floor)
    if retry_after is not None:
        seconds = max(seconds, min(max(retry_after, policy.floor), policy.cap) + rand())
    return seconds


def gives_up(attempts: int, policy: RetryPolicy = DEFAULT_POLICY) -> bool:
    """True when `attempts` failed attempts are all we will make."""
    return attempts >= policy.max_attempts


def classify_status(status: int | None) -> ErrorKind:
    """Temporary: no answer (timeout, refused connection: None), 408, 429 and every 5xx.

    Every other 4xx is permanent: the provider read the request and refused it, and sending it
    again would be refused again.
    """
    if status is None or status in (408, 429) or status >= 500:
        return ErrorKind.TEMPORARY
    if 400 <= status < 500:
        return ErrorKind.PERMANENT
    raise ValueError(f"HTTP {status} is not an error")


def retry_after_seconds(headers: Mapping[str, str] | None, now: float) -> float | None:
    """How long the provider asked us to wait, from Retry-After or X-RateLimit-Reset.

    Retry-After is seconds or an HTTP date; X-RateLimit-Reset (SendGrid) is a Unix time.
    `now` is the current Unix time. None when neither header is there or readable.
    """
    if not headers:
        return None
    lowered = {str(k).lower(): str(v).strip() for k, v in headers.items()}
    value = lowered.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    value = lowered.get("x-ratelimit-reset")
    if value:
        try:
            return max(0.0, float(value) - now)
        except ValueError:
            return None
    return None
