"""The files bucket (issue 15, findings 2 and 9).

Against the local stack: an upload URL replayed after approval, or a second PUT before the
check, never changes what staff download or what a signer signs — file-events checks one
version of the upload and copies exactly that version to the stored key, which no upload URL
can write. The local stack checks presigned URLs as S3 does (scripts/iam_local.py: expiry,
signature, the signer's permissions), and a replay of the *same* URL within its lifetime
writes the same key on AWS too, so these tests are faithful.

Statically, from infra/template.yaml: the bucket policy refuses plain HTTP, lifecycle rules
expire uploads, noncurrent versions and dead delete markers, only upload keys are notified,
and only file-events may write stored keys (the local stack also enforces each function's
S3 statements on every call: tests/test_iam.py). moto enforces none of the rest (it never runs
lifecycle rules, and it applies a bucket policy's `Principal: "*"` statements without their
conditions, so the local stack cannot even install the TLS-only policy), so the template is
checked here instead.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import botocore.session
from botocore.validate import ParamValidator

import portal_local as pl
from support import PDF, active_contact, deliver, download, land, put, stored_key, upload_key, upload_slot, versions

ROOT = Path(__file__).resolve().parent.parent
ORIGINAL = PDF
# Same size and type, and a PDF too: everything file-events checks would pass it.
REPLAY = b"%PDF-1.7\n" + b"6" * (len(PDF) - 9)


def file_item(stack, client_id: str, file_id: str) -> dict:
    return stack.table().get_item(Key={"PK": f"CLIENT#{client_id}", "SK": f"FILE#{file_id}"})["Item"]


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# ---------- against the local stack ----------

def test_an_upload_url_replayed_after_approval_changes_nothing(stack, firm):
    client = firm.client("Replay Client")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    cid = client["id"]
    slot = upload_slot(ana_api, "portal", cid, {"name": "W-2.pdf", "size": len(ORIGINAL), "content_type": "application/pdf"})
    fid = slot["file"]["id"]
    assert land(stack, slot, ORIGINAL) == "available"
    before = file_item(stack, cid, fid)

    # the same presigned URL, again, with other bytes that would pass every check
    replay = put(slot, REPLAY)
    assert replay.status_code == 200
    # before its event is even handled (on AWS: seconds, or longer if file-events fails)
    assert download(firm.api, "staff", cid, fid) == ORIGINAL
    assert deliver(stack, upload_key(slot), len(REPLAY), replay.headers["x-amz-version-id"]) == "ignored"

    # the file is as it was, and every download is the bytes that were checked
    assert file_item(stack, cid, fid) == before
    assert download(firm.api, "staff", cid, fid) == ORIGINAL
    assert download(ana_api, "portal", cid, fid) == ORIGINAL
    # the replayed upload is gone; the stored key holds one version, the one recorded
    assert versions(stack, upload_key(slot)) == []
    stored = stack.aws("s3").list_object_versions(Bucket=stack.env["BUCKET_NAME"], Prefix=stored_key(slot))["Versions"]
    assert [v["VersionId"] for v in stored] == [before["stored_version"]]

    # a signature form over the file hashes, and its signer signs, the original bytes
    form = firm.api.call("POST", f"/api/staff/clients/{cid}/signatures", {"file_id": fid, "signer_ids": [ana["id"]]}, expect=201).json()["form"]
    assert form["document_sha256"] == sha(ORIGINAL)
    replay = put(slot, REPLAY)  # and once more while the form waits
    deliver(stack, upload_key(slot), len(REPLAY), replay.headers["x-amz-version-id"])
    view = ana_api.call("GET", f"/api/portal/clients/{cid}/signatures/{form['id']}", expect=200).json()
    shown = sha(download(ana_api, "portal", cid, fid))
    assert shown == sha(ORIGINAL)
    signed = ana_api.call("POST", f"/api/portal/clients/{cid}/signatures/{form['id']}/sign",
                          {"typed_name": "Ana Client", "consent": True, "consent_version": view["consent_version"], "document_sha256": shown},
                          expect=200).json()
    assert signed["status"] == "completed"
    check = firm.api.call("GET", f"/api/staff/clients/{cid}/signatures/{form['id']}/verify", expect=200).json()
    assert check["unchanged"] is True and check["current_sha256"] == sha(ORIGINAL)


def test_a_second_put_before_the_check_is_not_what_gets_approved(stack, firm):
    client = firm.client("Race Client")
    cid = client["id"]
    slot = upload_slot(firm.api, "staff", cid, {"name": "Letter.pdf", "size": len(ORIGINAL), "content_type": "application/pdf"})
    fid = slot["file"]["id"]
    first = put(slot, ORIGINAL).headers["x-amz-version-id"]
    second = put(slot, REPLAY).headers["x-amz-version-id"]  # now the current version of the upload key
    # the first event is checked: exactly its version is approved and copied, not the current one
    assert deliver(stack, upload_key(slot), len(ORIGINAL), first) == "available"
    assert download(firm.api, "staff", cid, fid) == ORIGINAL
    assert file_item(stack, cid, fid)["upload_version"] == first
    # the second version's event changes nothing, and that version is deleted
    assert deliver(stack, upload_key(slot), len(REPLAY), second) == "ignored"
    assert download(firm.api, "staff", cid, fid) == ORIGINAL
    assert versions(stack, upload_key(slot)) == []


def test_while_one_version_is_checked_another_is_refused(stack, firm):
    client = firm.client("Claim Client")
    cid = client["id"]
    slot = upload_slot(firm.api, "staff", cid, {"name": "Letter.pdf", "size": len(ORIGINAL), "content_type": "application/pdf"})
    fid = slot["file"]["id"]
    first = put(slot, ORIGINAL).headers["x-amz-version-id"]
    # file-events has claimed the first version and is checking it (as a concurrent
    # invocation would have) when the event of a second version arrives
    stack.table().update_item(Key={"PK": f"CLIENT#{cid}", "SK": f"FILE#{fid}"}, UpdateExpression="SET upload_version = :v",
                              ExpressionAttributeValues={":v": first})
    second = put(slot, REPLAY).headers["x-amz-version-id"]
    assert deliver(stack, upload_key(slot), len(REPLAY), second) == "ignored"
    # nothing was copied from it, and it is deleted
    assert file_item(stack, cid, fid)["status"] == "pending"
    assert versions(stack, stored_key(slot)) == []
    assert [v for v in stack.aws("s3").list_object_versions(Bucket=stack.env["BUCKET_NAME"], Prefix=upload_key(slot))["Versions"]
            if v["VersionId"] == second] == []
    # the claimed version's own (retried) event completes the check
    assert deliver(stack, upload_key(slot), len(ORIGINAL), first) == "available"
    assert download(firm.api, "staff", cid, fid) == ORIGINAL


def test_the_local_notifier_reports_every_version_once_with_its_id(stack, firm):
    # the stand-in for the bucket notification (make dev, the browser and e2e tests)
    notifier = pl.S3Notifier(stack.env, stack.base)
    notifier.poll_once()  # what earlier tests left under uploads/
    cid = firm.client("Notified Client")["id"]
    slot = upload_slot(firm.api, "staff", cid, {"name": "Letter.pdf", "size": len(ORIGINAL), "content_type": "application/pdf"})
    put(slot, ORIGINAL)
    put(slot, REPLAY)
    assert notifier.poll_once() == 2
    # the first version's event named it: that version, not the current one, was approved
    assert download(firm.api, "staff", cid, slot["file"]["id"]) == ORIGINAL
    assert versions(stack, upload_key(slot)) == []
    assert notifier.poll_once() == 0


# ---------- the template (no stack) ----------

def template() -> dict:
    return pl.load_template()


def bucket_arn_pattern() -> str:
    return "arn:aws:s3:::${AWS::StackName}-files-${AWS::AccountId}"


def upload_prefix() -> str:
    """`UPLOAD_PREFIX` as the Rust code declares it (shared/src/domain/upload.rs)."""
    text = (ROOT / "shared" / "src" / "domain" / "upload.rs").read_text()
    return re.search(r'pub const UPLOAD_PREFIX: &str = "([^"]+)";', text).group(1)


def test_the_bucket_refuses_plain_http():
    policies = [r["Properties"] for r in template()["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"]
    assert [p["Bucket"] for p in policies] == [{"Ref": "FilesBucket"}]
    statements = policies[0]["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Deny" for s in statements), "the bucket policy grants nothing (the bucket is not public)"
    tls = [s for s in statements if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert len(tls) == 1
    s = tls[0]
    assert s["Principal"] == "*" and s["Action"] in ("s3:*", ["s3:*"])
    assert s["Resource"] == [{"Fn::GetAtt": ["FilesBucket", "Arn"]}, {"Fn::Sub": "${FilesBucket.Arn}/*"}]


def lifecycle() -> list[dict]:
    """The bucket's lifecycle rules in the S3 API's shape, validated as boto would send them."""
    bucket = template()["Resources"]["FilesBucket"]["Properties"]
    rules = pl.lifecycle_rules(bucket["LifecycleConfiguration"]["Rules"])
    shape = botocore.session.get_session().get_service_model("s3").operation_model("PutBucketLifecycleConfiguration").input_shape
    report = ParamValidator().validate({"Bucket": "b", "LifecycleConfiguration": {"Rules": rules}}, shape)
    assert not report.has_errors(), report.generate_report()
    for r in rules:
        # S3 refuses ExpiredObjectDeleteMarker beside Days or Date in one Expiration
        assert not ({"ExpiredObjectDeleteMarker"} < set(r.get("Expiration", {}))), r["ID"]
    return [r for r in rules if r["Status"] == "Enabled"]


def applies(rule: dict, key: str, tags: dict[str, str]) -> bool:
    f = rule["Filter"]
    prefix = f.get("Prefix", f.get("And", {}).get("Prefix", ""))
    wanted = [f["Tag"]] if "Tag" in f else f.get("And", {}).get("Tags", [])
    return key.startswith(prefix) and all(tags.get(t["Key"]) == t["Value"] for t in wanted)


def test_lifecycle_expires_uploads_noncurrent_versions_and_dead_markers():
    assert template()["Resources"]["FilesBucket"]["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = lifecycle()
    upload = f"{upload_prefix()}firms/f/clients/c/files/x"
    stored = "firms/f/clients/c/files/x"
    days = lambda rs, what: min((r[what[0]][what[1]] for r in rs if what[1] in r.get(what[0], {})), default=None)  # noqa: E731
    # an upload is gone within two days (tagged or not), and so are its replaced versions
    for tags in ({}, {"upload": "pending"}):
        on_upload = [r for r in rules if applies(r, upload, tags)]
        assert (days(on_upload, ("Expiration", "Days")) or 99) <= 2
        assert (days(on_upload, ("NoncurrentVersionExpiration", "NoncurrentDays")) or 99) <= 2
    # a stored file never expires, but a version replaced or deleted there does, within 90 days
    on_stored = [r for r in rules if applies(r, stored, {})]
    assert days(on_stored, ("Expiration", "Days")) is None
    assert (days(on_stored, ("NoncurrentVersionExpiration", "NoncurrentDays")) or 999) <= 90
    # delete markers with nothing behind them go, and so do abandoned multipart uploads, everywhere
    for key in (upload, stored):
        here = [r for r in rules if applies(r, key, {})]
        assert any(r.get("Expiration", {}).get("ExpiredObjectDeleteMarker") for r in here), key
        assert any("AbortIncompleteMultipartUpload" in r for r in here), key


def s3_statements() -> dict[str, list[tuple[str, str]]]:
    """Per function: (action, object path pattern) of every S3 statement on the files bucket."""
    out = {}
    for r in template()["Resources"].values():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        pairs = []
        for policy in r["Properties"].get("Policies", []):
            for s in policy.get("Statement", []):
                actions = [a for a in s["Action"] if a.startswith("s3:")]
                if not actions:
                    continue
                assert s["Effect"] == "Allow"
                resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
                for res in resources:
                    arn = res["Fn::Sub"]
                    assert arn.startswith(bucket_arn_pattern() + "/"), arn
                    pairs += [(a, arn.removeprefix(bucket_arn_pattern() + "/")) for a in actions]
        out[r["Metadata"]["BuildProperties"]["Binary"]] = pairs
    return out


def test_only_uploads_are_notified_and_only_file_events_writes_stored_files():
    prefix = upload_prefix()
    assert pl.notified_prefix(template()) == prefix
    s3 = s3_statements()
    writes = {(fn, path) for fn, pairs in s3.items() for a, path in pairs if a == "s3:PutObject"}
    # upload URLs (signed by `files`) can write upload keys only; stored keys are file-events' copy
    assert writes == {("files", f"{prefix}firms/*"), ("file-events", "firms/*")}
    # file-events reads, copies and deletes exact versions of uploads, and nothing it may delete is stored
    assert {("s3:GetObjectVersion", f"{prefix}firms/*"), ("s3:DeleteObjectVersion", f"{prefix}firms/*")} <= set(s3["file-events"])
    # Nothing may delete a stored client file: the only stored keys anyone may delete are a
    # firm's replaced or removed logos (`files` removes, `file-events` replaces).
    stored_deletes = {(fn, path) for fn, pairs in s3.items() for a, path in pairs if a.startswith("s3:Delete") and not path.startswith(prefix)}
    assert stored_deletes == {("files", "firms/*/logo/*"), ("file-events", "firms/*/logo/*")}, stored_deletes
    # downloads and signature hashing read stored keys only
    for fn in ("files", "signatures"):
        assert {path for a, path in s3[fn] if a.startswith("s3:Get")} <= {"firms/*", "firms/*/logo/*"}, fn
