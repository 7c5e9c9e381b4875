"""Foundation acceptance: staff sign in, manage clients and contacts, read portal status;
firm isolation; bad input and bad tokens refused with problems that say what to fix."""
from __future__ import annotations

import base64
import json
import time

import requests

from support import operations, problem, recorded_calls, unique_email

NIL = "0193a0b0-0000-7000-8000-000000000000"


def test_staff_journey_create_client_contacts_and_status(firm):
    client = firm.client("Okafor Family")
    firm.contact(client["id"], "Ngozi", "Okafor", unique_email("ngozi"))
    firm.contact(client["id"], "Chidi", "Okafor")  # no email yet
    status = firm.api.call("GET", f"/api/staff/clients/{client['id']}/portal-status", expect=200).json()
    assert status["name"] == "Okafor Family"
    assert [c["first_name"] for c in status["contacts"]] == ["Chidi", "Ngozi"]
    assert [c["portal"] for c in status["contacts"]] == [{"status": "not_invited"}] * 2
    assert status["contacts"][0]["email"] is None
    listed = firm.api.call("GET", "/api/staff/clients", expect=200).json()["items"]
    assert [c["id"] for c in listed] == [client["id"]]
    detail = firm.api.call("GET", f"/api/staff/clients/{client['id']}", expect=200).json()
    assert len(detail["contacts"]) == 2


def test_clients_are_listed_by_name(firm):
    for name in ["zeta LLC", "Alpha Co", "mike & sons"]:
        firm.client(name)
    names = [c["name"] for c in firm.api.call("GET", "/api/staff/clients", expect=200).json()["items"]]
    assert names == ["Alpha Co", "mike & sons", "zeta LLC"]


def test_portal_status_is_the_callers_record_and_one_dynamodb_query(stack, firm):
    client = firm.client()
    for i in range(5):
        firm.contact(client["id"], f"P{i}", "Person", unique_email())
    # A warm function has the pool keys cached (first call); the caller's staff record is
    # read on every call, so removing someone takes effect at once.
    firm.api.call("GET", f"/api/staff/clients/{client['id']}/portal-status", expect=200)
    with recorded_calls(stack) as entries:
        status = firm.api.call("GET", f"/api/staff/clients/{client['id']}/portal-status", expect=200).json()
    assert len(status["contacts"]) == 5
    targets = operations(entries, dedupe_retries=False)
    assert targets == ["DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query"], targets


def test_another_firm_gets_404_for_everything_of_this_firm(stack, firm):
    client = firm.client("Private Client")
    contact = firm.contact(client["id"], "Ada", "Lovelace", unique_email())
    other = stack.new_firm("Other Firm")
    cid, kid = client["id"], contact["id"]
    for method, path, body in [
        ("GET", f"/api/staff/clients/{cid}", None),
        ("GET", f"/api/staff/clients/{cid}/portal-status", None),
        ("POST", f"/api/staff/clients/{cid}/contacts", {"first_name": "Eve", "last_name": "X"}),
        ("GET", f"/api/staff/contacts/{kid}", None),
        ("PATCH", f"/api/staff/contacts/{kid}", {"first_name": "Eve"}),
    ]:
        r = other.api.call(method, path, body)
        problem(r, 404)
        assert "Ada" not in r.text and "Private" not in r.text
    # linking another firm's contact to one's own client is refused too
    own = other.client("Own")
    problem(other.api.call("PUT", f"/api/staff/clients/{own['id']}/contacts/{kid}"), 404)
    assert other.api.call("GET", "/api/staff/clients", expect=200).json()["items"] == [
        {k: own[k] for k in ("id", "name", "created_at")}]
    # and nothing changed for the owner
    after = firm.api.call("GET", f"/api/staff/clients/{cid}", expect=200).json()
    assert [c["first_name"] for c in after["contacts"]] == ["Ada"]


def test_bad_input_names_the_field_and_changes_nothing(firm):
    client = firm.client()
    body = problem(firm.api.call("POST", "/api/staff/clients", {"name": "  "}), 400)
    assert body["errors"] == [{"field": "name", "message": "is required"}]
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts",
                                 {"first_name": "Ana", "last_name": "Lima", "email": "ana@"}), 400)
    assert body["errors"][0]["field"] == "email"
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts", {"last_name": "Lima"}), 400)
    assert body["errors"][0] == {"field": "first_name", "message": "is required"}
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts",
                                 {"first_name": "A", "last_name": "B", "emial": "x@y.com"}), 400)
    assert "emial" in body["detail"]
    problem(firm.api.call("POST", f"/api/staff/clients/{NIL}/contacts", {"first_name": "A", "last_name": "B"}), 404)
    problem(firm.api.call("GET", "/api/staff/clients/not-a-uuid"), 404)
    r = requests.post(firm.api.base + "/api/staff/clients", data="{not json", headers={
        "authorization": f"Bearer {firm.api.token}", "content-type": "application/json"})
    problem(r, 400)
    assert firm.api.call("GET", f"/api/staff/clients/{client['id']}", expect=200).json()["contacts"] == []
    assert [c["id"] for c in firm.api.call("GET", "/api/staff/clients", expect=200).json()["items"]] == [client["id"]]


