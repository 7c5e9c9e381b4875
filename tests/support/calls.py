"""The AWS calls the functions make, counted with moto's recorder."""
from __future__ import annotations

import json
from contextlib import contextmanager

import requests


@contextmanager
def recorded_calls(stack):
    """Record the AWS calls the functions make inside the block (moto's recorder), with the
    local SES events held back so that only the operation under test is counted. Yields a
    list filled with the recorded entries (dicts) when the block ends."""
    entries: list[dict] = []
    with stack.proxy.events_held():
        requests.post(f"{stack.endpoint}/moto-api/recorder/reset-recording")
        requests.post(f"{stack.endpoint}/moto-api/recorder/start-recording")
        try:
            yield entries
        finally:
            requests.post(f"{stack.endpoint}/moto-api/recorder/stop-recording")
            log = requests.get(f"{stack.endpoint}/moto-api/recorder/download-recording").text
            entries.extend(json.loads(line) for line in log.splitlines() if line.strip())


def operations(entries: list[dict], dedupe_retries: bool = True) -> list[str]:
    """The operation of each recorded call (`DynamoDB_20120810.Query`, `SES.SendEmail`, or
    the URL). The SDK retries a request moto failed under concurrency with the identical
    body; such a retry is not a second operation of ours."""
    calls, seen = [], set()
    for e in entries:
        if "/moto-api/" in e["url"]:  # the emulator's own API, not AWS
            continue
        target = e["headers"].get("X-Amz-Target") or ("SES.SendEmail" if "/v2/email/outbound-emails" in e["url"] else e["url"])
        if target.startswith("AmazonSQS.") and "Credential=testing/" in e["headers"].get("Authorization", ""):
            # The local event source mapping polling the queue (portal_local.SqsPoller signs
            # as the operator): Lambda's work on AWS, not a call of a function.
            continue
        if dedupe_retries and (target, e.get("body")) in seen:
            continue
        seen.add((target, e.get("body")))
        calls.append(target)
    return calls


def request_json(entry: dict) -> dict:
    """The JSON body of a recorded call (moto keeps bytes base64-encoded)."""
    import base64
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body) if body else {}


@contextmanager
def metered(stack):
    """The DynamoDB cost of what the block does, as the proxy's meter saw it
    (scripts/aws_meter.py): yields a dict filled on exit with `calls`, `items_read`,
    `items_returned`, `bytes`, `ops` and the per-call `detail`. Only the functions' calls
    count, so seeding data as the operator inside the block costs nothing here."""
    figures: dict = {}
    # SES events of earlier emails would invoke email-events inside the window: held back
    # (as recorded_calls does), so only what the block does is counted.
    with stack.proxy.events_held():
        requests.post(f"{stack.proxy.url}/__meter", timeout=10).raise_for_status()
        try:
            yield figures
        finally:
            r = requests.delete(f"{stack.proxy.url}/__meter", timeout=10)
            r.raise_for_status()
            figures.update(r.json())


def query_limits(entries: list[dict]) -> list[int | None]:
    """The `Limit` of each DynamoDB Query recorded (None: a Query without one)."""
    return [request_json(e).get("Limit") for e in entries if e["headers"].get("X-Amz-Target", "").endswith(".Query")]
