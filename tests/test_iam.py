"""IAM on the local stack (scripts/iam_local.py, enforced by scripts/aws_proxy.py): every
function signs its AWS calls as itself, each call needs the permission AWS would ask for on
the resource AWS would name, and a call outside the function's policy in
infra/template.yaml is refused as AWS refuses it. Presigned URLs are checked as S3 checks
them (expiry, signature over the signed headers) and act with the signer's permissions."""
from __future__ import annotations

import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.config import Config

import iam_local
import portal_local as pl
from support import PDF, active_contact, mail_to, unique_email, upload_slot

ROOT = Path(__file__).resolve().parent.parent
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/t"
BUCKET = "arn:aws:s3:::b"


def template_binaries() -> set[str]:
    return {r.get("Metadata", {}).get("BuildProperties", {}).get("Binary", name)
            for name, r in pl.load_template()["Resources"].items()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}


def test_each_function_signs_its_calls_as_itself():
    crates = sorted(p.parent.name for p in (ROOT / "functions").glob("*/Cargo.toml"))
    assert set(crates) == template_binaries()
    for crate in crates:
        manifest = tomllib.loads((ROOT / "functions" / crate / "Cargo.toml").read_text())
        env = manifest["package"]["metadata"]["lambda"]["watch"]["env"]
        assert env == {"AWS_ACCESS_KEY_ID": iam_local.function_key(crate)}, crate


def needs(method, path, headers=None, body=b""):
    call = iam_local.classify(method, path, headers or {}, body, "us-east-1", "123456789012")
    return call, [(n.action, n.resource) for n in call.needs]


def test_each_call_needs_what_aws_asks_for():
    ddb = {"x-amz-target": "DynamoDB_20120810.Query", "authorization": "AWS4-HMAC-SHA256 Credential=local-fn-invites/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"}
    call, got = needs("POST", "/", ddb, b'{"TableName": "t", "IndexName": "GSI1"}')
    assert call.key == "local-fn-invites" and got == [("dynamodb:Query", TABLE + "/index/GSI1")]
    tx = b'{"TransactItems": [{"Put": {"TableName": "t"}}, {"ConditionCheck": {"TableName": "t"}}, {"Delete": {"TableName": "u"}}]}'
    _, got = needs("POST", "/", {**ddb, "x-amz-target": "DynamoDB_20120810.TransactWriteItems"}, tx)
    assert got == [("dynamodb:PutItem", TABLE), ("dynamodb:ConditionCheckItem", TABLE),
                   ("dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-1:123456789012:table/u")]
    # S3: a named version is another action; a copy reads its source; tags are their own permission
    assert needs("HEAD", "/b/uploads/k?versionId=3")[1] == [("s3:GetObjectVersion", BUCKET + "/uploads/k")]
    assert needs("GET", "/b/firms/a%20b.pdf")[1] == [("s3:GetObject", BUCKET + "/firms/a b.pdf")]
    assert needs("PUT", "/b/firms/k", {"x-amz-copy-source": "b/uploads/k?versionId=3"})[1] == [
        ("s3:PutObject", BUCKET + "/firms/k"), ("s3:GetObjectVersion", BUCKET + "/uploads/k")]
    assert needs("PUT", "/b/uploads/k?X-Amz-Signature=x", {"x-amz-tagging": "upload=pending"})[1] == [
        ("s3:PutObject", BUCKET + "/uploads/k"), ("s3:PutObjectTagging", BUCKET + "/uploads/k")]
    assert needs("DELETE", "/b/k?versionId=3")[1] == [("s3:DeleteObjectVersion", BUCKET + "/k")]
    assert needs("GET", "/b?list-type=2&prefix=x")[1] == [("s3:ListBucket", BUCKET)]
    # SES: the sending identity and the configuration set
    body = b'{"FromEmailAddress": "\\"Firm\\" <portal@firm.example>", "ConfigurationSetName": "s-email"}'
    assert needs("POST", "/v2/email/outbound-emails", {}, body)[1] == [
        ("ses:SendEmail", "arn:aws:ses:us-east-1:123456789012:identity/portal@firm.example"),
        ("ses:SendEmail", "arn:aws:ses:us-east-1:123456789012:configuration-set/s-email")]
    assert needs("GET", "/v2/email/account")[1] == [("ses:GetAccount", "*")]
    # SQS (JSON protocol): the queue's ARN from its URL; a batch is authorized as its single action
    queue = b'{"QueueUrl": "http://127.0.0.1:5000/123456789012/portal-test-InviteJobsQueue", "Entries": []}'
    arn = "arn:aws:sqs:us-east-1:123456789012:portal-test-InviteJobsQueue"
    for op, action in (("SendMessageBatch", "sqs:SendMessage"), ("SendMessage", "sqs:SendMessage"),
                       ("ReceiveMessage", "sqs:ReceiveMessage"), ("DeleteMessageBatch", "sqs:DeleteMessage")):
        call, got = needs("POST", "/", {"x-amz-target": f"AmazonSQS.{op}"}, queue)
        assert call.service == "sqs" and got == [(action, arn)], op
    assert needs("POST", "/", {"x-amz-target": "AmazonSQS.PurgeQueue"}, queue)[1] == [("sqs:Unmodelled(PurgeQueue)", "*")]
    # Cognito: admin operations on the pool; the user's own token operations take no IAM
    cognito = {"x-amz-target": "AWSCognitoIdentityProviderService.AdminDisableUser"}
    call, got = needs("POST", "/", cognito, b'{"UserPoolId": "us-east-1_x"}')
    assert not call.public and got == [("cognito-idp:AdminDisableUser", "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x")]
    assert needs("POST", "/", {"x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth"}, b"{}")[0].public


