"""A stage that had data before an index existed: `portal-admin backfill-indexes` gives the
old items their keys (shared/src/ops/backfill.rs).

The items are made through the API, then stripped of what an older version did not write
(the GSI3 keys of links, open work and threads; the invoice-number guards). Without their
keys they are missing from Home's counts, the balance and the clients list's portal filter;
after the backfill they are back, and a second run changes nothing."""
from __future__ import annotations

import portal_local as pl

from support import active_contact, invite, unique_email


def strip_to_old_shape(stack, client_id: str) -> int:
    """Remove what an older version did not write from the client's partition."""
    table = stack.table()
    items = table.query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": f"CLIENT#{client_id}"}, ConsistentRead=True)["Items"]
    changed = 0
    for item in items:
        key = {"PK": item["PK"], "SK": item["SK"]}
        if item["SK"].startswith("INVNUM#"):
            table.delete_item(Key=key)
            changed += 1
        elif "GSI3PK" in item:
            table.update_item(Key=key, UpdateExpression="REMOVE GSI3PK, GSI3SK")
            changed += 1
    return changed


def test_backfill_brings_old_items_back_into_home_the_balance_and_the_portal_filter(stack, firm):
    client = firm.client("Olden Days LLC")
    cid = client["id"]
    contact, api = active_contact(stack, firm, cid, "Olden")
    waiting = firm.contact(cid, "Wai", "Ting", unique_email("waiting"))
    invite(firm, cid, waiting["id"])
    firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    firm.api.call("POST", f"/api/staff/clients/{cid}/requests", {"title": "Bank statements", "assignee_ids": [contact["id"]]}, expect=201)
    new_invoice = lambda number, amount: firm.api.call("POST", f"/api/staff/clients/{cid}/invoices", {
        "number": number, "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
        "lines": [{"description": "Advice", "unit_amount": amount}]}, expect=201).json()
    new_invoice("OLD-1", 12500)
    paid = new_invoice("OLD-2", 4000)
    firm.api.call("POST", f"/api/staff/clients/{cid}/invoices/{paid['id']}/payments", {"amount": 4000}, expect=201)
    firm.api.call("POST", f"/api/staff/clients/{cid}/threads", {"subject": "Welcome", "body": "Hello", "contact_ids": [contact["id"]]}, expect=201)
    home = lambda: api.call("GET", f"/api/portal/clients/{cid}/home", expect=200).json()
    invited = lambda: [r["contact"]["id"] for r in firm.api.call("GET", "/api/staff/clients?portal=invited&q=olden", expect=200).json()["items"]]
    before = home()
    assert (before["todo"]["open"], before["billing"]["open_invoices"], before["messages"]["unread_threads"]) == (1, 1, 1)
    assert invited() == [waiting["id"]]

    assert strip_to_old_shape(stack, cid) == 7  # 2 links, 1 request, 1 open invoice, 1 thread, 2 guards
    old = home()
    assert (old["todo"]["open"], old["billing"]["balances"], old["messages"]["unread_threads"]) == (0, [], 0), "the old shape is invisible"
    assert invited() == []
    first = pl.admin(stack.env, "backfill-indexes")
    assert first["links"] >= 2 and first["open_work"] >= 2 and first["threads"] >= 1 and first["invoice_numbers"] >= 2, first
    after = home()
    assert after["todo"]["open"] == 1 and [r["title"] for r in after["todo"]["items"]] == ["Bank statements"]
    assert after["billing"] == {"balances": [{"currency": "USD", "amount": 12500}], "open_invoices": 1, "online_payments_enabled": False}
    assert after["messages"] == {"unread_messages": 1, "unread_threads": 1}
    assert invited() == [waiting["id"]]
    taken = firm.api.call("POST", f"/api/staff/clients/{cid}/invoices", {
        "number": "old-2", "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
        "lines": [{"description": "Again", "unit_amount": 1}]})
    assert taken.status_code == 400 and taken.json()["errors"][0]["field"] == "number"

    second = pl.admin(stack.env, "backfill-indexes")
    assert {k: second[k] for k in ("links", "open_work", "threads", "invoice_numbers", "changed_meanwhile")} == \
        {"links": 0, "open_work": 0, "threads": 0, "invoice_numbers": 0, "changed_meanwhile": 0}, second
