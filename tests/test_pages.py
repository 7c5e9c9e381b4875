"""Paged lists (issue 18): every list route other than the clients list answers
`{items, next}` and takes `?limit=&cursor=`. Walking a list of more than one page gives
every item once, in the order users expect; a contact's pages hold only what is theirs;
a bad limit or a cursor of another list is a 400 naming the parameter."""
from __future__ import annotations

import base64
import json

from support import active_contact, page_url, problem, query_limits, recorded_calls, upload_slot, walk

SMALL = {"size": 10, "content_type": "application/pdf"}


def _no_repeats(ids: list) -> None:
    assert len(ids) == len(set(ids)), f"repeated: {ids}"


def test_files_page_newest_first_and_a_contact_sees_only_theirs(stack, firm):
    client = firm.client("Paged Files")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    bo, bo_api = active_contact(stack, firm, client["id"], "Bo")
    made = []  # (file id, uploader)
    for i, (who, api) in enumerate([("ana", ana_api), ("bo", bo_api), ("ana", ana_api), ("ana", ana_api), ("bo", bo_api), ("ana", ana_api)]):
        slot = upload_slot(api, "portal", client["id"], {"name": f"doc-{i}.pdf", **SMALL})
        made.append((slot["file"]["id"], who))
    newest_first = [fid for fid, _ in reversed(made)]

    staff, pages = walk(firm.api, f"/api/staff/clients/{client['id']}/files", limit=2)
    assert [f["id"] for f in staff] == newest_first, "every file once, newest first"
    assert all(len(p) <= 2 for p in pages) and len(pages) >= 3

    for api, who in [(ana_api, "ana"), (bo_api, "bo")]:
        mine, pages = walk(api, f"/api/portal/clients/{client['id']}/files", limit=1)
        assert [f["id"] for f in mine] == [fid for fid in newest_first if dict(made)[fid] == who], who
        assert all(len(p) <= 1 for p in pages)

    # Bo resuming from a cursor of Ana's walk still gets only his own files.
    first = ana_api.call("GET", page_url(f"/api/portal/clients/{client['id']}/files", 1), expect=200).json()
    rest, _ = walk_from(bo_api, f"/api/portal/clients/{client['id']}/files", first["next"])
    assert rest and all(dict(made)[f["id"]] == "bo" for f in rest)


def test_a_contacts_page_reads_at_most_four_times_its_limit(stack, firm):
    """Ana's one file is the oldest of ten: her first page of one reads four of Bo's files,
    returns none of them and says where to go on; walking on reaches hers."""
    client = firm.client("Bounded Pages")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    bo, bo_api = active_contact(stack, firm, client["id"], "Bo")
    hers = upload_slot(ana_api, "portal", client["id"], {"name": "ana.pdf", **SMALL})["file"]["id"]
    for i in range(9):
        upload_slot(bo_api, "portal", client["id"], {"name": f"bo-{i}.pdf", **SMALL})
    path = f"/api/portal/clients/{client['id']}/files"
    with recorded_calls(stack) as entries:
        first = ana_api.call("GET", page_url(path, 1), expect=200).json()
    assert first["items"] == [] and first["next"], "a short (empty) page, with a cursor"
    limits = query_limits(entries)
    assert limits.count(None) == 1, "the access check"
    assert [n for n in limits if n is not None] == [1, 1, 1, 1], f"four reads of one item: {limits}"
    rest, pages = walk_from(ana_api, path, first["next"])
    assert [f["id"] for f in rest] == [hers]


def walk_from(api, path: str, cursor: str) -> tuple[list[dict], int]:
    items, pages = [], 0
    while cursor is not None:
        body = api.call("GET", page_url(path, 2, cursor), expect=200).json()
        items += body["items"]
        cursor = body["next"]
        pages += 1
    return items, pages


def test_requests_and_todo_page_and_a_contact_sees_only_their_assignments(stack, firm):
    client = firm.client("Paged Requests")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    bo = firm.contact(client["id"], "Bo", "Client")
    made = []
    for i in range(6):
        who = ana if i % 3 != 1 else bo
        r = firm.api.call("POST", f"/api/staff/clients/{client['id']}/requests", {"title": f"Request {i}", "assignee_ids": [who["id"]]}, expect=201).json()
        made.append((r["request"]["id"], who["id"]))
    staff, pages = walk(firm.api, f"/api/staff/clients/{client['id']}/requests", limit=2)
    assert [r["id"] for r in staff] == [rid for rid, _ in reversed(made)]
    assert [len(p) for p in pages][:3] == [2, 2, 2]
    todo, _ = walk(ana_api, f"/api/portal/clients/{client['id']}/todo", limit=2)
    assert [r["id"] for r in todo] == [rid for rid, k in reversed(made) if k == ana["id"]]
    _no_repeats([r["id"] for r in todo])


