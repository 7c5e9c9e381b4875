"""Seed a firm of any size straight into the local table: clients, contacts (with their
links and email guards), files and audit entries, and a client's settled work (completed
requests, paid invoices and their payments, quiet threads), as the items the functions write.

Used by `make bench-scale` (scripts/bench_scale.py: 10,000 clients) and by the tests that
hold a request's DynamoDB cost flat as a firm grows (tests/test_scale.py). Fast because it
does not go through the API: `BatchWriteItem` of 25 items, several batches in flight, as
the operator (so the functions' meter, which counts only the functions' calls, sees none
of it).

The shapes mirror the Rust records (`shared/src/store/records.rs`, `links.rs`); a shape
that drifted would show at once, as the functions that read these items answer 500.
"""
from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import boto3

BATCH = 25
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(*parts) -> str:
    """A stable UUID for a seeded thing (the same run seeds the same ids)."""
    return str(uuid.UUID(hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:32]))


def client_items(firm_id: str, client_id: str, name: str, at: datetime = T0) -> list[dict]:
    return [{
        "PK": f"CLIENT#{client_id}", "SK": "CLIENT", "GSI1PK": f"FIRM#{firm_id}",
        "GSI1SK": f"CLIENT#{name.lower()}#{client_id}", "firm_id": firm_id, "client_id": client_id,
        "name": name, "created_at": rfc3339(at), "link_version": 0,
    }]


def contact_items(firm_id: str, client_id: str, client_name: str, contact_id: str, first: str, last: str,
                  email: str, state: str = "not_invited", at: datetime = T0) -> list[dict]:
    """A contact's profile, its link to the client and its email guard. `state`:
    `not_invited`, or `active` (accepted an invite, signed in once)."""
    contact = {
        "PK": f"CONTACT#{contact_id}", "SK": "PROFILE", "firm_id": firm_id, "contact_id": contact_id,
        "first_name": first, "last_name": last, "email": email, "created_at": rfc3339(at),
        "updated_at": rfc3339(at), "version": 0,
    }
    link = {
        "PK": f"CLIENT#{client_id}", "SK": f"CONTACT#{contact_id}", "GSI1PK": f"CONTACT#{contact_id}",
        "GSI1SK": f"CLIENT#{client_id}", "GSI3PK": f"FIRM#{firm_id}#PORTAL#{state}",
        "GSI3SK": f"{client_name.lower()}#{client_id}#{contact_id}", "firm_id": firm_id, "client_id": client_id,
        "client_name": client_name, "contact_id": contact_id, "first_name": first, "last_name": last,
        "email": email, "linked_at": rfc3339(at),
    }
    if state == "active":
        link["accepted_at"] = link["last_login_at"] = rfc3339(at + timedelta(days=1))
    guard = {"PK": f"FIRM#{firm_id}", "SK": f"EMAIL#{email}", "contact_id": contact_id}
    return [contact, link, guard]


def file_items(firm_id: str, client_id: str, file_id: str, name: str, at: datetime, shared_with_all: bool = True) -> list[dict]:
    return [{
        "PK": f"CLIENT#{client_id}", "SK": f"FILE#{file_id}", "firm_id": firm_id, "client_id": client_id,
        "file_id": file_id, "name": name, "content_type": "application/pdf", "size": 123456,
        "s3_key": f"files/firms/{firm_id}/clients/{client_id}/files/{file_id}", "status": "available",
        "uploaded_by": {"kind": "staff", "id": "seed", "name": "Seeded Staff"}, "created_at": rfc3339(at),
        "available_at": rfc3339(at), "shared_with_all": shared_with_all, "shared_with": [],
    }]


def audit_items(client_id: str, entry_id: str, at: datetime, subject_id: str | None = None) -> list[dict]:
    item = {
        "PK": f"CLIENT#{client_id}", "SK": f"AUDIT#{rfc3339(at)}#{entry_id}", "client_id": client_id,
        "event": "file_downloaded", "actor": {"kind": "staff", "id": "seed", "name": "Seeded Staff"},
        "at": rfc3339(at), "ip": "203.0.113.7", "user_agent": "seed",
    }
    if subject_id:
        item["subject_id"] = subject_id
    return [item]


def staff_items(firm_id: str, sub: str, email: str, name: str, role: str = "staff", at: datetime = T0) -> list[dict]:
    """A staff member of the firm (the Team page's members list; no Cognito login)."""
    return [{
        "PK": f"STAFF#{sub}", "SK": "STAFF", "GSI1PK": f"FIRM#{firm_id}", "GSI1SK": f"STAFF#{email}",
        "sub": sub, "firm_id": firm_id, "email": email, "name": name, "role": role, "joined_at": rfc3339(at),
    }]


def staff_invite_items(firm_id: str, email: str, name: str, role: str = "staff", at: datetime = T0) -> list[dict]:
    """A staff invite not yet used (the Team page's invites list), its link open for a year
    from `at` (its token is unknown: nobody can join from it)."""
    invite_id = hashlib.sha256(f"{firm_id}\0{email}".encode()).hexdigest()[:32]
    return [{
        "PK": f"STAFFINVITE#{invite_id}", "SK": "STAFFINVITE", "GSI1PK": f"FIRM#{firm_id}", "GSI1SK": f"STAFFINVITE#{email}",
        "invite_id": invite_id, "firm_id": firm_id, "email": email, "name": name, "role": role,
        "invited_by": {"kind": "staff", "id": "seed", "name": "Seeded Staff"}, "invited_at": rfc3339(at),
        "link_expires_at": rfc3339(at + timedelta(days=3650)), "token_hash": hashlib.sha256(invite_id.encode()).hexdigest(),
        "version": 1,
    }]