def test_a_policy_allows_exactly_what_it_names():
    iam = iam_local.Policies({"invites": [{"Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": [TABLE]},
                                          {"Action": ["s3:Get*"], "Resource": [BUCKET + "/firms/*"]}]})
    call = lambda key, *pairs: iam_local.Call(key, "x", "op", [iam_local.Need(a, r) for a, r in pairs])  # noqa: E731
    fn = iam_local.function_key("invites")
    assert iam.decide(call(fn, ("dynamodb:Query", TABLE))) is None
    # the table's ARN does not cover its indexes (the gap the invites function had)
    assert "not authorized to perform: dynamodb:Query on resource: " + TABLE + "/index/GSI1" in iam.decide(call(fn, ("dynamodb:Query", TABLE + "/index/GSI1")))
    assert iam.decide(call(fn, ("s3:GetObjectVersion", BUCKET + "/firms/x/y"))) is None
    assert iam.decide(call(fn, ("s3:GetObject", BUCKET + "/uploads/x"))) is not None
    # every need of a call must be allowed (a transaction with one item outside the policy fails whole)
    assert iam.decide(call(fn, ("dynamodb:GetItem", TABLE), ("dynamodb:PutItem", TABLE))) is not None
    assert iam.decide(call(iam_local.OPERATOR_KEY, ("dynamodb:DeleteTable", TABLE))) is None
    assert iam.decide(call("AKIASOMEONEELSE", ("dynamodb:GetItem", TABLE))) == "unknown key"
    assert iam.decide(call(None, ("dynamodb:GetItem", TABLE))) == "unsigned"
    assert [(d["function"], d["action"]) for d in iam.denied] == [("invites", "dynamodb:Query"), ("invites", "s3:GetObject"),
                                                                  ("invites", "dynamodb:PutItem")]
    # what was granted and never used (the GetItem of the refused call does not count)
    assert iam.unused() == [{"function": "invites", "action": "dynamodb:GetItem", "resource": TABLE}]


