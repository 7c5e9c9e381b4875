"""The client portal after sign-in: files (presigned uploads checked by file-events,
per-contact visibility, recorded downloads), To-Do (requests and tasks), billing, Home
and user settings — each contact seeing only what is theirs, in the right portal."""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import boto3
import requests

import portal_local as pl
from support.pages import walk
from support import (PDF, accept_invite, active_contact, deliver, land, operations, problem, put, query_limits, recorded_calls, spend_quota, stored_key,
                     unique_email, upload_key, upload_slot, verify_sigv4_query, versions)


def test_contact_upload_is_signed_checked_and_reaches_staff(stack, firm):
    client = firm.client("Upload Client")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    slot = upload_slot(ana_api, "portal", client["id"], {"name": "../../2026 W-2.pdf", "size": len(PDF), "content_type": "application/pdf"})
    assert slot["file"]["status"] == "pending" and slot["file"]["name"] == "2026 W-2.pdf"
    url = slot["upload"]["url"]
    q = parse_qs(urlsplit(url).query)
    assert q["X-Amz-Expires"] == ["900"]
    # the key is the server's, not the user's name, and an upload key (never what is served)
    assert upload_key(slot) == f"uploads/firms/{firm.firm_id}/clients/{client['id']}/files/{slot['file']['id']}"
    signed = verify_sigv4_query(url, "PUT", slot["upload"]["headers"], pl.CREDS["aws_secret_access_key"])
    assert {"content-length", "content-type", "host", "x-amz-tagging"} <= set(signed), signed
    assert slot["upload"]["headers"]["content-length"] == str(len(PDF))
    # pending files are not downloadable, and other contacts do not see them
    problem(ana_api.call("GET", f"/api/portal/clients/{client['id']}/files/{slot['file']['id']}/download"), 409)
    assert land(stack, slot, PDF) == "available"
    staff_files = firm.api.call("GET", f"/api/staff/clients/{client['id']}/files", expect=200).json()["items"]
    assert [(f["id"], f["status"], f["uploaded_by"]["name"]) for f in staff_files] == [(slot["file"]["id"], "available", "Ana Client")]
    link = firm.api.call("GET", f"/api/staff/clients/{client['id']}/files/{slot['file']['id']}/download", expect=200).json()
    assert parse_qs(urlsplit(link["url"]).query)["X-Amz-Expires"] == ["300"]
    got = requests.get(link["url"], timeout=30)
    assert got.status_code == 200 and got.content == PDF
    assert "2026 W-2.pdf" in got.headers.get("content-disposition", "")
    # the approved copy is not tagged pending (the lifecycle rule would expire it), and the
    # upload is gone, every version of it
    s3 = stack.aws("s3")
    assert s3.get_object_tagging(Bucket=stack.env["BUCKET_NAME"], Key=stored_key(slot))["TagSet"] == []
    assert versions(stack, upload_key(slot)) == []
    # the download was recorded with who and from where
    table = boto3.resource("dynamodb", endpoint_url=stack.endpoint, region_name=pl.REGION, **pl.CREDS).Table(stack.env["TABLE_NAME"])
    audit = table.query(KeyConditionExpression="PK = :pk AND begins_with(SK, :a)",
                        ExpressionAttributeValues={":pk": f"CLIENT#{client['id']}", ":a": "AUDIT#"})["Items"]
    about_file = [a for a in audit if a.get("subject_id") == slot["file"]["id"]]
    assert [(a["event"], a["actor"]["kind"]) for a in about_file] == [("file_uploaded", "contact"), ("file_downloaded", "staff")]
    assert all(a["user_agent"].startswith("python-requests") and a["ip"] == "127.0.0.1" for a in about_file)


