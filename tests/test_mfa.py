"""Two-step sign-in with an authenticator app (TOTP), through our API, for staff (whose pool
requires it in the template) and contacts (who turn it on in their settings). moto checks
the codes (MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP, set by the local stack) against the
secret AssociateSoftwareToken hands out, so the codes here are computed as an app would
(moto has one secret for every login, so a rebound app shows the same codes).

Also Cognito as a side door: what a signed-in user can do at Cognito with their own access
token (switch the app off, write attributes) must not get around the portal's rules."""
from __future__ import annotations

import time

import portal_local as pl

from support import PASSWORD, accept_invite, active_contact, fresh_code, mail_to, problem, token_of, unique_email, wrong


def test_a_contact_turns_on_two_step_sign_in_and_then_needs_the_code(stack, firm):
    client = firm.client("Mfa Client")
    email = unique_email("mfa")
    c = firm.contact(client["id"], "Mia", "Factor", email)
    api = accept_invite(stack, firm, client["id"], c["id"], email)
    setup = api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD}, expect=200).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/Client%20Portal:") and setup["secret"] in setup["otpauth_uri"]
    assert problem(api.call("POST", "/api/portal/me/mfa/verify", {"code": "12"}), 400)["errors"][0]["field"] == "code"
    problem(api.call("POST", "/api/portal/me/mfa/verify", {"code": wrong(fresh_code(setup["secret"]))}), 400)
    api.call("POST", "/api/portal/me/mfa/verify", {"code": fresh_code(setup["secret"])}, expect=204)

    # the password alone no longer signs in: the answer is the code step
    step = stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": PASSWORD}, expect=200).json()
    assert step["challenge"] == "mfa_code" and step["session"] and "access_token" not in step
    answer = {"email": email, "session": step["session"], "challenge": "mfa_code"}
    body = problem(stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "code": wrong(fresh_code(setup["secret"]))}), 400)
    assert body["errors"][0]["field"] == "code"
    problem(stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "session": "not-a-session", "code": fresh_code(setup["secret"])}), 401)
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "code": fresh_code(setup["secret"])}, expect=200).json()
    me = stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200).json()
    assert me["email"] == email
    # the sign-in after the code step is in the access history
    entries = firm.api.call("GET", f"/api/staff/clients/{client['id']}/audit?contact_id={c['id']}", expect=200).json()["items"]
    assert entries[0]["event"] == "signed_in"
    # incomplete answers name every field to fix
    body = problem(stack.api().call("POST", "/api/portal/sessions/mfa", {"code": "x"}), 400)
    assert sorted(e["field"] for e in body["errors"]) == ["challenge", "code", "email", "session"]


def test_staff_two_step_sign_in(stack, firm):
    setup = firm.api.call("POST", "/api/staff/mfa/setup", {"password": firm.info["password"]}, expect=200).json()
    firm.api.call("POST", "/api/staff/mfa/verify", {"code": fresh_code(setup["secret"])}, expect=204)
    email, password = firm.info["email"], firm.info["password"]
    step = stack.api().call("POST", "/api/staff/sessions", {"email": email, "password": password}, expect=200).json()
    assert step["challenge"] == "mfa_code"
    session = stack.api().call("POST", "/api/staff/sessions/mfa",
                               {"email": email, "session": step["session"], "challenge": "mfa_code", "code": fresh_code(setup["secret"])},
                               expect=200).json()
    stack.api(session["access_token"]).call("GET", "/api/staff/clients", expect=200)
    # a contact's code step cannot sign staff in, and the wrong password never reaches the code step
    problem(stack.api().call("POST", "/api/staff/sessions", {"email": email, "password": password + "x"}), 401)


def test_an_existing_login_with_two_step_sign_in_accepts_a_new_invite_then_asks_for_the_code(stack, firm):
    household, bakery = firm.client("Two Step Household"), firm.client("Two Step Bakery")
    contact, api = active_contact(stack, firm, household["id"], "Tess")
    setup = api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD}, expect=200).json()
    api.call("POST", "/api/portal/me/mfa/verify", {"code": fresh_code(setup["secret"])}, expect=204)
    firm.api.call("PUT", f"/api/staff/clients/{bakery['id']}/contacts/{contact['id']}", expect=201)
    firm.api.call("POST", f"/api/staff/clients/{bakery['id']}/invites", {"contact_ids": [contact["id"]]}, expect=200)
    email = contact["email"]
    token = token_of(mail_to(stack, email)[-1])
    added = stack.api().call("POST", f"/api/invites/{token}/account", {"password": PASSWORD}, expect=200).json()
    assert added["created"] is False and added["session"]["challenge"] == "mfa_code"
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {"email": email, "session": added["session"]["session"],
                                                                    "challenge": "mfa_code", "code": fresh_code(setup["secret"])}, expect=200).json()
    me = stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200).json()
    assert sorted(c["name"] for c in me["clients"]) == ["Two Step Bakery", "Two Step Household"]