def presign(key: str = "local-fn-files", expires: int = 60) -> str:
    s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:4566", region_name="us-east-1", aws_access_key_id=key,
                      aws_secret_access_key="testing", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    return s3.generate_presigned_url("put_object", ExpiresIn=expires, Params={
        "Bucket": "b", "Key": "uploads/2026 W-2.pdf", "ContentType": "application/pdf", "Tagging": "upload=pending"})


def test_presigned_urls_are_checked_as_s3_checks_them():
    url = presign()
    u = urlsplit(url)
    path = f"{u.path}?{u.query}"
    sent = {"host": u.netloc, "content-type": "application/pdf", "x-amz-tagging": "upload=pending"}
    now = time.time()
    assert iam_local.presigned_refusal("PUT", path, sent, "testing", now) is None
    assert iam_local.presigned_refusal("PUT", path, {**sent, "content-type": "text/html"}, "testing", now)[0] == "SignatureDoesNotMatch"
    assert iam_local.presigned_refusal("PUT", path, {**sent, "x-amz-tagging": "upload=done"}, "testing", now)[0] == "SignatureDoesNotMatch"
    assert iam_local.presigned_refusal("GET", path, sent, "testing", now)[0] == "SignatureDoesNotMatch"
    assert iam_local.presigned_refusal("PUT", path.replace("W-2", "W-3"), sent, "testing", now)[0] == "SignatureDoesNotMatch"
    assert iam_local.presigned_refusal("PUT", path, sent, "another secret", now)[0] == "SignatureDoesNotMatch"
    assert iam_local.presigned_refusal("PUT", path, sent, "testing", now + 61) == ("AccessDenied", "Request has expired")


# ---------- on the local stack ----------

def without(stack, binary: str, action: str) -> list[dict]:
    """`binary`'s statements in the template, less the one that grants `action`."""
    statements = stack.proxy.iam.base[binary]
    kept = [s for s in statements if action not in s["Action"]]
    assert len(kept) == len(statements) - 1, f"{binary}: no single statement grants {action}"
    return kept


@pytest.mark.iam_refusals
def test_removing_the_send_statement_stops_invites(stack, firm):
    client = firm.client("IAM Client")
    contact = firm.contact(client["id"], "Ida", "Iam", unique_email("ida"))
    mark = len(stack.proxy.iam.denied)
    stack.proxy.iam.override("invites", without(stack, "invites", "ses:SendEmail"))
    try:
        r = firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": [contact["id"]]})
    finally:
        stack.proxy.iam.override("invites", None)
    refused = stack.proxy.iam.denied_since(mark)
    assert [(d["function"], d["action"]) for d in refused] == [("invites", "ses:SendEmail")]
    assert mail_to(stack, contact["email"]) == []
    assert r.status_code >= 400 or all(x.get("outcome") != "sent" for x in r.json()["results"]), r.text
    # with the template's own policy, the same invite goes out
    ok = firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": [contact["id"]]}, expect=200)
    assert [x["outcome"] for x in ok.json()["results"]] == ["sent"] and len(mail_to(stack, contact["email"])) == 1


@pytest.mark.iam_refusals
def test_removing_the_upload_statement_refuses_presigned_uploads(stack, firm):
    client = firm.client("IAM Upload Client")
    _, api = active_contact(stack, firm, client["id"], "Uma")
    slot = upload_slot(api, "portal", client["id"], {"name": "a.pdf", "size": len(PDF), "content_type": "application/pdf"})
    headers = {k: v for k, v in slot["upload"]["headers"].items() if k != "content-length"}
    stack.proxy.iam.override("files", without(stack, "files", "s3:PutObject"))
    try:
        # the URL was signed by files; it is used with files' permissions, when it is used
        r = requests.put(slot["upload"]["url"], data=PDF, headers=headers, timeout=60)
    finally:
        stack.proxy.iam.override("files", None)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text
    assert requests.put(slot["upload"]["url"], data=PDF, headers=headers, timeout=60).status_code == 200