def test_threads_and_messages_page_newest_first(stack, firm):
    client = firm.client("Paged Threads")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    bo, bo_api = active_contact(stack, firm, client["id"], "Bo")
    base = f"/api/staff/clients/{client['id']}/threads"
    mine = f"/api/portal/clients/{client['id']}/threads"
    made = []
    for i in range(5):
        who = ana if i != 2 else bo
        t = firm.api.call("POST", base, {"subject": f"Thread {i}", "body": "Hello", "contact_ids": [who["id"]]}, expect=201).json()["thread"]
        made.append((t["id"], who["id"]))
    staff, _ = walk(firm.api, base, limit=2)
    assert [t["id"] for t in staff] == [tid for tid, _ in reversed(made)]
    anas, _ = walk(ana_api, mine, limit=2)
    assert [t["id"] for t in anas] == [tid for tid, k in reversed(made) if k == ana["id"]]
    bos, _ = walk(bo_api, mine, limit=1)
    assert [t["id"] for t in bos] == [made[2][0]]

    # one thread of 6 messages: the newest page first, each page oldest to newest
    thread_id = made[0][0]
    for n in range(5):
        ana_api.call("POST", f"{mine}/{thread_id}/messages", {"body": f"Reply {n}"}, expect=201)
    pages, cursor = [], None
    while True:
        body = firm.api.call("GET", page_url(f"{base}/{thread_id}", 2, cursor), expect=200).json()
        assert body["thread"]["id"] == thread_id
        pages.append([m["seq"] for m in body["items"]])
        cursor = body["next"]
        if cursor is None:
            break
    assert pages[:3] == [[5, 6], [3, 4], [1, 2]] and all(p == [] for p in pages[3:]), pages
    # the older pages are the contact's too
    older = ana_api.call("GET", page_url(f"{mine}/{thread_id}", 4), expect=200).json()
    assert [m["seq"] for m in older["items"]] == [3, 4, 5, 6]
    assert [m["seq"] for m in ana_api.call("GET", page_url(f"{mine}/{thread_id}", 4, older["next"]), expect=200).json()["items"]] == [1, 2]


def test_history_pages_newest_first_with_invite_lines_once(stack, firm):
    client = firm.client("Paged History")
    ana, _ = active_contact(stack, firm, client["id"], "Ana")
    for n in range(5):
        firm.api.call("PATCH", f"/api/staff/contacts/{ana['id']}", {"first_name": f"Ana{n}"}, expect=200)
    full = firm.api.call("GET", page_url(f"/api/staff/clients/{client['id']}/audit?contact_id={ana['id']}", 200), expect=200).json()
    assert full["next"] is None
    key = lambda e: (e["event"], e["at"], e.get("detail"), e.get("subject_id"), e["actor"]["id"])  # noqa: E731
    for limit in (1, 2, 3):
        lines, _ = walk(firm.api, f"/api/staff/clients/{client['id']}/audit?contact_id={ana['id']}", limit=limit, key="event")
        assert [key(e) for e in lines] == [key(e) for e in full["items"]], f"limit {limit}: nothing lost or repeated"
    events = [e["event"] for e in full["items"]]
    assert events.count("contact_updated") == 5 and "invite_sent" in events and "account_created" in events
    ats = [e["at"] for e in full["items"]]
    assert ats == sorted(ats, reverse=True), "newest first"

    for n in range(5):
        firm.api.call("PATCH", "/api/staff/firm/settings", {"max_reminders": n + 1}, expect=200)
    whole = firm.api.call("GET", page_url("/api/staff/firm/audit", 200), expect=200).json()["items"]
    walked, pages = walk(firm.api, "/api/staff/firm/audit", limit=2, key="event")
    assert [key(e) for e in walked] == [key(e) for e in whole] and len(pages) >= 3
    assert [e["event"] for e in walked[:5]] == ["settings_changed"] * 5
    assert [e["detail"] for e in walked[:5]] == [e["detail"] for e in whole[:5]]


def test_templates_page_presets_first_then_the_firms_in_order(stack, firm):
    made = []
    for i in range(5):
        t = firm.api.call("POST", "/api/staff/templates", {"name": f"T{i}", "subject": "Hi", "body": "{{ create_account_url }}"}, expect=201).json()
        made.append(t["id"])
    listed, pages = walk(firm.api, "/api/staff/templates", limit=2)
    assert [t["id"] for t in listed] == ["preset:plain", "preset:onboarding", "preset:reminder", *made]
    assert pages[0][:3] == ["preset:plain", "preset:onboarding", "preset:reminder"], "presets on the first page only"
    _no_repeats([t["id"] for t in listed])


def _forged(cursor: str, **change) -> str:
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw["k"].update(change)
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def test_bad_limits_and_foreign_or_altered_cursors_are_400(stack, firm):
    a, b = firm.client("Cursor A"), firm.client("Cursor B")
    for _ in range(3):
        upload_slot(firm.api, "staff", a["id"], {"name": "x.pdf", **SMALL})
    files_a = f"/api/staff/clients/{a['id']}/files"
    for bad in ("0", "201", "ten", "-1"):
        body = problem(firm.api.call("GET", f"{files_a}?limit={bad}"), 400)
        assert body["errors"][0]["field"] == "limit", body
    cursor = firm.api.call("GET", page_url(files_a, 1), expect=200).json()["next"]
    assert cursor
    # another client's list, another kind of list, garbage, an altered position
    for path, c in [
        (f"/api/staff/clients/{b['id']}/files", cursor),
        (f"/api/staff/clients/{a['id']}/requests", cursor),
        (f"/api/staff/clients/{a['id']}/audit", cursor),
        (files_a, "not-a-cursor"),
        (files_a, cursor[:-3]),
        (files_a, _forged(cursor, PK=f"CLIENT#{b['id']}")),
        (files_a, _forged(cursor, SK="AUDIT#2026")),
    ]:
        body = problem(firm.api.call("GET", page_url(path, 2, c)), 400)
        assert body["errors"][0]["field"] == "cursor", (path, body)
    # another firm's staff cannot use a cursor to read this client: 404 before any page
    other = stack.new_firm("Other Firm")
    problem(other.api.call("GET", page_url(files_a, 2, cursor)), 404)
