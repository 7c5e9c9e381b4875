"""A firm of any size: the clients list in pages, searched and filtered, and requests whose
DynamoDB cost does not grow with the firm (issue 18).

The flatness is measured, not assumed: the proxy's meter (scripts/aws_meter.py) counts the
functions' DynamoDB calls, the items they read and the bytes returned for one request; the
same request at two sizes of the same firm must cost the same. `make bench-scale` measures
the same at 10,000 clients, with latency under load.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import seed_scale

from support import active_contact, invite, metered, problem, seed_clients, seed_team, unique_email


def walk(api, path: str, limit: int, **params) -> tuple[list[dict], int]:
    """Every item of a paged list, following `next`; and how many pages it took."""
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": str(limit), **params}
        if cursor:
            query["cursor"] = cursor
        page = api.call("GET", path + "?" + urlencode(query), expect=200).json()
        pages += 1
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next"]
        if not cursor:
            return items, pages
        assert pages < 100, "the list does not end"


def names(items: list[dict]) -> list[str]:
    return [i["name"] for i in items]


def test_the_clients_list_walks_in_pages_without_repeats_or_gaps(firm):
    made = ["Echo Ltd", "alpha Co", "Delta & Sons", "Bravo LLC", "charlie Trust"]
    ids = {firm.client(n)["id"]: n for n in made}
    items, pages = walk(firm.api, "/api/staff/clients", 2)
    assert pages == 3
    assert names(items) == sorted(made, key=str.lower), "every client once, in name order"
    assert len({i["id"] for i in items}) == 5 and set(i["id"] for i in items) == set(ids)
    # Archive two: the active list loses them, `archived` has them, `all` walks both ranges.
    archived = [cid for cid, n in ids.items() if n in ("alpha Co", "Delta & Sons")]
    for cid in archived:
        firm.api.call("POST", f"/api/staff/clients/{cid}/archive", expect=200)
    assert names(walk(firm.api, "/api/staff/clients", 2)[0]) == ["Bravo LLC", "charlie Trust", "Echo Ltd"]
    assert names(walk(firm.api, "/api/staff/clients", 1, status="archived")[0]) == ["alpha Co", "Delta & Sons"]
    for limit in (1, 2, 3, 5):
        assert names(walk(firm.api, "/api/staff/clients", limit, status="all")[0]) == \
            ["Bravo LLC", "charlie Trust", "Echo Ltd", "alpha Co", "Delta & Sons"], limit


def test_search_by_the_start_of_a_name_or_of_a_contact_email(firm):
    hotel = firm.client("Hotel Group")
    annex = firm.client("hotel Annex")
    golf = firm.client("Golf Partners")
    tag = unique_email("x").split("-")[1][:6]
    ana = firm.contact(golf["id"], "Ana", "Lima", f"ana.{tag}@lima.example.com")
    firm.api.call("PUT", f"/api/staff/clients/{hotel['id']}/contacts/{ana['id']}", expect=201)
    firm.contact(annex["id"], "Bo", "Ray", f"bo.{tag}@ray.example.com")
    assert names(walk(firm.api, "/api/staff/clients", 50, q="HOT")[0]) == ["hotel Annex", "Hotel Group"]
    assert names(walk(firm.api, "/api/staff/clients", 1, q="hotel g")[0]) == ["Hotel Group"]
    assert walk(firm.api, "/api/staff/clients", 50, q="zz")[0] == []
    # By email: one row per client of each matching contact, saying who.
    rows, _ = walk(firm.api, "/api/staff/clients", 50, q=f"Ana.{tag}@")
    assert sorted((r["name"], r["contact"]["id"]) for r in rows) == [("Golf Partners", ana["id"]), ("Hotel Group", ana["id"])]
    assert rows[0]["contact"]["email"] == f"ana.{tag}@lima.example.com"
    assert names(walk(firm.api, "/api/staff/clients", 50, q=f"bo.{tag}@ray")[0]) == ["hotel Annex"]
    # Archived clients are out of the default search, in the archived one.
    firm.api.call("POST", f"/api/staff/clients/{golf['id']}/archive", expect=200)
    assert names(walk(firm.api, "/api/staff/clients", 50, q=f"ana.{tag}@")[0]) == ["Hotel Group"]
    assert names(walk(firm.api, "/api/staff/clients", 50, q=f"ana.{tag}@", status="archived")[0]) == ["Golf Partners"]


def test_filter_by_portal_status_lists_the_contacts_to_chase(stack, firm):
    acme = firm.client("Acme Farms")
    zed = firm.client("Zed Books")
    waiting = firm.contact(acme["id"], "Wai", "Ting", unique_email("wait"))
    never = firm.contact(acme["id"], "Nev", "Er", unique_email("never"))
    active, _ = active_contact(stack, firm, zed["id"], "Act")
    other_waiting = firm.contact(zed["id"], "Zoe", "Wait", unique_email("zoe"))
    assert [r["outcome"] for r in invite(firm, acme["id"], waiting["id"])] == ["sent"]
    assert [r["outcome"] for r in invite(firm, zed["id"], other_waiting["id"])] == ["sent"]

    def who(state, limit=1, **more):
        return [(r["name"], r["contact"]["id"]) for r in walk(firm.api, "/api/staff/clients", limit, portal=state, **more)[0]]

    assert who("invited") == [("Acme Farms", waiting["id"]), ("Zed Books", other_waiting["id"])]
    assert who("invited", q="zed") == [("Zed Books", other_waiting["id"])]
    assert who("not_invited") == [("Acme Farms", never["id"])]
    assert who("active") == [("Zed Books", active["id"])]
    rows = walk(firm.api, "/api/staff/clients", 5, portal="invited")[0]
    assert {r["contact"]["portal"]["status"] for r in rows} == {"invited"}
    # Revoking an invite moves the contact out of "invited"; revoking access into "revoked".
    firm.api.call("POST", f"/api/staff/clients/{acme['id']}/contacts/{waiting['id']}/revoke-invite", expect=200)
    assert who("invited") == [("Zed Books", other_waiting["id"])]
    assert sorted(who("not_invited")) == sorted([("Acme Farms", never["id"]), ("Acme Farms", waiting["id"])])
    firm.api.call("POST", f"/api/staff/contacts/{active['id']}/revoke-access", expect=200)
    assert who("revoked") == [("Zed Books", active["id"])] and who("active") == []
    # A rename keeps each contact in its state, under the new name; archiving takes them out.
    firm.api.call("PATCH", f"/api/staff/clients/{zed['id']}", {"name": "Alpha Books"}, expect=200)
    assert who("invited") == [("Alpha Books", other_waiting["id"])]
    firm.api.call("POST", f"/api/staff/clients/{zed['id']}/archive", expect=200)
    assert who("invited") == [] and who("revoked") == []


def test_bad_list_parameters_and_foreign_cursors_are_400s(stack, firm):
    for n in range(3):
        firm.client(f"Cursor {n}")
    page = firm.api.call("GET", "/api/staff/clients?limit=1", expect=200).json()
    assert page["next"] and len(page["items"]) == 1
    other = stack.new_firm("Cursor Thief")
    other.client("Own")
    # Another firm's cursor reads nothing of that firm: it is refused.
    body = problem(other.api.call("GET", f"/api/staff/clients?limit=1&cursor={page['next']}"), 400)
    assert body["errors"][0]["field"] == "cursor"
    for query, field in [("limit=0", "limit"), ("limit=201", "limit"), ("cursor=garbage!", "cursor"), ("portal=pending", "portal"),
                         ("status=archived&portal=invited", "status"), ("q=" + "x" * 101, "q")]:
        assert problem(firm.api.call("GET", f"/api/staff/clients?{query}"), 400)["errors"][0]["field"] == field, query
    # A cursor of the active list is not one of the portal filter's.
    problem(firm.api.call("GET", f"/api/staff/clients?portal=active&cursor={page['next']}"), 400)


ROUTES = [
    ("clients, first page", lambda c: "/api/staff/clients?limit=10"),
    ("clients, name search", lambda c: "/api/staff/clients?limit=10&q=seeded%200000"),
    ("clients, email search", lambda c: "/api/staff/clients?limit=5&q=c000001.1%40"),
    ("clients, portal-status filter", lambda c: "/api/staff/clients?limit=10&portal=active"),
    ("a client's record", lambda c: f"/api/staff/clients/{c}"),
    ("a client's portal status", lambda c: f"/api/staff/clients/{c}/portal-status"),
    # Pages smaller than the seeded team at the small size: full at both sizes.
    ("team members, first page", lambda c: "/api/staff/team?limit=2"),
    ("team invites, first page", lambda c: "/api/staff/team/invites?limit=2"),
    ("a client's invoices, first page", lambda c: f"/api/staff/clients/{c}/invoices?limit=3"),
    ("a client's payments, first page", lambda c: f"/api/staff/clients/{c}/payments?limit=3"),
]


CONTACT_ROUTES = [
    ("a contact's Home", lambda c: f"/api/portal/clients/{c}/home"),
    # A page smaller than the 5 files each seeded client starts with: full at both sizes.
    ("a contact's files, first page", lambda c: f"/api/portal/clients/{c}/files?limit=3"),
    ("a contact's billing, first page", lambda c: f"/api/portal/clients/{c}/billing?limit=3"),
    ("a contact's payments, first page", lambda c: f"/api/portal/clients/{c}/payments?limit=3"),
]


def costs(firm, client_id: str, contact_api) -> dict[str, dict]:
    out = {}
    for routes, api in ((ROUTES, firm.api), (CONTACT_ROUTES, contact_api)):
        for name, path in routes:
            # Warm: what a function caches for a minute (the firm's settings, …) is read by
            # the call before, so both sizes are measured alike.
            api.call("GET", path(client_id), expect=200)
            with metered(firm.stack) as m:
                api.call("GET", path(client_id), expect=200)
            out[name] = {k: m[k] for k in ("calls", "items_read", "bytes")} | {"ops": sorted(m["ops"])}  # calls made at once come in any order
    return out


def test_the_cost_of_staff_reads_does_not_grow_with_the_firm(stack):
    """10 clients, then 250 more (with contacts, files and a long audit trail each), and the
    client read gets 300 more files, 400 more audit entries and 300 more settled requests,
    paid invoices, payments and quiet threads; a team of 3 members and 3 invites, then 200
    more of each: every listed request, staff
    and contact, makes the same DynamoDB calls, reads the same items and returns the same
    bytes."""
    firm = stack.new_firm("Flat Cost Firm")
    sizes = {"contacts_per_client": 3, "files_per_client": 5, "audit_per_client": 10}
    seed_clients(stack, firm.firm_id, 10, **sizes)
    # The team: 3 members and 3 invites, then 200 more of each that sort after them.
    seed_team(stack, firm.firm_id, members=3, invites=3, prefix="0-small")
    first = walk(firm.api, "/api/staff/clients", 50)[0]
    assert len(first) == 10
    client_id = first[0]["id"]
    flat, contact_api = active_contact(stack, firm, client_id, "Flat")
    firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    # Open work Home and the balance count: one open request and one unpaid invoice.
    firm.api.call("POST", f"/api/staff/clients/{client_id}/requests", {"title": "Open thing", "assignee_ids": [flat["id"]]}, expect=201)
    firm.api.call("POST", f"/api/staff/clients/{client_id}/invoices", {"number": "OPEN-1", "issue_date": "2026-11-01", "due_date": "2026-12-01",
                                                                    "currency": "USD", "lines": [{"description": "Advice", "unit_amount": 12500}]}, expect=201)
    # Settled work of past years: more threads than Home's unread window already, so the
    # window is full at both sizes.
    settle = lambda numbers: seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"], (
        i for n in numbers for i in seed_scale.settled_work_items(firm.firm_id, client_id, n, seed_scale.T0 + timedelta(hours=n))))
    settle(range(60))
    small = costs(firm, client_id, contact_api)
    # Each route read something of the firm's (a route that found nothing would be flat
    # for the wrong reason): the staff GetItem is one item; the lists read more.
    assert all(c["items_read"] >= 2 for c in small.values()), small
    seed_clients(stack, firm.firm_id, 250, start=10, **sizes)
    seed_team(stack, firm.firm_id, members=200, invites=200, prefix="1-large")
    # The seeded client the routes read gets a long history and many files too (its own
    # partition grows).
    seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"],
                     (i for a in range(400) for i in seed_scale.audit_items(client_id, seed_scale.new_id("extra", a), seed_scale.T0 + timedelta(minutes=a))))
    seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"],
                     (i for n in range(300) for i in seed_scale.file_items(firm.firm_id, client_id, seed_scale.new_id("more", n), f"statement-{n:03d}.pdf",
                                                                            seed_scale.T0 + timedelta(hours=n))))
    settle(range(60, 360))
    assert len(walk(firm.api, "/api/staff/clients", 200)[0]) == 260
    large = costs(firm, client_id, contact_api)
    home = contact_api.call("GET", f"/api/portal/clients/{client_id}/home", expect=200).json()
    assert home["billing"] == {"balances": [{"currency": "USD", "amount": 12500}], "open_invoices": 1, "online_payments_enabled": False}
    for name in small:
        assert large[name] == small[name], f"{name}: {small[name]} at 10 clients, {large[name]} at 260"
