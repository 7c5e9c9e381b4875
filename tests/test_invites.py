"""The core loop: invite → email → Create Account → sign in → status; and every rule
around it (bulk outcomes, resend kills the old link, single use, weak passwords, revoke,
SES refusal, templates, the pool wall between staff and contacts)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import requests

import portal_local as pl
from support import (STRONG, delivery_of, instances, login_on_two_clients, invite, link_item, mail_to, operations, problem, recorded_calls, report, status_of,
                     token_of, unique_email)


def test_the_core_loop_end_to_end(stack, firm):
    client = firm.client("Okafor Family")
    email = unique_email("ngozi")
    ngozi = firm.contact(client["id"], "Ngozi", "Okafor", email)
    template = firm.api.call("POST", "/api/staff/templates", {
        "name": "Tax season", "subject": "{{ firm_name }}: your portal for {{ client_name }}",
        "body": "Dear {{ first_name }},\n\n{{ message }}\n\nStart here: {{ create_account_url }}\n\nHelp: {{ help_center_url }}"},
        expect=201).json()
    results = invite(firm, client["id"], ngozi["id"], message="Please upload your 2026 W-2 & 1099s.",
                     template_id=template["id"])
    assert results[0]["outcome"] == "sent" and results[0]["email"] == email
    # the email: the personal message (escaped), the Create Account button, the help center
    [msg] = mail_to(stack, email)
    assert msg["subject"] == "Test Firm: your portal for Okafor Family"
    assert "Please upload your 2026 W-2 &amp; 1099s." in msg["html"]
    assert ">Create Account</a>" in msg["html"]
    assert "https://help.demo-firm.example/portal" in msg["text"]
    assert msg["create_account_url"].startswith(stack.base + "/create-account#")
    token = token_of(msg)
    assert len(token) == 128
    # staff see it as invited, with the expiry 30 days out
    st = status_of(firm, client["id"], ngozi["id"])
    assert st["status"] == "invited" and st["expired"] is False
    invited_at = datetime.fromisoformat(st["invited_at"].replace("Z", "+00:00"))
    expires_at = datetime.fromisoformat(st["expires_at"].replace("Z", "+00:00"))
    assert expires_at - invited_at == timedelta(days=30)
    # the link answers with the invited email
    info = stack.api().call("GET", f"/api/invites/{token}", expect=200).json()
    assert info["email"] == email and info["client_name"] == "Okafor Family" and info["firm_name"] == "Test Firm"
    assert info["first_name"] == "Ngozi" and info["has_login"] is False and "10 characters" in info["password_rule"]
    # create the account: signed in at once
    created = stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}, expect=201).json()
    assert created["created"] is True and created["email"] == email
    me = stack.api(created["session"]["access_token"]).call("GET", "/api/portal/me", expect=200).json()
    assert me["clients"] == [{"id": client["id"], "name": "Okafor Family"}] and me["firm_name"] == "Test Firm"
    # sign in as the contact
    session = stack.api().call("POST", "/api/portal/sessions", {"email": email.upper(), "password": STRONG}, expect=200).json()
    assert session["access_token"]
    # staff see active with today's last login
    st = status_of(firm, client["id"], ngozi["id"])
    assert st["status"] == "active"
    assert st["last_login_at"][:10] == datetime.now(timezone.utc).date().isoformat()
    assert firm.api.call("GET", f"/api/staff/contacts/{ngozi['id']}", expect=200).json()["has_login"] is True
    # the link is single use
    body = problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}), 410)
    assert "already used" in body["detail"]
    problem(stack.api().call("GET", f"/api/invites/{token}"), 410)
    # and inviting an active contact sends nothing
    assert invite(firm, client["id"], ngozi["id"])[0]["outcome"] == "already_active"
    assert len(mail_to(stack, email)) == 1
    # neither the invite token nor the password ever reached a log
    logs = stack.logs()
    assert "invites/{token}" in logs or "request" in logs, "the logs were read"
    assert token not in logs and STRONG not in logs


def test_bulk_invite_reports_each_contact(stack, firm):
    client = firm.client("Chen Holdings")
    a, b = unique_email("a"), unique_email("b")
    ca, cb = firm.contact(client["id"], "Amy", "Chen", a), firm.contact(client["id"], "Bo", "Chen", b)
    cc = firm.contact(client["id"], "Cy", "Chen")
    other_client = firm.client("Elsewhere")
    stranger = firm.contact(other_client["id"], "Dee", "Stranger", unique_email("d"))
    results = invite(firm, client["id"], ca["id"], cc["id"], cb["id"], stranger["id"], ca["id"], message="Hello all")
    assert [(r["contact_id"], r["outcome"]) for r in results] == [
        (ca["id"], "sent"), (cc["id"], "missing_email"), (cb["id"], "sent"), (stranger["id"], "not_found")]
    assert len(mail_to(stack, a)) == 1 and len(mail_to(stack, b)) == 1
    assert status_of(firm, client["id"], cc["id"]) == {"status": "not_invited"}
    # adding the missing email, then inviting, works
    firm.api.call("PATCH", f"/api/staff/contacts/{cc['id']}", {"email": unique_email("c")}, expect=200)
    assert invite(firm, client["id"], cc["id"])[0]["outcome"] == "sent"


def test_invites_cost_one_read_one_send_per_contact_and_one_transaction_per_hundred(stack, firm):
    client = firm.client("Counted")
    ids = [firm.contact(client["id"], f"P{i}", "Count", unique_email())["id"] for i in range(4)]
    invite(firm, client["id"], firm.contact(client["id"], "Warm", "Up", unique_email())["id"])  # warm caches
    with recorded_calls(stack) as entries:
        results = invite(firm, client["id"], *ids)
    assert [r["outcome"] for r in results] == ["sent"] * 4
    calls = operations(entries)
    # the caller's staff record (read on every call: a removal takes effect at once), one
    # Query (client + links; the firm's settings are cached, the template is a preset), one
    # transaction recording all four links, four emails — nothing else
    assert sorted(calls) == ["DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query", "DynamoDB_20120810.TransactWriteItems"] + ["SES.SendEmail"] * 4, calls
    # a single invite: the staff record, Query, SendEmail, one write
    with recorded_calls(stack) as entries:
        invite(firm, client["id"], ids[0])
    assert sorted(operations(entries)) == ["DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query", "DynamoDB_20120810.TransactWriteItems", "SES.SendEmail"]


def test_reinvite_kills_the_old_link_and_revoke_kills_without_a_new_one(stack, firm):
    client = firm.client()
    email = unique_email("re")
    c = firm.contact(client["id"], "Re", "Invite", email)
    invite(firm, client["id"], c["id"])
    old = token_of(mail_to(stack, email)[-1])
    invite(firm, client["id"], c["id"])
    new = token_of(mail_to(stack, email)[-1])
    assert old != new
    body = problem(stack.api().call("GET", f"/api/invites/{old}"), 410)
    assert "newer invite" in body["detail"]
    problem(stack.api().call("POST", f"/api/invites/{old}/account", {"password": STRONG}), 410)
    assert stack.api().call("GET", f"/api/invites/{new}", expect=200).json()["email"] == email
    # revoke
    view = firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts/{c['id']}/revoke-invite", expect=200).json()
    assert view["portal"] == {"status": "not_invited"}
    assert "revoked" in problem(stack.api().call("GET", f"/api/invites/{new}"), 410)["detail"]
    problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts/{c['id']}/revoke-invite"), 409)
    # a fresh invite after a revoke works
    invite(firm, client["id"], c["id"])
    stack.api().call("GET", f"/api/invites/{token_of(mail_to(stack, email)[-1])}", expect=200)


def test_weak_password_is_refused_with_the_rule_and_changes_nothing(stack, firm):
    client = firm.client()
    email = unique_email("weak")
    c = firm.contact(client["id"], "Weak", "Password", email)
    invite(firm, client["id"], c["id"])
    token = token_of(mail_to(stack, email)[-1])
    for weak in ["short", "alllowercase1", "NoDigitsAtAll"]:
        body = problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": weak}), 400)
        assert body["errors"][0]["field"] == "password"
        assert "at least 10 characters" in body["errors"][0]["message"]
    problem(stack.api().call("POST", f"/api/invites/{token}/account", {}), 400)
    idp = stack.aws("cognito-idp")
    users = idp.list_users(UserPoolId=stack.env["CONTACTS_POOL_ID"], Filter=f'email = "{email}"')["Users"]
    assert users == []
    assert status_of(firm, client["id"], c["id"])["status"] == "invited"
    stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}, expect=201)


def test_unknown_and_expired_links(stack, firm):
    unknown = problem(stack.api().call("GET", "/api/invites/" + "0" * 128), 404)
    problem(stack.api().call("GET", "/api/invites/not-even-hex"), 404)
    problem(stack.api().call("POST", "/api/invites/" + "0" * 128 + "/account", {"password": STRONG}), 404)
    client = firm.client()
    email = unique_email("exp")
    c = firm.contact(client["id"], "Ex", "Pired", email)
    invite(firm, client["id"], c["id"])
    token = token_of(mail_to(stack, email)[-1])
    # the right client and contact with a guessed secret: the same answer as an unknown token
    guess = token[:64] + ("0" if token[64] != "0" else "1") + token[65:]
    assert problem(stack.api().call("GET", f"/api/invites/{guess}"), 404) == unknown
    assert problem(stack.api().call("POST", f"/api/invites/{guess}/account", {"password": STRONG}), 404) == unknown
    # time passes: move this invite's expiry (and the link's) into the past
    past = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    table = boto3.resource("dynamodb", endpoint_url=stack.endpoint, region_name=pl.REGION, **pl.CREDS).Table(stack.env["TABLE_NAME"])
    table.update_item(Key={"PK": f"CLIENT#{client['id']}", "SK": f"CONTACT#{c['id']}"},
                      UpdateExpression="SET invite_expires_at = :p", ExpressionAttributeValues={":p": past})
    assert "expired" in problem(stack.api().call("GET", f"/api/invites/{token}"), 410)["detail"]
    problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}), 410)
    assert status_of(firm, client["id"], c["id"])["expired"] is True
    # a re-invite after expiry gives a working link
    invite(firm, client["id"], c["id"])
    stack.api().call("GET", f"/api/invites/{token_of(mail_to(stack, email)[-1])}", expect=200)


def test_ses_refusal_leaves_the_contact_as_it_was(stack):
    firm = stack.new_firm("Unverified Sender Firm")
    table = boto3.resource("dynamodb", endpoint_url=stack.endpoint, region_name=pl.REGION, **pl.CREDS).Table(stack.env["TABLE_NAME"])
    table.update_item(Key={"PK": f"FIRM#{firm.firm_id}", "SK": "FIRM"}, UpdateExpression="SET sender_email = :s",
                      ExpressionAttributeValues={":s": "nobody@unverified.example"})
    client = firm.client()
    email = unique_email("ses")
    c = firm.contact(client["id"], "Ses", "Refused", email)
    [r] = invite(firm, client["id"], c["id"])
    assert r["outcome"] == "failed" and "not verified" in r["reason"]
    assert status_of(firm, client["id"], c["id"]) == {"status": "not_invited"}
    assert mail_to(stack, email) == []


def test_a_contact_on_two_clients_has_one_login(stack, firm):
    household, bakery, maria, email = login_on_two_clients(stack, firm, ("Rivera Household", "Rivera Bakery LLC"), "Maria", "Rivera")
    assert status_of(firm, bakery["id"], maria["id"]) == {"status": "not_invited"}
    invite(firm, bakery["id"], maria["id"])
    token = token_of(mail_to(stack, email)[-1])
    info = stack.api().call("GET", f"/api/invites/{token}", expect=200).json()
    assert info["has_login"] is True and info["client_name"] == "Rivera Bakery LLC"
    body = problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": "Wrong-Password-1"}), 400)
    assert body["errors"][0]["field"] == "password"
    added = stack.api().call("POST", f"/api/invites/{token}/account", {"password": STRONG}, expect=200).json()
    assert added["created"] is False
    me = stack.api(added["session"]["access_token"]).call("GET", "/api/portal/me", expect=200).json()
    assert [c["name"] for c in me["clients"]] == ["Rivera Bakery LLC", "Rivera Household"]
    assert status_of(firm, bakery["id"], maria["id"])["status"] == "active"
    idp = stack.aws("cognito-idp")
    assert len(idp.list_users(UserPoolId=stack.env["CONTACTS_POOL_ID"], Filter=f'email = "{email}"')["Users"]) == 1


def test_staff_and_contact_tokens_stay_on_their_side(stack, firm):
    client = firm.client()
    email = unique_email("side")
    c = firm.contact(client["id"], "Side", "Wall", email)
    invite(firm, client["id"], c["id"])
    created = stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account",
                               {"password": STRONG}, expect=201).json()
    contact_api = stack.api(created["session"]["access_token"])
    for method, path in [("GET", "/api/staff/clients"), ("GET", f"/api/staff/clients/{client['id']}/portal-status"),
                         ("POST", f"/api/staff/clients/{client['id']}/invites"), ("GET", "/api/staff/templates")]:
        problem(contact_api.call(method, path, {"contact_ids": [c["id"]]} if method == "POST" else None), 401)
    problem(firm.api.call("GET", "/api/portal/me"), 401)
    # a contact cannot sign in on the staff side, nor staff on the portal side
    problem(stack.api().call("POST", "/api/staff/sessions", {"email": email, "password": STRONG}), 401)
    problem(stack.api().call("POST", "/api/portal/sessions", {"email": firm.info["email"], "password": firm.info["password"]}), 401)
    # contact sign-out ends the refresh token
    refresh = created["session"]["refresh_token"]
    stack.api().call("POST", "/api/portal/sessions/refresh", {"refresh_token": refresh}, expect=200)
    contact_api.call("DELETE", "/api/portal/sessions", expect=204)
    problem(stack.api().call("POST", "/api/portal/sessions/refresh", {"refresh_token": refresh}), 401)


def test_templates_presets_and_firm_isolation(stack, firm):
    api = firm.api
    listed = api.call("GET", "/api/staff/templates", expect=200).json()["items"]
    assert [t["id"] for t in listed] == ["preset:plain", "preset:onboarding", "preset:reminder"]
    body = problem(api.call("POST", "/api/staff/templates", {"name": "No link", "subject": "Hi", "body": "Hello {{ first_name }}"}), 400)
    assert body["errors"][0]["field"] == "body" and "create_account_url" in body["errors"][0]["message"]
    body = problem(api.call("POST", "/api/staff/templates", {"name": "Typo", "subject": "Hi {{ frist_name }}", "body": "{{ create_account_url }}"}), 400)
    assert body["errors"][0]["field"] == "subject"
    t = api.call("POST", "/api/staff/templates", {"name": "Ours", "subject": "Hi {{ first_name }}", "body": "Go: {{ create_account_url }}"}, expect=201).json()
    updated = api.call("PUT", f"/api/staff/templates/{t['id']}", {"name": "Ours v2", "subject": "Hello", "body": "{{ create_account_url }}"}, expect=200).json()
    assert updated["name"] == "Ours v2"
    assert [x["name"] for x in api.call("GET", "/api/staff/templates", expect=200).json()["items"]][-1] == "Ours v2"
    problem(api.call("PUT", "/api/staff/templates/preset:plain", {"name": "x", "subject": "x", "body": "{{ create_account_url }}"}), 403)
    problem(api.call("DELETE", "/api/staff/templates/preset:plain"), 403)
    # another firm can neither see nor use it
    other = stack.new_firm("Other")
    problem(other.api.call("GET", f"/api/staff/templates/{t['id']}"), 404)
    problem(other.api.call("DELETE", f"/api/staff/templates/{t['id']}"), 404)
    oc = other.client()
    ok = other.contact(oc["id"], "O", "K", unique_email())
    body = problem(other.api.call("POST", f"/api/staff/clients/{oc['id']}/invites", {"contact_ids": [ok["id"]], "template_id": t["id"]}), 400)
    assert body["errors"][0]["field"] == "template_id"
    api.call("DELETE", f"/api/staff/templates/{t['id']}", expect=204)
    problem(api.call("GET", f"/api/staff/templates/{t['id']}"), 404)


def test_preview_renders_without_sending(stack, firm):
    client = firm.client("Preview Client")
    email = unique_email("prev")
    c = firm.contact(client["id"], "Pre", "View", email)
    p = firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites/preview",
                      {"contact_id": c["id"], "message": "<b>Hi</b>", "template_id": "preset:onboarding"}, expect=200).json()
    assert p["to"] == email and p["from"] == stack.env["SENDER_EMAIL"]
    assert p["subject"] == "Welcome to Test Firm, Pre: your client portal is ready"
    assert "&lt;b&gt;Hi&lt;/b&gt;" in p["html"] and "<b>Hi</b>" in p["text"]
    assert mail_to(stack, email) == []
    assert status_of(firm, client["id"], c["id"]) == {"status": "not_invited"}
    problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites/preview", {}), 400)


def test_invite_input_errors(firm):
    client = firm.client()
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": []}), 400)
    assert body["errors"][0]["field"] == "contact_ids"
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": ["x"], "message": "m" * 2001}), 400)
    assert body["errors"][0]["field"] == "message"
    problem(firm.api.call("POST", "/api/staff/clients/0193a0b0-0000-7000-8000-000000000000/invites", {"contact_ids": ["x"]}), 404)


def test_changing_a_login_email_ends_the_login_until_reinvited(stack, firm):
    client = firm.client()
    old = unique_email("old")
    c = firm.contact(client["id"], "Mo", "Ved", old)
    invite(firm, client["id"], c["id"])
    created = stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, old)[-1])}/account", {"password": STRONG}, expect=201).json()
    contact_api = stack.api(created["session"]["access_token"])
    contact_api.call("GET", "/api/portal/me", expect=200)
    new = unique_email("new")
    changed = firm.api.call("PATCH", f"/api/staff/contacts/{c['id']}", {"email": new}, expect=200).json()
    assert changed["reinvite_required"] is True and changed["has_login"] is False and changed["email"] == new
    # the old login is cut off at once and gone from the pool
    problem(contact_api.call("GET", "/api/portal/me"), 401)
    problem(stack.api().call("POST", "/api/portal/sessions", {"email": old, "password": STRONG}), 401)
    idp = stack.aws("cognito-idp")
    assert idp.list_users(UserPoolId=stack.env["CONTACTS_POOL_ID"], Filter=f'email = "{old}"')["Users"] == []
    assert status_of(firm, client["id"], c["id"]) == {"status": "not_invited"}
    # re-invited at the new address, the contact has a login again
    invite(firm, client["id"], c["id"])
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, new)[-1])}/account", {"password": STRONG}, expect=201)
    assert status_of(firm, client["id"], c["id"])["status"] == "active"


def test_post_authentication_trigger_records_the_last_login(stack, firm):
    client = firm.client()
    email = unique_email("trigger")
    c = firm.contact(client["id"], "Tri", "Ger", email)
    invite(firm, client["id"], c["id"])
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account", {"password": STRONG}, expect=201)
    table = boto3.resource("dynamodb", endpoint_url=stack.endpoint, region_name=pl.REGION, **pl.CREDS).Table(stack.env["TABLE_NAME"])
    table.update_item(Key={"PK": f"CLIENT#{client['id']}", "SK": f"CONTACT#{c['id']}"},
                      UpdateExpression="SET last_login_at = :t, accepted_at = :t", ExpressionAttributeValues={":t": "2026-01-02T03:04:05Z"})
    assert status_of(firm, client["id"], c["id"])["last_login_at"] == "2026-01-02T03:04:05Z"
    # a sign-in that did not go through our API (e.g. Cognito's hosted UI) fires the trigger
    idp = stack.aws("cognito-idp")
    user = idp.list_users(UserPoolId=stack.env["CONTACTS_POOL_ID"], Filter=f'email = "{email}"')["Users"][0]
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    event = json.loads((pl.ROOT / "events" / "post-auth" / "post-authentication.json").read_text())
    event["request"]["userAttributes"]["sub"] = sub
    answer = pl.invoke(stack.base, "post-auth", event)
    assert answer["request"]["userAttributes"] == event["request"]["userAttributes"], "the event comes back"
    assert status_of(firm, client["id"], c["id"])["last_login_at"][:10] == datetime.now(timezone.utc).date().isoformat()


def test_delivery_state_of_the_invite_email_shows_in_the_status(stack, firm):
    client = firm.client()
    ok = firm.contact(client["id"], "De", "Livered", unique_email("ok"))
    # SES's mailbox simulator: this address bounces (the local proxy publishes what SES would)
    bad = firm.contact(client["id"], "Bo", "Unce", "bounce@simulator.amazonses.com")
    results = invite(firm, client["id"], ok["id"], bad["id"])
    assert [r["outcome"] for r in results] == ["sent", "sent"], "SES accepts a message that bounces later"
    delivery_of(stack, firm, client["id"], ok["id"], "delivered")
    delivery_of(stack, firm, client["id"], bad["id"], "bounced")
    # a late delivery report never hides the bounce
    h = link_item(stack, client["id"], bad["id"])["invite_hash"]
    assert report(stack, "delivery", client["id"], bad["id"], h) == ["ignored"]
    assert report(stack, "send", client["id"], bad["id"], h) == ["ignored"]
    assert status_of(firm, client["id"], bad["id"])["delivery"] == "bounced"
    # fixing the address and re-inviting starts over; reports for the old email change nothing
    firm.api.call("PATCH", f"/api/staff/contacts/{bad['id']}", {"email": unique_email("fixed")}, expect=200)
    invite(firm, client["id"], bad["id"])
    delivery_of(stack, firm, client["id"], bad["id"], "delivered")
    assert report(stack, "complaint", client["id"], bad["id"], h) == ["ignored"]
    assert status_of(firm, client["id"], bad["id"])["delivery"] == "delivered"
    # a complaint about the current invite shows
    h2 = link_item(stack, client["id"], bad["id"])["invite_hash"]
    assert report(stack, "complaint", client["id"], bad["id"], h2) == ["complained"]
    assert status_of(firm, client["id"], bad["id"])["delivery"] == "complained"


def test_an_email_never_confirmed_by_ses_shows_as_unconfirmed(stack, firm):
    client = firm.client()
    c = firm.contact(client["id"], "Un", "Confirmed", unique_email("unc"))
    with stack.proxy.events_held():
        invite(firm, client["id"], c["id"])
        assert status_of(firm, client["id"], c["id"])["delivery"] == "sending"
        # SES's events never come and 20 minutes pass
        table = boto3.resource("dynamodb", endpoint_url=stack.endpoint, region_name=pl.REGION, **pl.CREDS).Table(stack.env["TABLE_NAME"])
        past = (datetime.now(timezone.utc) - timedelta(minutes=20)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        table.update_item(Key={"PK": f"CLIENT#{client['id']}", "SK": f"CONTACT#{c['id']}"},
                          UpdateExpression="SET invited_at = :p", ExpressionAttributeValues={":p": past})
        assert status_of(firm, client["id"], c["id"])["delivery"] == "unconfirmed"


def test_a_retried_bulk_invite_with_an_idempotency_key_sends_nothing_twice(stack, firm):
    client = firm.client()
    a, b = unique_email("ia"), unique_email("ib")
    ids = [firm.contact(client["id"], "Ida", "A", a)["id"], firm.contact(client["id"], "Ike", "B", b)["id"]]
    headers = {"authorization": f"Bearer {firm.api.token}", "idempotency-key": "bulk-2026-11-28-0001"}
    url = f"{stack.base}/api/staff/clients/{client['id']}/invites"
    body = {"contact_ids": ids, "message": "Welcome"}
    first = requests.post(url, json=body, headers=headers, timeout=60)
    assert first.status_code == 200
    again = requests.post(url, json=body, headers=headers, timeout=60)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(mail_to(stack, a)) == 1 and len(mail_to(stack, b)) == 1, "the retry sent nothing"
    # the same key for another request is refused; a new key is a new request
    other = requests.post(url, json={"contact_ids": ids[:1]}, headers=headers, timeout=60)
    problem(other, 409)
    headers["idempotency-key"] = "bulk-2026-11-28-0002"
    requests.post(url, json={"contact_ids": ids[:1]}, headers=headers, timeout=60).raise_for_status()
    assert len(mail_to(stack, a)) == 2
    # a request that fails validation does not keep its key
    headers["idempotency-key"] = "bulk-2026-11-28-0003"
    problem(requests.post(url, json={"contact_ids": []}, headers=headers, timeout=60), 400)
    assert requests.post(url, json={"contact_ids": ids[1:]}, headers=headers, timeout=60).status_code == 200
    problem(requests.post(url, json=body, headers={**headers, "idempotency-key": "bad key"}, timeout=60), 400)


def test_revoke_access_in_one_action_and_restore_by_reinvite(stack, firm):
    household, bakery = firm.client("Rev Household"), firm.client("Rev Bakery")
    email = unique_email("rev")
    c = firm.contact(household["id"], "Rev", "Oked", email)
    firm.api.call("PUT", f"/api/staff/clients/{bakery['id']}/contacts/{c['id']}", expect=201)
    invite(firm, household["id"], c["id"])
    created = stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account", {"password": STRONG}, expect=201).json()
    invite(firm, bakery["id"], c["id"])  # an open invite that the revocation must kill
    open_token = token_of(mail_to(stack, email)[-1])
    contact_api = stack.api(created["session"]["access_token"])
    firm.api.call("POST", f"/api/staff/contacts/{c['id']}/revoke-access", expect=200)
    # everything stops at once: the token, sign-in, refresh, the open link
    problem(contact_api.call("GET", "/api/portal/me"), 401)
    problem(stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": STRONG}), 401)
    problem(stack.api().call("POST", "/api/portal/sessions/refresh", {"refresh_token": created["session"]["refresh_token"]}), 401)
    assert "revoked" in problem(stack.api().call("GET", f"/api/invites/{open_token}"), 410)["detail"]
    for client in (household, bakery):
        st = status_of(firm, client["id"], c["id"])
        assert st["status"] == "revoked", st
    idp = stack.aws("cognito-idp")
    assert idp.admin_get_user(UserPoolId=stack.env["CONTACTS_POOL_ID"], Username=email)["Enabled"] is False
    # another firm cannot revoke this contact
    problem(stack.new_firm("Rev Other").api.call("POST", f"/api/staff/contacts/{c['id']}/revoke-access"), 404)
    # a new invite restores the same login with a new password
    invite(firm, household["id"], c["id"])
    token = token_of(mail_to(stack, email)[-1])
    assert stack.api().call("GET", f"/api/invites/{token}", expect=200).json()["has_login"] is False
    restored = stack.api().call("POST", f"/api/invites/{token}/account", {"password": "Brand-New-Pass-9"}, expect=200).json()
    assert restored["created"] is False
    stack.api(restored["session"]["access_token"]).call("GET", "/api/portal/me", expect=200)
    assert status_of(firm, household["id"], c["id"])["status"] == "active"
    assert status_of(firm, bakery["id"], c["id"])["status"] == "revoked", "other portals need their own invite"
    assert len(idp.list_users(UserPoolId=stack.env["CONTACTS_POOL_ID"], Filter=f'email = "{email}"')["Users"]) == 1


def submit_all_at_once(stack, token: str, passwords: list[str]) -> list[tuple[int, dict]]:
    """Every password submitted to the link's Create Account at once, each request on an
    instance of its own (as Lambda scales out)."""
    route = "/api/invites/{token}/account"
    with instances(stack, "accounts", 4) as fn:
        return fn.all_at_once([("POST", f"/api/invites/{token}/account", route, {"password": p}, {"token": token}) for p in passwords])


def one_winner(answers: list[tuple[int, dict]], passwords: list[str], status: int) -> str:
    """Exactly one submission won (`status`); every other was told clearly why not (409: the
    login is being set up by another request; 410: the link was just used). The winner's password."""
    statuses = [s for s, _ in answers]
    assert statuses.count(status) == 1, answers
    for s, body in answers:
        if s != status:
            assert s in (409, 410) and body["status"] == s and body["detail"], (s, body)
    return passwords[statuses.index(status)]