def test_a_firm_requires_an_authenticator_and_the_next_sign_in_walks_the_contact_through_setup(stack, firm):
    client = firm.client("Required Mfa Client")
    contact, api = active_contact(stack, firm, client["id"], "Rhea")
    email = contact["email"]
    settings = firm.api.call("GET", "/api/staff/firm/settings", expect=200).json()
    assert settings["require_contact_mfa"] is False and settings["reminder_after_days"] == 7 and settings["max_reminders"] == 2
    # bad settings name every field and change nothing
    body = problem(firm.api.call("PATCH", "/api/staff/firm/settings", {"reminder_after_days": 90, "max_reminders": 0}), 400)
    assert sorted(e["field"] for e in body["errors"]) == ["max_reminders", "reminder_after_days"]
    problem(firm.api.call("PATCH", "/api/staff/firm/settings", {"require_mfa": True}), 400)
    assert firm.api.call("GET", "/api/staff/firm/settings", expect=200).json() == settings
    # contacts cannot change the firm's settings
    problem(api.call("PATCH", "/api/staff/firm/settings", {"require_contact_mfa": False}), 401)

    changed = firm.api.call("PATCH", "/api/staff/firm/settings", {"require_contact_mfa": True}, expect=200).json()
    assert changed == {**settings, "require_contact_mfa": True}

    # tokens without the app stop working — the session she had, and tokens got from Cognito
    # directly (around our sign-in) — once the one-minute settings cache has moved on
    direct = stack.aws("cognito-idp").initiate_auth(ClientId=stack.env["CONTACTS_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                                                    AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    deadline = time.time() + 75
    while api.call("GET", "/api/portal/me").status_code != 401 and time.time() < deadline:
        time.sleep(2)
    assert "two-step sign-in" in problem(api.call("GET", "/api/portal/me"), 401)["detail"]
    problem(stack.api(direct).call("GET", f"/api/portal/clients/{client['id']}/home"), 401)

    # the next sign-in hands out no tokens: it is the authenticator's setup
    step = stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": PASSWORD}, expect=200).json()
    assert step["challenge"] == "mfa_setup" and step["secret"] in step["otpauth_uri"] and "access_token" not in step
    secret = step["secret"]
    answer = {"email": email, "session": step["session"], "challenge": "mfa_setup"}
    # a wrong code keeps the step open; a made-up setup id is refused
    assert problem(stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "code": wrong(fresh_code(step["secret"]))}), 400)["errors"][0]["field"] == "code"
    problem(stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "session": "portal-setup." + "0" * 64, "code": fresh_code(step["secret"])}), 401)
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "code": fresh_code(step["secret"])}, expect=200).json()
    assert stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200).json()["email"] == email
    # a refreshed token of the new session works: the login has proven its app
    refreshed = stack.api().call("POST", "/api/portal/sessions/refresh", {"refresh_token": session["refresh_token"]}, expect=200).json()
    stack.api(refreshed["access_token"]).call("GET", f"/api/portal/clients/{client['id']}/home", expect=200)
    # the setup answers once
    problem(stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "code": fresh_code(step["secret"])}), 401)

    # from now on the password leads to the code step, even if the firm relaxes the rule
    firm.api.call("PATCH", "/api/staff/firm/settings", {"require_contact_mfa": False}, expect=200)
    step = stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": PASSWORD}, expect=200).json()
    assert step["challenge"] == "mfa_code"
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {"email": email, "session": step["session"], "challenge": "mfa_code",
                                                                    "code": fresh_code(secret)}, expect=200).json()
    stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200)


def test_a_new_contact_of_a_firm_that_requires_an_authenticator_sets_it_up_when_creating_the_account(stack, firm):
    firm.api.call("PATCH", "/api/staff/firm/settings", {"require_contact_mfa": True}, expect=200)
    client = firm.client("Required Mfa New")
    email = unique_email("newmfa")
    c = firm.contact(client["id"], "Nico", "New", email)
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": [c["id"]]}, expect=200)
    token = token_of(mail_to(stack, email)[-1])
    created = stack.api().call("POST", f"/api/invites/{token}/account", {"password": PASSWORD}, expect=201).json()
    step = created["session"]
    assert created["created"] is True and step["challenge"] == "mfa_setup" and "access_token" not in step
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {"email": email, "session": step["session"], "challenge": "mfa_setup",
                                                                    "code": fresh_code(step["secret"])}, expect=200).json()
    me = stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200).json()
    assert [x["name"] for x in me["clients"]] == ["Required Mfa New"]


