"""The sample events in events/ work as the README says: `make dev` seeds the demo and writes
ready-to-use copies (the demo's ids, fresh tokens) into events/.local/, and
`cargo-lambda lambda invoke <function> --invoke-address 127.0.0.1 --invoke-port <port>
--data-file events/.local/<function>/<sample>.json` (the local Lambda invoke API of
`cargo lambda watch`) reaches the right route of each function and succeeds.

The demo is seeded and the copies written by the very functions `make dev` calls
(`portal_local.seed_demo`, `portal_local.write_local_events`), into a temporary folder
instead of events/.local/ (a running `make dev` of the same checkout keeps its own)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import portal_local as pl

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
# The README's command: the venv's cargo-lambda, the local stack's invoke API.
CARGO_LAMBDA = Path(sys.executable).parent / "cargo-lambda"


def invoke(stack, function: str, data_file: Path) -> dict:
    port = stack.base.rsplit(":", 1)[1]
    out = subprocess.run([str(CARGO_LAMBDA), "lambda", "invoke", function, "--invoke-address", "127.0.0.1", "--invoke-port", port,
                          "--data-file", str(data_file), "--output-format", "json"],
                         capture_output=True, text=True, env=pl.cargo_lambda_env(), cwd=ROOT, timeout=300)
    assert out.returncode == 0, (function, data_file.name, out.stderr)
    return json.loads(out.stdout)


def test_the_committed_samples_name_only_stand_ins_the_copies_replace():
    # No sample asks a person to edit it: whatever varies between runs is a stand-in that
    # `write_local_events` replaces.
    for sample in sorted(EVENTS.glob("*/*.json")):
        text = sample.read_text()
        json.loads(text)
        assert "REPLACE" not in text, sample


def test_every_sample_event_works_against_the_demo_as_the_readme_says(stack, tmp_path):
    demo = pl.seed_demo(stack.env, stack.base, stack.proxy.url)
    local = pl.write_local_events(stack.env, stack.base, tmp_path / "events-local")
    household, bakery = demo["clients"]
    copy = json.loads((local / "home" / "get-home.json").read_text())
    assert copy["pathParameters"] == {"client_id": bakery["id"]}
    assert household["id"] in (local / "invites" / "send-invites.json").read_text()
    assert demo["maria"]["id"] in (local / "invites" / "send-invites.json").read_text()
    functions = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "Cargo.toml").exists())
    assert functions
    for function in functions:
        samples = sorted((EVENTS / function).glob("*.json"))
        assert samples, f"events/{function}/ has no sample event"
        for sample in samples:
            data_file = local / function / sample.name
            sent = json.loads(data_file.read_text())
            for stand_in in (pl.SAMPLE_STAFF_TOKEN, pl.SAMPLE_CONTACT_TOKEN, pl.SAMPLE_BUCKET, *pl.SAMPLE_STAND_INS.values()):
                assert stand_in not in data_file.read_text(), (data_file, stand_in)
            resp = invoke(stack, function, data_file)
            if "triggerSource" in sent:
                # a Cognito trigger answers with the event itself, whatever it recorded
                assert (resp["triggerSource"], resp["request"]["userAttributes"]) == (sent["triggerSource"], sent["request"]["userAttributes"]), resp
                continue
            records = sent.get("Records") or [{}]
            if records[0].get("eventSource") == "aws:sqs":
                # a bulk-invite message of a job this stage does not have: nothing to send,
                # nothing to retry
                assert resp == {"batchItemFailures": []}, (sample.name, resp)
                continue
            if "Records" in sent:
                # an SES event of no invite, an S3 event of an object with no pending file:
                # parsed, checked, acknowledged
                assert resp == ["ignored"], (sample.name, resp)
                continue
            if sent.get("detail-type") == "Scheduled Event":
                # the scheduled reminders job answers with what its run did
                assert set(resp) == {"checked", "reminded", "waiting", "dropped", "failed"}, (sample.name, resp)
                continue
            expected = range(400, 401) if sample.stem.endswith("-invalid") else range(200, 300)
            assert resp["statusCode"] in expected, (sample.name, resp)