def test_uploads_that_do_not_match_the_declaration_are_rejected_and_deleted(stack, firm):
    client = firm.client()
    _, api = active_contact(stack, firm, client["id"], "Bo")
    bigger = upload_slot(api, "portal", client["id"], {"name": "a.pdf", "size": len(PDF), "content_type": "application/pdf"})
    # S3 refuses a body of another length, or another type, than the URL signed
    refused = put(bigger, PDF + b"extra bytes")
    assert refused.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in refused.text
    other_type = requests.put(bigger["upload"]["url"], data=PDF, timeout=60,
                              headers={**{k: v for k, v in bigger["upload"]["headers"].items() if k != "content-length"},
                                       "content-type": "text/html"})
    assert other_type.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in other_type.text
    assert versions(stack, upload_key(bigger)) == []
    # file-events' own size check stands behind it
    verdict = land(stack, bigger, PDF + b"extra bytes")
    assert verdict.startswith("rejected") and "declared" in verdict
    exe = upload_slot(api, "portal", client["id"], {"name": "invoice.pdf", "size": 1024, "content_type": "application/pdf"})
    assert "contents" in land(stack, exe, b"MZ" + b"\0" * 1022)
    files = {f["id"]: f for f in api.call("GET", f"/api/portal/clients/{client['id']}/files", expect=200).json()["items"]}
    assert files[bigger["file"]["id"]]["status"] == "rejected" and files[exe["file"]["id"]]["status"] == "rejected"
    # deleted for good: no version left behind a delete marker, nothing copied to a stored key
    assert versions(stack, f"uploads/firms/{firm.firm_id}/clients/{client['id']}/") == []
    assert versions(stack, f"firms/{firm.firm_id}/clients/{client['id']}/") == []
    problem(api.call("GET", f"/api/portal/clients/{client['id']}/files/{exe['file']['id']}/download"), 409)
    # a second delivery of the same event changes nothing
    assert deliver(stack, upload_key(exe), 1024) == "ignored"


def test_a_csv_from_windows_is_accepted_as_a_csv(stack, firm):
    # A browser on Windows with Excel installed declares every .csv as an Excel workbook:
    # the type is decided by that declaration and the name together, then by the bytes.
    client = firm.client()
    _, api = active_contact(stack, firm, client["id"], "Wyn")
    csv = b"\xef\xbb\xbfdate,amount\r\n2026-01-02,12.50\r\n"
    slot = upload_slot(api, "portal", client["id"], {"name": "Q1 bank export.csv", "size": len(csv), "content_type": "application/vnd.ms-excel"})
    assert slot["file"]["content_type"] == "text/csv" and slot["upload"]["headers"]["content-type"] == "text/csv"
    assert land(stack, slot, csv) == "available"
    link = firm.api.call("GET", f"/api/staff/clients/{client['id']}/files/{slot['file']['id']}/download", expect=200).json()
    got = requests.get(link["url"], timeout=30)
    assert got.status_code == 200 and got.content == csv and got.headers["content-type"].startswith("text/csv")
    # a real (OLE) Excel workbook under a .csv name is no CSV: its bytes say so
    ole = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) + b"\0" * 504
    workbook = upload_slot(api, "portal", client["id"], {"name": "ledger.csv", "size": len(ole), "content_type": "application/vnd.ms-excel"})
    assert "contents are not text/csv" in land(stack, workbook, ole)


def test_upload_limits_and_types(stack, firm):
    client = firm.client()
    # the firm's own cap (set by operations; functions read firm settings through a one-minute
    # cache, so it is set before this firm's first upload)
    table = boto3.resource("dynamodb", endpoint_url=stack.endpoint, region_name=pl.REGION, **pl.CREDS).Table(stack.env["TABLE_NAME"])
    table.update_item(Key={"PK": f"FIRM#{firm.firm_id}", "SK": "FIRM"}, UpdateExpression="SET max_upload_bytes = :m",
                      ExpressionAttributeValues={":m": 1024 * 1024})
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/files",
                                 {"name": "setup.exe", "size": 6 * 1024 ** 3, "content_type": "application/x-msdownload"}), 400)
    assert [e["field"] for e in body["errors"]] == ["size", "content_type"]
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/files",
                                 {"name": "big.pdf", "size": 2 * 1024 * 1024, "content_type": "application/pdf"}), 400)
    assert "1.0 MB" in body["errors"][0]["message"]
    assert firm.api.call("GET", f"/api/staff/clients/{client['id']}/files", expect=200).json()["items"] == []


