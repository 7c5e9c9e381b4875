"""The end-to-end journey, runnable against the local stack (in `make test`) **and against a
deployed stage**:

    cd tests && PORTAL_BASE_URL=https://<api id>.execute-api.<region>.amazonaws.com \\
        PORTAL_STAFF_EMAIL=... PORTAL_STAFF_PASSWORD=... PORTAL_STAFF_TOTP_SECRET=... \\
        ../.venv/bin/python -m pytest -q test_e2e.py

Only the public API is used (no emulator internals), with SES's mailbox-simulator addresses
so that delivery and bounce come back as real SES events. The contact's side needs the
invite email's link: locally it is read from the local mailbox; on a deployed stage those
steps are skipped (no inbox to read), and say so. Each run makes its own client; nothing is
deleted afterwards (the audit trail is append-only).
"""
from __future__ import annotations

import os
import time
import uuid

import pytest
import requests

import portal_local as pl
from support import PDF, fresh_code, mail_to

BASE = os.environ.get("PORTAL_BASE_URL", "").rstrip("/")


class Target:
    """Where the journey runs: base URL, a staff token, and (locally) the mailbox."""

    def __init__(self, base: str, token: str, mailbox=None):
        self.base, self.token, self.mailbox = base, token, mailbox

    def call(self, method: str, path: str, body=None, token: str | None = None, expect: int | None = None):
        t = self.token if token is None else token
        headers = {"authorization": f"Bearer {t}"} if t else {}
        r = requests.request(method, self.base + path, json=body, headers=headers, timeout=60)
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r


def staff_sign_in(base: str, email: str, password: str, totp_secret: str | None) -> str:
    r = requests.post(f"{base}/api/staff/sessions", json={"email": email, "password": password}, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    if "challenge" in body:
        assert totp_secret, f"the staff login asks for {body['challenge']}: set PORTAL_STAFF_TOTP_SECRET"
        r = requests.post(f"{base}/api/staff/sessions/mfa", json={"email": email, "session": body["session"],
                                                                  "challenge": body["challenge"], "code": fresh_code(totp_secret)}, timeout=60)
        assert r.status_code == 200, r.text
        body = r.json()
    return body["access_token"]


@pytest.fixture(scope="module")
def target(request):
    if BASE:
        token = staff_sign_in(BASE, os.environ["PORTAL_STAFF_EMAIL"], os.environ["PORTAL_STAFF_PASSWORD"], os.environ.get("PORTAL_STAFF_TOTP_SECRET"))
        yield Target(BASE, token)
        return
    stack = request.getfixturevalue("stack")
    firm = stack.new_firm("E2E Firm")
    # the bucket's ObjectCreated notification, as on AWS
    notifier = pl.S3Notifier(stack.env, stack.base)
    notifier.run_forever()
    try:
        yield Target(stack.base, firm.api.token, lambda to: mail_to(stack, to))
    finally:
        notifier.stop()


def wait_for(what: str, probe, timeout: float = 90):
    deadline = time.time() + timeout
    while True:
        value = probe()
        if value or time.time() > deadline:
            assert value, f"timed out waiting for {what}"
            return value
        time.sleep(1)


def test_the_firm_and_client_journey(target):
    run = uuid.uuid4().hex[:8]
    client = target.call("POST", "/api/staff/clients", {"name": f"E2E Client {run}"}, expect=201).json()
    cid = client["id"]
    ok = target.call("POST", f"/api/staff/clients/{cid}/contacts",
                     {"first_name": "Ena", "last_name": "Delivered", "email": f"success+{run}@simulator.amazonses.com"}, expect=201).json()
    bad = target.call("POST", f"/api/staff/clients/{cid}/contacts",
                      {"first_name": "Bo", "last_name": "Bounced", "email": f"bounce+{run}@simulator.amazonses.com"}, expect=201).json()
    results = target.call("POST", f"/api/staff/clients/{cid}/invites", {"contact_ids": [ok["id"], bad["id"]], "message": "Welcome"},
                          expect=200).json()["results"]
    assert [r["outcome"] for r in results] == ["sent", "sent"], results

    def delivery(contact_id: str):
        contacts = target.call("GET", f"/api/staff/clients/{cid}/portal-status", expect=200).json()["contacts"]
        return next(c["portal"] for c in contacts if c["id"] == contact_id).get("delivery")
    wait_for("the delivery report", lambda: delivery(ok["id"]) == "delivered")
    wait_for("the bounce report", lambda: delivery(bad["id"]) == "bounced")

    # a file for the client, shared with every contact, through the presigned upload
    slot = target.call("POST", f"/api/staff/clients/{cid}/files",
                       {"name": "engagement-letter.pdf", "size": len(PDF), "content_type": "application/pdf", "share_with_all": True},
                       expect=201).json()
    put = requests.put(slot["upload"]["url"], data=PDF, headers={k: v for k, v in slot["upload"]["headers"].items() if k != "host"}, timeout=120)
    assert put.status_code == 200, put.text

    def available():
        files = target.call("GET", f"/api/staff/clients/{cid}/files", expect=200).json()["items"]
        return next((f for f in files if f["id"] == slot["file"]["id"] and f["status"] == "available"), None)
    wait_for("the upload check", available)
    download = target.call("GET", f"/api/staff/clients/{cid}/files/{slot['file']['id']}/download", expect=200).json()
    assert requests.get(download["url"], timeout=60).content == PDF

    # the contact's side: the invite link from the email
    if target.mailbox is None:
        pytest.skip("deployed stage: the invite email cannot be read here, so the contact's steps are not run")
    msg = target.mailbox(f"success+{run}@simulator.amazonses.com")[-1]
    token = msg["create_account_url"].split("#", 1)[1]
    created = target.call("POST", f"/api/invites/{token}/account", {"password": "E2e-Journey-2027"}, token="", expect=201).json()
    ctoken = created["session"]["access_token"]
    home = target.call("GET", f"/api/portal/clients/{cid}/home", token=ctoken, expect=200).json()
    assert [f["name"] for f in home["recent_files"]] == ["engagement-letter.pdf"]
    contacts = target.call("GET", f"/api/staff/clients/{cid}/portal-status", expect=200).json()["contacts"]
    assert next(c["portal"] for c in contacts if c["id"] == ok["id"])["status"] == "active"
    history = target.call("GET", f"/api/staff/clients/{cid}/audit?contact_id={ok['id']}", expect=200).json()["items"]
    assert [e["event"] for e in history][:1] == ["account_created"] and "invite_sent" in [e["event"] for e in history]
