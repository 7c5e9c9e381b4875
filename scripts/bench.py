"""`make bench`: the performance figures of issue 8, measured on this machine.

1. **Size** — `cargo lambda build --release --arm64 --output-format zip`: each function's zip.
2. **Cold start** — host release builds (same profile, linked non-PIE like the deployed
   functions, see .cargo/config.toml) of every function and of a bare
   `lambda_runtime` hello-world (`bench/hello-world`), started side by side under a local
   Runtime API (scripts/runtime_api.py), interleaved, several runs: init = process start
   until the function first asks for an event. Median per function and its ratio to the
   hello-world's median.
3. **Memory and AWS calls** — every function (release build) runs on its own against moto
   with realistic data (a client with 100 contacts, files, requests, invoices, a contact
   with a login): peak RSS (VmHWM) after its realistic invocations; the AWS calls of the
   operations with targets, counted by moto's recorder.
4. **Bulk invite of 100** — the function's wall time (warm) beside a boto3 script making
   the minimal call sequence (1 Query, 100 SendEmail at the same concurrency, 1
   TransactWriteItems of 100 updates) against the same moto.

Prints a table and writes `bench/results.json`. Figures, not pass/fail tests: a noisy
machine moves them a little; BENCHMARKS.md says how they were taken.
"""
from __future__ import annotations

import concurrent.futures as cf
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import aws_proxy  # noqa: E402
import local_mailbox  # noqa: E402
import portal_local as pl  # noqa: E402
import runtime_api as rt  # noqa: E402

ROOT = pl.ROOT
FUNCTIONS = sorted(d.name for d in (ROOT / "functions").iterdir() if (d / "Cargo.toml").exists())
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
HOST = f"{platform.machine()}-unknown-linux-gnu"
TARGETS = {"init_ratio": 1.3, "zip_mb": 4.0, "rss_mb": 32.0, "bulk_ratio": 1.5}


def sh(cmd: list[str], **kw) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def build(skip: bool) -> None:
    if skip:
        return
    env = pl.cargo_lambda_env()
    sh(["cargo", "lambda", "build", "--release", "--arm64", "--output-format", "zip"], env=env)
    # The host binaries are linked non-PIE like the deployed ones (.cargo/config.toml), so
    # what is measured here is what Lambda starts; scripts/link-no-pie.sh does it for the
    # host's gcc, which cannot take -no-pie for the shared library a dependency builds.
    linker = {f"CARGO_TARGET_{HOST.upper().replace('-', '_')}_LINKER": str(ROOT / "scripts" / "link-no-pie.sh")}
    sh(["cargo", "build", "--release", "--workspace", "--bins", "--locked", "--target", HOST], env={**env, **linker})


def zip_sizes() -> dict[str, int]:
    out = {}
    for name in FUNCTIONS + ["hello-world"]:
        z = pl.target_dir() / "lambda" / name / "bootstrap.zip"
        out[name] = z.stat().st_size if z.exists() else -1
    return out


def elf_kinds() -> dict[str, str]:
    """ELF type of each deployed bootstrap: EXEC (non-PIE, what .cargo/config.toml asks for)
    or DYN (position-independent)."""
    import zipfile
    out = {}
    for name in FUNCTIONS:
        z = pl.target_dir() / "lambda" / name / "bootstrap.zip"
        if z.exists():
            with zipfile.ZipFile(z) as zf:
                head = zf.open("bootstrap").read(18)
            out[name] = {2: "EXEC", 3: "DYN"}.get(int.from_bytes(head[16:18], "little"), "?")
    return out


def binary(name: str) -> Path:
    return pl.target_dir() / HOST / "release" / name


# ---------- cold start ----------

def init_once(name: str, env: dict[str, str]) -> float:
    api = rt.RuntimeApi().start()
    t0 = time.perf_counter()
    proc = rt.spawn(binary(name), name, api, env)
    try:
        # Wait without spinning: a polling loop here would compete for the CPU with the
        # process being measured.
        if not api.asked.wait(20) or api.first_next_at is None:
            raise RuntimeError(f"{name} did not reach its first event request (exit {proc.poll()}, init error: {api.init_error})")
        return api.first_next_at - t0
    finally:
        proc.kill()
        proc.wait()
        api.stop()


