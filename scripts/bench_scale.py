"""`make bench-scale`: a firm of 10,000 clients on the local stack (issue 18).

1. **Seed** two firms straight into the table (scripts/seed_scale.py, `BatchWriteItem`):
   a small one of 10 clients and a large one of 10,000 clients, 30,000 contacts, 100,000
   files and 200,000 audit entries (`BENCH_SCALE_CLIENTS` changes the large size). Each
   gets one contact with a real login (invited and signed up through the API) on its
   first client, for the contact routes.
2. **Cost per request** — for the main staff and contact routes, the DynamoDB calls,
   items read and bytes returned of one request (the proxy's meter, scripts/aws_meter.py),
   at 10 clients and at 10,000. Every paged route must cost the same at both sizes.
3. **Latency under load** — 20 concurrent users (threads, each a fixed number of requests
   over the routes: a bounded load generator on loopback), warm: p50 and p95 per route and
   overall, and the errors (must be 0); on both firms, since moto answers a Query of an
   index by reading every item of the table (moto/dynamodb/models/table.py `query`), so
   the emulator — not the portal — slows down as the table grows.
4. **Bulk invite of 1,000 contacts** through the queue (`POST /api/staff/invite-jobs`):
   total time, sends per second against the configured rate, duplicates (must be 0).

Prints the tables and writes `bench/scale-results.json`. Figures, not pass/fail tests; the
local stack is debug builds under `cargo lambda watch` in front of moto, whose DynamoDB
calls the proxy serialises (scripts/aws_proxy.py): latencies here are the emulator's, the
item and call counts are AWS's.
"""
from __future__ import annotations

import concurrent.futures as cf
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import local_mailbox  # noqa: E402
import seed_scale  # noqa: E402
from support import active_contact, local_stack  # noqa: E402

LARGE = int(os.environ.get("BENCH_SCALE_CLIENTS", "10000"))
USERS = int(os.environ.get("BENCH_SCALE_USERS", "20"))
REQUESTS_PER_USER = int(os.environ.get("BENCH_SCALE_REQUESTS", "10"))
BULK = int(os.environ.get("BENCH_SCALE_BULK", "1000"))
SIZES = {"contacts_per_client": 3, "files_per_client": 10, "audit_per_client": 20}


def staff_routes(client_id: str) -> list[tuple[str, str]]:
    return [
        # Pages of 10: the small firm fills them too, so "the same cost" compares full pages.
        ("staff: clients, first page", "/api/staff/clients?limit=10"),
        ("staff: clients, name search", "/api/staff/clients?" + urlencode({"limit": 10, "q": "seeded 0000"})),
        ("staff: clients, email search", "/api/staff/clients?" + urlencode({"limit": 10, "q": "c000001.1@"})),
        ("staff: clients, portal filter", "/api/staff/clients?limit=10&portal=active"),
        ("staff: client record", f"/api/staff/clients/{client_id}"),
        ("staff: portal status", f"/api/staff/clients/{client_id}/portal-status"),
        ("staff: files", f"/api/staff/clients/{client_id}/files?limit=50"),
        ("staff: requests", f"/api/staff/clients/{client_id}/requests?limit=50"),
        ("staff: threads", f"/api/staff/clients/{client_id}/threads?limit=50"),
        ("staff: access history", f"/api/staff/clients/{client_id}/audit?limit=50"),
        ("staff: invoices", f"/api/staff/clients/{client_id}/invoices?limit=50"),
        ("staff: payments", f"/api/staff/clients/{client_id}/payments?limit=50"),
    ]


def contact_routes(client_id: str) -> list[tuple[str, str]]:
    return [
        ("contact: home", f"/api/portal/clients/{client_id}/home"),
        ("contact: files", f"/api/portal/clients/{client_id}/files?limit=50"),
        ("contact: to-do", f"/api/portal/clients/{client_id}/todo?limit=50"),
        ("contact: threads", f"/api/portal/clients/{client_id}/threads?limit=50"),
        ("contact: billing", f"/api/portal/clients/{client_id}/billing?limit=50"),
    ]


