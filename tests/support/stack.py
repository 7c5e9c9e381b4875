"""The local stack the integration tests run against: moto on a free port, the resources
made from infra/template.yaml, the SES/DynamoDB proxy (SES events, fault injection, the
mailbox) and every function under `cargo lambda watch` behind the router `make dev` uses."""
from __future__ import annotations

import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import portal_local as pl


def unique_email(prefix: str = "contact") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


class Stack:
    def __init__(self, env: dict[str, str], base: str, endpoint: str, run_dir: Path | None = None, proxy=None, pollers=()):
        self.env, self.base, self.endpoint, self.run_dir, self.proxy = env, base, endpoint, run_dir, proxy
        # The SQS event source mappings (portal_local.SqsPoller): the invite worker's queue.
        self.pollers = list(pollers)

    def faults(self, rules: list[dict]) -> None:
        """Inject faults into the functions' SES and DynamoDB calls (scripts/aws_proxy.py):
        e.g. [{"op": "SendEmail", "calls": [2], "kind": "reject"}], or hold calls before passing
        them on: [{"op": "TransactWriteItems", "calls": [1, 2], "kind": "delay", "seconds": 2}].
        [] clears them."""
        self.proxy.set_rules(rules)

    def fired(self) -> list[dict]:
        return list(self.proxy.fired)

    def logs(self) -> str:
        """Everything the functions and the emulator have logged so far."""
        return "".join(p.read_text(errors="replace") for p in sorted(self.run_dir.glob("*.log")))

    def log_mark(self) -> dict[str, int]:
        """Where each log ends now, for `logs_since`."""
        return {p.name: p.stat().st_size for p in self.run_dir.glob("*.log")}

    def logs_since(self, mark: dict[str, int]) -> str:
        """What the functions and the emulator logged after `mark` (each log read from its own offset)."""
        out = []
        for p in sorted(self.run_dir.glob("*.log")):
            with p.open("rb") as f:
                f.seek(mark.get(p.name, 0))
                out.append(f.read().decode(errors="replace"))
        return "".join(out)

    def api(self, token: str | None = None) -> pl.Api:
        return pl.Api(self.base, token)

    def aws(self, service: str):
        return pl.client(service, self.endpoint)

    def table(self):
        """The portal's DynamoDB table (boto3 resource), for arranging what the API cannot."""
        import boto3
        return boto3.resource("dynamodb", endpoint_url=self.endpoint, region_name=pl.REGION, **pl.CREDS).Table(self.env["TABLE_NAME"])

    def new_firm(self, name: str = "Test Firm") -> "Firm":
        """A firm made as an operator and its owner make one (`portal-admin create-firm`, then
        the owner joins from the emailed invite), with the owner signed in."""
        email = f"staff-{uuid.uuid4().hex[:10]}@firm.example"
        info = pl.create_firm(self.env, self.base, self.proxy.url, name, email, "Test-Staff-Passw0rd!", "Owen Owner")
        return Firm(self, info, info.pop("api"))


class Firm:
    def __init__(self, stack: Stack, info: dict, api: pl.Api):
        self.stack, self.info, self.api = stack, info, api
        self.firm_id = info["firm_id"]

    def client(self, name: str = "Client") -> dict:
        return self.api.call("POST", "/api/staff/clients", {"name": name}, expect=201).json()

    def colleague(self, role: str, name: str = "Colleague") -> pl.Api:
        """A signed-in staff member of this firm with `role` (owner, admin, staff), invited by
        the owner and joined from the emailed link (`support.team.team_member`)."""
        from .team import team_member  # team.py builds on this module
        return team_member(self.stack, self, role, name)[1]

    def contact(self, client_id: str, first: str, last: str, email: str | None = None) -> dict:
        body = {"first_name": first, "last_name": last}
        if email:
            body["email"] = email
        return self.api.call("POST", f"/api/staff/clients/{client_id}/contacts", body, expect=201).json()


@contextmanager
def local_stack():
    """Start the whole local stack (one per test session) and stop it afterwards."""
    run_dir = Path(tempfile.mkdtemp(prefix="portal-tests-"))
    aws_port, api_port = pl.free_port(), pl.free_port()
    endpoint, base = f"http://127.0.0.1:{aws_port}", f"http://127.0.0.1:{api_port}"
    moto = api = proxy = None
    pollers = []
    try:
        moto = pl.start_moto(aws_port, run_dir / "moto.log")
        env, iam = pl.provision(endpoint, "portal-test", {"WebOrigin": base, "PaymentProvider": "test"})
        # SES events, the mailbox, faults on demand, Cognito sessions bound to their user,
        # and each function held to its IAM policy, as on AWS (scripts/aws_proxy.py).
        proxy = pl.start_proxy(env, base, iam)
        env_file = run_dir / "functions.env"
        pl.write_env(env, env_file)
        # No reload: test artifacts written during the run must not restart the functions.
        api = pl.start_api(env_file, api_port, run_dir / "api.log", reload=False)
        try:
            pl.wait_api(base, api)
            pl.warm_all(base)
        except Exception:
            print((run_dir / "api.log").read_text()[-5000:], file=sys.stderr)
            raise
        pollers = pl.start_pollers(env, base, "portal-test")
        yield Stack(env, base, endpoint, run_dir, proxy, pollers)
    finally:
        for p in pollers:
            p.stop()
        pl.stop(api)
        if proxy:
            proxy.stop()
        pl.stop(moto)
        print(f"\nlocal stack logs: {run_dir}", file=sys.stderr)
