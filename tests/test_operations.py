"""Failures that are seen (issue 17, part 4).

Statically, from infra/template.yaml (nothing here reaches AWS, and moto has no CloudWatch
alarms, Lambda destinations or SQS in the local stack): asynchronous invocations end in the
failure queue, every function, the API, the queue and SES's reputation alarm to one topic,
and each function knows its own timeout (the AWS SDK's timeouts are derived from it and
unit-tested below it in shared/src/sdk.rs).

Against the local stack: the product's own metrics are Embedded Metric Format lines in the
functions' output, and the idempotency lock ends at the invocation's deadline.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from pathlib import Path

import requests
from samtranslator.translator.transform import transform

import check_template
import portal_local as pl
from support import invite, mail_to, unique_email

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = pl.load_template()
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {n: r for n, r in RESOURCES.items() if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}
ALARMS = {n: r["Properties"] for n, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
# Event sources Lambda invokes asynchronously (SAM event types).
ASYNC_EVENTS = {"S3", "SNS", "Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent"}


def timeout_of(res: dict) -> int:
    p = res["Properties"]
    if res["Type"] == "AWS::Serverless::Function":
        return int(p.get("Timeout", TEMPLATE["Globals"]["Function"]["Timeout"]))
    return int(p["Timeout"])


def env_of(res: dict) -> dict:
    own = res["Properties"].get("Environment", {}).get("Variables", {})
    if res["Type"] == "AWS::Serverless::Function":
        return {**TEMPLATE["Globals"]["Function"]["Environment"]["Variables"], **own}
    return own


def transformed(monkeypatch) -> dict:
    """The template as CloudFormation runs it (after the SAM transform), as check_template does."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", pl.REGION)  # the transform makes its own boto3 session
    t = pl.load_template()
    for name, r in t["Resources"].items():
        if r["Type"] == "AWS::Serverless::Function":
            r["Properties"]["CodeUri"] = f"s3://packaged-artifacts/{name}.zip"
        if r["Type"] == "AWS::Lambda::Function":
            r["Properties"]["Code"] = {"S3Bucket": "packaged-artifacts", "S3Key": f"{name}.zip"}
    return transform(t, {}, check_template.OfflinePolicies())


def test_every_function_is_told_its_own_timeout():
    assert len(FUNCTIONS) >= 16
    for name, res in FUNCTIONS.items():
        env = env_of(res)
        assert env.get("FUNCTION_TIMEOUT_SECONDS") == str(timeout_of(res)), \
            f"{name}: FUNCTION_TIMEOUT_SECONDS must equal its Timeout ({timeout_of(res)}s); the SDK's timeouts are derived from it"


def test_every_function_logs_at_the_stages_level():
    assert TEMPLATE["Parameters"]["LogLevel"]["AllowedValues"] == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
    assert TEMPLATE["Globals"]["Function"]["LoggingConfig"]["ApplicationLogLevel"] == {"Ref": "LogLevel"}
    assert RESOURCES["PostAuthFunction"]["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == {"Ref": "LogLevel"}


def test_asynchronous_invocations_that_fail_land_in_the_failure_queue(monkeypatch):
    queue = RESOURCES["FailedEventsQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    asynchronous = {n for n, r in FUNCTIONS.items()
                    if any(e["Type"] in ASYNC_EVENTS for e in r["Properties"].get("Events", {}).values())}
    assert asynchronous == {"FileEventsFunction", "EmailEventsFunction", "RemindersFunction"}
    for name in asynchronous:
        cfg = FUNCTIONS[name]["Properties"]["EventInvokeConfig"]
        assert cfg["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}}, name
        assert 0 <= cfg["MaximumRetryAttempts"] <= 2 and 60 <= cfg["MaximumEventAgeInSeconds"] <= 6 * 3600, name
    # post-auth is invoked synchronously by Cognito: a destination would never apply.
    assert "EventInvokeConfig" not in FUNCTIONS["PostAuthFunction"]["Properties"]
    # Each of them may send to the queue (SAM adds the statement for a destination it knows).
    cfn = transformed(monkeypatch)
    for name in asynchronous:
        statements = [s for p in cfn["Resources"][f"{name}Role"]["Properties"]["Policies"]
                      for s in p["PolicyDocument"]["Statement"]]
        assert any(s["Effect"] == "Allow" and s["Action"] in ("sqs:SendMessage", ["sqs:SendMessage"])
                   and s["Resource"] == {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]} for s in statements), name


def test_every_function_alarms_on_errors_and_throttles():
    for name in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            found = [a for a in ALARMS.values() if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == metric
                     and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]]
            assert len(found) == 1, f"{name} needs one {metric} alarm"
            a = found[0]
            assert (a["Statistic"], a["Threshold"], a["ComparisonOperator"]) == ("Sum", 1, "GreaterThanOrEqualToThreshold")


