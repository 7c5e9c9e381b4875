"""A client's lifecycle (issue 16, item 4): rename, archive and restore a client, remove a
contact from it — what staff and contacts see at once, what is refused meanwhile, and the
entries in the client's history. Each test uses its own firm."""
from __future__ import annotations

from support import (PASSWORD, PDF, accept_invite, active_contact, contact_client_routes, invite, land, link_item, mail_to,
                     portal_items, problem, reminders_to, run_reminders, status_of, token_of, unique_email, upload_slot)

RESTORE_FIRST = "Restore the client first"


def two_portals(stack, firm, names: tuple[str, str]):
    """Kay, with portal access to two clients of the firm (one login)."""
    one, two = firm.client(names[0]), firm.client(names[1])
    kay, _ = active_contact(stack, firm, one["id"], "Kay")
    firm.api.call("PUT", f"/api/staff/clients/{two['id']}/contacts/{kay['id']}", expect=201)
    return one, two, kay, accept_invite(stack, firm, two["id"], kay["id"], kay["email"])


def client_names(firm, query: str = "") -> list[str]:
    return [c["name"] for c in firm.api.call("GET", "/api/staff/clients" + query, expect=200).json()["items"]]


def history(firm, client_id: str) -> list[dict]:
    return firm.api.call("GET", f"/api/staff/clients/{client_id}/audit", expect=200).json()["items"]


def refused_everywhere(api, routes: list[tuple[str, str]]) -> None:
    for method, path in routes:
        r = api.call(method, path, {} if method != "GET" else None)
        problem(r, 404)


def portals_of(api) -> list[str]:
    return [c["name"] for c in api.call("GET", "/api/portal/me", expect=200).json()["clients"]]


def test_a_renamed_client_is_seen_by_staff_and_contacts_at_once(stack, firm):
    client = firm.client("Bravo Bakery")
    firm.client("Charlie Consulting")
    kay, kay_api = active_contact(stack, firm, client["id"], "Kay")
    lee = firm.contact(client["id"], "Lee", "Later", unique_email("lee"))

    renamed = firm.api.call("PATCH", f"/api/staff/clients/{client['id']}", {"name": "  Delta Bakery "}, expect=200).json()
    assert renamed["name"] == "Delta Bakery" and renamed["id"] == client["id"]
    # staff: the record and the list, sorted by the new name
    assert firm.api.call("GET", f"/api/staff/clients/{client['id']}", expect=200).json()["name"] == "Delta Bakery"
    assert client_names(firm) == ["Charlie Consulting", "Delta Bakery"]
    # the contact: their list of portals and Home
    assert portals_of(kay_api) == ["Delta Bakery"]
    assert kay_api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()["client"]["name"] == "Delta Bakery"
    # every link's copy (message notifications name the client from it), and new emails
    assert link_item(stack, client["id"], lee["id"])["client_name"] == "Delta Bakery"
    invite(firm, client["id"], lee["id"])
    email = mail_to(stack, lee["email"])[-1]
    assert "Delta Bakery" in email["text"] and "Bravo" not in email["text"]
    assert stack.api().call("GET", f"/api/invites/{token_of(email)}", expect=200).json()["client_name"] == "Delta Bakery"
    # the history: who, when, from where, from what to what
    entry = next(e for e in history(firm, client["id"]) if e["event"] == "client_renamed")
    assert entry["detail"] == 'from "Bravo Bakery" to "Delta Bakery"', entry
    assert entry["actor"]["kind"] == "staff" and entry["ip"] == "127.0.0.1" and entry["user_agent"].startswith("python-requests") and entry["at"]

    # the same name again changes nothing (and records nothing)
    firm.api.call("PATCH", f"/api/staff/clients/{client['id']}", {"name": "Delta Bakery"}, expect=200)
    assert [e["event"] for e in history(firm, client["id"])].count("client_renamed") == 1


def test_a_bad_rename_says_what_to_fix_and_changes_nothing(stack, firm):
    client = firm.client("Echo Farms")
    path = f"/api/staff/clients/{client['id']}"
    for body in ({"name": "   "}, {}, {"name": "x" * 201}, {"name": "bell\u0007"}):
        assert problem(firm.api.call("PATCH", path, body), 400)["errors"][0]["field"] == "name", body
    assert "nmae" in problem(firm.api.call("PATCH", path, {"nmae": "Foxtrot"}), 400)["detail"]
    assert problem(firm.api.call("PATCH", path), 400)["detail"]
    # another firm's client, or no client at all: 404, and nothing changes
    other = stack.new_firm("Other Firm")
    problem(other.api.call("PATCH", path, {"name": "Stolen"}), 404)
    problem(other.api.call("POST", f"{path}/archive"), 404)
    problem(other.api.call("POST", f"{path}/restore"), 404)
    problem(firm.api.call("PATCH", "/api/staff/clients/00000000-0000-0000-0000-000000000000", {"name": "Ghost"}), 404)
    assert client_names(firm) == ["Echo Farms"]
    assert [e["event"] for e in history(firm, client["id"])] == []


