"""The firm's team: invite a colleague, join from the email's link, the firm's history,
and staff requests fired at once on function instances of their own."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import runtime_api

from .mail import mail_to, token_of
from .pages import walk
from .stack import unique_email

STAFF_PASSWORD = "Team-Member-Passw0rd!"  # meets the staff pool's rule (12+, all four kinds)


def invite_staff(firm, email: str, role: str = "staff", name: str = "Ana Lee", expect: int | None = 201) -> dict:
    r = firm.api.call("POST", "/api/staff/team/invites", {"email": email, "name": name, "role": role}, expect=expect)
    return r.json()


def join_token(stack, email: str) -> str:
    """The token of the latest staff invite emailed to `email`."""
    return token_of(mail_to(stack, email)[-1])


def join(stack, token: str, password: str = STAFF_PASSWORD, **extra):
    """POST the join form for `token`; the raw response."""
    return stack.api().call("POST", f"/api/team-invites/{token}/account", {"password": password, **extra})


def team_member(stack, firm, role: str = "staff", name: str = "Ana Lee"):
    """A colleague invited by `firm`'s owner with `role` who created their login from the
    email; returns (member as the Team page lists them, api signed in as them)."""
    email = unique_email("colleague")
    invite_staff(firm, email, role, name)
    r = join(stack, join_token(stack, email))
    assert r.status_code == 201, r.text
    api = stack.api(r.json()["session"]["access_token"])
    member = next(m for m in team_members(firm) if m["email"] == email)
    return member, api


def team_members(firm) -> list[dict]:
    """Every member of `firm` as the Team page lists them (all pages of GET /api/staff/team)."""
    return walk(firm.api, "/api/staff/team", 200)[0]


def staff_invites(firm) -> list[dict]:
    """Every invite of `firm` not yet used (all pages of GET /api/staff/team/invites)."""
    return walk(firm.api, "/api/staff/team/invites", 200)[0]


def firm_history(firm) -> list[dict]:
    return firm.api.call("GET", "/api/staff/firm/audit", expect=200).json()["items"]


def staff_at_once(fn, calls: list[tuple]) -> list[tuple[int, dict]]:
    """Each `(token, method, path, route, body, path_parameters)` from its own thread, together,
    on the function instances of `fn` (support.instances); (status, JSON body) each."""
    def one(c):
        token, method, path, route, body, params = c
        event = runtime_api.http_event(method, path, route, body, headers={"authorization": f"Bearer {token}"}, path_parameters=params)
        kind, payload = fn.api.invoke(event, timeout=120)
        assert kind == "response", payload
        return payload["statusCode"], json.loads(payload.get("body") or "null")
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))
