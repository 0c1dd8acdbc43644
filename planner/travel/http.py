"""HTTP for the routing services: timeouts, retries with backoff and jitter, rate limits.

:class:`Fetcher` wraps one ``httpx.Client``. A request is retried on timeouts, connection
errors, HTTP 429 (after the server's ``Retry-After`` when it gives one) and 5xx, waiting
``base_s * 2**attempt`` seconds (capped, with full jitter) between attempts; a
``Retry-After`` longer than ``max_retry_after_s`` ends the attempts at once (no point in
hammering); other 4xx answers raise :class:`~findhz.planner.errors.ProviderAuthError` at once.

Deadlines: httpx's timeouts bound each read, so a server sending one byte every few seconds
could hold a request for ever. Every attempt therefore has a total deadline
(``RetryPolicy.request_deadline_s``, default 60 s): the body is read in chunks and the attempt
ends when the deadline passes, and no single read may wait past it either. A fetcher may also
be given a run deadline (``deadline``, a ``time.monotonic()`` instant): no attempt starts after
it and none runs beyond it. Every connect, write and read of an attempt waits at most the
attempt's time left (the network layer under httpx is wrapped so that each of its timeouts is
``min(timeout, time left)``), so no read overruns the deadline. Bodies over
``max_body_bytes`` are refused.

Secrets given as ``secrets`` never appear in an exception message or a log line: messages
name the host and path only, and while a fetcher is open a filter masks them in the records
of httpx's own loggers.
"""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpcore
import httpx

from findhz.planner.errors import ProviderAuthError, TravelError

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
    request_deadline_s: float = 60.0
    max_body_bytes: int = 32 * 2**20

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if not self.request_deadline_s > 0:
            raise ValueError("RetryPolicy.request_deadline_s must be positive")
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


class _TimeLeft(threading.local):
    """The end of the attempt under way in this thread (a ``clock()`` instant), if any."""

    until: float | None = None


def _clamp(timeout: float | None, left: float | None) -> float | None:
    """``timeout`` cut to the time ``left`` (a socket timeout must be positive: a deadline
    already passed waits a millisecond and times out)."""
    if left is None:
        return timeout
    left = max(left, 0.001)
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose every wait is cut to the attempt's time left."""

    def __init__(self, inner: httpcore.NetworkStream, left: Callable[[], float | None]) -> None:
        self._inner = inner
        self._left = left

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, self._left()))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, self._left()))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, self._left()))
        return _BoundedStream(inner, self._left)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    """The network layer of a fetcher's own transport: connections as :class:`_BoundedStream`."""

    def __init__(self, inner: httpcore.NetworkBackend, left: Callable[[], float | None]) -> None:
        self._inner = inner
        self._left = left

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.connect_tcp(
            host, port, _clamp(timeout, self._left()), local_address, socket_options
        )
        return _BoundedStream(inner, self._left)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.connect_unix_socket(path, _clamp(timeout, self._left()), socket_options)
        return _BoundedStream(inner, self._left)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bounded_transport(left: Callable[[], float | None]) -> httpx.BaseTransport:
    """httpx's own transport, its network layer wrapped in :class:`_BoundedBackend`."""
    transport = httpx.HTTPTransport()
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _BoundedBackend(backend, left)  # type: ignore[union-attr]
    else:  # another httpx layout: reads then end at most one read past the deadline
        log.debug("httpx transport without a network backend to wrap; reads not cut")
    return transport


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
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.policy = policy or RetryPolicy()
        #: The run deadline (a ``clock()`` instant): no attempt starts or runs beyond it.
        self.deadline = deadline
        self._clock = clock
        self.requests = 0
        self._rate = rate_limiter
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._filter = SecretFilter(secrets)
        for name in _HTTPX_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)
        self._attempt = _TimeLeft()
        if transport is None:
            transport = _bounded_transport(self.time_left)
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
            if self.deadline is not None and self._clock() >= self.deadline:
                last = (
                    "the travel deadline passed"
                    if attempt == 0
                    else f"{last}, and then the travel deadline passed"
                )
                break
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
                response = self._get(url, params)
            except _DeadlinePassed as passed:
                last = str(passed)
                continue
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

    def time_left(self) -> float | None:
        """Seconds left to the attempt under way in this thread (None between attempts)."""
        until = self._attempt.until
        return None if until is None else until - self._clock()

    def _get(self, url: str, params: Mapping[str, str] | None) -> httpx.Response:
        """One GET, its body read whole within the attempt's deadline (see the module)."""
        started = self._clock()
        limit = self.policy.request_deadline_s
        deadline = started + limit
        if self.deadline is not None and self.deadline < deadline:
            deadline = self.deadline
            limit = max(0.0, deadline - started)
        self._attempt.until = deadline
        try:
            return self._get_until(url, params, deadline, limit)
        except httpx.TimeoutException:
            if self._clock() >= deadline:  # a wait cut to the time left: the deadline passed
                raise _DeadlinePassed(self._late(limit)) from None
            raise
        finally:
            self._attempt.until = None

    def _get_until(
        self, url: str, params: Mapping[str, str] | None, deadline: float, limit: float
    ) -> httpx.Response:
        timeout = httpx.Timeout(
            min(self.policy.read_timeout_s, limit),
            connect=min(self.policy.connect_timeout_s, limit),
        )
        with self._client.stream("GET", url, params=params, timeout=timeout) as response:
            if response.is_stream_consumed:  # a transport that hands over whole answers
                response.read()
                return response
            raw: list[bytes] = []
            size = 0
            for chunk in response.iter_raw():
                raw.append(chunk)
                size += len(chunk)
                if size > self.policy.max_body_bytes:
                    raise _DeadlinePassed(
                        f"the answer is larger than {self.policy.max_body_bytes // 2**20} MiB"
                    )
                if self._clock() > deadline:
                    raise _DeadlinePassed(self._late(limit))
            if self._clock() > deadline:
                raise _DeadlinePassed(self._late(limit))
        # decodes the body (gzip, ...) as httpx would: a damaged one raises DecodingError
        whole = httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(b"".join(raw)),
            request=response.request,
        )
        whole.read()
        return whole

    def _late(self, limit: float) -> str:
        if self.deadline is not None and limit < self.policy.request_deadline_s:
            return f"no complete answer before the travel deadline ({limit:.0f} s left)"
        return (
            f"no complete answer within the request deadline of "
            f"{self.policy.request_deadline_s:g} s"
        )

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


class _DeadlinePassed(Exception):
    """An attempt ran past its deadline, or its body past the size limit (message: why)."""


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