def init_times(env: dict[str, str]) -> dict[str, list[float]]:
    names = FUNCTIONS + ["hello-world"]
    times: dict[str, list[float]] = {n: [] for n in names}
    for run in range(RUNS):
        order = names[run % len(names):] + names[:run % len(names)]  # spread the noise
        for n in order:
            times[n].append(init_once(n, env))
    return times


# ---------- one function on its own ----------

class Fn:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path, log_name: str | None = None):
        self.name = name
        self.api = rt.RuntimeApi().start()
        self.proc = rt.spawn(binary(name), name, self.api, env, log_dir / f"{log_name or name}.log")

    def invoke(self, event: dict) -> object:
        answer = self.api.invoke(event, timeout=120)
        assert answer is not None, f"{self.name} gave no answer"
        kind, payload = answer
        assert kind == "response", f"{self.name}: {payload}"
        return payload

    def http(self, method: str, path: str, body=None, token: str | None = None, expect: int | None = None):
        headers = {"authorization": f"Bearer {token}"} if token else {}
        out = self.invoke(rt.http_event(method, path, path, body, headers))
        status = out["statusCode"]
        data = json.loads(out["body"]) if out.get("body") and out.get("headers", {}).get("content-type", "").endswith("json") else out.get("body")
        if expect is not None:
            assert status == expect, f"{self.name} {method} {path}: {status} {data}"
        return data

    def peak_rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return -1

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.api.stop()


class Recorder:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def __enter__(self):
        requests.post(f"{self.endpoint}/moto-api/recorder/reset-recording")
        requests.post(f"{self.endpoint}/moto-api/recorder/start-recording")
        self.calls: list[str] = []
        return self

    def __exit__(self, *exc):
        requests.post(f"{self.endpoint}/moto-api/recorder/stop-recording")
        log = requests.get(f"{self.endpoint}/moto-api/recorder/download-recording").text
        seen = set()
        for line in log.splitlines():
            if not line.strip():
                continue
            e = json.loads(line)
            target = e["headers"].get("X-Amz-Target") or ("SES.SendEmail" if "/v2/email/outbound-emails" in e["url"] else f"{e['method']} {e['url'].split('?')[0]}")
            if (target, e.get("body")) in seen:  # an SDK retry of a request moto failed
                continue
            seen.add((target, e.get("body")))
            self.calls.append(target.replace("DynamoDB_20120810.", "").replace("SES.", ""))

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.calls:
            out[c] = out.get(c, 0) + 1
        return out


def boto3_floor(endpoint: str, env: dict[str, str], client_id: str, contact_ids: list[str], sender: str) -> float:
    """The minimal call sequence of a bulk invite of len(contact_ids), made directly."""
    import boto3
    kw = {"endpoint_url": endpoint, "region_name": pl.REGION, **pl.CREDS}
    ddb, ses = boto3.client("dynamodb", **kw), boto3.client("sesv2", **kw)
    table = env["TABLE_NAME"]
    html = "<p>" + "Dear client, please create your portal account. " * 30 + "</p>"
    ddb.query(TableName=table, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "CLIENT#warmup"}})
    t0 = time.perf_counter()
    ddb.query(TableName=table, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": f"CLIENT#{client_id}"}})
    items = [{"Update": {"TableName": table, "Key": {"PK": {"S": f"CLIENT#{client_id}"}, "SK": {"S": f"CONTACT#{k}"}},
                         "UpdateExpression": "SET floor_hash = :h", "ConditionExpression": "attribute_exists(PK)",
                         "ExpressionAttributeValues": {":h": {"S": uuid.uuid4().hex}}}} for k in contact_ids]
    ddb.transact_write_items(TransactItems=items)

    def send(i: int):
        ses.send_email(FromEmailAddress=sender, Destination={"ToAddresses": [f"floor-{i}@example.com"]},
                       Content={"Simple": {"Subject": {"Data": "Your client portal"}, "Body": {"Text": {"Data": html}, "Html": {"Data": html}}}})
    with cf.ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(len(contact_ids))))
    return time.perf_counter() - t0