def test_the_api_the_queue_and_ses_reputation_alarm():
    def one(namespace, metric):
        found = [a for a in ALARMS.values() if a.get("Namespace") == namespace and a["MetricName"] == metric]
        assert len(found) == 1, (namespace, metric)
        return found[0]

    api = one("AWS/ApiGateway", "5xx")
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}, {"Name": "Stage", "Value": "$default"}]
    queues = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]: a for a in ALARMS.values()
              if a.get("Namespace") == "AWS/SQS" and a["MetricName"] == "ApproximateNumberOfMessagesVisible"}
    assert set(queues) == {"FailedEventsQueue", "InviteJobsDeadLetterQueue"}
    for queue in queues.values():
        assert queue["Dimensions"][0]["Name"] == "QueueName"
        assert (queue["Threshold"], queue["ComparisonOperator"]) == (0, "GreaterThanThreshold"), "one failed message is enough"
    # Below the rates at which SES puts the account under review (5% bounces, 0.1% complaints).
    bounce, complaint = one("AWS/SES", "Reputation.BounceRate"), one("AWS/SES", "Reputation.ComplaintRate")
    assert 0 < bounce["Threshold"] < 0.05 and 0 < complaint["Threshold"] < 0.001
    assert bounce["ComparisonOperator"] == complaint["ComparisonOperator"] == "GreaterThanThreshold"