def test_archiving_closes_the_portal_to_its_contacts_only_and_restoring_brings_it_all_back(stack, firm):
    archived, kept, kay, kay_api = two_portals(stack, firm, ("Golf Partners", "Hotel Group"))
    ids = portal_items(firm, archived["id"], kay["id"])
    routes = contact_client_routes(ids)
    assert len(routes) >= 15
    for method, path in routes:  # every contact route works before
        if method == "GET":
            kay_api.call(method, path, expect=200)
    lee = firm.contact(archived["id"], "Lee", "Invited", unique_email("lee"))
    invite(firm, archived["id"], lee["id"])
    lee_token = token_of(mail_to(stack, lee["email"])[-1])

    a = firm.api.call("POST", f"/api/staff/clients/{archived['id']}/archive", expect=200).json()
    assert a["archived_at"] and a["name"] == "Golf Partners"

    # the contact: refused on every route of that portal, which leaves their list; the other stays
    refused_everywhere(kay_api, routes)
    assert portals_of(kay_api) == ["Hotel Group"]
    kay_api.call("GET", f"/api/portal/clients/{kept['id']}/home", expect=200)
    # an open invite's link stops working
    assert "archived" in problem(stack.api().call("GET", f"/api/invites/{lee_token}"), 410)["detail"]
    problem(stack.api().call("POST", f"/api/invites/{lee_token}/account", {"password": PASSWORD}), 410)

    # the lists
    assert client_names(firm) == ["Hotel Group"]
    assert client_names(firm, "?status=active") == ["Hotel Group"]
    assert client_names(firm, "?status=archived") == ["Golf Partners"]
    assert client_names(firm, "?status=all") == ["Hotel Group", "Golf Partners"]
    assert problem(firm.api.call("GET", "/api/staff/clients?status=deleted"), 400)["errors"][0]["field"] == "status"

    # staff still open the record, its items and its history
    detail = firm.api.call("GET", f"/api/staff/clients/{archived['id']}", expect=200).json()
    assert detail["archived_at"] and {c["id"] for c in detail["contacts"]} == {kay["id"], lee["id"]}
    for what in ("files", "requests", "threads", "signatures", "invoices"):
        firm.api.call("GET", f"/api/staff/clients/{archived['id']}/{what}", expect=200)
    entry = history(firm, archived["id"])[0]
    assert entry["event"] == "client_archived" and entry["actor"]["kind"] == "staff" and entry["ip"] == "127.0.0.1", entry

    # nothing new: invites, contacts, work
    c = archived["id"]
    refusals = [
        ("POST", f"/api/staff/clients/{c}/invites", {"contact_ids": [lee["id"]]}),
        ("POST", f"/api/staff/clients/{c}/invites/preview", {"contact_id": lee["id"]}),
        ("POST", f"/api/staff/clients/{c}/contacts", {"first_name": "New", "last_name": "Person"}),
        ("POST", f"/api/staff/clients/{c}/requests", {"title": "More", "assignee_ids": [kay["id"]]}),
        ("POST", f"/api/staff/clients/{c}/files", {"name": "a.pdf", "size": 10, "content_type": "application/pdf"}),
        ("POST", f"/api/staff/clients/{c}/threads", {"subject": "Hi", "body": "x", "contact_ids": [kay["id"]]}),
        ("POST", f"/api/staff/clients/{c}/threads/{ids['thread_id']}/messages", {"body": "x"}),
        ("POST", f"/api/staff/clients/{c}/signatures", {"file_id": ids["file_id"], "signer_ids": [kay["id"]]}),
        ("POST", f"/api/staff/clients/{c}/invoices", {"number": "L-2", "issue_date": "2026-11-01", "due_date": "2026-12-01",
                                                     "currency": "USD", "lines": [{"description": "x", "unit_amount": 1}]}),
        ("POST", f"/api/staff/clients/{c}/archive", None),
    ]
    for method, path, body in refusals:
        detail = problem(firm.api.call(method, path, body), 409)["detail"]
        assert RESTORE_FIRST in detail or "already archived" in detail, (path, detail)
    someone = firm.contact(kept["id"], "Sam", "Elsewhere")
    assert RESTORE_FIRST in problem(firm.api.call("PUT", f"/api/staff/clients/{c}/contacts/{someone['id']}"), 409)["detail"]
    assert {x["id"] for x in firm.api.call("GET", f"/api/staff/clients/{c}", expect=200).json()["contacts"]} == {kay["id"], lee["id"]}

    # restore: everything as it was
    r = firm.api.call("POST", f"/api/staff/clients/{c}/restore", expect=200).json()
    assert "archived_at" not in r
    for method, path in routes:
        if method == "GET":
            kay_api.call(method, path, expect=200)
    assert portals_of(kay_api) == ["Golf Partners", "Hotel Group"]
    stack.api().call("GET", f"/api/invites/{lee_token}", expect=200)
    assert client_names(firm) == ["Golf Partners", "Hotel Group"] and client_names(firm, "?status=archived") == []
    assert [e["event"] for e in history(firm, c) if e["event"].startswith("client_")] == ["client_restored", "client_archived"]
    assert "not archived" in problem(firm.api.call("POST", f"/api/staff/clients/{c}/restore"), 409)["detail"]
    firm.api.call("POST", f"/api/staff/clients/{c}/requests", {"title": "Welcome back", "assignee_ids": [kay["id"]]}, expect=201)