def test_shared_files_reach_only_the_contacts_they_are_shared_with(stack, firm):
    client = firm.client("Sharing Client")
    a, a_api = active_contact(stack, firm, client["id"], "Amy")
    b, b_api = active_contact(stack, firm, client["id"], "Ben")
    pending = firm.contact(client["id"], "Cy", "NotYet", unique_email("cy"))
    slot = upload_slot(firm.api, "staff", client["id"], {"name": "Engagement letter.pdf", "size": len(PDF),
                                                           "content_type": "application/pdf", "share_with": [a["id"], pending["id"]]})
    assert slot["sharing"] == [{"contact_id": a["id"], "outcome": "shared"}, {"contact_id": pending["id"], "outcome": "not_invited"}]
    assert land(stack, slot, PDF) == "available"
    fid = slot["file"]["id"]
    assert [f["id"] for f in a_api.call("GET", f"/api/portal/clients/{client['id']}/files", expect=200).json()["items"]] == [fid]
    assert b_api.call("GET", f"/api/portal/clients/{client['id']}/files", expect=200).json()["items"] == []
    problem(b_api.call("GET", f"/api/portal/clients/{client['id']}/files/{fid}/download"), 404)
    a_api.call("GET", f"/api/portal/clients/{client['id']}/files/{fid}/download", expect=200)
    # a contact's own upload is not visible to the other contact until staff share it
    own = upload_slot(a_api, "portal", client["id"], {"name": "bank.pdf", "size": len(PDF), "content_type": "application/pdf"})
    land(stack, own, PDF)
    problem(b_api.call("GET", f"/api/portal/clients/{client['id']}/files/{own['file']['id']}/download"), 404)
    shared = firm.api.call("PUT", f"/api/staff/clients/{client['id']}/files/{own['file']['id']}/sharing", {"all": True}, expect=200).json()
    assert {o["contact_id"]: o["outcome"] for o in shared["sharing"]} == {a["id"]: "shared", b["id"]: "shared", pending["id"]: "not_invited"}
    b_api.call("GET", f"/api/portal/clients/{client['id']}/files/{own['file']['id']}/download", expect=200)
    # contacts cannot share, nor upload "shared" files
    problem(a_api.call("POST", f"/api/portal/clients/{client['id']}/files", {"name": "x.pdf", "size": 10, "content_type": "application/pdf", "share_with_all": True}), 400)
    problem(firm.api.call("PUT", f"/api/staff/clients/{client['id']}/files/{fid}/sharing", {"contact_ids": ["0193a0b0-0000-7000-8000-000000000000"]}), 400)


