"""Invites and portal access: send invites, read a contact's portal status, create the
account from the invite email, wait for SES's delivery events, run the reminders job."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import portal_local as pl
import runtime_api

from .mail import mail_to, token_of
from .stack import unique_email

PASSWORD = "Portal-Pass-2027"  # a contact's password that meets the rule
STRONG = "Tax-Season-2027"     # another one


def invite(firm, client_id: str, *contact_ids: str, **extra) -> list[dict]:
    body = {"contact_ids": list(contact_ids), **extra}
    return firm.api.call("POST", f"/api/staff/clients/{client_id}/invites", body, expect=200).json()["results"]


def status_of(firm, client_id: str, contact_id: str) -> dict:
    contacts = firm.api.call("GET", f"/api/staff/clients/{client_id}/portal-status", expect=200).json()["contacts"]
    return next(c["portal"] for c in contacts if c["id"] == contact_id)


def active_contact(stack, firm, client_id: str, first: str, last: str = "Client"):
    """Add a contact, invite them, create their account; returns (contact, api as the contact)."""
    email = unique_email(first.lower())
    contact = firm.contact(client_id, first, last, email)
    return contact, accept_invite(stack, firm, client_id, contact["id"], email)


def login_on_two_clients(stack, firm, names: tuple[str, str], first: str, last: str) -> tuple[dict, dict, dict, str]:
    """A contact linked to two clients of the firm, whose login was created (with STRONG)
    from the first client's invite; the second client not invited yet. Returns
    (first client, second client, contact, email)."""
    one, two = firm.client(names[0]), firm.client(names[1])
    email = unique_email(first.lower())
    contact = firm.contact(one["id"], first, last, email)
    firm.api.call("PUT", f"/api/staff/clients/{two['id']}/contacts/{contact['id']}", expect=201)
    invite(firm, one["id"], contact["id"])
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account", {"password": STRONG}, expect=201)
    return one, two, contact, email


def accept_invite(stack, firm, client_id: str, contact_id: str, email: str):
    """Invite the contact to this client's portal and create the account (or add the portal to
    the existing login) with PASSWORD; returns the api as the contact."""
    firm.api.call("POST", f"/api/staff/clients/{client_id}/invites", {"contact_ids": [contact_id]}, expect=200)
    token = token_of(mail_to(stack, email)[-1])
    r = stack.api().call("POST", f"/api/invites/{token}/account", {"password": PASSWORD})
    assert r.status_code in (200, 201), r.text
    return stack.api(r.json()["session"]["access_token"])


def delivery_of(stack, firm, client_id: str, contact_id: str, want: str, timeout: float = 60) -> dict:
    """Wait for SES's events (published by the local proxy) to bring the status to `want`."""
    deadline = time.time() + timeout
    while True:
        st = status_of(firm, client_id, contact_id)
        if st.get("delivery") == want or time.time() > deadline:
            assert st.get("delivery") == want, st
            return st
        time.sleep(0.2)


def report(stack, kind: str, client_id: str, contact_id: str, invite_hash: str) -> list:
    """Feed `email-events` one sample SES event (events/email-events) for an invite."""
    event = json.loads((pl.ROOT / "events" / "email-events" / f"{kind}.json").read_text())
    msg = json.loads(event["Records"][0]["Sns"]["Message"])
    msg["mail"]["tags"].update({"client": [client_id], "contact": [contact_id], "invite": [invite_hash]})
    event["Records"][0]["Sns"]["Message"] = json.dumps(msg)
    return pl.invoke(stack.base, "email-events", event)


def link_item(stack, client_id: str, contact_id: str) -> dict:
    """The stored client–contact link (invite state, reminder index keys)."""
    return stack.table().get_item(Key={"PK": f"CLIENT#{client_id}", "SK": f"CONTACT#{contact_id}"})["Item"]


def reminders_event(days_ahead: float) -> dict:
    """The sample scheduled event of `reminders`, `days_ahead` days from now (the function
    takes "now" from the event's time)."""
    event = json.loads((pl.ROOT / "events" / "reminders" / "scheduled.json").read_text())
    event["time"] = (datetime.now(timezone.utc) + timedelta(days=days_ahead)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def run_reminders(stack, days_ahead: float) -> dict:
    """Run the scheduled `reminders` function (its warm instance under `cargo lambda watch`)."""
    return pl.invoke(stack.base, "reminders", reminders_event(days_ahead))


def run_reminders_cold(stack, days_ahead: float) -> dict:
    """Run `reminders` in a new process of its own (a cold start, as after a deploy or a
    scale-out: nothing cached yet), under a Runtime API of ours, with the stack's env."""
    api = runtime_api.RuntimeApi().start()
    env = runtime_api.read_env_file(stack.run_dir / "functions.env")
    proc = runtime_api.spawn(pl.target_dir() / "debug" / "reminders", "reminders", api, env, stack.run_dir / "reminders-cold.log")
    try:
        answer = api.invoke(reminders_event(days_ahead), timeout=120)
    finally:
        proc.kill()
        proc.wait()
        api.stop()
    assert answer is not None, "the reminders process gave no answer"
    kind, payload = answer
    assert kind == "response", payload
    return payload


def reminders_to(stack, email: str) -> list[dict]:
    """The reminder emails among the mail to `email`."""
    return [m for m in mail_to(stack, email) if (m["subject"] or "").startswith("Reminder:")]