def test_reminders_skip_an_archived_client_until_it_is_restored(stack, firm):
    firm.api.call("PATCH", "/api/staff/firm/settings", {"reminder_after_days": 3, "max_reminders": 2}, expect=200)
    client = firm.client("India Imports")
    ana = firm.contact(client["id"], "Ana", "Archived", unique_email("remind-archived"))
    invite(firm, client["id"], ana["id"])
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/archive", expect=200)
    run_reminders(stack, 3.5)
    assert reminders_to(stack, ana["email"]) == []
    assert "GSI2PK" in link_item(stack, client["id"], ana["id"]), "kept on the list for a restore"
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/restore", expect=200)
    run_reminders(stack, 3.5)
    assert len(reminders_to(stack, ana["email"])) == 1


def test_removing_a_contact_ends_their_access_to_that_portal_only(stack, firm):
    left, kept, kay, kay_api = two_portals(stack, firm, ("Juliet Holdings", "Kilo Trust"))
    ids = portal_items(firm, left["id"], kay["id"])
    routes = contact_client_routes(ids)
    mine = upload_slot(kay_api, "portal", left["id"], {"name": "w2.pdf", "size": len(PDF), "content_type": "application/pdf"})
    assert land(stack, mine, PDF) == "available"
    lee = firm.contact(left["id"], "Lee", "Invited", unique_email("lee"))
    invite(firm, left["id"], lee["id"])
    lee_token = token_of(mail_to(stack, lee["email"])[-1])

    r = firm.api.call("DELETE", f"/api/staff/clients/{left['id']}/contacts/{kay['id']}", expect=204)
    assert r.text == ""
    # their next call to that portal is refused, on every route; their other portal and login stay
    refused_everywhere(kay_api, routes)
    assert portals_of(kay_api) == ["Kilo Trust"]
    kay_api.call("GET", f"/api/portal/clients/{kept['id']}/home", expect=200)
    session = stack.api().call("POST", "/api/portal/sessions", {"email": kay["email"], "password": PASSWORD}, expect=200).json()
    assert session["access_token"]

    # staff: gone from the client; what they did stays attributed to them
    assert [c["id"] for c in firm.api.call("GET", f"/api/staff/clients/{left['id']}", expect=200).json()["contacts"]] == [lee["id"]]
    files = firm.api.call("GET", f"/api/staff/clients/{left['id']}/files", expect=200).json()["items"]
    upload = next(f for f in files if f["id"] == mine["file"]["id"])
    assert upload["uploaded_by"] == {"kind": "contact", "id": kay["id"], "name": "Kay Client"}
    trail = history(firm, left["id"])
    assert trail[0]["event"] == "contact_removed" and trail[0]["subject_id"] == kay["id"] and trail[0]["detail"] == "Kay Client", trail[0]
    assert trail[0]["actor"]["kind"] == "staff" and trail[0]["ip"] == "127.0.0.1"
    assert any(e["event"] == "file_uploaded" and e["actor"]["id"] == kay["id"] for e in trail)
    # requests and forms sent to them stay as they were (see ops::lifecycle)
    req = firm.api.call("GET", f"/api/staff/clients/{left['id']}/requests/{ids['request_id']}", expect=200).json()
    assert req["assignees"] == [kay["id"]] and req["status"] == "open"

    # removing twice, or from another firm: 404
    problem(firm.api.call("DELETE", f"/api/staff/clients/{left['id']}/contacts/{kay['id']}"), 404)
    problem(stack.new_firm("Another Firm").api.call("DELETE", f"/api/staff/clients/{left['id']}/contacts/{lee['id']}"), 404)
    # removing a contact with an open invite: the link dies with it
    firm.api.call("DELETE", f"/api/staff/clients/{left['id']}/contacts/{lee['id']}", expect=204)
    problem(stack.api().call("GET", f"/api/invites/{lee_token}"), 404)
    # linked again later: a new invite is needed
    firm.api.call("PUT", f"/api/staff/clients/{left['id']}/contacts/{kay['id']}", expect=201)
    assert status_of(firm, left["id"], kay["id"])["status"] == "not_invited"
    problem(kay_api.call("GET", f"/api/portal/clients/{left['id']}/home"), 404)


def test_a_contact_can_be_removed_from_an_archived_client(stack, firm):
    client = firm.client("Lima Logistics")
    kay, kay_api = active_contact(stack, firm, client["id"], "Kay")
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/archive", expect=200)
    firm.api.call("DELETE", f"/api/staff/clients/{client['id']}/contacts/{kay['id']}", expect=204)
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/restore", expect=200)
    problem(kay_api.call("GET", f"/api/portal/clients/{client['id']}/home"), 404)
    assert portals_of(kay_api) == []
    assert [e["event"] for e in history(firm, client["id"])][:3] == ["client_restored", "contact_removed", "client_archived"]
