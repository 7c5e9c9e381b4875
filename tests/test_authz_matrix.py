"""Authorization matrix: every route of the OpenAPI spec (so a new route cannot escape it)
× the callers that must be refused, and the rightful callers. Expected: 401 for bad or
wrong-pool credentials, 404 (never another tenant's data) for the wrong tenant or an item
not shared with the caller, and never a 5xx.

Tokens with one claim wrong are minted with the emulator's own signing key (shipped in the
moto package), so each claim check is exercised on its own against the running functions."""
from __future__ import annotations

import base64
import gzip
import http.client
import json
import time
from pathlib import Path

import moto
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from support import PDF, active_contact, land, logo_slot, png, recorded_calls, request_json

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "post", "put", "patch", "delete")


def spec_routes():
    spec = yaml.safe_load((ROOT / "infra" / "openapi.yaml").read_text())
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                public = item[method].get("security", spec.get("security")) == []
                yield method.upper(), path, public


def spec_functions() -> dict[tuple[str, str], str]:
    spec = yaml.safe_load((ROOT / "infra" / "openapi.yaml").read_text())
    return {(m.upper(), p): op["x-function"] for p, item in spec["paths"].items() for m, op in item.items() if m in METHODS}


def raw_call(base: str, method: str, path: str, token: str) -> int:
    """Send `path` exactly as written: HTTP libraries normalise dot segments and slashes,
    and the point here is the spellings they would hide."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        body = b"{}" if method != "GET" else None
        conn.request(method, path, body=body, headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


def spellings(path: str, function: str) -> list[str]:
    """Every way to write `path` that a router, a proxy or a normaliser might take for it,
    including cargo lambda watch's direct function URLs (no router, no authorizer)."""
    rest = path.removeprefix("/api/staff/")
    return [
        path,
        "/" + path,
        f"/api//staff/{rest}",
        f"/api/staff//{rest}",
        path + "/",
        f"/api/staff/./{rest}",
        f"/api/portal/../staff/{rest}",
        f"/api/portal/%2e%2e/staff/{rest}",
        f"/api/portal/%2E%2E/staff/{rest}",
        f"/lambda-url/{function}{path}",
        f"/lambda-url/{function}/{path}",
        f"/lambda-url/{function}/api/portal/../staff/{rest}",
    ]


def moto_key() -> RSAKey:
    data = json.loads(gzip.open(Path(moto.__file__).parent / "cognitoidp/resources/jwks-private.json.gz").read())
    return RSAKey.import_key(data)


def mint(key: RSAKey, claims: dict, kid: str = "dummy") -> str:
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def alg_none(token: str) -> str:
    head = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT", "kid": "dummy"}).encode()).rstrip(b"=").decode()
    return f"{head}.{token.split('.')[1]}."


@pytest.fixture(scope="module")
def world(stack):
    a = stack.new_firm("Matrix Firm A")
    c1, c2 = a.client("Matrix Client One"), a.client("Matrix Client Two")
    k1, k1_api = active_contact(stack, a, c1["id"], "Kay")
    k2, k2_api = active_contact(stack, a, c1["id"], "Lee")
    k3, k3_api = active_contact(stack, a, c2["id"], "Max")
    slot = a.api.call("POST", f"/api/staff/clients/{c1['id']}/files",
                      {"name": "secret-return.pdf", "size": len(PDF), "content_type": "application/pdf", "share_with": [k1["id"]]}, expect=201).json()
    assert land(stack, slot, PDF) == "available"
    req = a.api.call("POST", f"/api/staff/clients/{c1['id']}/requests", {"title": "Secret request", "assignee_ids": [k1["id"]]}, expect=201).json()["request"]
    a.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    inv = a.api.call("POST", f"/api/staff/clients/{c1['id']}/invoices", {"number": "M-1", "issue_date": "2026-11-01", "due_date": "2026-12-01",
                                                                      "currency": "USD", "lines": [{"description": "Secret work", "unit_amount": 100}]}, expect=201).json()
    tpl = a.api.call("POST", "/api/staff/templates", {"name": "Secret template", "subject": "s", "body": "{{ create_account_url }}"}, expect=201).json()
    thread = a.api.call("POST", f"/api/staff/clients/{c1['id']}/threads", {"subject": "Secret thread", "body": "Secret message body",
                                                                          "contact_ids": [k1["id"]]}, expect=201).json()["thread"]
    form = a.api.call("POST", f"/api/staff/clients/{c1['id']}/signatures", {"file_id": slot["file"]["id"], "signer_ids": [k1["id"]]}, expect=201).json()["form"]
    colleague = a.api.call("POST", "/api/staff/team/invites", {"email": "matrix-colleague@firm.example", "name": "Secret Colleague", "role": "staff"}, expect=201).json()
    logo = logo_slot(a.api, len(png(8, 8, (20, 90, 60))))
    # A bulk invite of the client (its contacts are active already: nobody is emailed).
    job = a.api.call("POST", "/api/staff/invite-jobs", {"client_ids": [c1["id"]]}, expect=202).json()
    b = stack.new_firm("Matrix Firm B")
    ids = {"logo_id": logo["id"], "firm_id": a.firm_id, "client_id": c1["id"], "contact_id": k1["id"], "file_id": slot["file"]["id"], "request_id": req["id"],
           "invoice_id": inv["id"], "template_id": tpl["id"], "thread_id": thread["id"], "form_id": form["id"], "token": "0" * 64, "file": "app.js",
           "invite_id": colleague["id"], "member_id": a.info["staff_sub"], "job_id": job["id"]}
    secrets = [c1["id"], k1["id"], slot["file"]["id"], req["id"], inv["id"], tpl["id"], thread["id"], form["id"], "Matrix Client One", "secret-return.pdf",
               "Secret request", "Secret work", "Secret template", "Secret thread", "Secret message body", "Secret Colleague", "matrix-colleague"]
    return {"stack": stack, "a": a, "b": b, "k1": k1_api, "k2": k2_api, "k3": k3_api, "ids": ids, "secrets": secrets}