class Firm:
    """A seeded firm: its owner's API, its first client and a contact's API on it."""

    def __init__(self, stack, name: str, clients: int):
        self.stack = stack
        firm = stack.new_firm(name)
        self.firm_id, self.staff = firm.firm_id, firm.api
        started = time.time()
        self.items = seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"], seed_scale.firm_items(firm.firm_id, clients, **SIZES))
        self.seed_seconds = time.time() - started
        self.client_id = seed_scale.new_id(firm.firm_id, "client", 0)
        _, self.contact = active_contact(stack, firm, self.client_id, "Bench")
        self.staff.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
        self.routes = [(n, p, self.staff) for n, p in staff_routes(self.client_id)] + \
                      [(n, p, self.contact) for n, p in contact_routes(self.client_id)]


def cost(stack, api, path: str) -> dict:
    api.call("GET", path)  # warm: per-minute caches are filled by this call, not the measured one
    with stack.proxy.events_held():  # late SES events of the bulk invite are not this request's
        requests.post(f"{stack.proxy.url}/__meter", timeout=10).raise_for_status()
        try:
            r = api.call("GET", path)
        finally:
            m = requests.delete(f"{stack.proxy.url}/__meter", timeout=10).json()
    if r.status_code != 200:
        raise SystemExit(f"GET {path}: {r.status_code} {r.text}")
    return {"calls": m["calls"], "items_read": m["items_read"], "bytes": m["bytes"], "ops": m["ops"], "answer_bytes": len(r.content)}


def costs(stack, small: Firm, large: Firm) -> list[dict]:
    rows = []
    for (name, path, api), (_, lpath, lapi) in zip(small.routes, large.routes):
        a, b = cost(stack, api, path), cost(stack, lapi, lpath)
        same = all(a[k] == b[k] for k in ("calls", "items_read", "bytes"))
        rows.append({"route": name, "small": a, "large": b, "flat": same})
    return rows


def load(firm: Firm) -> dict:
    """USERS threads, each REQUESTS_PER_USER requests round the routes (warm)."""
    for _, path, api in firm.routes:  # warm every function
        api.call("GET", path, expect=200)
    timings: dict[str, list[float]] = {}
    errors: Counter = Counter()

    def user(u: int) -> list[tuple[str, float, int]]:
        out = []
        session = requests.Session()
        for i in range(REQUESTS_PER_USER):
            name, path, api = firm.routes[(u + i) % len(firm.routes)]
            t = time.perf_counter()
            r = session.get(api.base + path, headers={"authorization": f"Bearer {api.token}"}, timeout=120)
            out.append((name, time.perf_counter() - t, r.status_code))
        return out

    started = time.perf_counter()
    with cf.ThreadPoolExecutor(USERS) as pool:
        results = [x for chunk in pool.map(user, range(USERS)) for x in chunk]
    wall = time.perf_counter() - started
    for name, seconds, status in results:
        timings.setdefault(name, []).append(seconds)
        if status != 200:
            errors[f"{name}: {status}"] += 1
    every = [s for _, s, _ in results]
    pct = lambda xs, q: statistics.quantiles(xs, n=100)[q - 1] * 1000 if len(xs) > 1 else xs[0] * 1000  # noqa: E731
    return {
        "users": USERS, "requests": len(results), "seconds": round(wall, 1), "rps": round(len(results) / wall, 1),
        "p50_ms": round(pct(every, 50)), "p95_ms": round(pct(every, 95)), "errors": dict(errors),
        "routes": {n: {"p50_ms": round(pct(xs, 50)), "p95_ms": round(pct(xs, 95)), "n": len(xs)} for n, xs in timings.items()},
    }


