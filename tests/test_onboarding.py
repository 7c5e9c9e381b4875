"""A firm's first day, as an operator starts it: `portal-admin create-firm` against the local
stack creates the firm and emails its owner an invite; running it again changes nothing and
says what exists; the owner joins from the email and finds the firm's history."""
from __future__ import annotations

import subprocess
import uuid

import portal_local as pl

from support import mail_to, unique_email


def test_create_firm_makes_the_firm_once_and_invites_its_owner(stack):
    owner = unique_email("owner")
    first = pl.admin_create_firm(stack.env, "Okafor & Rivera CPAs", owner, help_center_url="https://help.okafor.example/portal")
    assert first["outcome"] == "created" and first["owner_invite"]["outcome"] == "sent", first
    assert first["owner_invite"]["role"] == "owner"
    invites = mail_to(stack, owner)
    assert len(invites) == 1 and "/join#" in invites[0]["create_account_url"], invites
    assert "Okafor &amp; Rivera CPAs" in invites[0]["html"] or "Okafor & Rivera CPAs" in invites[0]["html"]

    # again, even with another name: the same firm, nothing sent, nothing changed
    again = pl.admin_create_firm(stack.env, "Another Name", owner)
    assert (again["outcome"], again["firm_id"], again["name"]) == ("exists", first["firm_id"], "Okafor & Rivera CPAs"), again
    assert again["owner_invite"]["outcome"] == "already_open"
    assert len(mail_to(stack, owner)) == 1

    # the owner joins from the email; the firm's history says who did what
    api = pl.join_from_invite(stack.base, stack.proxy.url, owner, "Owner-Passw0rd-2026!", "Ngozi Okafor")
    me = api.call("GET", "/api/staff/me", expect=200).json()
    assert (me["role"], me["firm_id"], me["firm_name"]) == ("owner", first["firm_id"], "Okafor & Rivera CPAs")
    history = api.call("GET", "/api/staff/firm/audit", expect=200).json()["items"]
    events = [e["event"] for e in history]
    assert events[-2:] == ["staff_invited", "firm_created"] and events[0] == "staff_joined", events
    assert history[-1]["actor"]["kind"] == "operator" and history[-1]["actor"]["name"].startswith("portal-admin")
    assert api.call("GET", "/api/staff/firm/settings", expect=200).json()["firm_name"] == "Okafor & Rivera CPAs"

    # a third run: the owner has a login now; still nothing changes
    third = pl.admin_create_firm(stack.env, "Okafor & Rivera CPAs", owner)
    assert third["outcome"] == "exists" and "owner_invite" not in third and third["owner_note"], third
    assert len(mail_to(stack, owner)) == 1
    assert [e["event"] for e in api.call("GET", "/api/staff/firm/audit", expect=200).json()["items"]] == events


def test_create_firm_names_what_is_wrong_and_writes_nothing(stack):
    owner = unique_email("owner")
    with open(stack.run_dir / "admin.env", "w") as f:
        f.write("".join(f"{k}={pl.env_value(v)}\n" for k, v in sorted(stack.env.items())))
    out = subprocess.run([str(pl.admin_binary()), "--env-file", str(stack.run_dir / "admin.env"), "create-firm", "--name", " ",
                          "--owner-email", owner.replace("@", " at "), "--help-center-url", "http://help.example"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    for flag in ("--name", "--owner-email", "--help-center-url"):
        assert flag in out.stderr, out.stderr
    assert mail_to(stack, owner) == []
    # a fixed id of an existing firm is refused, not taken over
    taken = pl.admin_create_firm(stack.env, "First Firm", unique_email("first"))["firm_id"]
    with_id = subprocess.run([str(pl.admin_binary()), "--env-file", str(stack.run_dir / "admin.env"), "create-firm", "--name", "Second",
                              "--owner-email", owner, "--firm-id", taken], capture_output=True, text=True, timeout=120)
    assert with_id.returncode != 0 and "belongs to another firm" in with_id.stderr, with_id.stderr
    assert mail_to(stack, owner) == []
    assert str(uuid.UUID(taken))
