"""Throttling per caller (issue 15, finding 7). Each account's sign-in steps (password,
authenticator code) lock after repeated failures — exactly alike for an email address no
login has — while other accounts carry on; each source has its own limit on every public
route, while other sources carry on. The rules and their values: shared/src/domain/throttle
(the limits asserted here are read from the functions' environment, i.e. the template's
production defaults).

Through the local router every request comes from 127.0.0.1, which the local stack exempts
from per-source limits (scripts/portal_local.py, LOCAL_PARAMETERS); the per-source tests
call the function as API Gateway would for callers at other addresses (support/gateway.py).
The per-account lockout applies to loopback as to everyone, so those tests use the router."""
from __future__ import annotations

import pytest
import yaml

import portal_local as pl
from support import (PASSWORD, accept_invite, active_contact, fresh_code, fresh_source, gateway_call, lockout, problem, source_limits,
                     start_of_a_window, unique_email, wrong)

WRONG = "Wrong-Guess-2027!"


def staff_sign_in(stack, email, password):
    return stack.api().call("POST", "/api/staff/sessions", {"email": email, "password": password})


def contact_sign_in(stack, email, password):
    return stack.api().call("POST", "/api/portal/sessions", {"email": email, "password": password})


def refused(r, lock: int) -> dict:
    """A lockout's answer: 429, a Retry-After no longer than the first lock, a detail that
    says when to try again."""
    body = problem(r, 429)
    assert 0 < int(r.headers["retry-after"]) <= lock, r.headers
    assert body["title"] == "Too many requests" and "Try again in 1 minute." in body["detail"], body
    return body


def test_wrong_passwords_lock_that_account_while_another_of_the_firm_signs_in(stack, firm):
    limits = lockout(stack)
    client = firm.client("Lockout Household")
    a, _ = active_contact(stack, firm, client["id"], "Locked")
    b, _ = active_contact(stack, firm, client["id"], "Free")
    # a success clears the count: one failure short of the lock, a success, and again
    for _ in range(2):
        for _ in range(limits["after"] - 1):
            problem(contact_sign_in(stack, a["email"], WRONG), 401)
        assert contact_sign_in(stack, a["email"], PASSWORD).status_code == 200
    # the failure that reaches the count locks the account: even its password is refused now
    for _ in range(limits["after"]):
        problem(contact_sign_in(stack, a["email"], WRONG), 401)
    body = refused(contact_sign_in(stack, a["email"], PASSWORD), limits["lock"])
    assert "email address" in body["detail"]
    # another contact of the same firm (and the firm's staff) sign in as usual
    assert contact_sign_in(stack, b["email"], PASSWORD).status_code == 200
    assert staff_sign_in(stack, firm.info["email"], firm.info["password"]).status_code == 200


def test_an_unknown_email_is_locked_exactly_like_a_known_one(stack, firm):
    limits = lockout(stack)
    answers = {}
    for email in (firm.info["email"], unique_email("nobody")):
        seq = [staff_sign_in(stack, email, WRONG) for _ in range(limits["after"] + 2)]
        answers[email] = [(r.status_code, r.headers["content-type"], r.json()) for r in seq]
        for r in seq[limits["after"]:]:
            refused(r, limits["lock"])
    known, unknown = answers.values()
    assert known == unknown, "a locked account must not tell whether a login has the address"
    assert [status for status, _, _ in known] == [401] * limits["after"] + [429, 429]
    # the locked staff member's right password is refused too; another firm's staff signs in
    refused(staff_sign_in(stack, firm.info["email"], firm.info["password"]), limits["lock"])
    stack.new_firm("Unlocked Firm")


@pytest.mark.parametrize("who", ["staff", "contact"])
def test_wrong_authenticator_codes_lock_the_code_step(stack, firm, who):
    limits = lockout(stack)
    if who == "staff":
        api, email, password, base = firm.api, firm.info["email"], firm.info["password"], "/api/staff"
        setup_path = "/api/staff/mfa"
    else:
        client = firm.client("Code Lock Client")
        email = unique_email("codes")
        contact = firm.contact(client["id"], "Cody", "Lock", email)
        api, password, base = accept_invite(stack, firm, client["id"], contact["id"], email), PASSWORD, "/api/portal"
        setup_path = "/api/portal/me/mfa"
    setup = api.call("POST", f"{setup_path}/setup", {"password": password}, expect=200).json()
    api.call("POST", f"{setup_path}/verify", {"code": fresh_code(setup["secret"])}, expect=204)
    step = stack.api().call("POST", f"{base}/sessions", {"email": email, "password": password}, expect=200).json()
    assert step["challenge"] == "mfa_code"
    answer = {"email": email, "session": step["session"], "challenge": "mfa_code"}
    for _ in range(limits["after"]):
        problem(stack.api().call("POST", f"{base}/sessions/mfa", {**answer, "code": wrong(fresh_code(setup["secret"]))}), 400)
    body = refused(stack.api().call("POST", f"{base}/sessions/mfa", {**answer, "code": fresh_code(setup["secret"])}), limits["lock"])
    assert "authenticator codes" in body["detail"]
    # the password step has its own count: the right password still leads to the code step
    assert stack.api().call("POST", f"{base}/sessions", {"email": email, "password": password}, expect=200).json()["challenge"] == "mfa_code"