def scenario(endpoint: str, env: dict[str, str], log_dir: Path) -> dict:
    pid = str(uuid.uuid4())[:8]
    staff_email, password = f"bench-{pid}@firm.example", "Bench-Staff-Passw0rd!"
    # The firm as an operator makes it; the owner's login arranged directly (no mailbox here).
    firm_id = pl.admin_create_firm(env, "Bench Firm", staff_email)["firm_id"]
    pl.add_staff(env, firm_id, staff_email, password, "Bea Bench", "owner")
    fns = {n: Fn(n, env, log_dir) for n in FUNCTIONS}
    out: dict = {"rss_kb": {}, "calls": {}, "bulk": {}}
    try:
        a, c = fns["accounts"], fns["clients"]
        token = a.http("POST", "/api/staff/sessions", {"email": staff_email, "password": password}, expect=200)["access_token"]
        big = c.http("POST", "/api/staff/clients", {"name": "Hundred Contacts LLC"}, token, 201)
        ids = [c.http("POST", f"/api/staff/clients/{big['id']}/contacts",
                      {"first_name": f"P{i:03d}", "last_name": "Bench", "email": f"p{i:03d}-{pid}@example.com"}, token, 201)["id"]
               for i in range(100)]
        warm = c.http("POST", "/api/staff/clients", {"name": "Warm-up"}, token, 201)
        w = c.http("POST", f"/api/staff/clients/{warm['id']}/contacts", {"first_name": "W", "last_name": "U", "email": f"w-{pid}@example.com"}, token, 201)
        c.http("GET", "/api/staff/clients", token=token, expect=200)

        inv = fns["invites"]
        inv.http("POST", f"/api/staff/clients/{warm['id']}/invites", {"contact_ids": [w["id"]]}, token, 200)  # warm
        with Recorder(endpoint) as r:
            t0 = time.perf_counter()
            results = inv.http("POST", f"/api/staff/clients/{big['id']}/invites", {"contact_ids": ids}, token, 200)["results"]
            wall = time.perf_counter() - t0
        assert [x["outcome"] for x in results] == ["sent"] * 100, results[:3]
        out["calls"]["bulk invite of 100"] = r.summary()
        with Recorder(endpoint) as r:
            inv.http("POST", f"/api/staff/clients/{warm['id']}/invites", {"contact_ids": [w["id"]]}, token, 200)
        out["calls"]["single invite"] = r.summary()
        floor = statistics.median(boto3_floor(endpoint, env, big["id"], ids, env.get("SENDER_EMAIL", "portal@demo-firm.example")) for _ in range(3))
        out["bulk"] = {"function_s": wall, "boto3_floor_s": floor, "ratio": wall / floor}

        ps = fns["portal-status"]
        ps.http("GET", f"/api/staff/clients/{big['id']}/portal-status", token=token, expect=200)
        with Recorder(endpoint) as r:
            st = ps.http("GET", f"/api/staff/clients/{big['id']}/portal-status", token=token, expect=200)
        assert len(st["contacts"]) == 100
        out["calls"]["portal status of 100 contacts"] = r.summary()

        # a contact with a login: P000 invited once more by an invites process whose SES calls
        # go through the proxy that keeps the local mailbox (the measured calls above and the
        # boto3 floor go to moto directly, as before)
        proxy = aws_proxy.Proxy(endpoint, None).start(pl.free_port())
        mailer = Fn("invites", {**env, "AWS_ENDPOINT_URL_SESV2": proxy.url}, log_dir, "invites-mailbox")
        try:
            mailer.http("POST", f"/api/staff/clients/{big['id']}/invites", {"contact_ids": ids[:1]}, token, 200)
            msg = local_mailbox.messages(proxy.url, to=f"p000-{pid}@example.com")[-1]
        finally:
            mailer.stop()
            proxy.stop()
        tok = msg["create_account_url"].split("#", 1)[1]
        created = a.http("POST", f"/api/invites/{tok}/account", {"password": "Bench-Contact-2027"}, expect=201)
        ctoken = created["session"]["access_token"]

        f = fns["files"]
        pdf = b"%PDF-1.7\n" + b"0" * (256 * 1024)
        f.http("GET", f"/api/staff/clients/{big['id']}/files", token=token, expect=200)  # warm: identity, keys
        slot = f.http("POST", f"/api/staff/clients/{big['id']}/files",
                      {"name": "engagement.pdf", "size": len(pdf), "content_type": "application/pdf", "share_with_all": True}, token, 201)
        with Recorder(endpoint) as r:
            f.http("POST", f"/api/staff/clients/{big['id']}/files", {"name": "letter.pdf", "size": 1000, "content_type": "application/pdf"}, token, 201)
        out["calls"]["upload slot (presign)"] = r.summary()
        put = requests.put(slot["upload"]["url"], data=pdf, headers=slot["upload"]["headers"], timeout=60)
        put.raise_for_status()
        key = requests.utils.urlparse(slot["upload"]["url"]).path.split("/", 2)[2]
        assert fns["file-events"].invoke(pl.s3_event(env["BUCKET_NAME"], key, len(pdf), put.headers.get("x-amz-version-id"))) == ["available"]
        for _ in range(20):
            f.http("POST", f"/api/portal/clients/{big['id']}/files", {"name": "w2.pdf", "size": 1000, "content_type": "application/pdf"}, ctoken, 201)
        f.http("GET", f"/api/staff/clients/{big['id']}/files", token=token, expect=200)
        with Recorder(endpoint) as r:
            f.http("GET", f"/api/staff/clients/{big['id']}/files", token=token, expect=200)
        out["calls"]["file list"] = r.summary()
        f.http("GET", f"/api/portal/clients/{big['id']}/files/{slot['file']['id']}/download", token=ctoken, expect=200)

        rq = fns["requests"]
        for i in range(10):
            rq.http("POST", f"/api/staff/clients/{big['id']}/requests", {"title": f"Upload document {i}", "assignee_ids": ids[:3]}, token, 201)
        rq.http("GET", f"/api/portal/clients/{big['id']}/todo", token=ctoken, expect=200)

        b = fns["billing"]
        b.http("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": True}, token, 200)
        for i in range(5):
            b.http("POST", f"/api/staff/clients/{big['id']}/invoices", {"number": f"B-{i}", "issue_date": "2026-11-01", "due_date": "2026-12-01",
                                                                      "currency": "USD", "lines": [{"description": "Tax return", "unit_amount": 45000}]}, token, 201)
        b.http("GET", f"/api/portal/clients/{big['id']}/billing", token=ctoken, expect=200)

        # messages: a thread with the contact, answered, read on both sides
        ms = fns["messages"]
        contact_id = ids[0]
        th = ms.http("POST", f"/api/staff/clients/{big['id']}/threads", {"subject": "Your return", "body": "The draft is ready. " * 50,
                                                                        "contact_ids": [contact_id], "file_ids": [slot["file"]["id"]]}, token, 201)["thread"]
        for i in range(5):
            ms.http("POST", f"/api/portal/clients/{big['id']}/threads/{th['id']}/messages", {"body": f"Question {i}. " * 40}, ctoken, 201)
        ms.http("GET", f"/api/staff/clients/{big['id']}/threads/{th['id']}", token=token, expect=200)
        ms.http("GET", f"/api/portal/clients/{big['id']}/threads", token=ctoken, expect=200)

        # a signature form on the 256 KiB document, signed by the contact
        sg = fns["signatures"]
        form = sg.http("POST", f"/api/staff/clients/{big['id']}/signatures", {"file_id": slot["file"]["id"], "signer_ids": [contact_id]}, token, 201)["form"]
        sg.http("POST", f"/api/portal/clients/{big['id']}/signatures/{form['id']}/sign",
                {"typed_name": "P000 Bench", "consent": True, "consent_version": form["consent_version"], "document_sha256": form["document_sha256"]}, ctoken, 200)
        sg.http("GET", f"/api/staff/clients/{big['id']}/signatures/{form['id']}/verify", token=token, expect=200)

        # reminders: a run a week ahead over the 99 open invites (reminders are due)
        ev = json.loads((ROOT / "events" / "reminders" / "scheduled.json").read_text())
        ev["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 8 * 86400))
        fns["reminders"].invoke(ev)

        fns["home"].http("GET", f"/api/portal/clients/{big['id']}/home", token=ctoken, expect=200)
        a.http("GET", "/api/portal/me", token=ctoken, expect=200)
        fns["web"].http("GET", "/", expect=200)
        fns["web"].http("GET", "/assets/app.js", expect=200)

        user = pl.client("cognito-idp", endpoint).list_users(UserPoolId=env["CONTACTS_POOL_ID"], Filter=f'email = "p000-{pid}@example.com"')["Users"][0]
        ev = json.loads((ROOT / "events" / "post-auth" / "post-authentication.json").read_text())
        ev["request"]["userAttributes"]["sub"] = next(x["Value"] for x in user["Attributes"] if x["Name"] == "sub")
        fns["post-auth"].invoke(ev)
        fns["email-events"].invoke(json.loads((ROOT / "events" / "email-events" / "delivery.json").read_text()))

        for n, fn in fns.items():
            out["rss_kb"][n] = fn.peak_rss_kb()
    finally:
        for fn in fns.values():
            fn.stop()
    return out


def main() -> int:
    skip_build = "--no-build" in sys.argv
    build(skip_build)
    run_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    port = pl.free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = pl.start_moto(port, run_dir / "moto.log")
    try:
        env = pl.bootstrap(endpoint, "portal-bench", {"WebOrigin": "http://127.0.0.1:9", "PaymentProvider": "test"})
        sizes = zip_sizes()
        kinds = elf_kinds()
        print(f"• cold starts: {RUNS} runs of {len(FUNCTIONS) + 1} binaries …", flush=True)
        inits = init_times(env)
        print("• memory, AWS calls and the bulk invite against moto …", flush=True)
        sc = scenario(endpoint, env, run_dir)
    finally:
        pl.stop(moto)
    hello = statistics.median(inits["hello-world"])
    rows = []
    for n in FUNCTIONS + ["hello-world"]:
        med = statistics.median(inits[n])
        rows.append({"function": n, "init_ms": round(med * 1000, 2), "init_ratio": round(med / hello, 2),
                     "zip_mb": round(sizes[n] / 1e6, 2), "elf": kinds.get(n), "peak_rss_mb": round(sc["rss_kb"].get(n, 0) / 1024, 1) if n in sc["rss_kb"] else None})
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), platform.machine())
    result = {"machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()}, "runs": RUNS, "functions": rows,
              "calls": sc["calls"], "bulk_invite_100": sc["bulk"], "targets": TARGETS}
    (ROOT / "bench").mkdir(exist_ok=True)
    (ROOT / "bench" / "results.json").write_text(json.dumps(result, indent=2) + "\n")

    print(f"\nmachine: {cpu}, {os.cpu_count()} cores; median of {RUNS} cold starts each\n")
    print(f"{'function':<14}{'init ms':>9}{'× hello':>9}{'zip MB':>8}{'peak RSS MB':>13}")
    for r in rows:
        ok = "" if r["function"] == "hello-world" else ("  ok" if r["init_ratio"] <= TARGETS["init_ratio"] and 0 <= r["zip_mb"] <= TARGETS["zip_mb"] and (r["peak_rss_mb"] or 0) <= TARGETS["rss_mb"] else "  MISSED")
        rss = "" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.1f}"
        print(f"{r['function']:<14}{r['init_ms']:>9.2f}{r['init_ratio']:>9.2f}{r['zip_mb']:>8.2f}{rss:>13}{ok}")
    pie = sorted(n for n, k in kinds.items() if k != "EXEC")
    print("\narm64 bootstraps: " + ("all non-PIE executables (ELF EXEC), as .cargo/config.toml asks" if not pie else f"NOT non-PIE: {', '.join(pie)}"))
    print(f"\ntargets: init ≤ {TARGETS['init_ratio']}× hello-world, zip ≤ {TARGETS['zip_mb']} MB, peak RSS ≤ {TARGETS['rss_mb']} MB\n")
    print("AWS calls per operation (moto's recorder):")
    for op, calls in sc["calls"].items():
        print(f"  {op:<32} " + ", ".join(f"{k} ×{v}" for k, v in sorted(calls.items())))
    b = sc["bulk"]
    print(f"\nbulk invite of 100 (warm): function {b['function_s'] * 1000:.0f} ms, boto3 floor {b['boto3_floor_s'] * 1000:.0f} ms, "
          f"ratio {b['ratio']:.2f} (target ≤ {TARGETS['bulk_ratio']})")
    print(f"\nwritten: bench/results.json; logs: {run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