SEED_ACTOR = {"kind": "staff", "id": "seed", "name": "Seeded Staff"}


def settled_work_items(firm_id: str, client_id: str, n: int, at: datetime) -> list[dict]:
    """Settled work of one past engagement: a completed request, an invoice paid in full
    (with its number guard and its payment) and a message thread last active at `at`.
    None of it is open work (no GSI3 `CLIENT#c#OPEN` keys), and the thread sits in the
    client's threads by activity (`CLIENT#c#ACTIVE`) at `at`, as the functions write them."""
    pk, when = f"CLIENT#{client_id}", rfc3339(at)
    rid, iid, pid, tid = (new_id(firm_id, client_id, kind, n) for kind in ("request", "invoice", "payment", "thread"))
    number, day = f"S-{n:06d}", at.date().isoformat()
    return [
        {"PK": pk, "SK": f"REQUEST#{rid}", "firm_id": firm_id, "client_id": client_id, "request_id": rid, "kind": "request",
         "title": f"Year-end documents {n:06d}", "instructions": "", "assignees": [], "upload_required": False, "status": "completed",
         "responses": [], "history": [], "created_by": SEED_ACTOR, "created_at": when, "updated_at": when, "version": 2},
        {"PK": pk, "SK": f"INVOICE#{iid}", "firm_id": firm_id, "client_id": client_id, "invoice_id": iid, "number": number,
         "issue_date": day, "due_date": day, "currency": "USD", "lines": [{"description": "Bookkeeping", "quantity": 1, "unit_amount": 10000}],
         "total": 10000, "amount_paid": 10000, "created_at": when},
        {"PK": pk, "SK": f"INVNUM#{number.lower()}", "invoice_id": iid},
        {"PK": pk, "SK": f"PAYMENT#{pid}", "firm_id": firm_id, "client_id": client_id, "payment_id": pid, "invoice_id": iid,
         "invoice_number": number, "amount": 10000, "currency": "USD", "paid_on": day, "method": "recorded", "reference": f"cheque {n:06d}",
         "recorded_by": SEED_ACTOR, "created_at": when},
        {"PK": pk, "SK": f"MSGTHREAD#{tid}", "firm_id": firm_id, "client_id": client_id, "thread_id": tid, "subject": f"Question {n:06d}",
         "participants": [], "created_by": SEED_ACTOR, "created_at": when, "last_message_at": when, "last_by": SEED_ACTOR,
         "message_count": 1, "read": {}, "GSI3PK": f"{pk}#ACTIVE", "GSI3SK": f"{int(at.timestamp()):012d}#{tid}"},
    ]


def firm_items(firm_id: str, clients: int, contacts_per_client: int = 3, files_per_client: int = 10,
               audit_per_client: int = 20, prefix: str = "Seeded", active_every: int = 2, start: int = 0):
    """Every item of clients `start .. start + clients` of `firm_id` (a generator: nothing
    held at once; the same numbers give the same ids, so a firm grows by seeding more).
    Client names are `<prefix> <n, 6 digits>`, so they all have the same length (a page of
    them returns the same bytes at any size) and sort by number."""
    for n in range(start, start + clients):
        cid = new_id(firm_id, "client", n)
        name = f"{prefix} {n:06d}"
        yield from client_items(firm_id, cid, name)
        for k in range(contacts_per_client):
            kid = new_id(firm_id, "contact", n, k)
            state = "active" if active_every and (n * contacts_per_client + k) % active_every == 0 else "not_invited"
            yield from contact_items(firm_id, cid, name, kid, "Seed", f"C{n:06d}{k}",
                                     f"c{n:06d}.{k}@{prefix.lower()}.example.com", state)
        for f in range(files_per_client):
            yield from file_items(firm_id, cid, new_id(firm_id, "file", n, f), f"statement-{f:03d}.pdf", T0 + timedelta(minutes=f))
        for a in range(audit_per_client):
            yield from audit_items(cid, new_id(firm_id, "audit", n, a), T0 + timedelta(seconds=a))


def write(endpoint: str, table: str, items, region: str = "us-east-1", workers: int = 8,
          key: str = "testing", secret: str = "testing") -> int:
    """BatchWriteItem `items` (any iterable), `workers` batches in flight; unprocessed
    items are written again. Returns how many were written."""
    db = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region,
                      aws_access_key_id=key, aws_secret_access_key=secret)
    from boto3.dynamodb.types import TypeSerializer
    ser = TypeSerializer()

    def put(batch: list[dict]) -> int:
        request = {table: [{"PutRequest": {"Item": {k: ser.serialize(v) for k, v in i.items()}}} for i in batch]}
        while request:
            out = db.batch_write_item(RequestItems=request)
            request = out.get("UnprocessedItems") or {}
        return len(batch)

    total, batch = 0, []
    with ThreadPoolExecutor(workers) as pool:
        pending = []
        for item in items:
            batch.append(item)
            if len(batch) == BATCH:
                pending.append(pool.submit(put, batch))
                batch = []
            if len(pending) >= workers * 4:
                total += sum(f.result() for f in pending)
                pending = []
        if batch:
            pending.append(pool.submit(put, batch))
        total += sum(f.result() for f in pending)
    return total
