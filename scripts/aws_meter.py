"""What each DynamoDB call a function makes costs: the meter behind the scale tests and
`make bench-scale` (issue 18).

A request's cost on DynamoDB is its calls, the items those calls *read* (a Query's
`ScannedCount`: what DynamoDB bills, filtered or not) and the bytes they returned. The proxy
(scripts/aws_proxy.py) passes every DynamoDB call through :meth:`Meter.observe` while the
meter is on. Tests and the benchmark turn it on around one HTTP request
(`POST /__meter`), read it (`GET /__meter`) and turn it off (`DELETE /__meter`), so the
figures are exactly that request's, and the meter holds nothing while it is off: its cost
is the calls of the window, never the size of the stack.

Only the functions' calls are counted (`local-fn-*` keys): the operator's (tests seeding
data, the S3 notifier) are not the request's.
"""
from __future__ import annotations

import json
import threading

FUNCTION_KEY_PREFIX = "local-fn-"


def items_read(op: str, answer: dict) -> int:
    """Items DynamoDB read to give `answer` to an `op` call."""
    if op in ("Query", "Scan"):
        return int(answer.get("ScannedCount", answer.get("Count", 0)))
    if op == "GetItem":
        return 1 if answer.get("Item") else 0
    if op == "BatchGetItem":
        return sum(len(v) for v in answer.get("Responses", {}).values())
    if op == "TransactGetItems":
        return sum(1 for r in answer.get("Responses", []) if r.get("Item"))
    return 0


def items_returned(op: str, answer: dict) -> int:
    if op in ("Query", "Scan"):
        return int(answer.get("Count", 0))
    return items_read(op, answer)


class Meter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[dict] | None = None  # None: off

    def start(self) -> None:
        with self.lock:
            self.calls = []

    def stop(self) -> list[dict]:
        with self.lock:
            calls, self.calls = self.calls or [], None
        return calls

    def read(self) -> dict:
        with self.lock:
            calls = list(self.calls or [])
        return summary(calls)

    def observe(self, key: str | None, target: str, request_body: bytes, status: int, answer_body: bytes) -> None:
        if self.calls is None or not key or not key.startswith(FUNCTION_KEY_PREFIX):
            return
        op = target.rpartition(".")[2]
        try:
            request = json.loads(request_body or b"{}")
            answer = json.loads(answer_body or b"{}") if status == 200 else {}
        except ValueError:
            request, answer = {}, {}
        entry = {
            "function": key[len(FUNCTION_KEY_PREFIX):],
            "op": op,
            "table": request.get("TableName"),
            "index": request.get("IndexName"),
            "status": status,
            "items_read": items_read(op, answer),
            "items_returned": items_returned(op, answer),
            "bytes": len(answer_body or b""),
        }
        with self.lock:
            if self.calls is not None:
                self.calls.append(entry)


def summary(calls: list[dict]) -> dict:
    """The totals of a window, with its calls."""
    return {
        "calls": len(calls),
        "items_read": sum(c["items_read"] for c in calls),
        "items_returned": sum(c["items_returned"] for c in calls),
        "bytes": sum(c["bytes"] for c in calls),
        "ops": [f'{c["op"]}{"/" + c["index"] if c["index"] else ""}' for c in calls],
        "detail": calls,
    }