def test_the_invite_worker_is_fed_by_its_queue_with_a_dead_letter_queue(monkeypatch):
    worker = FUNCTIONS["InviteWorkerFunction"]
    (event,) = worker["Properties"]["Events"].values()
    assert event["Type"] == "SQS"
    p = event["Properties"]
    assert p["Queue"] == {"Fn::GetAtt": ["InviteJobsQueue", "Arn"]}
    assert p["FunctionResponseTypes"] == ["ReportBatchItemFailures"], "one unfinished client must not return the batch"
    assert 1 <= p["BatchSize"] <= 10 and p["MaximumBatchingWindowInSeconds"] <= 5
    # The rate is split between the instances the mapping may run (not reserved concurrency,
    # which throttles the pollers' invocations and pushes messages to the dead-letter queue).
    assert "ReservedConcurrentExecutions" not in worker["Properties"]
    assert env_of(worker)["INVITE_WORKER_INSTANCES"] == str(p["ScalingConfig"]["MaximumConcurrency"])
    assert env_of(worker)["INVITE_SEND_RATE_CEILING"] == {"Ref": "InviteSendRateCeiling"}
    queue = RESOURCES["InviteJobsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * timeout_of(worker), "AWS: at least six times the function's timeout"
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["InviteJobsDeadLetterQueue", "Arn"]}, "maxReceiveCount": 5}
    assert RESOURCES["InviteJobsDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    # Least privilege: only the invites function may send to the queue; SAM gives the worker
    # what polling needs, and GetAccount (which has no resource) is granted on "*".
    senders = [n for n, f in FUNCTIONS.items() for st in f["Properties"].get("Policies", []) if isinstance(st, dict)
               for x in st.get("Statement", []) if "sqs:SendMessage" in x["Action"]]
    assert senders == ["InvitesFunction"]
    cfn = transformed(monkeypatch)
    role = cfn["Resources"]["InviteWorkerFunctionRole"]["Properties"]
    assert any("AWSLambdaSQSQueueExecutionRole" in json.dumps(a) for a in role["ManagedPolicyArns"]), role["ManagedPolicyArns"]
    mapping = next(r for r in cfn["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    grants = [x for pol in role["Policies"] for x in pol["PolicyDocument"]["Statement"]]
    assert {"Effect": "Allow", "Action": ["ses:GetAccount"], "Resource": "*"} in grants


def test_every_alarm_notifies_the_one_topic_operators_subscribe_to():
    assert RESOURCES["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    for name, a in ALARMS.items():
        assert a["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert a["TreatMissingData"] == "notBreaching", name
    assert TEMPLATE["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}
    sub = RESOURCES["AlarmEmailSubscription"]
    assert sub["Condition"] == "HasAlarmEmail" and TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""
    assert sub["Properties"] == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}


# ---------- against the local stack ----------

def emf_lines(text: str) -> list[dict]:
    """The EMF objects in the functions' output: whole lines that are JSON with `_aws`."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and '"_aws"' in line:
            out.append(json.loads(line))
    return out


def wait_for_metric(stack, mark: dict, name: str, timeout: float = 10) -> list[dict]:
    deadline = time.time() + timeout
    while True:
        found = [m for m in emf_lines(stack.logs_since(mark)) if name in m]
        if found or time.time() > deadline:
            return found
        time.sleep(0.2)


def test_an_invite_sent_is_an_emf_metric_line(stack, firm):
    client = firm.client()
    email = unique_email("emf")
    contact = firm.contact(client["id"], "Emma", "Metric", email)
    mark = stack.log_mark()
    assert invite(firm, client["id"], contact["id"])[0]["outcome"] == "sent"
    assert len(mail_to(stack, email)) == 1
    lines = wait_for_metric(stack, mark, "InvitesSent")
    assert len(lines) == 1, f"one metric line for one accepted email: {lines}"
    m = lines[0]
    cw = m["_aws"]["CloudWatchMetrics"]
    assert cw == [{"Namespace": "ClientPortal", "Dimensions": [["function", "invite"]],
                   "Metrics": [{"Name": "InvitesSent", "Unit": "Count"}]}]
    assert m["InvitesSent"] == 1 and m["invite"] == "contact" and m["function"]
    assert abs(m["_aws"]["Timestamp"] / 1000 - time.time()) < 60
    raw = json.dumps(m)
    for secret in (email, contact["id"], client["id"], firm.firm_id):
        assert secret not in raw, "a metric line carries no address or id"


def test_an_account_created_is_an_emf_metric_line(stack, firm):
    from support import accept_invite
    client = firm.client()
    email = unique_email("emfacct")
    contact = firm.contact(client["id"], "Abe", "Account", email)
    mark = stack.log_mark()
    accept_invite(stack, firm, client["id"], contact["id"], email)
    lines = wait_for_metric(stack, mark, "AccountsCreated")
    assert [(m["AccountsCreated"], m["account"]) for m in lines] == [(1, "contact")]


def staff_sub(firm) -> str:
    payload = firm.api.token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def test_the_idempotency_lock_ends_at_the_invocations_deadline(stack, firm):
    client = firm.client()
    contact = firm.contact(client["id"], "Dee", "Deadline", unique_email("dl"))
    key = f"deadline-{uuid.uuid4()}"
    started = time.time()
    r = requests.post(f"{stack.base}/api/staff/clients/{client['id']}/invites", json={"contact_ids": [contact["id"]]},
                      headers={"authorization": f"Bearer {firm.api.token}", "idempotency-key": key}, timeout=60)
    assert r.status_code == 200
    digest = hashlib.sha256(b"".join(p.encode() + b"\0" for p in (staff_sub(firm), f"invites:{client['id']}", key))).hexdigest()
    item = stack.table().get_item(Key={"PK": f"IDEMP#{digest}", "SK": "IDEMP"})["Item"]
    locked_until = int(item["locked_until"])
    # The runtime's deadline (cargo lambda watch gives each invocation one, as Lambda does),
    # not the longest invocation (900 s) that stands in when there is none.
    assert started < locked_until < started + 600, f"locked for {locked_until - started:.0f}s"


def test_an_upload_refused_is_an_emf_metric_line_and_an_accepted_one_is_not(stack, firm):
    from support import PDF, land, upload_slot
    client = firm.client()
    good = upload_slot(firm.api, "staff", client["id"], {"name": "ok.pdf", "size": len(PDF), "content_type": "application/pdf"})
    bad = upload_slot(firm.api, "staff", client["id"], {"name": "invoice.pdf", "size": 1024, "content_type": "application/pdf"})
    mark = stack.log_mark()
    assert land(stack, good, PDF) == "available"
    assert land(stack, bad, b"MZ" + b"\0" * 1022).startswith("rejected")
    lines = wait_for_metric(stack, mark, "UploadsRejected")
    assert [(m["UploadsRejected"], m["upload"]) for m in lines] == [(1, "file")]
    assert "invoice.pdf" not in json.dumps(lines)
