"""HTTP for the routing services: timeouts, retries with backoff and jitter, rate limits.

:class:`Fetcher` wraps one ``httpx.Client``. A request is retried on timeouts, connection
errors, HTTP 429 (after the server's ``Retry-After`` when it gives one) and 5xx, waiting
``base_s * 2**attempt`` seconds (capped, with full jitter) between attempts; a
``Retry-After`` longer than ``max_retry_after_s`` ends the attempts at once (no point in
hammering); other 4xx answers raise :class:`~planner.errors.ProviderAuthError` at once.

Secrets given as ``secrets`` never appear in an exception message or a log line: messages
name the host and path only, and while a fetcher is open a filter masks them in the records
of httpx's own loggers.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from planner.errors import ProviderAuthError, TravelError

__all__ = ["Fetcher", "RateLimiter", "RetryPolicy", "SecretFilter"]

log = logging.getLogger(__name__)

_HTTPX_LOGGERS = ("httpx", "httpcore")
_MASK = "***"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. ``attempts`` counts the first try."""

    attempts: int = 4
    base_s: float = 0.5
    cap_s: float = 8.0
    max_retry_after_s: float = 60.0
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.base_s < 0 or self.cap_s < 0:
            raise ValueError("RetryPolicy waits cannot be negative")

    def backoff_s(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff before retry number ``attempt`` (0-based)."""
        return rng.uniform(0.0, min(self.cap_s, self.base_s * 2.0**attempt))

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_timeout_s, connect=self.connect_timeout_s)


class RateLimiter:
    """At most ``per_second`` request starts in any one second (evenly spaced); thread-safe."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a rate limit must be positive")
        self.interval_s = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = -float("inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval_s


class SecretFilter(logging.Filter):
    """Masks given strings in log records (message and arguments)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, _MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            masked = self.mask(message)
            if masked != message:
                record.msg = masked
                record.args = None
        return True


class Fetcher:
    """GET JSON from one service with the retry policy; a context manager that owns its client."""

    def __init__(
        self,
        service: str,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        rate_limiter: RateLimiter | None = None,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        seed: int = 0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.policy = policy or RetryPolicy()
        self.requests = 0
        self._rate = rate_limiter
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._filter = SecretFilter(secrets)
        for name in _HTTPX_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)
        self._client = httpx.Client(
            timeout=self.policy.timeout(),
            transport=transport,
            headers={"User-Agent": "findhz/0.1", **(headers or {})},
            follow_redirects=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()
        for name in _HTTPX_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)

    def get_json(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        accept: Callable[[httpx.Response], bool] | None = None,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """The decoded JSON body of a GET, after retries.

        ``accept(response)`` may declare a non-2xx answer usable (OSRM explains its 400s in
        JSON); otherwise 4xx raises :class:`ProviderAuthError` and, once retries are spent,
        5xx, 429, timeouts and connection errors raise :class:`TravelError`. ``check(body)``
        may look into a decoded body: it returns a reason to retry (a service that reports
        "too many requests" inside a 200), ``None`` to accept, or raises.
        """
        where = self._where(url)
        last = "no attempt made"
        last_response: httpx.Response | None = None
        for attempt in range(self.policy.attempts):
            if attempt:
                wait = self._wait_after(last_response, attempt - 1)
                if wait > self.policy.max_retry_after_s:
                    last += f", and the server asks for {wait:.0f} s before the next request"
                    break
                log.info("%s: retrying %s in %.1f s (%s)", self.service, where, wait, last)
                self._sleep(wait)
            last_response = None
            if self._rate is not None:
                self._rate.wait()
            self.requests += 1
            try:
                response = self._client.get(url, params=params)
            except httpx.TimeoutException as err:
                last = f"timed out ({type(err).__name__})"
                continue
            except httpx.DecodingError:
                last = "the answer could not be decoded (a damaged compressed body)"
                continue
            except httpx.TransportError as err:
                last = f"connection failed ({type(err).__name__})"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last_response = response
                last = f"HTTP {response.status_code}"
                continue
            if not response.is_success and not (accept is not None and accept(response)):
                raise ProviderAuthError(
                    f"{self.service}: {where} refused the request: HTTP {response.status_code}"
                    f"{self._detail(response)}"
                ) from None
            try:
                body = response.json()
            except (ValueError, UnicodeDecodeError, RecursionError):
                # not JSON, a number too long to read, or nesting too deep to follow
                last = "the answer is not JSON"
                continue
            retry = check(body) if check is not None else None
            if retry is None:
                return body
            last = self.mask(retry)
        raise TravelError(
            f"{self.service}: {where} failed after {self.policy.attempts} attempt(s): {last}"
        ) from None

    def mask(self, text: str) -> str:
        """``text`` with every secret masked."""
        return self._filter.mask(text)

    def _where(self, url: str) -> str:
        """Host and path for messages; a long last segment (OSRM's coordinates) is elided."""
        parsed = httpx.URL(url)
        head, _, last = parsed.path.rpartition("/")
        if len(last) > 40:
            return self.mask(
                f"{parsed.host}{':' + str(parsed.port) if parsed.port else ''}{head}/..."
            )
        return self.mask(
            f"{parsed.host}{':' + str(parsed.port) if parsed.port else ''}{parsed.path}"
        )

    def _detail(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError, RecursionError):
            return ""
        if isinstance(body, dict):
            parts = [str(body[k]) for k in ("code", "message", "info") if k in body]
            if parts:
                return self.mask(" (" + ": ".join(parts)[:200] + ")")
        return ""

    def _wait_after(self, response: httpx.Response | None, retry: int) -> float:
        backoff = self.policy.backoff_s(retry, self._rng)
        if response is None or response.status_code != 429:
            return backoff
        retry_after = _retry_after_s(response.headers.get("Retry-After"))
        return backoff if retry_after is None else retry_after


def _retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
