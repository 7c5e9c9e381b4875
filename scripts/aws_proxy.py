"""A small HTTP proxy between the functions and moto, for what moto does not do.

1. **SES event publishing.** Real SES publishes `Send`, `Delivery`, `Bounce` and
   `Complaint` events of a configuration set to SNS, which invokes `email-events`. moto
   keeps the email but publishes nothing, so every invite would stay `sending`. The proxy
   sees each accepted `SendEmail` (with its configuration set and tags) and invokes
   `email-events` with the same SNS-wrapped events SES would send: `Send` and `Delivery`,
   or — for SES's mailbox-simulator addresses — `Bounce` (bounce@simulator.amazonses.com)
   and `Complaint` (complaint@simulator.amazonses.com).
2. **Fault injection for tests** (`POST /__faults`): refuse the n-th `SendEmail` as SES
   would (400 MessageRejected), throttle the n-th DynamoDB call of an operation (400
   ProvisionedThroughputExceededException, which the SDK retries), or kill the calling
   process right after SES accepted its email (the "process died between SES and the
   write" case), or hold the n-th call for `seconds` before passing it on (`delay`: so
   that concurrent requests have all read before any of them writes, and a race shows on
   every run). `DELETE /__faults` clears the rules; `GET /__faults` lists what fired.
3. **DynamoDB transactions as isolated as AWS's.** moto applies a transaction's items one
   by one, visible to concurrent requests as it goes, and undoes a failed one by restoring
   the whole table from a copy taken when it began — erasing what concurrent requests wrote
   meanwhile. On AWS a transaction is all-or-nothing for every reader and writer, and a
   cancelled one changes nothing. The proxy therefore passes the functions' DynamoDB calls
   to moto one at a time, so concurrent requests (tests/support/scale.py) meet AWS's
   isolation, not moto's.
4. **The local mailbox** (`GET /__mailbox?to=<address>` or `?after=<n>`): every email
   moto accepted, captured here as it is sent (scripts/local_mailbox.py) — never one that
   a fault refused or that moto failed.
5. **Cognito sessions bound to their user.** On AWS a sign-in's challenge `Session` belongs
   to the user who signed in: answering it with another `USERNAME` fails
   (NotAuthorizedException, "Invalid session for the user."). moto accepts any `USERNAME`
   with any live session — and gives every user the same TOTP secret, so one login's code
   would sign in as another. The per-account lockout of the code step counts attempts
   under the address sent with the code, which is sound only because AWS binds the two;
   so the proxy remembers which user each session it saw handed out belongs to
   (InitiateAuth, and the sessions AssociateSoftwareToken / VerifySoftwareToken /
   RespondToAuthChallenge hand on) and refuses a RespondToAuthChallenge for another user,
   as AWS does.

6. **IAM, enforced** (scripts/iam_local.py): every call a function makes is held to that
   function's policy in infra/template.yaml and refused as AWS refuses it (AccessDenied),
   S3's presigned URLs included; a presigned URL is also refused when it has expired or
   its signature does not match the request (another content type or length than signed).

7. **A meter of DynamoDB cost** (`/__meter`, scripts/aws_meter.py): the calls, items read
   and bytes returned of the functions' DynamoDB calls in a window, for the tests that
   hold a request's cost flat as a firm grows, and for `make bench-scale`.

8. **SES's account and its sending rate.** moto has no SES v2 `GetAccount` and sends as
   fast as it is asked. The proxy answers `GetAccount` as SES does, with the local
   account's quota (`SendQuota.MaxSendRate` = `ses_rate`, 50 a second unless the stack says
   otherwise), and refuses a `SendEmail` that would make more than `ses_rate` accepted
   emails in the last second with SES's 429 `TooManyRequestsException` ("Maximum sending
   rate exceeded."), so a sender that ignores the rate fails locally as it would on AWS.
   `POST /__faults` can also throttle the n-th `SendEmail` the same way (kind `throttle`).

The functions reach it through the SDK's per-service endpoint variables
(`AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`,
`AWS_ENDPOINT_URL_S3`, so presigned URLs point here too; `AWS_ENDPOINT_URL_SQS`). Not part of
the deployed system.
"""
from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