def bulk_invite(stack) -> dict | None:
    """BULK contacts (10 per client, none invited) invited in one job through the queue."""
    if BULK <= 0:
        return None
    firm = stack.new_firm("Bulk Bench Firm")
    clients = max(1, BULK // 10)
    seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"],
                     seed_scale.firm_items(firm.firm_id, clients, contacts_per_client=BULK // clients, files_per_client=0,
                                           audit_per_client=0, prefix="Bulk", active_every=0))
    ids = [seed_scale.new_id(firm.firm_id, "client", n) for n in range(clients)]
    n0 = len(local_mailbox.messages(stack.proxy.url, after=0))
    started = time.time()
    r = firm.api.call("POST", "/api/staff/invite-jobs", {"client_ids": ids})
    accepted = time.time() - started
    if r.status_code != 202:
        raise SystemExit(f"bulk invite: {r.status_code} {r.text}")
    job = r.json()
    while job["status"] == "running":
        if time.time() - started > 3600:
            raise SystemExit(f"bulk invite did not finish: {job}")
        time.sleep(1)
        job = firm.api.call("GET", f"/api/staff/invite-jobs/{job['id']}", expect=200).json()
    total = time.time() - started
    sent = [m for m in local_mailbox.messages(stack.proxy.url, after=n0) if m["to"][0].endswith("@bulk.example.com")]
    per = Counter(m["to"][0] for m in sent)
    times = sorted(datetime.fromisoformat(m["time"].replace("Z", "+00:00")).timestamp() for m in sent)
    span = (times[-1] - times[0]) if len(times) > 1 else 0
    busiest = max((sum(1 for t in times[i:i + 200] if t - times[i] < 1.0) for i in range(len(times))), default=0)
    return {
        "contacts": clients * (BULK // clients), "accepted_seconds": round(accepted, 2), "total_seconds": round(total, 1),
        "job": {k: job.get(k) for k in ("status", "total", "sent", "failed", "missing_email", "already_active")},
        "emails": len(sent), "duplicates": sum(n - 1 for n in per.values() if n > 1),
        "sends_per_second": round(len(sent) / span, 1) if span else None, "most_in_one_second": busiest,
        "configured_rate": stack.proxy.ses_rate,
    }


def main() -> None:
    out: dict = {"large_clients": LARGE}
    with local_stack() as stack:
        # The bulk invite first, on a small table: moto backs up the whole table for each
        # transaction (scripts/moto_local.py), a cost of the emulator that would swamp it.
        out["bulk"] = bulk_invite(stack)
        if out["bulk"]:
            b = out["bulk"]
            print(f"\nbulk invite of {b['contacts']}: accepted in {b['accepted_seconds']} s, done in {b['total_seconds']} s, "
                  f"{b['emails']} emails, {b['sends_per_second']}/s, at most {b['most_in_one_second']} in one second "
                  f"(account rate {b['configured_rate']}/s), duplicates {b['duplicates']}", flush=True)
        print(f"seeding a firm of 10 clients and one of {LARGE} …", flush=True)
        small = Firm(stack, "Small Bench Firm", 10)
        large = Firm(stack, "Large Bench Firm", LARGE)
        out["seed"] = {"items": small.items + large.items, "seconds": round(small.seed_seconds + large.seed_seconds, 1),
                       "items_per_second": round(large.items / large.seed_seconds)}
        print(f"seeded {out['seed']['items']} items in {out['seed']['seconds']} s", flush=True)
        out["cost"] = costs(stack, small, large)
        print(f"\n{'route':38} {'calls':>11} {'items read':>13} {'bytes':>15}  flat")
        for row in out["cost"]:
            a, b = row["small"], row["large"]
            print(f"{row['route']:38} {a['calls']:>5}/{b['calls']:<5} {a['items_read']:>6}/{b['items_read']:<6} "
                  f"{a['bytes']:>7}/{b['bytes']:<7}  {'yes' if row['flat'] else 'NO'}")
        # The same load on both firms: what grows from one to the other is the emulator's
        # (moto answers an index Query by reading every item of the table), not the calls.
        out["load"] = {"small": load(small), "large": load(large)}
        for size, ld in out["load"].items():
            print(f"\nload on the {size} firm: {ld['users']} users, {ld['requests']} requests in {ld['seconds']} s ({ld['rps']}/s): "
                  f"p50 {ld['p50_ms']} ms, p95 {ld['p95_ms']} ms, errors {sum(ld['errors'].values())}")
            for name, t in ld["routes"].items():
                print(f"  {name:38} p50 {t['p50_ms']:>6} ms  p95 {t['p95_ms']:>6} ms  ({t['n']})")
    dest = HERE.parent / "bench" / "scale-results.json"
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(json.dumps(out, indent=2))
    print(f"\nwritten: {dest}")
    flat = all(r["flat"] for r in out["cost"])
    print("every route costs the same at both sizes" if flat else "SOME ROUTES COST MORE AT 10,000 CLIENTS")


if __name__ == "__main__":
    main()