def test_requests_flow_and_visibility(stack, firm):
    client = firm.client("Todo Client")
    a, a_api = active_contact(stack, firm, client["id"], "Ada")
    b, b_api = active_contact(stack, firm, client["id"], "Bea")
    created = firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests", {
        "title": "2026 W-2 forms", "instructions": "Upload every W-2.", "due_date": "2027-02-15",
        "assignee_ids": [a["id"]], "upload_required": True}, expect=201).json()
    rid = created["request"]["id"]
    assert created["assignees"] == [{"contact_id": a["id"], "outcome": "assigned"}]
    assert [r["id"] for r in a_api.call("GET", f"/api/portal/clients/{client['id']}/todo", expect=200).json()["items"]] == [rid]
    assert b_api.call("GET", f"/api/portal/clients/{client['id']}/todo", expect=200).json()["items"] == []
    problem(b_api.call("GET", f"/api/portal/clients/{client['id']}/requests/{rid}"), 404)
    problem(b_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/responses", {"text": "hi"}), 404)
    # upload required: marking done without a file is refused
    body = problem(a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/submit", {}), 400)
    assert body["errors"][0]["field"] == "file_ids"
    slot = upload_slot(a_api, "portal", client["id"], {"name": "w2.pdf", "size": len(PDF), "content_type": "application/pdf", "request_id": rid})
    land(stack, slot, PDF)
    # someone else's file cannot be attached
    problem(a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/responses", {"file_ids": ["0193a0b0-0000-7000-8000-000000000000"]}), 400)
    # bounded lists (issue 15, finding 3): more than 10 files in one answer is refused and
    # changes nothing; a file named many times is attached once
    body = problem(a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/responses",
                              {"text": "x", "file_ids": [f"0193a0b0-0000-7000-8000-{i:012d}" for i in range(11)]}), 400)
    assert body["errors"][0]["field"] == "file_ids" and "at most 10" in body["errors"][0]["message"]
    assert a_api.call("GET", f"/api/portal/clients/{client['id']}/requests/{rid}", expect=200).json()["responses"] == []
    a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/responses", {"text": "Here it is", "file_ids": [slot["file"]["id"]] * 500}, expect=200)
    done = a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/submit", None, expect=200).json()
    assert done["status"] == "submitted"
    seen = firm.api.call("GET", f"/api/staff/clients/{client['id']}/requests/{rid}", expect=200).json()
    assert seen["status"] == "submitted" and seen["responses"][0]["text"] == "Here it is"
    assert seen["responses"][0]["file_ids"] == [slot["file"]["id"]] and seen["responses"][0]["by"]["name"] == "Ada Client"
    reopened = firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests/{rid}/reopen", {"note": "Page 2 is missing"}, expect=200).json()
    assert reopened["status"] == "open" and reopened["history"][-1]["note"] == "Page 2 is missing"
    a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/submit", None, expect=200)
    assert firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests/{rid}/complete", None, expect=200).json()["status"] == "completed"
    problem(a_api.call("POST", f"/api/portal/clients/{client['id']}/requests/{rid}/responses", {"text": "more"}), 409)
    # contacts cannot use the staff routes that create, complete or reopen
    problem(a_api.call("POST", f"/api/staff/clients/{client['id']}/requests/{rid}/reopen"), 401)
    problem(a_api.call("POST", f"/api/staff/clients/{client['id']}/requests", {"title": "x", "assignee_ids": [a["id"]]}), 401)


def test_requests_prompt_to_invite_and_check_input(stack, firm):
    client = firm.client()
    not_yet = firm.contact(client["id"], "Nia", "Later", unique_email("nia"))
    created = firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests",
                            {"kind": "task", "title": "Sign the engagement letter", "assignee_ids": [not_yet["id"]]}, expect=201).json()
    assert created["assignees"] == [{"contact_id": not_yet["id"], "outcome": "not_invited"}]
    body = problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests", {"title": "", "due_date": "soon", "assignee_ids": []}), 400)
    assert [e["field"] for e in body["errors"]] == ["title", "due_date", "assignee_ids"]


def test_billing_balance_is_exact_and_off_hides_it(stack, firm):
    client = firm.client("Billing Client")
    _, api = active_contact(stack, firm, client["id"], "Pay")
    base = f"/api/staff/clients/{client['id']}"
    inv1 = firm.api.call("POST", f"{base}/invoices", {
        "number": "2026-001", "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
        "lines": [{"description": "Individual return", "quantity": 1, "unit_amount": 45000}]}, expect=201).json()
    inv2 = firm.api.call("POST", f"{base}/invoices", {
        "number": "INV-2026-002", "issue_date": "2026-11-15", "due_date": "2026-12-15", "currency": "USD",
        "lines": [{"description": "Bookkeeping", "quantity": 3, "unit_amount": 3333}]}, expect=201).json()
    assert inv2["total"] == 9999
    # An invoice number is the client's once, whatever its case; the refusal writes nothing.
    for taken in ("2026-001", "inv-2026-002"):
        body = problem(firm.api.call("POST", f"{base}/invoices", {
            "number": taken, "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
            "lines": [{"description": "dup", "unit_amount": 1}]}), 400)
        assert body["errors"][0]["field"] == "number", body
    # Another client may use the same number.
    other = firm.client("Billing Neighbour")
    firm.api.call("POST", f"/api/staff/clients/{other['id']}/invoices", {
        "number": "2026-001", "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD",
        "lines": [{"description": "Their own", "unit_amount": 100}]}, expect=201)
    firm.api.call("POST", f"{base}/invoices/{inv1['id']}/payments", {"amount": 10001, "paid_on": "2026-11-20", "reference": "cheque 1042"}, expect=201)
    problem(firm.api.call("POST", f"{base}/invoices/{inv2['id']}/payments", {"amount": 10000}), 400)
    settings = {"billing_enabled": True, "online_payments_enabled": False}
    firm.api.call("PUT", "/api/staff/settings/billing", settings, expect=200)
    summary = api.call("GET", f"/api/portal/clients/{client['id']}/billing", expect=200).json()
    assert summary["balances"] == [{"currency": "USD", "amount": 45000 + 9999 - 10001}] and summary["open_invoices"] == 2
    assert [i["number"] for i in summary["items"]] == ["INV-2026-002", "2026-001"] and summary["next"] is None
    # Pages of one invoice: newest first, nothing repeated or lost; the balance on each.
    walked, pages = walk(api, f"/api/portal/clients/{client['id']}/billing", 1, key="number")
    assert [i["number"] for i in walked] == ["INV-2026-002", "2026-001"] and all(len(p) <= 1 for p in pages)
    first = api.call("GET", f"/api/portal/clients/{client['id']}/billing?limit=1", expect=200).json()
    second = api.call("GET", f"/api/portal/clients/{client['id']}/billing?limit=1&cursor={first['next']}", expect=200).json()
    assert second["balances"] == summary["balances"] and second["open_invoices"] == 2
    # A cursor of the payments list is not one of the invoices'.
    payments = api.call("GET", f"/api/portal/clients/{client['id']}/payments", expect=200).json()
    assert [p["reference"] for p in payments["items"]] == ["cheque 1042"] and payments["next"] is None
    assert problem(firm.api.call("GET", f"{base}/payments?cursor={first['next']}"), 400)["errors"][0]["field"] == "cursor"
    problem(api.call("POST", f"/api/portal/clients/{client['id']}/invoices/{inv2['id']}/pay", {}), 409)
    # online payment through the test provider pays the balance due
    firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": True}, expect=200)
    paid = api.call("POST", f"/api/portal/clients/{client['id']}/invoices/{inv2['id']}/pay", {}, expect=201).json()
    assert paid["amount"] == 9999 and paid["method"] == "online" and paid["reference"].startswith("test_")
    assert api.call("GET", f"/api/portal/clients/{client['id']}/invoices/{inv2['id']}", expect=200).json()["status"] == "paid"
    problem(api.call("POST", f"/api/portal/clients/{client['id']}/invoices/{inv2['id']}/pay", {}), 409)
    # Paid in full: out of the open invoices and the balance; the rest of inv1 settles all.
    staff_view = firm.api.call("GET", f"{base}/invoices", expect=200).json()
    assert staff_view["balances"] == [{"currency": "USD", "amount": 45000 - 10001}] and staff_view["open_invoices"] == 1
    firm.api.call("POST", f"{base}/invoices/{inv1['id']}/payments", {"amount": 45000 - 10001}, expect=201)
    settled = firm.api.call("GET", f"{base}/invoices", expect=200).json()
    assert settled["balances"] == [] and settled["open_invoices"] == 0
    assert [p["amount"] for p in firm.api.call("GET", f"{base}/payments", expect=200).json()["items"]] == [45000 - 10001, 9999, 10001]
    # billing off: hidden from the contact, still there for staff
    firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": False, "online_payments_enabled": False}, expect=200)
    problem(api.call("GET", f"/api/portal/clients/{client['id']}/billing"), 404)
    problem(api.call("GET", f"/api/portal/clients/{client['id']}/payments"), 404)
    problem(api.call("GET", f"/api/portal/clients/{client['id']}/invoices/{inv1['id']}"), 404)
    assert "billing" not in api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()
    firm.api.call("GET", f"{base}/invoices", expect=200)
    problem(firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": False, "online_payments_enabled": True}), 400)


def test_a_contact_on_two_clients_sees_each_portals_items_only_there(stack, firm):
    home_client, biz = firm.client("Rivera Household"), firm.client("Rivera Bakery LLC")
    email = unique_email("maria")
    maria = firm.contact(home_client["id"], "Maria", "Rivera", email)
    firm.api.call("PUT", f"/api/staff/clients/{biz['id']}/contacts/{maria['id']}", expect=201)
    api = accept_invite(stack, firm, home_client["id"], maria["id"], email)
    # before accepting the second invite, the second portal does not open
    problem(api.call("GET", f"/api/portal/clients/{biz['id']}/files"), 404)
    api = accept_invite(stack, firm, biz["id"], maria["id"], email)
    slot = upload_slot(firm.api, "staff", home_client["id"], {"name": "1040.pdf", "size": len(PDF), "content_type": "application/pdf", "share_with_all": True})
    land(stack, slot, PDF)
    req = firm.api.call("POST", f"/api/staff/clients/{biz['id']}/requests", {"title": "Payroll reports", "assignee_ids": [maria["id"]]}, expect=201).json()["request"]
    assert [f["name"] for f in api.call("GET", f"/api/portal/clients/{home_client['id']}/files", expect=200).json()["items"]] == ["1040.pdf"]
    assert api.call("GET", f"/api/portal/clients/{biz['id']}/files", expect=200).json()["items"] == []
    assert api.call("GET", f"/api/portal/clients/{home_client['id']}/todo", expect=200).json()["items"] == []
    assert [r["id"] for r in api.call("GET", f"/api/portal/clients/{biz['id']}/todo", expect=200).json()["items"]] == [req["id"]]
    # ids of one portal do not work through the other
    problem(api.call("GET", f"/api/portal/clients/{biz['id']}/files/{slot['file']['id']}/download"), 404)
    problem(api.call("GET", f"/api/portal/clients/{home_client['id']}/requests/{req['id']}"), 404)
    # another firm's staff cannot reach any of it
    other = stack.new_firm("Elsewhere")
    problem(other.api.call("GET", f"/api/staff/clients/{home_client['id']}/files"), 404)
    problem(other.api.call("GET", f"/api/staff/clients/{biz['id']}/requests/{req['id']}"), 404)


def test_home_and_user_settings(stack, firm):
    client = firm.client("Home Client")
    me_contact, api = active_contact(stack, firm, client["id"], "Hal")
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests", {"title": "Overdue thing", "due_date": "2020-01-01", "assignee_ids": [me_contact["id"]]}, expect=201)
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests", {"title": "Later thing", "assignee_ids": [me_contact["id"]]}, expect=201)
    slot = upload_slot(firm.api, "staff", client["id"], {"name": "guide.pdf", "size": len(PDF), "content_type": "application/pdf", "share_with_all": True})
    land(stack, slot, PDF)
    firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/invoices", {"number": "7", "issue_date": "2026-11-01", "due_date": "2026-12-01", "currency": "USD", "lines": [{"description": "Advice", "unit_amount": 12500}]}, expect=201)
    api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200)  # warm
    with recorded_calls(stack) as entries:
        home = api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()
    # DynamoDB only: a background notifier (browser tests) may be listing the bucket meanwhile.
    calls = [e["headers"].get("X-Amz-Target", "") for e in entries]
    calls = [c for c in calls if c.startswith("DynamoDB")] + [e.get("url", "") for e in entries if "jwks" in e.get("url", "")]
    # the contact's identity (GetItem USER#) + BatchGetItem (access, firm) + three Queries
    # at once: a bounded page of the newest files, the client's open work, and its most
    # recently active threads
    assert sorted(calls) == ["DynamoDB_20120810.BatchGetItem", "DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query",
                             "DynamoDB_20120810.Query", "DynamoDB_20120810.Query"], calls
    assert home["client"]["name"] == "Home Client" and home["firm_name"] == "Test Firm"
    assert home["todo"]["open"] == 2 and home["todo"]["overdue"] == 1 and home["todo"]["items"][0]["title"] == "Overdue thing"
    assert [f["name"] for f in home["recent_files"]] == ["guide.pdf"]
    assert home["billing"]["balances"] == [{"currency": "USD", "amount": 12500}] and home["billing"]["open_invoices"] == 1
    assert home["help_center_url"] == "https://help.demo-firm.example/portal"
    # user settings: personal information, never the login email
    me = api.call("PATCH", "/api/portal/me", {"first_name": "Harold", "phone": "+1 555 222 3333",
                                              "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}}, expect=200).json()
    assert me["first_name"] == "Harold" and me["address"]["city"] == "Springfield"
    assert problem(api.call("PATCH", "/api/portal/me", {"email": "new@example.com"}), 400)["errors"][0]["field"] == "email"
    body = problem(api.call("PATCH", "/api/portal/me", {"address": {"line1": "x"}}), 400)
    assert {e["field"] for e in body["errors"]} == {"address.city", "address.postal_code", "address.country"}
    staff_view = firm.api.call("GET", f"/api/staff/clients/{client['id']}", expect=200).json()["contacts"][0]
    assert staff_view["first_name"] == "Harold", "the firm sees the contact's change"
    assert date.fromisoformat(home["todo"]["items"][0]["due_date"]) < date.today()
    # Completing a request takes it out of the client's open work, so off Home's counts.
    overdue_id = home["todo"]["items"][0]["id"]
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests/{overdue_id}/complete", None, expect=200)
    after = api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()
    assert after["todo"]["open"] == 1 and after["todo"]["overdue"] == 0 and [r["title"] for r in after["todo"]["items"]] == ["Later thing"]


def test_file_list_is_one_query_and_an_upload_slot_is_signed_without_network(stack, firm):
    client = firm.client("Counted Files")
    contact, api = active_contact(stack, firm, client["id"], "Cora")
    body = {"name": "w2.pdf", "size": len(PDF), "content_type": "application/pdf"}
    for who, prefix in ((firm.api, "staff"), (api, "portal")):
        who.call("POST", f"/api/{prefix}/clients/{client['id']}/files", body, expect=201)  # warm: identity, keys, firm settings
        who.call("GET", f"/api/{prefix}/clients/{client['id']}/files", expect=200)
    # staff: their record (read on every call), the access check (the client item and its
    # links: one bounded Query) and one page of files (one Query whose Limit is the page's)
    with recorded_calls(stack) as entries:
        files = firm.api.call("GET", f"/api/staff/clients/{client['id']}/files?limit=5", expect=200).json()["items"]
    assert len(files) == 2 and sorted(operations(entries)) == ["DynamoDB_20120810.GetItem"] + ["DynamoDB_20120810.Query"] * 2, operations(entries)
    assert sorted(query_limits(entries), key=str) == [5, None]
    # a contact: their identity (not cached, so a revoked login stops at once) and the same two
    with recorded_calls(stack) as entries:
        mine = api.call("GET", f"/api/portal/clients/{client['id']}/files", expect=200).json()["items"]
    assert len(mine) == 1 and sorted(operations(entries)) == ["DynamoDB_20120810.GetItem"] + ["DynamoDB_20120810.Query"] * 2
    assert sorted(query_limits(entries), key=str) == [50, None], "the default page is 50"
    # an upload slot: the caller's record, the access read, the firm's daily upload quota
    # and the file record; the presigning itself makes no call
    with recorded_calls(stack) as entries:
        firm.api.call("POST", f"/api/staff/clients/{client['id']}/files", body, expect=201)
    assert sorted(operations(entries)) == ["DynamoDB_20120810.GetItem"] * 2 + ["DynamoDB_20120810.PutItem", "DynamoDB_20120810.UpdateItem"], operations(entries)
    # the one-Query list still refuses what the viewer may not open
    problem(stack.new_firm("Elsewhere").api.call("GET", f"/api/staff/clients/{client['id']}/files"), 404)
    other = firm.client("Not Cora's")
    problem(api.call("GET", f"/api/portal/clients/{other['id']}/files"), 404)


def test_daily_upload_quotas_per_contact_and_per_firm(stack, firm):
    """Issue 15, finding 3: a contact may start 200 uploads a day and a firm 10,000; the next
    one is refused with 429, Retry-After until the next UTC day, and no file recorded."""
    client = firm.client("Busy Uploader")
    cora, cora_api = active_contact(stack, firm, client["id"], "Cora")
    _, dan_api = active_contact(stack, firm, client["id"], "Dan")
    body = {"name": "receipt.pdf", "size": len(PDF), "content_type": "application/pdf"}
    spend_quota(stack, "contact_uploads", cora["id"], 199)
    upload_slot(cora_api, "portal", client["id"], body)
    r = cora_api.call("POST", f"/api/portal/clients/{client['id']}/files", body)
    refusal = problem(r, 429)
    assert "200 uploads today" in refusal["detail"] and 0 < int(r.headers["retry-after"]) <= 86_400
    assert len(cora_api.call("GET", f"/api/portal/clients/{client['id']}/files", expect=200).json()["items"]) == 1
    upload_slot(dan_api, "portal", client["id"], body)  # another contact has their own quota
    # the firm's quota counts staff and contacts alike
    spend_quota(stack, "firm_uploads", firm.firm_id, 9_999)
    upload_slot(firm.api, "staff", client["id"], body)
    assert "tell the firm" in problem(firm.api.call("POST", f"/api/staff/clients/{client['id']}/files", body), 429)["detail"]
    problem(dan_api.call("POST", f"/api/portal/clients/{client['id']}/files", body), 429)
    # another firm is not affected
    other = stack.new_firm("Unaffected")
    upload_slot(other.api, "staff", other.client("Theirs")["id"], body)
