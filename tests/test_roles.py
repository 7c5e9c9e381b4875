"""Roles: every staff route of the spec × every role → allowed, or 403, as the README's
permission table says (the README table is checked against the table in code by a unit test
in shared/src/domain/roles.rs, and the spec's `x-permission` names the row).

Path parameters are ids that exist nowhere: a role that may call the route gets past the
role check and is answered 400/404 (or 2xx for lists), one that may not is refused 403
before anything is looked up — so the matrix changes nothing while it runs."""
from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from support import problem

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "post", "put", "patch", "delete")
ROLES = ("owner", "admin", "staff")


def permission_table() -> dict[str, set[str]]:
    """The README's "Roles and permissions" table: permission → the roles that have it."""
    section = (ROOT / "README.md").read_text().split("## Roles and permissions")[1].split("\n## ")[0]
    table = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            table[cells[0].strip("`")] = {role for role, yes in zip(ROLES, cells[1:4]) if yes == "yes"}
    return table


def staff_routes() -> list[tuple[str, str, str]]:
    spec = yaml.safe_load((ROOT / "infra" / "openapi.yaml").read_text())
    out = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is not None and op.get("security", spec.get("security")) != [] and "x-permission" in op:
                out.append((method.upper(), path, op["x-permission"]))
    return out


def nowhere(template: str) -> str:
    """The path with every parameter an id that exists nowhere (a token: 64 zeros)."""
    out = template
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        name = out[start + 1:end]
        out = out[:start] + ("0" * 64 if name == "token" else str(uuid.uuid4())) + out[end + 1:]
    return out


def test_every_staff_route_allows_or_refuses_each_role_as_the_permission_table_says(stack):
    firm = stack.new_firm("Roles Firm")
    callers = {"owner": firm.api, "admin": firm.colleague("admin", "Ada Admin"), "staff": firm.colleague("staff", "Sid Staff")}
    table = permission_table()
    routes = staff_routes()
    assert len(routes) > 40 and {p for *_, p in routes} <= set(table), "every x-permission is a row of the table"
    seen = {"allowed": 0, "refused": 0}
    # Signing out ends the token: last, once per role.
    sign_out = ("DELETE", "/api/staff/sessions")
    for method, template, permission in sorted(routes, key=lambda r: (r[0], r[1]) == sign_out):
        path = nowhere(template)
        for role, api in callers.items():
            r = api.call(method, path, {} if method != "GET" else None)
            if role in table[permission]:
                assert r.status_code not in (401, 403) and r.status_code < 500, (role, method, template, r.status_code, r.text)
                seen["allowed"] += 1
            else:
                p = problem(r, 403)
                assert f"your role ({role})" in p["detail"], (method, template, p)
                seen["refused"] += 1
    # staff are refused every admin route; admins and owners none
    admin_routes = sum(1 for *_, p in routes if "staff" not in table[p])
    assert seen["refused"] == admin_routes and admin_routes >= 5, seen


def test_a_demotion_takes_effect_on_the_next_call(stack):
    firm = stack.new_firm("Demotion Firm")
    admin = firm.colleague("admin", "Ada Admin")
    admin.call("PATCH", "/api/staff/firm/settings", {"max_reminders": 3}, expect=200)
    # the record changes (as the Team page's role change writes it); the token stays the same
    table = stack.table()
    sub = next(i for i in table.query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :f",
                                      ExpressionAttributeValues={":f": f"FIRM#{firm.firm_id}"})["Items"]
               if i["SK"] == "STAFF" and i.get("role") == "admin")["sub"]  # the member, not its used invite
    table.update_item(Key={"PK": f"STAFF#{sub}", "SK": "STAFF"}, UpdateExpression="SET #r = :s",
                      ExpressionAttributeNames={"#r": "role"}, ExpressionAttributeValues={":s": "staff"})
    assert "your role (staff)" in problem(admin.call("PATCH", "/api/staff/firm/settings", {"max_reminders": 2}), 403)["detail"]
    assert firm.api.call("GET", "/api/staff/firm/settings", expect=200).json()["max_reminders"] == 3, "the refused change changed nothing"
    admin.call("GET", "/api/staff/clients", expect=200)
