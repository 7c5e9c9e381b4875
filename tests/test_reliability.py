"""Partial failure, with faults injected between the functions and AWS (scripts/aws_proxy.py):
afterwards the data is consistent, every outcome reported to the caller is true, and no
contact who got an email is left with a dead link. Also: the per-link attempt counter and
the audit trail ("access history")."""
from __future__ import annotations

import requests

import portal_local as pl
import runtime_api
from support import PDF, STRONG, instances, invite, land, link_item, login_on_two_clients, mail_to, problem, status_of, token_of, unique_email


def invited_contacts(stack, firm, n: int, prefix: str):
    client = firm.client(f"{prefix} client")
    emails = [unique_email(f"{prefix}{i}") for i in range(n)]
    ids = [firm.contact(client["id"], f"{prefix.title()}{i}", "Person", e)["id"] for i, e in enumerate(emails)]
    return client["id"], ids, emails


def test_ses_refusing_the_second_of_three_leaves_that_contact_as_it_was(stack, firm):
    client_id, ids, emails = invited_contacts(stack, firm, 3, "ref")
    # everyone already has a live link from an earlier invite
    invite(firm, client_id, *ids)
    old_tokens = [token_of(mail_to(stack, e)[-1]) for e in emails]
    before = [status_of(firm, client_id, k) for k in ids]
    stack.faults([{"op": "SendEmail", "calls": [2], "kind": "reject"}])
    try:
        results = invite(firm, client_id, *ids, message="Second round")
        fired = stack.fired()
    finally:
        stack.faults([])
    assert fired == [{"op": "SendEmail", "call": 2, "kind": "reject"}]
    outcomes = [r["outcome"] for r in results]
    assert sorted(outcomes) == ["failed", "sent", "sent"], results
    failed = outcomes.index("failed")
    assert "could not be sent" in results[failed]["reason"] and "injected fault" in results[failed]["reason"]
    for i, (k, email, old) in enumerate(zip(ids, emails, old_tokens)):
        mails = mail_to(stack, email)
        if i == failed:
            # no second email; the first link still works and the status is what it was
            assert len(mails) == 1
            stack.api().call("GET", f"/api/invites/{old}", expect=200)
            now = status_of(firm, client_id, k)
            assert now["invited_at"] == before[i]["invited_at"] and now["expires_at"] == before[i]["expires_at"]
        else:
            # the new email's link works; the old one says a newer invite was sent
            assert len(mails) == 2
            stack.api().call("GET", f"/api/invites/{token_of(mails[-1])}", expect=200)
            assert "newer invite" in problem(stack.api().call("GET", f"/api/invites/{old}"), 410)["detail"]


def test_dynamodb_throttling_is_retried_and_every_invite_lands(stack, firm):
    client_id, ids, emails = invited_contacts(stack, firm, 3, "thr")
    stack.faults([{"op": "Query", "calls": [1], "kind": "throttle"},
                  {"op": "TransactWriteItems", "calls": [1, 2], "kind": "throttle"}])
    try:
        results = invite(firm, client_id, *ids)
        fired = stack.fired()
    finally:
        stack.faults([])
    assert [(f["op"], f["call"]) for f in fired] == [("Query", 1), ("TransactWriteItems", 1), ("TransactWriteItems", 2)]
    assert [r["outcome"] for r in results] == ["sent"] * 3
    for k, e in zip(ids, emails):
        assert status_of(firm, client_id, k)["status"] == "invited"
        stack.api().call("GET", f"/api/invites/{token_of(mail_to(stack, e)[-1])}", expect=200)


def test_a_throttled_write_that_never_succeeds_sends_nothing_and_says_so(stack, firm):
    client_id, ids, emails = invited_contacts(stack, firm, 2, "dead")
    stack.faults([{"op": "TransactWriteItems", "calls": list(range(1, 20)), "kind": "throttle"}])
    try:
        results = invite(firm, client_id, *ids)
    finally:
        stack.faults([])
    assert [r["outcome"] for r in results] == ["failed", "failed"]
    assert all("nothing was sent" in r["reason"] for r in results)
    assert all(mail_to(stack, e) == [] for e in emails)
    assert all(status_of(firm, client_id, k) == {"status": "not_invited"} for k in ids)


def test_the_process_dying_right_after_ses_accepted_leaves_a_live_link(stack, firm, tmp_path):
    """The invites function runs on its own here (a Runtime API of our own), so killing it
    does not take the shared local stack down."""
    client_id, [k], [email] = invited_contacts(stack, firm, 1, "die")
    api = runtime_api.RuntimeApi().start()
    env = runtime_api.read_env_file(stack.run_dir / "functions.env")
    proc = runtime_api.spawn(pl.target_dir() / "debug" / "invites", "invites", api, env, tmp_path / "invites.log")
    stack.faults([{"op": "SendEmail", "calls": [1], "kind": "kill"}])
    try:
        event = runtime_api.http_event("POST", f"/api/staff/clients/{client_id}/invites", "/api/staff/clients/{client_id}/invites",
                                       {"contact_ids": [k]}, {"authorization": f"Bearer {firm.api.token}"}, {"client_id": client_id})
        answer = api.invoke(event, timeout=60, proc=proc)  # no answer: ends when the process dies
        fired = stack.fired()
        proc.wait(timeout=30)
    finally:
        stack.faults([])
        proc.kill()
        api.stop()
    assert fired == [{"op": "SendEmail", "call": 1, "kind": "kill"}]
    assert answer is None and proc.returncode == -9, "the process died before it could answer"
    # the contact got the email, and its link works: create the account with it
    [msg] = mail_to(stack, email)
    token = token_of(msg)
    stack.api().call("GET", f"/api/invites/{token}", expect=200)
    # staff see the invite (SES's own Send event would confirm it; none came from the dead run)
    st = status_of(firm, client_id, k)
    assert st["status"] == "invited" and st["delivery"] == "sending"
    stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}, expect=201)
    assert status_of(firm, client_id, k)["status"] == "active"