import aws_meter
import iam_local
import local_mailbox

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}
SIMULATOR = {"bounce": "Bounce", "complaint": "Complaint"}


def simulated(address: str) -> str:
    """The event SES's mailbox simulator gives an address (labels allowed: bounce+x@…)."""
    local, _, domain = address.lower().partition("@")
    if domain != "simulator.amazonses.com":
        return "Delivery"
    return SIMULATOR.get(local.split("+", 1)[0], "Delivery")


COGNITO = "AWSCognitoIdentityProviderService."


def operation(method: str, path: str, headers) -> str:
    target = headers.get("x-amz-target", "")
    if target.startswith("DynamoDB_") or target.startswith(COGNITO):
        return target.split(".", 1)[1]
    if method == "POST" and path.split("?")[0].rstrip("/") == "/v2/email/outbound-emails":
        return "SendEmail"
    if target.startswith("AmazonSQS."):
        return target.split(".", 1)[1]
    return f"{method} {path.split('?')[0]}"


def pid_of_peer(port: int) -> int | None:
    """The local process that owns the TCP connection from 127.0.0.1:`port` (Linux /proc)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].split(":")[1], 16) == port:
                inode = parts[9]
                break
        if inode:
            break
    if not inode:
        return None
    wanted = f"socket:[{inode}]"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == wanted:
                    return int(pid)
        except OSError:
            continue
    return None


def ses_event(kind: str, request: dict, message_id: str) -> dict:
    to = request.get("Destination", {}).get("ToAddresses", [])
    tags = {t["Name"]: [t["Value"]] for t in request.get("EmailTags", [])}
    tags["ses:configuration-set"] = [request["ConfigurationSetName"]]
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    body = {"eventType": kind, "mail": {"timestamp": now, "source": request.get("FromEmailAddress", ""),
                                         "messageId": message_id, "destination": to, "tags": tags}}
    if kind == "Delivery":
        body["delivery"] = {"timestamp": now, "recipients": to, "processingTimeMillis": 100}
    elif kind == "Bounce":
        body["bounce"] = {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": now,
                          "bouncedRecipients": [{"emailAddress": a} for a in to]}
    elif kind == "Complaint":
        body["complaint"] = {"timestamp": now, "complainedRecipients": [{"emailAddress": a} for a in to]}
    elif kind == "Send":
        body["send"] = {}
    topic = "arn:aws:sns:us-east-1:123456789012:portal-local-email-events"
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
                         "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic,
                                 "Subject": None, "Message": json.dumps(body), "Timestamp": now,
                                 "SignatureVersion": "1", "Signature": "LOCAL", "SigningCertUrl": "",
                                 "UnsubscribeUrl": "", "MessageAttributes": {}}}]}


def s3_error(code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return 403, body.encode(), {"content-type": "application/xml"}


def refusal(call: iam_local.Call, reason: str) -> tuple[int, bytes, dict[str, str]]:
    """The error AWS answers a refused call with, in the service's own protocol."""
    if call.service == "s3":
        if reason == "unknown key":
            return s3_error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        return s3_error("AccessDenied", "Access Denied")
    if reason == "unsigned":
        kind, message = "MissingAuthenticationTokenException", "Request is missing Authentication Token"
    elif reason == "unknown key":
        kind, message = "UnrecognizedClientException", "The security token included in the request is invalid."
    else:
        kind, message = "AccessDeniedException", reason
    if call.service == "ses":
        return 403, json.dumps({"message": message}).encode(), {"content-type": "application/json", "x-amzn-errortype": kind}
    if call.service == "dynamodb":
        return 400, json.dumps({"__type": f"com.amazon.coral.service#{kind}", "message": message}).encode(), \
            {"content-type": "application/x-amz-json-1.0"}
    return 400, json.dumps({"__type": kind, "message": message}).encode(), {"content-type": "application/x-amz-json-1.1"}


