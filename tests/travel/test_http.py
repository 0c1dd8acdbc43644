"""Retries, backoff, Retry-After, rate limits and secret masking of the HTTP layer."""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable

import httpx
import pytest

from findhz.planner.errors import ProviderAuthError, TravelError
from findhz.planner.travel.http import Fetcher, RateLimiter, RetryPolicy

URL = "http://router.test:5000/table/v1/driving/1,2;3,4"
Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*answers: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A transport handler that gives the answers in turn (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        answer = answers[min(len(seen), len(answers) - 1)]
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


def fetcher(handler: Handler, waits: list[float], **kwargs: object) -> Fetcher:
    return Fetcher(
        "osrm",
        transport=httpx.MockTransport(handler),
        sleep=waits.append,
        policy=RetryPolicy(attempts=4, base_s=0.5, cap_s=8.0),
        **kwargs,  # type: ignore[arg-type]
    )


OK = httpx.Response(200, json={"code": "Ok"})


def test_timeouts_and_connection_errors_are_retried_with_growing_jittered_waits() -> None:
    handler, seen = scripted(
        httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.ConnectTimeout("x"), OK
    )
    waits: list[float] = []
    with fetcher(handler, waits) as f:
        assert f.get_json(URL) == {"code": "Ok"}
    assert len(seen) == 4
    assert len(waits) == 3
    for retry, wait in enumerate(waits):
        assert 0 <= wait <= 0.5 * 2**retry


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=3.0)
    rng = random.Random(7)
    waits = [policy.backoff_s(10, rng) for _ in range(200)]
    assert max(waits) <= 3.0
    assert len({round(w, 6) for w in waits}) > 100


def test_429_waits_as_long_as_retry_after_says() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "7"}), OK)
    waits: list[float] = []
    with fetcher(handler, waits) as f:
        f.get_json(URL)
    assert waits == [7.0]
    assert len(seen) == 2


def test_a_retry_after_beyond_patience_stops_at_once() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "3600"}), OK)
    waits: list[float] = []
    with fetcher(handler, waits) as f, pytest.raises(TravelError) as err:
        f.get_json(URL)
    assert waits == []
    assert len(seen) == 1
    assert "HTTP 429, and the server asks for 3600 s before the next request" in str(err.value)


def test_retry_after_as_an_http_date_in_the_past_means_now() -> None:
    handler, _ = scripted(
        httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), OK
    )
    waits: list[float] = []
    with fetcher(handler, waits) as f:
        f.get_json(URL)
    assert waits == [0.0]


def test_429_without_retry_after_backs_off() -> None:
    handler, _ = scripted(httpx.Response(429), OK)
    waits: list[float] = []
    with fetcher(handler, waits) as f:
        f.get_json(URL)
    assert 0 <= waits[0] <= 0.5


def test_5xx_is_retried_then_reported() -> None:
    handler, seen = scripted(httpx.Response(500), httpx.Response(503), httpx.Response(502))
    waits: list[float] = []
    with fetcher(handler, waits) as f, pytest.raises(TravelError) as err:
        f.get_json(URL)
    assert len(seen) == 4
    assert str(err.value) == (
        "osrm: router.test:5000/table/v1/driving/1,2;3,4 failed after 4 attempt(s): HTTP 502"
    )


def test_malformed_json_is_retried_then_reported() -> None:
    handler, seen = scripted(httpx.Response(200, text='{"code": "Ok", "durations": [[0,'))
    with fetcher(handler, []) as f, pytest.raises(TravelError, match="the answer is not JSON"):
        f.get_json(URL)
    assert len(seen) == 4


def test_4xx_is_a_clear_error_at_once() -> None:
    handler, seen = scripted(
        httpx.Response(403, json={"code": "Forbidden", "message": "no access for you"})
    )
    with fetcher(handler, []) as f, pytest.raises(ProviderAuthError) as err:
        f.get_json(URL)
    assert len(seen) == 1
    assert "HTTP 403 (Forbidden: no access for you)" in str(err.value)


def test_check_can_ask_for_a_retry_inside_a_200() -> None:
    handler, seen = scripted(httpx.Response(200, json={"busy": True}), OK)
    with fetcher(handler, []) as f:
        body = f.get_json(URL, check=lambda b: "busy" if b.get("busy") else None)
    assert body == {"code": "Ok"}
    assert len(seen) == 2


def test_secrets_never_reach_messages_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "0123456789abcdef0123456789abcdef"
    handler, _ = scripted(httpx.Response(500))
    caplog.set_level(logging.DEBUG)
    with (
        fetcher(handler, [], secrets=(secret,)) as f,
        pytest.raises(TravelError) as err,
    ):
        f.get_json(f"https://api.test/{secret}/v3/distance", {"key": secret})
    assert secret not in str(err.value)
    assert "***" in str(err.value)
    assert "HTTP Request" in caplog.text  # httpx did log each request ...
    assert secret not in caplog.text  # ... with the key masked


def test_the_filter_leaves_httpx_loggers_when_closed() -> None:
    handler, _ = scripted(OK)
    before = list(logging.getLogger("httpx").filters)
    with fetcher(handler, [], secrets=("s3cret",)):
        assert len(logging.getLogger("httpx").filters) == len(before) + 1
    assert logging.getLogger("httpx").filters == before


def test_rate_limiter_spaces_requests() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(9):
        limiter.wait()
        starts.append(now[0])
    assert starts[0] == 100.0
    assert all(b - a == pytest.approx(0.25) for a, b in itertools.pairwise(starts))
    assert starts[-1] - starts[0] == pytest.approx(2.0)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
