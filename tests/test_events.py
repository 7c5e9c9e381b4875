"""The sample events in events/ are accepted by `cargo lambda invoke --data-file` (the local
Lambda invoke API of `cargo lambda watch`) and reach the right route of each function."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import portal_local as pl
from support import Firm, active_contact

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
SAMPLE_CLIENT_ID = "0193a0b0-0000-7000-8000-0000000000c1"
SAMPLE_CONTACT_ID = "0193a0b0-0000-7000-8000-0000000000a1"
SAMPLE_BUCKET = "portal-local-files-123456789012"


def invoke(stack, function: str, event_text: str) -> dict:
    port = stack.base.rsplit(":", 1)[1]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(event_text)
        f.flush()
        out = subprocess.run(["cargo", "lambda", "invoke", function, "--invoke-address", "127.0.0.1", "--invoke-port", port, "--data-file", f.name,
                              "--output-format", "json"], capture_output=True, text=True,
                             env=pl.cargo_lambda_env(), cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_function_has_sample_events_that_invoke(stack):
    # The samples are written for the demo data: the demo staff member signs in with them.
    api = pl.create_firm(stack.env, stack.base, stack.proxy.url, "Demo Accounting LLP", pl.DEMO_STAFF_EMAIL, pl.DEMO_STAFF_PASSWORD)["api"]
    client = api.call("POST", "/api/staff/clients", {"name": "Events Client"}, expect=201).json()
    firm = Firm(stack, {"firm_id": None}, api)
    contact, contact_api = active_contact(stack, firm, client["id"], "Eve")
    functions = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "Cargo.toml").exists())
    assert functions
    for function in functions:
        samples = sorted((EVENTS / function).glob("*.json"))
        assert samples, f"events/{function}/ has no sample event"
        for sample in samples:
            text = sample.read_text().replace("REPLACE_WITH_STAFF_ACCESS_TOKEN", api.token)
            text = text.replace("REPLACE_WITH_CONTACT_ACCESS_TOKEN", contact_api.token)
            text = text.replace(SAMPLE_CLIENT_ID, client["id"]).replace(SAMPLE_CONTACT_ID, contact["id"])
            text = text.replace(SAMPLE_BUCKET, stack.env["BUCKET_NAME"])
            resp = invoke(stack, function, text)
            if "triggerSource" in json.loads(text):
                # a Cognito trigger answers with the event itself, whatever it recorded
                sent = json.loads(text)
                assert (resp["triggerSource"], resp["request"]["userAttributes"]) == (sent["triggerSource"], sent["request"]["userAttributes"]), resp
                continue
            records = json.loads(text).get("Records") or [{}]
            if records[0].get("eventSource") == "aws:sqs":
                # a bulk-invite message of a job this stage does not have: nothing to send,
                # nothing to retry
                assert resp == {"batchItemFailures": []}, (sample.name, resp)
                continue
            if "Records" in json.loads(text):
                # an S3 event for an object with no pending file: parsed, checked, ignored
                assert resp == ["ignored"], (sample.name, resp)
                continue
            if json.loads(text).get("detail-type") == "Scheduled Event":
                # the scheduled reminders job answers with what its run did
                assert set(resp) == {"checked", "reminded", "waiting", "dropped", "failed"}, (sample.name, resp)
                continue
            expected = range(400, 401) if sample.stem.endswith("-invalid") else range(200, 300)
            assert resp["statusCode"] in expected, (sample.name, resp)