def path_for(template: str, ids: dict) -> str:
    out = template
    for name, value in ids.items():
        out = out.replace("{" + name + "}", value)
    return out


def bad_callers(world) -> dict[str, str | None]:
    stack = world["stack"]
    key = moto_key()
    staff_claims = claims_of(world["a"].api.token)
    contact_claims = claims_of(world["k1"].token)
    other_key = RSAKey.import_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    now = int(time.time())
    return {
        "anonymous": None,
        "garbage": "not-a-token",
        "alg none": alg_none(world["a"].api.token),
        "another key": mint(other_key, staff_claims),
        "expired staff": mint(key, {**staff_claims, "exp": now - 3600, "iat": now - 7200}),
        "wrong client id": mint(key, {**staff_claims, "client_id": "someone-elses-app"}),
        "id token": mint(key, {**staff_claims, "token_use": "id"}),
        "expired contact": mint(key, {**contact_claims, "exp": now - 3600, "iat": now - 7200}),
    }


def test_bad_credentials_get_401_on_every_protected_route(world):
    stack = world["stack"]
    callers = bad_callers(world)
    routes = [(m, p) for m, p, public in spec_routes() if not public]
    assert len(routes) > 30
    for method, template in routes:
        path = path_for(template, world["ids"])
        for name, token in callers.items():
            r = stack.api(token).call(method, path, {} if method != "GET" else None)
            assert r.status_code == 401, (name, method, template, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"


def test_the_other_pool_and_the_other_firm_never_reach_firm_a(world):
    stack = world["stack"]
    for method, template, public in spec_routes():
        if public:
            continue
        path = path_for(template, world["ids"])
        body = {} if method != "GET" else None
        if template.startswith("/api/staff/"):
            wrong_pool = world["k1"]  # a contact of firm A on a staff route
            other_tenant = world["b"].api
        else:
            wrong_pool = world["a"].api  # firm A's staff on a contact route
            other_tenant = world["k3"]  # a contact of another client of the same firm
        r = wrong_pool.call(method, path, body)
        assert r.status_code == 401, ("other pool", method, template, r.status_code, r.text)
        r = other_tenant.call(method, path, body)
        assert r.status_code < 500, ("other tenant", method, template, r.text)
        if "{" in template and any(p in template for p in ("{client_id}", "{contact_id}", "{template_id}", "{invite_id}", "{member_id}", "{job_id}")):
            assert r.status_code in (400, 404), ("other tenant", method, template, r.status_code, r.text)
        leaked = [s for s in world["secrets"] if s in r.text]
        assert not leaked, ("other tenant sees", method, template, leaked)


def test_a_contact_of_the_same_client_does_not_see_what_is_not_theirs(world):
    k2, ids = world["k2"], world["ids"]
    for path in [f"/api/portal/clients/{ids['client_id']}/files/{ids['file_id']}/download",
                 f"/api/portal/clients/{ids['client_id']}/requests/{ids['request_id']}"]:
        r = k2.call("GET", path)
        assert r.status_code == 404, (path, r.text)
    listed = k2.call("GET", f"/api/portal/clients/{ids['client_id']}/files", expect=200).text
    assert "secret-return.pdf" not in listed
    assert "Secret request" not in k2.call("GET", f"/api/portal/clients/{ids['client_id']}/todo", expect=200).text
    # the rightful owner gets them
    k1 = world["k1"]
    k1.call("GET", f"/api/portal/clients/{ids['client_id']}/files/{ids['file_id']}/download", expect=200)
    k1.call("GET", f"/api/portal/clients/{ids['client_id']}/requests/{ids['request_id']}", expect=200)


def test_rightful_callers_read_every_get_route_without_errors(world):
    """Every GET route answers the owner with 2xx (public routes: any non-5xx)."""
    stack, ids = world["stack"], world["ids"]
    for method, template, public in spec_routes():
        if method != "GET":
            continue
        path = path_for(template, ids)
        if public:
            r = stack.api().call(method, path)
            assert r.status_code < 500, (template, r.text)
            continue
        api = world["a"].api if template.startswith("/api/staff/") else world["k1"]
        r = api.call(method, path)
        assert 200 <= r.status_code < 300, (template, r.status_code, r.text)


def test_staff_routes_refuse_a_contact_token_whatever_the_path_spelling(world):
    """The function's own check stands without API Gateway: a contact's token on a staff
    operation is refused (4xx, never 2xx) through every path spelling the local router and
    the direct function URLs accept."""
    stack, functions = world["stack"], spec_functions()
    contact_token = world["k1"].token
    tried = 0
    for method, template, public in spec_routes():
        if public or not template.startswith("/api/staff/"):
            continue
        path = path_for(template, world["ids"])
        for spelled in spellings(path, functions[(method, template)]):
            status = raw_call(stack.base, method, spelled, contact_token)
            assert 400 <= status < 500, (method, spelled, status)
            tried += 1
    assert tried > 300


def test_a_removed_staff_member_is_refused_on_the_next_call_on_every_warm_function(stack):
    """No cache outlives a removal (issue 15, finding 4): every function has just served the
    staff member (warm), their record is removed, and the very next call with the same,
    still unexpired access token is refused by every staff route."""
    leaving = stack.new_firm("Leaving Firm")
    client = leaving.client("Their Client")
    ids = {"client_id": client["id"], "contact_id": "0" * 26, "file_id": "0" * 26, "request_id": "0" * 26, "invoice_id": "0" * 26,
           "template_id": "0" * 26, "thread_id": "0" * 26, "form_id": "0" * 26, "invite_id": "0" * 32, "member_id": "0" * 26}
    staff_routes = [(m, path_for(t, ids)) for m, t, public in spec_routes() if not public and t.startswith("/api/staff/")]
    for method, path in staff_routes:
        if method == "GET":
            r = leaving.api.call(method, path)
            assert r.status_code not in (401, 403) and r.status_code < 500, (path, r.status_code, r.text)
    stack.table().delete_item(Key={"PK": f"STAFF#{leaving.info['staff_sub']}", "SK": "STAFF"})
    for method, path in staff_routes:
        r = leaving.api.call(method, path, {} if method != "GET" else None)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"


AUDIT_RANGE = ("AUDIT#", "AUDIT$")


def sort_key_range(query: dict) -> tuple[str, str] | None:
    """The sort-key range a recorded `Query` reads (None: the whole partition)."""
    cond, values = query["KeyConditionExpression"], query.get("ExpressionAttributeValues", {})
    value = lambda name: values[name]["S"]  # noqa: E731
    if "BETWEEN" in cond:
        a, b = cond.split("BETWEEN")[1].split("AND")
        return value(a.strip()), value(b.strip())
    if "begins_with" in cond:
        p = cond.split("begins_with")[1].split(",")[1].strip(" )")
        return value(p), value(p) + "\uffff"
    if "SK" in cond:
        raise AssertionError(f"a sort-key condition this test does not read: {cond}")
    return None


def test_no_route_but_the_audit_trail_reads_a_clients_audit_entries(world):
    """A client's audit trail grows with every download and sign-in (issue 15, finding 3):
    every GET route reads the client's partition only in key ranges that leave the audit
    entries out — except the audit trail itself, which reads the newest entries with a
    limit. Checked on the Queries the functions actually send (moto's recorder)."""
    stack, ids, client_pk = world["stack"], world["ids"], "CLIENT#" + world["ids"]["client_id"]
    for _ in range(3):  # some trail to (not) read
        world["k1"].call("GET", f"/api/portal/clients/{ids['client_id']}/files/{ids['file_id']}/download", expect=200)
    checked = 0
    for method, template, public in spec_routes():
        if method != "GET" or public:
            continue
        api = world["a"].api if template.startswith("/api/staff/") else world["k1"]
        with recorded_calls(stack) as entries:
            api.call(method, path_for(template, ids))
        for e in entries:
            target = e["headers"].get("X-Amz-Target", "")
            assert not target.endswith(".Scan"), (template, "scans the table")
            if not target.endswith(".Query"):
                continue
            query = request_json(e)
            if query.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S") != client_pk:
                continue
            rng = sort_key_range(query)
            reads_audit = rng is None or (rng[0] <= AUDIT_RANGE[1] and rng[1] >= AUDIT_RANGE[0])
            if template.endswith("/audit"):
                if reads_audit:
                    assert query.get("Limit") and query.get("ScanIndexForward") is False, ("the audit trail is read without a bound", query)
            else:
                assert not reads_audit, (template, "reads the client's audit entries", query["KeyConditionExpression"], rng)
            checked += 1
    assert checked > 10