def test_a_code_step_answers_only_for_the_address_that_signed_in(stack, firm):
    """The code step's lockout counts under the address sent with the code. That is sound
    because AWS binds a sign-in's session to its user: the session of one login answered
    with another's address is refused. moto alone would sign the other login in (it takes
    any USERNAME with a live session, and gives every login the same TOTP secret); the local
    stack imitates AWS here (scripts/aws_proxy.py, "Cognito sessions bound to their user")."""
    setup = firm.api.call("POST", "/api/staff/mfa/setup", {"password": firm.info["password"]}, expect=200).json()
    firm.api.call("POST", "/api/staff/mfa/verify", {"code": fresh_code(setup["secret"])}, expect=204)
    other = stack.new_firm("Other Firm").info["email"]
    email, password = firm.info["email"], firm.info["password"]
    step = staff_sign_in(stack, email, password).json()
    answer = {"session": step["session"], "challenge": "mfa_code", "code": fresh_code(setup["secret"])}
    problem(stack.api().call("POST", "/api/staff/sessions/mfa", {**answer, "email": other}), 401)
    session = stack.api().call("POST", "/api/staff/sessions/mfa", {**answer, "email": email}, expect=200).json()
    assert stack.api(session["access_token"]).call("GET", "/api/staff/clients").status_code == 200


def test_a_source_over_its_sign_in_limit_is_refused_while_another_source_signs_in(stack, firm):
    limit, window = source_limits(stack)["sign_in"]
    noisy, quiet = fresh_source(), fresh_source()
    start_of_a_window(window)
    # password spraying: a different (unknown) account each time, so no lockout is involved
    for _ in range(limit):
        r = gateway_call(stack, "accounts", "POST", "/api/staff/sessions", {"email": unique_email("spray"), "password": WRONG}, source_ip=noisy)
        problem(r, 401)
    mine = {"email": firm.info["email"], "password": firm.info["password"]}
    r = gateway_call(stack, "accounts", "POST", "/api/staff/sessions", mine, source_ip=noisy)
    body = problem(r, 429)
    assert 0 < int(r.headers["retry-after"]) <= window and "from your network" in body["detail"], body
    # a header the client writes does not make it another source
    r = gateway_call(stack, "accounts", "POST", "/api/staff/sessions", mine, source_ip=noisy, headers={"x-forwarded-for": quiet})
    problem(r, 429)
    # the contact sign-in route shares the count (one limit for password sign-in per source)
    problem(gateway_call(stack, "accounts", "POST", "/api/portal/sessions", mine, source_ip=noisy), 429)
    # another source signs in to the very same account
    r = gateway_call(stack, "accounts", "POST", "/api/staff/sessions", mine, source_ip=quiet)
    assert r.status_code == 200 and r.json()["access_token"], r.text


# Every public route of the API, with input that passes its checks (so it is counted).
PUBLIC_ROUTES = [
    ("sign_in", "POST", "/api/staff/sessions", lambda: {"email": unique_email("s"), "password": WRONG}),
    ("sign_in", "POST", "/api/portal/sessions", lambda: {"email": unique_email("s"), "password": WRONG}),
    ("mfa", "POST", "/api/staff/sessions/mfa", lambda: {"email": unique_email("m"), "session": "not-a-session", "challenge": "mfa_code", "code": "123456"}),
    ("mfa", "POST", "/api/portal/sessions/mfa", lambda: {"email": unique_email("m"), "session": "not-a-session", "challenge": "mfa_code", "code": "123456"}),
    ("refresh", "POST", "/api/staff/sessions/refresh", lambda: {"refresh_token": "not-a-refresh-token"}),
    ("refresh", "POST", "/api/portal/sessions/refresh", lambda: {"refresh_token": "not-a-refresh-token"}),
    ("invite", "GET", "/api/invites/" + "ab" * 40, lambda: None),
    ("create_account", "POST", "/api/invites/" + "ab" * 40 + "/account", lambda: {"password": WRONG}),
    ("invite", "GET", "/api/team-invites/" + "ab" * 40, lambda: None),
    ("create_account", "POST", "/api/team-invites/" + "ab" * 40 + "/account", lambda: {"password": WRONG}),
]


# Public routes that are not limited per source, and why: like the web function's pages,
# a firm's logo is public, cacheable content (`Cache-Control: immutable` under `?v=`) that mail
# clients and browsers fetch, often through one shared proxy (Gmail's image proxy) — a
# per-source limit would blank the logo for everyone behind it. API Gateway's route
# throttling caps its cost (infra/README.md, "Throttling per caller").
UNLIMITED = {("GET", "/api/firms/{firm_id}/logo")}


def test_the_list_of_public_routes_is_the_specs():
    spec = yaml.safe_load((pl.ROOT / "infra" / "openapi.yaml").read_text())
    public = {(m.upper(), p) for p, item in spec["paths"].items() for m, op in item.items()
              if isinstance(op, dict) and op.get("security") == [] and op.get("x-function") != "web"}
    assert public - UNLIMITED == {(m, p.replace("ab" * 40, "{token}")) for _, m, p, _ in PUBLIC_ROUTES}
    assert UNLIMITED <= public


@pytest.mark.parametrize("scope", sorted({s for s, _, _, _ in PUBLIC_ROUTES}))
def test_every_public_route_is_limited_per_source(stack, scope):
    limit, window = source_limits(stack)[scope]
    routes = [(m, p, body) for s, m, p, body in PUBLIC_ROUTES if s == scope]
    source = fresh_source()
    start_of_a_window(window, need=60)
    # the scope's routes share one count: spend it across them
    for i in range(limit):
        m, p, body = routes[i % len(routes)]
        r = gateway_call(stack, "accounts", m, p, body(), source_ip=source)
        assert r.status_code not in (429, 500), (i, m, p, r.status_code, r.text)
    for m, p, body in routes:
        r = gateway_call(stack, "accounts", m, p, body(), source_ip=source)
        problem(r, 429)
        assert 0 < int(r.headers["retry-after"]) <= window, (m, p, r.headers)
    # the same routes from another source are not refused
    m, p, body = routes[0]
    assert gateway_call(stack, "accounts", m, p, body(), source_ip=fresh_source()).status_code != 429