def test_wrong_passwords_lock_the_link_after_ten_attempts(stack, firm):
    household, bakery, c, email = login_on_two_clients(stack, firm, ("Lock Household", "Lock Bakery"), "Lo", "Ck")
    # the second client's invite asks for the existing login's password
    invite(firm, bakery["id"], c["id"])
    token = token_of(mail_to(stack, email)[-1])
    for i in range(10):
        body = problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": f"Wrong-Guess-{i:04d}"}), 400)
        assert body["errors"][0]["field"] == "password"
    assert "locked" in body["errors"][0]["message"]
    # now even the right password is refused on this link; a new invite starts over
    assert "too many" in problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}), 410)["detail"]
    assert "too many" in problem(stack.api().call("GET", f"/api/invites/{token}"), 410)["detail"]
    invite(firm, bakery["id"], c["id"])
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account", {"password": STRONG}, expect=200)


def test_parallel_wrong_guesses_never_pass_the_limit(stack, firm):
    """More wrong passwords than the limit, all at once, each on an instance of its own: the
    counter's limit is the condition of its write, and each try is counted before Cognito
    sees the password, so exactly ten guesses are judged and the counter stops at ten."""
    household, bakery, c, email = login_on_two_clients(stack, firm, ("Burst Household", "Burst Bakery"), "Bu", "Rst")
    invite(firm, bakery["id"], c["id"])
    token = token_of(mail_to(stack, email)[-1])
    route = "/api/invites/{token}/account"
    with instances(stack, "accounts", 6) as fn:
        answers = fn.all_at_once([("POST", f"/api/invites/{token}/account", route, {"password": f"Wrong-Guess-{i:04d}"}, {"token": token})
                                  for i in range(24)])
    statuses = sorted(s for s, _ in answers)
    assert statuses == [400] * 10 + [410] * 14, answers
    assert all("too many" in body["detail"] for s, body in answers if s == 410)
    assert link_item(stack, bakery["id"], c["id"])["invite_attempts"] == 10
    assert "too many" in problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}), 410)["detail"]


def test_the_audit_trail_records_who_did_what_from_where(stack, firm):
    client = firm.client("Audited")
    email = unique_email("aud")
    c = firm.contact(client["id"], "Au", "Dited", email)
    other = firm.contact(client["id"], "Not", "Me", unique_email("other"))
    ua = {"user-agent": "AuditTest/1.0"}
    requests.post(f"{stack.base}/api/staff/clients/{client['id']}/invites", json={"contact_ids": [c["id"]]},
                  headers={"authorization": f"Bearer {firm.api.token}", **ua}, timeout=60).raise_for_status()
    token = token_of(mail_to(stack, email)[-1])
    created = requests.post(f"{stack.base}/api/invites/{token}/account", json={"password": STRONG}, headers=ua, timeout=60)
    assert created.status_code == 201
    requests.post(f"{stack.base}/api/portal/sessions", json={"email": email, "password": STRONG}, headers=ua, timeout=60).raise_for_status()
    contact_api = stack.api(created.json()["session"]["access_token"])
    slot = contact_api.call("POST", f"/api/portal/clients/{client['id']}/files",
                            {"name": "w2.pdf", "size": len(PDF), "content_type": "application/pdf"}, expect=201).json()
    assert land(stack, slot, PDF) == "available"
    file_id = slot["file"]["id"]
    firm.api.call("GET", f"/api/staff/clients/{client['id']}/files/{file_id}/download", expect=200)
    firm.api.call("PATCH", f"/api/staff/contacts/{c['id']}", {"phone": "+1 555 000 1111"}, expect=200)
    firm.api.call("POST", f"/api/staff/contacts/{c['id']}/revoke-access", expect=200)

    entries = firm.api.call("GET", f"/api/staff/clients/{client['id']}/audit?contact_id={c['id']}", expect=200).json()["items"]
    events = [e["event"] for e in entries]
    assert events[0] == "access_revoked" and events[-1] == "invite_sent", events
    for want in ["invite_sent", "account_created", "signed_in", "file_uploaded", "contact_updated", "access_revoked"]:
        assert want in events, (want, events)
    by = {e["event"]: e for e in entries}
    assert by["invite_sent"]["actor"]["kind"] == "staff" and by["invite_sent"]["detail"] == f"to {email}"
    assert by["invite_sent"]["user_agent"] == "AuditTest/1.0"
    assert by["account_created"]["actor"] == {"kind": "contact", "id": c["id"], "name": "Au Dited"}
    assert by["signed_in"]["user_agent"] == "AuditTest/1.0" and by["signed_in"]["ip"]
    assert by["file_uploaded"]["subject_id"] == file_id and by["file_uploaded"]["detail"] == "w2.pdf"
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    # the whole trail also has the staff download of the contact's file; the other contact's history is empty
    everything = firm.api.call("GET", f"/api/staff/clients/{client['id']}/audit", expect=200).json()["items"]
    assert "file_downloaded" in [e["event"] for e in everything]
    assert firm.api.call("GET", f"/api/staff/clients/{client['id']}/audit?contact_id={other['id']}", expect=200).json()["items"] == []
    # another firm cannot read it; an unknown contact is 404
    problem(stack.new_firm("Nosy").api.call("GET", f"/api/staff/clients/{client['id']}/audit"), 404)
    problem(firm.api.call("GET", f"/api/staff/clients/{client['id']}/audit?contact_id=00000000-0000-7000-8000-000000000000"), 404)
    # and the invite token is in no log line of the functions or the emulator
    assert token not in stack.logs()
