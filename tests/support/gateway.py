"""Requests as API Gateway hands them to a function, from a source address of the test's
choosing; and the throttling limits the local stack's functions were configured with.

Through the local router every request's source is 127.0.0.1 (`cargo lambda watch` writes
that into each event), which the local stack exempts from per-source limits. To exercise
those limits as they work on AWS, a test invokes the function directly (the invoke API of
`cargo lambda watch`) with the event API Gateway would make for a caller at another address:
`requestContext.http.sourceIp`, the one place our code reads a source from."""
from __future__ import annotations

import json
import random
import time

import portal_local as pl
import runtime_api


class GatewayResponse:
    """The function's answer, shaped like a `requests` response for `problem()`."""

    def __init__(self, answer: dict):
        self.status_code = answer["statusCode"]
        self.headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
        self.text = answer.get("body") or ""

    def json(self):
        return json.loads(self.text)


def fresh_source() -> str:
    """An address no other test uses (RFC 2544's benchmarking block, 198.18.0.0/15)."""
    n = random.randrange(1, 2 ** 17 - 1)
    return f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


def gateway_call(stack, function: str, method: str, path: str, body=None, source_ip: str = "198.18.0.1",
                 headers: dict[str, str] | None = None) -> GatewayResponse:
    """`method path` with a JSON `body`, as API Gateway (HTTP API, payload 2.0) delivers it to
    `function` for a caller at `source_ip`."""
    event = runtime_api.http_event(method, path, path, body, {"user-agent": "gateway-test", **(headers or {})})
    event["requestContext"]["http"]["sourceIp"] = source_ip
    return GatewayResponse(pl.invoke(stack.base, function, event))


def source_limits(stack) -> dict[str, tuple[int, int]]:
    """scope → (limit, window seconds), as the functions read them (SOURCE_LIMITS)."""
    out = {}
    for part in stack.env["SOURCE_LIMITS"].split(","):
        scope, value = part.strip().split("=")
        limit, window = value.split("/")
        out[scope] = (int(limit), int(window))
    return out


def lockout(stack) -> dict[str, int]:
    """after / within / lock / max, as the functions read them (SIGN_IN_LOCKOUT)."""
    return {k: int(v) for k, v in (p.split("=") for p in stack.env["SIGN_IN_LOCKOUT"].split(","))}


def start_of_a_window(window: int, need: float = 30) -> None:
    """Wait, if need be, so that at least `need` seconds of the current fixed window (aligned
    to multiples of `window` since the epoch, as the functions count) are left."""
    left = window - time.time() % window
    if left < need:
        time.sleep(left + 0.5)