def test_add_a_missing_email_then_it_is_unique_in_the_firm(firm):
    client = firm.client()
    luis = firm.contact(client["id"], "Luis", "Rivera")
    email = unique_email("luis")
    updated = firm.api.call("PATCH", f"/api/staff/contacts/{luis['id']}", {"email": email.upper()}, expect=200).json()
    assert updated["email"] == email and updated["has_login"] is False
    status = firm.api.call("GET", f"/api/staff/clients/{client['id']}/portal-status", expect=200).json()
    assert status["contacts"][0]["email"] == email, "the status view sees the new email"
    # a second contact with the same email is refused, naming the field
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/contacts",
                                 {"first_name": "Other", "last_name": "Person", "email": email}), 400)
    assert body["errors"][0]["field"] == "email"
    # changing the email frees the old one
    new_email = unique_email("luis2")
    firm.api.call("PATCH", f"/api/staff/contacts/{luis['id']}", {"email": new_email, "phone": "+1 555 123 4567"}, expect=200)
    firm.contact(client["id"], "Other", "Person", email)
    # clearing the phone
    cleared = firm.api.call("PATCH", f"/api/staff/contacts/{luis['id']}", {"phone": None}, expect=200).json()
    assert cleared["phone"] is None
    problem(firm.api.call("PATCH", f"/api/staff/contacts/{luis['id']}", {}), 400)


def test_link_an_existing_contact_to_a_second_client(firm):
    household, business = firm.client("Rivera Household"), firm.client("Rivera Bakery LLC")
    maria = firm.contact(household["id"], "Maria", "Rivera", unique_email("maria"))
    r = firm.api.call("PUT", f"/api/staff/clients/{business['id']}/contacts/{maria['id']}", expect=201)
    assert r.json()["portal"] == {"status": "not_invited"}
    again = firm.api.call("PUT", f"/api/staff/clients/{business['id']}/contacts/{maria['id']}", expect=200)
    assert again.json()["id"] == maria["id"]
    biz = firm.api.call("GET", f"/api/staff/clients/{business['id']}", expect=200).json()
    assert [c["id"] for c in biz["contacts"]] == [maria["id"]]
    # an edit shows on both clients
    firm.api.call("PATCH", f"/api/staff/contacts/{maria['id']}", {"last_name": "Rivera-Diaz"}, expect=200)
    for c in (household, business):
        contacts = firm.api.call("GET", f"/api/staff/clients/{c['id']}", expect=200).json()["contacts"]
        assert contacts[0]["last_name"] == "Rivera-Diaz"


def _forge(token: str, **changes) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


def test_missing_forged_expired_and_other_pool_tokens_get_401(stack, firm):
    client = firm.client()
    path = f"/api/staff/clients/{client['id']}"
    problem(stack.api().call("GET", path), 401)
    problem(stack.api("garbage").call("GET", path), 401)
    problem(stack.api(_forge(firm.api.token, sub="someone-else")).call("GET", path), 401)
    problem(stack.api(_forge(firm.api.token, exp=int(time.time()) - 3600)).call("GET", path), 401)
    # a genuine token of the contacts pool (same signing key in moto) is refused on staff routes
    idp = stack.aws("cognito-idp")
    email = unique_email("pool")
    idp.admin_create_user(UserPoolId=stack.env["CONTACTS_POOL_ID"], Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}])
    idp.admin_set_user_password(UserPoolId=stack.env["CONTACTS_POOL_ID"], Username=email,
                                Password="Contact-Pass-123", Permanent=True)
    auth = idp.initiate_auth(ClientId=stack.env["CONTACTS_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": email, "PASSWORD": "Contact-Pass-123"})
    contact_token = auth["AuthenticationResult"]["AccessToken"]
    body = problem(stack.api(contact_token).call("GET", path), 401)
    assert "not issued for this part" in body["detail"]
    # an ID token of the right pool is not an API credential
    staff = idp.initiate_auth(ClientId=stack.env["STAFF_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": firm.info["email"], "PASSWORD": firm.info["password"]})
    problem(stack.api(staff["AuthenticationResult"]["IdToken"]).call("GET", path), 401)


def test_staff_sign_in_refresh_and_sign_out(stack, firm):
    api = stack.api()
    problem(api.call("POST", "/api/staff/sessions", {"email": firm.info["email"], "password": "wrong-Passw0rd!"}), 401)
    problem(api.call("POST", "/api/staff/sessions", {"email": "nobody@firm.example", "password": "x"}), 401)
    body = problem(api.call("POST", "/api/staff/sessions", {"email": "bad"}), 400)
    assert [e["field"] for e in body["errors"]] == ["email", "password"]
    session = api.call("POST", "/api/staff/sessions", {"email": firm.info["email"], "password": firm.info["password"]},
                       expect=200).json()
    assert session["token_type"] == "Bearer" and session["refresh_token"] and session["expires_in"] > 0
    refreshed = api.call("POST", "/api/staff/sessions/refresh", {"refresh_token": session["refresh_token"]},
                         expect=200).json()
    stack.api(refreshed["access_token"]).call("GET", "/api/staff/clients", expect=200)
    stack.api(session["access_token"]).call("DELETE", "/api/staff/sessions", expect=204)
    problem(api.call("POST", "/api/staff/sessions/refresh", {"refresh_token": session["refresh_token"]}), 401)


def test_a_contacts_pool_login_cannot_sign_in_as_staff(stack):
    idp = stack.aws("cognito-idp")
    email = unique_email("notstaff")
    # a staff-pool user without a staff record (e.g. removed from the firm) gets tokens from
    # Cognito but not from our sign-in
    idp.admin_create_user(UserPoolId=stack.env["STAFF_POOL_ID"], Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}])
    idp.admin_set_user_password(UserPoolId=stack.env["STAFF_POOL_ID"], Username=email,
                                Password="Lonely-Staff-2026!", Permanent=True)
    problem(stack.api().call("POST", "/api/staff/sessions", {"email": email, "password": "Lonely-Staff-2026!"}), 403)
