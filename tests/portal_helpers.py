"""Helpers for portal tests: a contact with portal access, uploads through presigned URLs,
and a SigV4 check of what an upload URL signs."""
from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import contextmanager
from urllib.parse import parse_qsl, quote, urlsplit

import requests

import local_mailbox
import portal_local as pl
from conftest import unique_email

PASSWORD = "Portal-Pass-2027"
PDF = b"%PDF-1.7\n" + b"0" * (1024 * 1024 - 9)  # 1 MiB that starts like a PDF


def active_contact(stack, firm, client_id: str, first: str, last: str = "Client"):
    """Add a contact, invite them, create their account; returns (contact, api as the contact)."""
    email = unique_email(first.lower())
    contact = firm.contact(client_id, first, last, email)
    return contact, accept_invite(stack, firm, client_id, contact["id"], email)


def accept_invite(stack, firm, client_id: str, contact_id: str, email: str):
    firm.api.call("POST", f"/api/staff/clients/{client_id}/invites", {"contact_ids": [contact_id]}, expect=200)
    msg = local_mailbox.messages(stack.proxy.url, to=email)[-1]
    token = msg["create_account_url"].split("#", 1)[1]
    r = stack.api().call("POST", f"/api/invites/{token}/account", {"password": PASSWORD})
    assert r.status_code in (200, 201), r.text
    return stack.api(r.json()["session"]["access_token"])


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
        if "/moto-api/" in e["url"]:  # the emulator's own API (a test reading the mailbox), not AWS
            continue
        target = e["headers"].get("X-Amz-Target") or ("SES.SendEmail" if "/v2/email/outbound-emails" in e["url"] else e["url"])
        if dedupe_retries and (target, e.get("body")) in seen:
            continue
        seen.add((target, e.get("body")))
        calls.append(target)
    return calls


def put(slot: dict, body: bytes, send_signed_length: bool = True) -> requests.Response:
    headers = dict(slot["upload"]["headers"])
    if not send_signed_length:
        headers.pop("content-length", None)
    return requests.put(slot["upload"]["url"], data=body, headers=headers, timeout=60)


def land(stack, slot: dict, body: bytes) -> str:
    """Upload through the presigned URL and deliver the S3 event to file-events."""
    r = put(slot, body, send_signed_length=len(body) == slot["file"]["size"])
    assert r.status_code == 200, r.text
    key = urlsplit(slot["upload"]["url"]).path.split("/", 2)[2]
    out = pl.invoke(stack.base, "file-events", pl.s3_event(stack.env["BUCKET_NAME"], key, len(body)))
    return out[0]


def verify_sigv4_query(url: str, method: str, headers: dict[str, str], secret: str) -> list[str]:
    """Recompute the SigV4 query signature with the test secret; return the signed headers."""
    u = urlsplit(url)
    params = dict(parse_qsl(u.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature")
    signed = params["X-Amz-SignedHeaders"].split(";")
    enc = lambda v: quote(v, safe="-_.~")  # noqa: E731
    canonical_query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    hdrs = {k.lower(): str(v).strip() for k, v in headers.items()}
    hdrs["host"] = u.netloc
    canonical_headers = "".join(f"{h}:{hdrs[h]}\n" for h in signed)
    canonical = "\n".join([method, u.path, canonical_query, canonical_headers, ";".join(signed), "UNSIGNED-PAYLOAD"])
    _, date, region, service, _ = params["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", params["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, signature), "signature does not verify"
    return signed
