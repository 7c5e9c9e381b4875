"""Bulk invite jobs: start one, wait for it, and seed many contacts fast (straight into the
table, as the operator, cloned from a client and contact made through the API)."""
from __future__ import annotations

import contextlib
import copy
import json
import time
import uuid

from .stack import unique_email


def start_job(firm, expect: int = 202, headers: dict | None = None, **body):
    """POST /api/staff/invite-jobs; the response."""
    import requests
    h = {"authorization": f"Bearer {firm.api.token}", **(headers or {})}
    r = requests.post(firm.api.base + "/api/staff/invite-jobs", json=body, headers=h, timeout=120)
    assert r.status_code == expect, r.text
    return r


def wait_job(firm, job_id: str, timeout: float = 120, every: float = 0.3) -> dict:
    """Poll the job until it is done; its last view."""
    deadline = time.time() + timeout
    while True:
        job = firm.api.call("GET", f"/api/staff/invite-jobs/{job_id}", expect=200).json()
        if job["status"] != "running":
            return job
        if time.time() > deadline:
            raise AssertionError(f"job not done after {timeout:.0f}s: {job}")
        time.sleep(every)


def _replace(value, swaps: dict[str, str]):
    if isinstance(value, str):
        for old, new in swaps.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _replace(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, swaps) for v in value]
    return value


def seed_invitees(stack, firm, clients: int, per_client: int, without_email: int = 0) -> list[dict]:
    """`clients` clients of `firm` with `per_client` contacts each (the first `without_email`
    of each client without an email), written with batch writes. Returns
    [{"id", "contacts": [{"id", "email"}]}]."""
    template = firm.client("Seed Template")
    contact = firm.contact(template["id"], "Seed", "Person", unique_email("seed"))
    table = stack.table()
    cid, kid, email = template["id"], contact["id"], contact["email"]
    client_item = table.get_item(Key={"PK": f"CLIENT#{cid}", "SK": "CLIENT"})["Item"]
    link_item = table.get_item(Key={"PK": f"CLIENT#{cid}", "SK": f"CONTACT#{kid}"})["Item"]
    profile_item = table.get_item(Key={"PK": f"CONTACT#{kid}", "SK": "PROFILE"})["Item"]
    guard_item = table.get_item(Key={"PK": f"FIRM#{firm.firm_id}", "SK": f"EMAIL#{email}"}).get("Item")
    out = []
    with table.batch_writer() as batch:
        for c in range(clients):
            new_c = str(uuid.uuid7()) if hasattr(uuid, "uuid7") else str(uuid.uuid4())
            name = f"Seed Client {c:05d}"
            item = _replace(copy.deepcopy(client_item), {cid: new_c, "Seed Template": name, "seed template": name.lower()})
            batch.put_item(Item=item)
            contacts = []
            for k in range(per_client):
                new_k = str(uuid.uuid4())
                addr = None if k < without_email else f"seed-{new_k[:12]}@example.com"
                swaps = {cid: new_c, kid: new_k, "Seed Template": name, "Seed Person": f"Seed Person{k}"}
                link = _replace(copy.deepcopy(link_item), swaps)
                profile = _replace(copy.deepcopy(profile_item), swaps)
                for it in (link, profile):
                    if addr:
                        it["email"] = addr
                    else:
                        it.pop("email", None)
                batch.put_item(Item=link)
                batch.put_item(Item=profile)
                if addr and guard_item:
                    batch.put_item(Item=_replace(copy.deepcopy(guard_item), {kid: new_k, email: addr}))
                contacts.append({"id": new_k, "email": addr})
            out.append({"id": new_c, "contacts": contacts})
    return out


@contextlib.contextmanager
def pollers_paused(stack):
    """The SQS event source mappings stopped (messages stay in the queue), then started again."""
    for p in stack.pollers:
        p.stop()
    time.sleep(2.5)  # each poller thread ends after its current (1 s) receive
    try:
        yield
    finally:
        for p in stack.pollers:
            p.stopped.clear()
            p.run_forever()


def proxy_state(stack) -> dict:
    import requests
    return requests.get(stack.proxy.url + "/__faults", timeout=10).json()


def dump(x) -> str:
    return json.dumps(x, indent=1, default=str)
