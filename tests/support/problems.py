"""Answers of the API."""
from __future__ import annotations


def problem(r, status: int) -> dict:
    """An RFC 9457 problem with this status: `application/problem+json` that repeats the
    status and says what was wrong (`detail`). Returns the body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["detail"]
    return body