def test_binding_an_authenticator_from_settings_asks_for_the_password_then_also_the_current_code(stack, firm):
    client = firm.client("Rebind Client")
    contact, api = active_contact(stack, firm, client["id"], "Reba")
    # the access token alone binds nothing: no secret is handed out
    for proof in ({}, {"password": ""}, {"password": "Not-Her-Pass-1"}):
        body = problem(api.call("POST", "/api/portal/me/mfa/setup", proof), 400)
        assert [e["field"] for e in body["errors"]] == ["password"] and "secret" not in body, body
    problem(api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD, "pin": "1"}), 400)
    # the first app: the password proves the login
    setup = api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD}, expect=200).json()
    api.call("POST", "/api/portal/me/mfa/verify", {"code": fresh_code(setup["secret"])}, expect=204)
    # a new phone: the password alone no longer does; the current code with it does
    body = problem(api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD}), 400)
    assert [e["field"] for e in body["errors"]] == ["code"] and "secret" not in body
    body = problem(api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD, "code": wrong(fresh_code(setup["secret"]))}), 400)
    assert [e["field"] for e in body["errors"]] == ["code"]
    again = api.call("POST", "/api/portal/me/mfa/setup", {"password": PASSWORD, "code": fresh_code(setup["secret"])}, expect=200).json()
    api.call("POST", "/api/portal/me/mfa/verify", {"code": fresh_code(again["secret"])}, expect=204)
    # staff the same: the token alone is refused, the password works
    assert [e["field"] for e in problem(firm.api.call("POST", "/api/staff/mfa/setup", {}), 400)["errors"]] == ["password"]
    firm.api.call("POST", "/api/staff/mfa/setup", {"password": firm.info["password"]}, expect=200)


def test_switching_the_app_off_at_cognito_does_not_get_around_the_firms_requirement(stack, firm):
    firm.api.call("PATCH", "/api/staff/firm/settings", {"require_contact_mfa": True}, expect=200)
    client = firm.client("Side Door Client")
    email = unique_email("side")
    c = firm.contact(client["id"], "Sid", "Door", email)
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": [c["id"]]}, expect=200)
    step = stack.api().call("POST", f"/api/invites/{token_of(mail_to(stack, email)[-1])}/account", {"password": PASSWORD}, expect=201).json()["session"]
    answer = {"email": email, "session": step["session"], "challenge": "mfa_setup"}
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {**answer, "code": fresh_code(step["secret"])}, expect=200).json()
    stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200)

    # the contact switches the app off at Cognito with her own access token ...
    idp = stack.aws("cognito-idp")
    idp.set_user_mfa_preference(AccessToken=session["access_token"], SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    # ... so Cognito hands out tokens for the password alone, which the portal refuses
    direct = idp.initiate_auth(ClientId=stack.env["CONTACTS_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    assert "two-step sign-in" in problem(stack.api(direct).call("GET", "/api/portal/me"), 401)["detail"]
    problem(stack.api(direct).call("GET", f"/api/portal/clients/{client['id']}/home"), 401)
    # our sign-in hands out no session either: it is the app's setup again
    step = stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": PASSWORD}, expect=200).json()
    assert step["challenge"] == "mfa_setup" and "access_token" not in step
    session = stack.api().call("POST", "/api/portal/sessions/mfa", {"email": email, "session": step["session"], "challenge": "mfa_setup",
                                                                    "code": fresh_code(step["secret"])}, expect=200).json()
    stack.api(session["access_token"]).call("GET", "/api/portal/me", expect=200)
    assert idp.get_user(AccessToken=session["access_token"])["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_app_clients_let_signed_in_users_write_no_attribute_the_portal_relies_on():
    """With an access token, UpdateUserAttributes writes whatever the app client allows; with
    no WriteAttributes (or an empty list) that is every standard attribute, the sign-in email
    among them. moto ignores the lists (it stores them and writes anything), so the template
    is checked here; AWS enforces them."""
    resources = pl.load_template()["Resources"]
    clients = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Cognito::UserPoolClient"}
    assert set(clients) == {"StaffUserPoolClient", "ContactsUserPoolClient"}
    for name, p in clients.items():
        writes = p.get("WriteAttributes")
        assert writes, f"{name}: no (or empty) WriteAttributes lets users write every standard attribute"
        assert set(writes) <= {"zoneinfo"}, f"{name}: users may write {writes}"
        assert set(p.get("ReadAttributes") or ["all"]) <= {"email", "email_verified"}, f"{name} reads {p.get('ReadAttributes')}"