SES_THROTTLED = (429, json.dumps({"message": "Maximum sending rate exceeded."}).encode(),
                 {"content-type": "application/json", "x-amzn-errortype": "TooManyRequestsException"})
# The local account's SES quota (a production account raised to 50 a second).
SES_RATE = 50.0
SES_DAILY = 200000
# Threads delivering SES events to email-events.
EVENT_DELIVERERS = 4


class Proxy:
    def __init__(self, upstream: str, lambda_base: str | None, iam: iam_local.Policies | None = None,
                 region: str = "us-east-1", account: str = "123456789012", secret: str = "testing",
                 ses_rate: float = SES_RATE):
        self.upstream, self.lambda_base = upstream.rstrip("/"), lambda_base
        self.iam, self.region, self.account, self.secret = iam, region, account, secret
        self.lock = threading.Lock()
        self.dynamodb = threading.Lock()  # one DynamoDB call in moto at a time (see 3. above)
        self.rules: list[dict] = []
        self.counts: dict[str, int] = {}
        self.fired: list[dict] = []
        self.events = 0
        self.inflight = 0
        self.held: list[tuple[dict, str]] | None = None
        self.server: ThreadingHTTPServer | None = None
        self.url: str | None = None
        self.mailbox = local_mailbox.Store()
        self.session_users: dict[str, str] = {}
        self.meter = aws_meter.Meter()
        self.ses_rate = ses_rate
        self.event_tasks: "queue.Queue" = queue.Queue()
        self.event_workers: list[threading.Thread] = []
        self.ses_sent: list[float] = []        # when each accepted SendEmail was let through
        self.ses_throttled = 0

    # ---- SES's sending rate ----
    def ses_admit(self) -> bool:
        """May one more email go out now, at `ses_rate` a second? Counts it if so."""
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.ses_sent[-int(self.ses_rate) - 1:] if now - t < 1.0]
            if len(recent) >= self.ses_rate:
                self.ses_throttled += 1
                return False
            self.ses_sent.append(now)
            return True

    def ses_account(self) -> dict:
        with self.lock:
            day = sum(1 for t in self.ses_sent if time.monotonic() - t < 86400)
        return {"DedicatedIpAutoWarmupEnabled": False, "EnforcementStatus": "HEALTHY", "ProductionAccessEnabled": True,
                "SendingEnabled": True, "SendQuota": {"Max24HourSend": SES_DAILY, "MaxSendRate": self.ses_rate,
                                                      "SentLast24Hours": day}}

    # ---- Cognito sessions ----
    def session_refused(self, op: str, request: dict) -> bool:
        """A RespondToAuthChallenge whose USERNAME is not the user its session belongs to."""
        if op != "RespondToAuthChallenge":
            return False
        with self.lock:
            owner = self.session_users.get(request.get("Session", ""))
        user = str(request.get("ChallengeResponses", {}).get("USERNAME", "")).lower()
        return owner is not None and owner != user

    def remember_session(self, op: str, request: dict, answer: dict) -> None:
        """Note whose user the session in `answer` is (from the request's user or session)."""
        session = answer.get("Session")
        if not session:
            return
        with self.lock:
            if op == "InitiateAuth":
                owner = str(request.get("AuthParameters", {}).get("USERNAME", "")).lower() or None
            else:
                owner = self.session_users.get(request.get("Session", ""))
            if owner:
                self.session_users[session] = owner

    # ---- faults ----
    def decide(self, op: str) -> dict | None:
        with self.lock:
            self.counts[op] = n = self.counts.get(op, 0) + 1
            for rule in self.rules:
                if rule["op"] == op and n in rule["calls"]:
                    self.fired.append({"op": op, "call": n, "kind": rule["kind"]})
                    return rule
        return None

    def set_rules(self, rules: list[dict]) -> None:
        with self.lock:
            self.rules, self.counts, self.fired = rules, {}, []

    # ---- SES events ----
    def publish(self, request: dict, message_id: str) -> None:
        if not self.lambda_base or not request.get("ConfigurationSetName"):
            return
        with self.lock:
            if self.held is not None:
                self.held.append((request, message_id))
                return
            self.inflight += 1
        to = request.get("Destination", {}).get("ToAddresses", [])
        kinds = ["Send", simulated(to[0]) if to else "Delivery"]

        def run():
            try:
                for kind in kinds:
                    try:
                        r = requests.post(f"{self.lambda_base}/2015-03-31/functions/email-events/invocations",
                                          json=ses_event(kind, request, message_id), timeout=120)
                        r.raise_for_status()
                        with self.lock:
                            self.events += 1
                    except Exception as e:  # keep serving; report
                        print(f"aws proxy: SES {kind} event not delivered: {e}", file=sys.stderr)
            finally:
                with self.lock:
                    self.inflight -= 1

        self.event_tasks.put(run)
        with self.lock:
            if not self.event_workers:
                # A few deliverers, not a thread per email: a bulk send of a thousand emails
                # must not open a thousand connections to the functions at once (the
                # events queue up here, as SNS would hold them, and arrive in order).
                for _ in range(EVENT_DELIVERERS):
                    t = threading.Thread(target=self._deliver_events, daemon=True)
                    t.start()
                    self.event_workers.append(t)

    def _deliver_events(self) -> None:
        while True:
            task = self.event_tasks.get()
            task()

    def settle(self, timeout: float = 60) -> None:
        """Wait until every event published so far was delivered."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.inflight == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("SES events still in flight")

    @contextlib.contextmanager
    def events_held(self):
        """Hold new SES events (and let those in flight land) while measuring the calls of
        one operation; publish them afterwards, as a slow SES would."""
        with self.lock:
            self.held = []
        try:
            self.settle()
            yield
        finally:
            with self.lock:
                held, self.held = self.held or [], None
            for request, message_id in held:
                self.publish(request, message_id)

    # ---- server ----
    def start(self, port: int) -> "Proxy":
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                for k, v in (headers or {"content-type": "application/json"}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def control(self, body: bytes):
                if self.command == "POST":
                    proxy.set_rules(json.loads(body or b"[]"))
                elif self.command == "DELETE":
                    proxy.set_rules([])
                with proxy.lock:
                    state = {"rules": proxy.rules, "counts": proxy.counts, "fired": proxy.fired, "events": proxy.events,
                             "ses_throttled": proxy.ses_throttled}
                self.reply(200, json.dumps(state).encode())

            def handle_any(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("/__faults"):
                    return self.control(body)
                if self.path.split("?")[0] == "/__meter":
                    # 7. The DynamoDB meter (scripts/aws_meter.py): POST starts a window, GET
                    # reads it, DELETE ends it (and answers its figures).
                    if self.command == "POST":
                        proxy.meter.start()
                    figures = aws_meter.summary(proxy.meter.stop()) if self.command == "DELETE" else proxy.meter.read()
                    return self.reply(200, json.dumps(figures).encode())
                if self.path.split("?")[0] == "/__mailbox" and self.command == "GET":
                    query = self.path.partition("?")[2]
                    return self.reply(200, json.dumps(proxy.mailbox.answer(query)).encode())
                call = None
                if proxy.iam is not None:
                    call = iam_local.classify(self.command, self.path, self.headers, body, proxy.region, proxy.account)
                    if call.presigned:
                        refused = iam_local.presigned_refusal(self.command, self.path, self.headers, proxy.secret, time.time())
                        if refused:
                            return self.reply(*s3_error(*refused))
                    reason = proxy.iam.decide(call)
                    if reason:
                        print(f"aws proxy: refused {call.service} {call.operation} by {call.key}: {reason}", file=sys.stderr)
                        return self.reply(*refusal(call, reason))
                op = operation(self.command, self.path, self.headers)
                cognito = self.headers.get("x-amz-target", "").startswith(COGNITO)
                if cognito:
                    try:
                        request = json.loads(body or b"{}")
                    except ValueError:
                        request = {}
                    if proxy.session_refused(op, request):
                        return self.reply(400, json.dumps({"__type": "NotAuthorizedException", "message": "Invalid session for the user."}).encode(),
                                          {"content-type": "application/x-amz-json-1.1"})
                if op == "GET /v2/email/account":
                    return self.reply(200, json.dumps(proxy.ses_account()).encode())
                rule = proxy.decide(op)
                if rule and rule["kind"] == "throttle" and op == "SendEmail":
                    with proxy.lock:
                        proxy.ses_throttled += 1
                    return self.reply(*SES_THROTTLED)
                if op == "SendEmail" and not proxy.ses_admit():
                    return self.reply(*SES_THROTTLED)
                if rule and rule["kind"] == "reject":
                    return self.reply(400, json.dumps({"message": "Email address is not verified (injected fault)"}).encode(),
                                      {"content-type": "application/json", "x-amzn-errortype": "MessageRejected"})
                if rule and rule["kind"] == "delay":
                    time.sleep(float(rule.get("seconds", 2)))
                if rule and rule["kind"] == "throttle":
                    return self.reply(400, json.dumps({
                        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                        "message": "The level of configured provisioned throughput for the table was exceeded (injected fault)"}).encode(),
                        {"content-type": "application/x-amz-json-1.0"})
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                if self.headers.get("x-amz-target", "").startswith("DynamoDB_"):
                    with proxy.dynamodb:
                        r = requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body, timeout=120)
                    proxy.meter.observe(iam_local.access_key(self.headers, {}), self.headers.get("x-amz-target", ""), body,
                                        r.status_code, r.content)
                else:
                    r = requests.request(self.command, proxy.upstream + self.path, headers=headers, data=body, timeout=120)
                if cognito and r.ok:
                    try:
                        proxy.remember_session(op, request, r.json())
                    except ValueError:
                        pass
                request = message_id = None
                if op == "SendEmail" and r.ok:
                    try:
                        request, message_id = json.loads(body), r.json().get("MessageId", "")
                    except ValueError:
                        request = None
                if request is not None:
                    # moto accepted it: into the mailbox before the caller hears so.
                    try:
                        proxy.mailbox.add(local_mailbox.sent_email(request, message_id))
                    except Exception as e:  # keep serving; report
                        print(f"aws proxy: an accepted email is not in the mailbox: {e!r}", file=sys.stderr)
                if rule and rule["kind"] == "kill":
                    # SES accepted the email; the caller dies before it hears so.
                    pid = pid_of_peer(self.client_address[1])
                    if pid and pid != os.getpid():
                        os.kill(pid, signal.SIGKILL)
                    self.close_connection = True
                    return
                if call is not None and r.status_code == 404 and call.operation in ("GetObject", "HeadObject") \
                        and call.key != iam_local.OPERATOR_KEY:
                    # S3 tells a caller who may not list the bucket 403, not 404, for a
                    # missing key (so that absence does not leak).
                    bucket = self.path.lstrip("/").split("/", 1)[0].split("?")[0]
                    if proxy.iam.allows(call.key[len(iam_local.KEY_PREFIX):], iam_local.Need("s3:ListBucket", f"arn:aws:s3:::{bucket}")) is None:
                        return self.reply(*s3_error("AccessDenied", "Access Denied"))
                out = {k: v for k, v in r.headers.items() if k.lower() not in HOP_HEADERS | {"content-encoding"}}
                if self.command == "HEAD":
                    # No body, but the length of what a GET would return (HeadObject's ContentLength).
                    self.send_response(r.status_code)
                    for k, v in out.items():
                        self.send_header(k, v)
                    self.send_header("content-length", r.headers.get("content-length", "0"))
                    self.end_headers()
                    return
                self.reply(r.status_code, r.content, out)
                if request is not None:
                    proxy.publish(request, message_id)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
