"""`make dev`: the whole portal on this machine, with demo data. Ctrl-C stops it all.

`make sample-events` (this script with `--events`): rewrite the ready-to-use sample events
(`events/.local/`) with fresh tokens for the `make dev` that is running."""
from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import local_mailbox  # noqa: E402
import portal_local as pl  # noqa: E402


def invoke_hint(api_port: int) -> str:
    """How to run the ready-to-use samples (the README says the same)."""
    return (f".venv/bin/cargo-lambda lambda invoke <function> --invoke-address 127.0.0.1 --invoke-port {api_port} \\\n"
            "      --data-file events/.local/<function>/<sample>.json")


def refresh_events() -> int:
    """Rewrite events/.local/ with fresh tokens against the running `make dev`."""
    api_port = int(os.environ.get("PORTAL_API_PORT", "9000"))
    run_dir = Path(tempfile.gettempdir()) / f"client-portal-dev-{api_port}"
    env_file = run_dir / "functions.env"
    if not env_file.exists() or not pl.port_in_use(api_port):
        print(f"No `make dev` is running on port {api_port}: start it first (it writes the samples itself).", file=sys.stderr)
        return 1
    env = {k: v.strip("'") for k, v in (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)}
    out = pl.write_local_events(env, f"http://127.0.0.1:{api_port}")
    print(f"Sample events with fresh tokens (valid for an hour) in {out.relative_to(pl.ROOT)}/:\n  {invoke_hint(api_port)}")
    return 0


def main() -> int:
    if sys.argv[1:] == ["--events"]:
        return refresh_events()
    api_port = int(os.environ.get("PORTAL_API_PORT", "9000"))
    aws_port = int(os.environ.get("PORTAL_AWS_PORT", "4566"))
    mail_port = int(os.environ.get("PORTAL_MAILBOX_PORT", "9001"))
    for port, what in ((api_port, "PORTAL_API_PORT"), (aws_port, "PORTAL_AWS_PORT"), (mail_port, "PORTAL_MAILBOX_PORT")):
        if pl.port_in_use(port):
            print(f"Port {port} is already in use — is another `make dev` running? Stop it (Ctrl-C in its "
                  f"terminal), or pick other ports: {what}=<port> make dev", file=sys.stderr)
            return 1
    # Logs and the env file live outside the workspace: `cargo lambda watch` rebuilds on
    # every change inside it.
    run_dir = Path(tempfile.gettempdir()) / f"client-portal-dev-{api_port}"
    run_dir.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{api_port}"
    endpoint = f"http://127.0.0.1:{aws_port}"
    moto = api = None

    def shutdown(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    try:
        print(f"• starting the AWS emulator (moto) on {endpoint} …", flush=True)
        moto = pl.start_moto(aws_port, run_dir / "moto.log")
        print("• creating the table, bucket, user pools and SES identity from infra/template.yaml …", flush=True)
        env, iam = pl.provision(endpoint, "portal-local", {"WebOrigin": base, "PaymentProvider": "test"})
        # SES's delivery events (moto publishes none) come from this proxy, which also
        # keeps the mailbox and holds each function to its IAM policy.
        proxy = pl.start_proxy(env, base, iam)
        env_file = run_dir / "functions.env"
        pl.write_env(env, env_file)
        print(f"• starting the functions (cargo lambda watch) on {base} — the first start compiles, "
              f"which can take several minutes; log: {run_dir / 'api.log'}", flush=True)
        api = pl.start_api(env_file, api_port, run_dir / "api.log", reload=True)
        pl.wait_api(base, api)
        pl.warm_all(base)
        # the emails the proxy saw moto accept
        local_mailbox.Mailbox(proxy.url).serve(mail_port)
        pl.S3Notifier(env, base).run_forever()
        # the invite worker's event source mapping (bulk invites)
        pl.start_pollers(env, base, "portal-local")
        print("• seeding the demo firm …", flush=True)
        demo = pl.seed_demo(env, base, proxy.url)
        household = demo["clients"][0]
        samples = pl.write_local_events(env, base).relative_to(pl.ROOT)
        print(f"""
The client portal is running. Open {base}/ in a browser.

  Web UI and API:   {base}   (staff: "Firm staff sign in"; clients: from the invite email)
  Local mailbox:    http://127.0.0.1:{mail_port}/   (emails the portal sent; JSON at /messages.json)
  AWS emulator:     {endpoint}  (in memory: stopping `make dev` forgets everything)
  Staff sign-in:    {pl.DEMO_STAFF_EMAIL} / {pl.DEMO_STAFF_PASSWORD}
  Demo clients:     Rivera Household ({household['id']}), Rivera Bakery LLC

Try it:
  TOKEN=$(curl -s {base}/api/staff/sessions -H 'content-type: application/json' \\
      -d '{{"email":"{pl.DEMO_STAFF_EMAIL}","password":"{pl.DEMO_STAFF_PASSWORD}"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s {base}/api/staff/clients -H "authorization: Bearer $TOKEN"
  curl -s {base}/api/staff/clients/{household['id']}/portal-status -H "authorization: Bearer $TOKEN"
  curl -s {base}/api/staff/clients/{household['id']}/invites -H "authorization: Bearer $TOKEN" \\
      -H 'content-type: application/json' -d '{{"contact_ids":["{demo['maria']['id']}"],"message":"Welcome!"}}'
  then open the mailbox and follow Create Account.

Sample events (events/<function>/*.json) with this demo's ids and fresh tokens, in {samples}/
(the tokens last an hour; `make sample-events` writes new ones):
  {invoke_hint(api_port)}
  e.g. .venv/bin/cargo-lambda lambda invoke home --invoke-address 127.0.0.1 --invoke-port {api_port} --data-file {samples}/home/get-home.json
  Contact sign-in (Sam Chen, Rivera Bakery LLC): {pl.DEMO_CONTACT_EMAIL} / {pl.DEMO_CONTACT_PASSWORD}

Another firm, as an operator makes one (its owner's invite lands in the mailbox):
  cargo run -q -p portal-admin -- --env-file {env_file} create-firm --name "Okafor CPAs" --owner-email owner@okafor.example

Logs: {run_dir}   Ctrl-C stops everything.
""", flush=True)
        while True:
            if api.poll() is not None:
                print(f"cargo lambda watch stopped (exit {api.returncode}); see {run_dir / 'api.log'}", file=sys.stderr)
                return 1
            if moto.poll() is not None:
                print(f"moto stopped (exit {moto.returncode}); see {run_dir / 'moto.log'}", file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
        return 0
    finally:
        pl.stop(api)
        pl.stop(moto)


if __name__ == "__main__":
    sys.exit(main())
