"""A client's portal with something on every contact route (a file, a request, an invoice, a
message thread, a signature form, all for one contact), and the contact routes of the spec
with their ids filled in — to check that a contact who lost a portal (archived client,
removed contact) is refused on each of them, and that they worked before."""
from __future__ import annotations

import yaml

import portal_local as pl

from .files import PDF, land

METHODS = ("get", "post", "put", "patch", "delete")


def portal_items(firm, client_id: str, contact_id: str) -> dict:
    """Make one of each portal item of the client for the contact; returns the path ids."""
    api = firm.api
    slot = api.call("POST", f"/api/staff/clients/{client_id}/files",
                    {"name": "return.pdf", "size": len(PDF), "content_type": "application/pdf", "share_with": [contact_id]}, expect=201).json()
    assert land(firm.stack, slot, PDF) == "available"
    req = api.call("POST", f"/api/staff/clients/{client_id}/requests", {"title": "Bank statements", "assignee_ids": [contact_id]}, expect=201).json()["request"]
    api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    inv = api.call("POST", f"/api/staff/clients/{client_id}/invoices", {"number": "L-1", "issue_date": "2026-11-01", "due_date": "2026-12-01",
                                                                       "currency": "USD", "lines": [{"description": "Work", "unit_amount": 100}]}, expect=201).json()
    thread = api.call("POST", f"/api/staff/clients/{client_id}/threads", {"subject": "Hello", "body": "First message", "contact_ids": [contact_id]},
                      expect=201).json()["thread"]
    form = api.call("POST", f"/api/staff/clients/{client_id}/signatures", {"file_id": slot["file"]["id"], "signer_ids": [contact_id]}, expect=201).json()["form"]
    return {"client_id": client_id, "file_id": slot["file"]["id"], "request_id": req["id"], "invoice_id": inv["id"],
            "thread_id": thread["id"], "form_id": form["id"]}


def contact_client_routes(ids: dict) -> list[tuple[str, str]]:
    """Every contact route of the spec that opens one client's portal, as (method, path)."""
    spec = yaml.safe_load((pl.ROOT / "infra" / "openapi.yaml").read_text())
    out = []
    for template, item in spec["paths"].items():
        if not template.startswith("/api/portal/clients/{client_id}"):
            continue
        for method in METHODS:
            if method in item:
                path = template
                for name, value in ids.items():
                    path = path.replace("{" + name + "}", value)
                assert "{" not in path, f"no id for {template}"
                out.append((method.upper(), path))
    return out
