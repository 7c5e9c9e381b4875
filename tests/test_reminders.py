"""Invite reminders: the scheduled `reminders` function, run here with a sample scheduled
event whose `time` is days ahead (the function takes "now" from the event), against moto
through `cargo lambda watch`. Each test uses its own firm; other tests' open invites may be
reminded by the same run, so assertions look only at this test's contacts."""
from __future__ import annotations

from support import (PASSWORD, delivery_of, invite, link_item, mail_to, problem, reminders_to, run_reminders,
                     run_reminders_cold, status_of, token_of, unique_email)


def test_reminders_go_to_open_invites_only_at_the_firms_pace_and_stop_at_its_limit(stack, firm):
    firm.api.call("PATCH", "/api/staff/firm/settings", {"reminder_after_days": 3, "max_reminders": 2}, expect=200)
    client = firm.client("Reminder Client")
    ana = firm.contact(client["id"], "Ana", "Waiting", unique_email("remind"))
    bo = firm.contact(client["id"], "Bo", "Bounced", f"bounce+{unique_email('r').split('@')[0]}@simulator.amazonses.com")
    cy = firm.contact(client["id"], "Cy", "Revoked", unique_email("revoked"))
    di = firm.contact(client["id"], "Di", "Active", unique_email("active"))
    results = invite(firm, client["id"], ana["id"], bo["id"], cy["id"], di["id"])
    assert [r["outcome"] for r in results] == ["sent"] * 4
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts/{cy['id']}/revoke-invite", expect=200)
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, di['email'])[-1])}/account", {"password": PASSWORD}, expect=201)
    delivery_of(stack, firm, client["id"], bo["id"], "bounced")  # staff see the bounce in the status
    first_token = token_of(mail_to(stack, ana["email"])[-1])

    # too early for this firm (3 days): nothing
    run_reminders(stack, 2)
    assert [reminders_to(stack, c["email"]) for c in (ana, bo, cy, di)] == [[], [], [], []]

    # due: only the open, delivered-or-sent invite is reminded, with a new link
    summary = run_reminders(stack, 3.5)
    assert summary["reminded"] >= 1, summary
    assert len(reminders_to(stack, ana["email"])) == 1
    assert [reminders_to(stack, c["email"]) for c in (bo, cy, di)] == [[], [], []]
    reminder = reminders_to(stack, ana["email"])[0]
    assert "Ana" in reminder["text"] and "Reminder Client" in reminder["text"]
    new_token = token_of(reminder)
    assert new_token != first_token
    assert "newer invite" in problem(stack.api().call("GET", f"/api/invites/{first_token}"), 410)["detail"]
    stack.api().call("GET", f"/api/invites/{new_token}", expect=200)
    assert status_of(firm, client["id"], ana["id"])["status"] == "invited"
    # the audit trail names the portal as the sender
    entries = firm.api.call("GET", f"/api/staff/clients/{client['id']}/audit?contact_id={ana['id']}", expect=200).json()["items"]
    assert entries[0]["event"] == "invite_sent" and entries[0]["actor"]["name"] == "Automatic reminder", entries[0]
    # the bounced, revoked and active contacts left the reminder list for good
    for c in (bo, cy, di):
        assert "GSI2PK" not in link_item(stack, client["id"], c["id"]), c["first_name"]

    # the second reminder (3 days after the first), then no more: the firm's limit is 2
    run_reminders(stack, 3.5)
    assert len(reminders_to(stack, ana["email"])) == 2
    run_reminders(stack, 7)
    assert len(reminders_to(stack, ana["email"])) == 2
    assert "GSI2PK" not in link_item(stack, client["id"], ana["id"])

    # a staff member's re-invite starts the count again; accepting ends the reminders
    invite(firm, client["id"], ana["id"])
    assert "GSI2PK" in link_item(stack, client["id"], ana["id"])
    run_reminders(stack, 3.5)
    assert len(reminders_to(stack, ana["email"])) == 3
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, ana['email'])[-1])}/account", {"password": PASSWORD}, expect=201)
    assert "GSI2PK" not in link_item(stack, client["id"], ana["id"])
    run_reminders(stack, 10)
    assert len(reminders_to(stack, ana["email"])) == 3


def test_a_firm_that_turned_reminders_off_gets_none_until_it_turns_them_on(stack, firm):
    firm.api.call("PATCH", "/api/staff/firm/settings", {"reminder_after_days": 0}, expect=200)
    client = firm.client("No Reminders Client")
    c = firm.contact(client["id"], "Noa", "Quiet", unique_email("quiet"))
    invite(firm, client["id"], c["id"])
    run_reminders(stack, 30)
    assert reminders_to(stack, c["email"]) == []
    assert "GSI2PK" in link_item(stack, client["id"], c["id"]), "kept on the list"
    firm.api.call("PATCH", "/api/staff/firm/settings", {"reminder_after_days": 5}, expect=200)
    # The warm instance trusts the settings it read for a minute (FIRM_SETTINGS_TTL; that
    # the cache moves on is what test_mfa waits for); a new instance reads them at once.
    run_reminders_cold(stack, 6)
    assert len(reminders_to(stack, c["email"])) == 1


def test_a_reminder_ses_refuses_is_not_retried_every_hour(stack, firm):
    firm.api.call("PATCH", "/api/staff/firm/settings", {"reminder_after_days": 2}, expect=200)
    client = firm.client("Refused Reminder Client")
    c = firm.contact(client["id"], "Rae", "Fused", unique_email("refused"))
    invite(firm, client["id"], c["id"])
    token = token_of(mail_to(stack, c["email"])[-1])
    stack.faults([{"op": "SendEmail", "calls": list(range(1, 5000)), "kind": "reject"}])  # SES refuses every email
    try:
        summary = run_reminders(stack, 3)
    finally:
        stack.faults([])
    assert summary["failed"] >= 1 and reminders_to(stack, c["email"]) == []
    # the contact's link still works (the refused reminder put it back), and an hour later
    # nothing is tried again
    stack.api().call("GET", f"/api/invites/{token}", expect=200)
    assert "reminder_attempted_at" in link_item(stack, client["id"], c["id"])
    summary = run_reminders(stack, 3 + 1 / 24)
    assert reminders_to(stack, c["email"]) == []
    # after the firm's interval it is tried again, and goes out
    run_reminders(stack, 5.5)
    assert len(reminders_to(stack, c["email"])) == 1