def assert_login_is_the_winners(stack, firm, client_id: str, contact_id: str, email: str, winner: str, passwords: list[str]) -> None:
    idp, pool = stack.aws("cognito-idp"), stack.env["CONTACTS_POOL_ID"]
    assert idp.admin_get_user(UserPoolId=pool, Username=email)["Enabled"] is True
    assert len(idp.list_users(UserPoolId=pool, Filter=f'email = "{email}"')["Users"]) == 1
    stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": winner}, expect=200)
    # three of the losers' passwords (five failures in a row would lock the account's sign-in)
    for p in [p for p in passwords if p != winner][:3]:
        problem(stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": p}), 401)
    assert status_of(firm, client_id, contact_id)["status"] == "active"
    # the claim on the login is gone with the commit
    assert "Item" not in stack.table().get_item(Key={"PK": f"CONTACT#{contact_id}", "SK": "LOGINCLAIM"})


def test_concurrent_submissions_of_one_link_create_one_login(stack, firm):
    client = firm.client("Race New")
    email = unique_email("race")
    c = firm.contact(client["id"], "Ray", "Ce", email)
    invite(firm, client["id"], c["id"])
    token = token_of(mail_to(stack, email)[-1])
    passwords = [f"Race-Pass-{i:04d}" for i in range(6)]
    winner = one_winner(submit_all_at_once(stack, token, passwords), passwords, 201)
    assert_login_is_the_winners(stack, firm, client["id"], c["id"], email, winner, passwords)
    assert "already used" in problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": winner}), 410)["detail"]


def revoked_and_invited_again(stack, firm, client_name: str, prefix: str):
    """A contact who created a login (password STRONG), lost access, and was invited again:
    (client, contact, email, the new invite's token)."""
    client = firm.client(client_name)
    email = unique_email(prefix)
    c = firm.contact(client["id"], "Rhea", "Stored", email)
    invite(firm, client["id"], c["id"])
    stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account", {"password": STRONG}, expect=201)
    firm.api.call("POST", f"/api/staff/contacts/{c['id']}/revoke-access", expect=200)
    invite(firm, client["id"], c["id"])
    return client, c, email, token_of(mail_to(stack, email)[-1])


def test_concurrent_submissions_restoring_a_revoked_login_leave_it_enabled_with_the_winners_password(stack, firm):
    client, c, email, token = revoked_and_invited_again(stack, firm, "Race Revoked", "rerace")
    passwords = [f"Restore-Pass-{i:04d}" for i in range(6)]
    winner = one_winner(submit_all_at_once(stack, token, passwords), passwords, 200)
    assert_login_is_the_winners(stack, firm, client["id"], c["id"], email, winner, passwords)
    problem(stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": STRONG}), 401)
    assert "already used" in problem(stack.api().call("POST", f"/api/invites/{token}/account", {"password": winner}), 410)["detail"]


def test_a_failed_restore_undoes_its_cognito_work_and_lets_the_contact_retry(stack, firm):
    """The commit fails (DynamoDB refuses the transaction): the login is disabled again, the
    claim released, and the same link works on the next try."""
    client, c, email, token = revoked_and_invited_again(stack, firm, "Restore Retry", "retry")
    before = delivery_of(stack, firm, client["id"], c["id"], "delivered")
    # the claim is the first transaction, the commit the second
    stack.faults([{"op": "TransactWriteItems", "calls": [2], "kind": "reject"}])
    try:
        r = stack.api().call("POST", f"/api/invites/{token}/account", {"password": "Retry-Pass-0001"})
        fired = stack.fired()
    finally:
        stack.faults([])
    assert r.status_code >= 500 and fired == [{"op": "TransactWriteItems", "call": 2, "kind": "reject"}], (r.status_code, r.text, fired)
    idp = stack.aws("cognito-idp")
    assert idp.admin_get_user(UserPoolId=stack.env["CONTACTS_POOL_ID"], Username=email)["Enabled"] is False
    assert "Item" not in stack.table().get_item(Key={"PK": f"CONTACT#{c['id']}", "SK": "LOGINCLAIM"})
    assert status_of(firm, client["id"], c["id"]) == before
    stack.api().call("POST", f"/api/invites/{token}/account", {"password": "Retry-Pass-0002"}, expect=200)
    stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": "Retry-Pass-0002"}, expect=200)
