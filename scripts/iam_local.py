"""IAM, enforced on the local stack: each function's AWS calls are held to the policy the
SAM template gives it, as AWS would hold them, and refused as AWS refuses them.

moto can check IAM itself, but it authorizes every DynamoDB, Cognito and SES call against
the resource `*` (moto.core.authorization): a statement naming the table's ARN would never
match, and a query of an index the policy forgets would pass. So the decision is made here,
in the proxy the functions' calls already go through (scripts/aws_proxy.py), with the
resource AWS itself evaluates:

- **Who is calling.** Locally every function runs with its own access key id,
  `local-fn-<binary>` (`[package.metadata.lambda.watch.env]` in its Cargo.toml for `cargo
  lambda watch`; scripts/runtime_api.py for functions run on their own), as each Lambda
  function runs with its own role's credentials. The tests' own clients and `portal-admin`
  sign as `testing`, the operator, who may do anything. Any other key is refused, as AWS
  refuses an unknown key.
- **What a call needs**, per service, as the service authorization reference defines it:
  - DynamoDB: `dynamodb:<Operation>` on the table's ARN, or `…/index/<name>` for a Query or
    Scan of an index; a transaction needs `PutItem`/`UpdateItem`/`DeleteItem`/
    `ConditionCheckItem`/`GetItem` for each of its items (there is no "transact" action).
  - S3: `s3:GetObject` / `s3:GetObjectVersion` (when a version is named, HeadObject too),
    `s3:PutObject` (+ `s3:PutObjectTagging` when the request sets tags), CopyObject's
    `s3:PutObject` on the target and `s3:GetObject(Version)` on the source,
    `s3:DeleteObject(Version)`, `s3:ListBucket(Versions)` on the bucket. A presigned URL
    acts with the permissions of the key that signed it, checked when it is used. A read of
    a missing key by a caller without `s3:ListBucket` gets 403, not 404, as on AWS.
  - Cognito: `cognito-idp:<Operation>` on the user pool's ARN for the admin (IAM-signed)
    operations; the public ones (InitiateAuth, RespondToAuthChallenge, GlobalSignOut, …)
    are authorized by the user's own tokens and take no IAM permission.
  - SES v2 SendEmail: `ses:SendEmail` on the sending identity's ARN and on the
    configuration set's ARN; GetAccount: `ses:GetAccount` on `*`.
  - SQS (the JSON protocol the AWS SDK for Rust speaks: `X-Amz-Target: AmazonSQS.<Op>`):
    `sqs:<Op>` on the queue's ARN (from the body's `QueueUrl`, or `QueueName`), with the
    batch forms authorized as their single action (SendMessageBatch is `sqs:SendMessage`).
- **Policies** are the template's own statements (`Policies: - Statement: […]` of a SAM
  function, the inline policies of an `AWS::IAM::Role`), resolved with the local stack's
  physical names. Allow statements only, with `*`/`?` wildcards in actions and resources,
  as the template uses them; a policy form not modelled here (a SAM policy template, a
  managed policy name, a Deny, a Condition) stops the local stack rather than being
  silently ignored.

Each allowed call records which (action, resource) grant it used, so that a test session
can report the grants nothing exercised (least privilege, the other way round).
"""
from __future__ import annotations

import calendar
import fnmatch
import hashlib
import hmac
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

OPERATOR_KEY = "testing"
KEY_PREFIX = "local-fn-"

# Cognito user-pool operations that are authorized by the user's tokens or session, not by
# IAM (the Cognito developer guide, "API operations without IAM authorization").
COGNITO_PUBLIC = {
    "InitiateAuth", "RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken",
    "GlobalSignOut", "RevokeToken", "GetUser", "ChangePassword", "SetUserMFAPreference",
    "ForgotPassword", "ConfirmForgotPassword", "SignUp", "ConfirmSignUp", "ResendConfirmationCode",
    "UpdateUserAttributes", "DeleteUser", "DeleteUserAttributes", "GetUserAttributeVerificationCode",
    "VerifyUserAttribute", "ConfirmDevice", "ForgetDevice", "GetDevice", "ListDevices",
    "UpdateDeviceStatus", "GetTokensFromRefreshToken",
}

DYNAMODB_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def function_key(binary: str) -> str:
    """The access key id a function signs its local AWS calls with."""
    return KEY_PREFIX + binary


@dataclass(frozen=True)
class Need:
    """One permission a call needs: an action on a resource."""
    action: str
    resource: str


@dataclass
class Call:
    """What the proxy knows of one request: who signed it and what it needs."""
    key: str | None            # the access key id, or None when unsigned
    service: str
    operation: str
    needs: list[Need] = field(default_factory=list)
    public: bool = False       # authorized without IAM (Cognito's token operations, CORS preflight)
    presigned: bool = False


class PolicyError(ValueError):
    """A policy form the local evaluator does not model."""


def _list(v) -> list:
    return v if isinstance(v, list) else [v]


def statements_of(resource: dict, resolve) -> list[dict]:
    """The Allow statements of one function (SAM) or role (IAM) resource, resolved."""
    props = resource.get("Properties", {})
    if resource["Type"] == "AWS::Serverless::Function":
        docs = []
        for p in props.get("Policies", []) or []:
            if not (isinstance(p, dict) and set(p) <= {"Statement", "Version"}):
                raise PolicyError(f"policy {p!r}: only inline statements are modelled locally (scripts/iam_local.py)")
            docs.append(p)
    elif resource["Type"] == "AWS::IAM::Role":
        docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
    else:
        raise PolicyError(f"{resource['Type']} carries no policy")
    out = []
    for doc in docs:
        for s in _list(resolve(doc["Statement"])):
            if s.get("Effect") != "Allow" or "Condition" in s or "NotAction" in s or "NotResource" in s:
                raise PolicyError(f"statement {s!r}: only unconditional Allow statements are modelled locally")
            out.append({"Action": _list(s["Action"]), "Resource": _list(s["Resource"])})
    return out


def function_policies(template: dict, resolve) -> dict[str, list[dict]]:
    """binary name → its resolved Allow statements, for every function in the template."""
    resources = template["Resources"]
    out = {}
    for name, res in resources.items():
        if res["Type"] not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue
        binary = res.get("Metadata", {}).get("BuildProperties", {}).get("Binary", name)
        if res["Type"] == "AWS::Serverless::Function":
            out[binary] = statements_of(res, resolve)
        else:
            role = res["Properties"]["Role"]
            if not (isinstance(role, dict) and "Fn::GetAtt" in role):
                raise PolicyError(f"{name}: the role must be a role of this template")
            out[binary] = statements_of(resources[role["Fn::GetAtt"][0]], resolve)
    return out


def _match(pattern: str, value: str) -> bool:
    # IAM wildcards: `*` any run of characters (including `/`), `?` one; case-sensitive
    # for resources, case-insensitive for actions (the caller lowercases both sides).
    return fnmatch.fnmatchcase(value, pattern)


class Policies:
    """The functions' policies, the decisions taken, and the grants used."""

    def __init__(self, policies: dict[str, list[dict]]):
        self.base = policies
        self.overrides: dict[str, list[dict]] = {}
        self.lock = threading.Lock()
        self.denied: list[dict] = []
        self.used: set[tuple[str, int, str, str]] = set()   # (binary, statement, action, resource pattern)

    def statements(self, binary: str) -> list[dict]:
        with self.lock:
            return self.overrides.get(binary, self.base.get(binary, []))

    def override(self, binary: str, statements: list[dict] | None) -> None:
        """Hold `binary` to other statements (a test's edited template), or back to its own."""
        with self.lock:
            if statements is None:
                self.overrides.pop(binary, None)
            else:
                self.overrides[binary] = statements

    def allows(self, binary: str, need: Need) -> tuple[int, str, str] | None:
        action = need.action.lower()
        for i, s in enumerate(self.statements(binary)):
            acts = [a for a in s["Action"] if _match(a.lower(), action)]
            if not acts:
                continue
            res = [r for r in s["Resource"] if _match(r, need.resource)]
            if res:
                return i, acts[0].lower(), res[0]
        return None

    def decide(self, call: Call) -> str | None:
        """None when the call may go ahead; otherwise why AWS would refuse it."""
        if call.public:
            return None
        if call.key is None:
            return "unsigned"
        if call.key == OPERATOR_KEY:
            return None
        if not call.key.startswith(KEY_PREFIX) or call.key[len(KEY_PREFIX):] not in self.base:
            return "unknown key"
        binary = call.key[len(KEY_PREFIX):]
        grants = []
        for need in call.needs:
            grant = self.allows(binary, need)
            if grant is None:
                with self.lock:
                    self.denied.append({"function": binary, "operation": call.operation,
                                        "action": need.action, "resource": need.resource})
                return (f"User: arn:aws:sts::123456789012:assumed-role/{binary}-role/{binary} is not authorized "
                        f"to perform: {need.action} on resource: {need.resource} because no identity-based "
                        f"policy allows the {need.action} action")
            grants.append((binary, *grant))
        with self.lock:
            self.used.update(grants)
        return None

    def denied_since(self, n: int) -> list[dict]:
        with self.lock:
            return list(self.denied[n:])

    def unused(self) -> list[dict]:
        """Every (action, resource) a function's own policy grants that no call used."""
        out = []
        with self.lock:
            used = set(self.used)
        for binary, statements in sorted(self.base.items()):
            for i, s in enumerate(statements):
                for a in s["Action"]:
                    for r in s["Resource"]:
                        if (binary, i, a.lower(), r) not in used:
                            out.append({"function": binary, "action": a, "resource": r})
        return out


# ---------- what a request needs ----------

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def access_key(headers, query: dict[str, str]) -> str | None:
    m = _CREDENTIAL.search(headers.get("authorization", "") or "")
    if m:
        return m.group(1)
    cred = query.get("X-Amz-Credential")
    return cred.split("/", 1)[0] if cred else None


def _table_arn(name: str, region: str, account: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def dynamodb_needs(op: str, body: dict, region: str, account: str) -> list[Need]:
    arn = lambda name: _table_arn(name, region, account)  # noqa: E731
    if op in ("TransactWriteItems", "TransactGetItems"):
        needs = []
        for item in body.get("TransactItems", []):
            (kind, spec), = item.items()
            needs.append(Need(f"dynamodb:{DYNAMODB_TRANSACT[kind]}", arn(spec["TableName"])))
        return needs
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [Need(f"dynamodb:{op}", arn(t)) for t in body.get("RequestItems", {})]
    table = body.get("TableName")
    if not table:
        return [Need(f"dynamodb:{op}", "*")]
    resource = arn(table)
    if op in ("Query", "Scan") and body.get("IndexName"):
        resource += f"/index/{body['IndexName']}"
    return [Need(f"dynamodb:{op}", resource)]


def cognito_needs(op: str, body: dict, region: str, account: str) -> list[Need]:
    pool = body.get("UserPoolId")
    return [Need(f"cognito-idp:{op}", f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool}" if pool else "*")]


_ADDRESS = re.compile(r"<([^<>]+)>\s*$")


def ses_needs(method: str, path: str, body: dict, region: str, account: str) -> tuple[str, list[Need]]:
    if method == "POST" and path.rstrip("/") == "/v2/email/outbound-emails":
        sender = body.get("FromEmailAddress", "")
        m = _ADDRESS.search(sender)
        address = (m.group(1) if m else sender).strip()
        identity = body.get("FromEmailAddressIdentityArn") or f"arn:aws:ses:{region}:{account}:identity/{address}"
        needs = [Need("ses:SendEmail", identity)]
        if body.get("ConfigurationSetName"):
            needs.append(Need("ses:SendEmail", f"arn:aws:ses:{region}:{account}:configuration-set/{body['ConfigurationSetName']}"))
        return "SendEmail", needs
    if method == "GET" and path.rstrip("/") == "/v2/email/account":
        return "GetAccount", [Need("ses:GetAccount", "*")]
    # Not modelled: refused, so that a new SES call is noticed and modelled here.
    return f"{method} {path}", [Need(f"ses:Unmodelled({method} {path})", "*")]


# SQS operations whose IAM action is another's (the service authorization reference).
SQS_ACTION = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
              "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
SQS_MODELLED = {"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
                "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes", "GetQueueUrl"}


def sqs_queue_arn(body: dict, region: str, account: str) -> str:
    """The ARN of the queue a request names: `…/<account>/<name>` of its QueueUrl (or QueueName)."""
    url = body.get("QueueUrl")
    if url:
        parts = urlsplit(url).path.strip("/").split("/")
        if len(parts) >= 2:
            return f"arn:aws:sqs:{region}:{parts[-2]}:{parts[-1]}"
        return f"arn:aws:sqs:{region}:{account}:{parts[-1]}"
    name = body.get("QueueName", "*")
    owner = body.get("QueueOwnerAWSAccountId") or account
    return f"arn:aws:sqs:{region}:{owner}:{name}"


def sqs_needs(op: str, body: dict, region: str, account: str) -> list[Need]:
    if op not in SQS_MODELLED:
        # Not modelled: refused, so that a new SQS call is noticed and modelled here.
        return [Need(f"sqs:Unmodelled({op})", "*")]
    return [Need(f"sqs:{SQS_ACTION.get(op, op)}", sqs_queue_arn(body, region, account))]


def _version_suffix(query: dict) -> str:
    return "Version" if "versionId" in query else ""


def s3_needs(method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[str, list[Need]]:
    """The S3 operation of a path-style request and the permissions it needs."""
    bucket, _, key = path.lstrip("/").partition("/")
    key = unquote(key)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    obj = f"{bucket_arn}/{key}"
    v = _version_suffix(query)
    if not key:
        if method == "GET" and "versions" in query:
            return "ListObjectVersions", [Need("s3:ListBucketVersions", bucket_arn)]
        if method == "GET" and "uploads" in query:
            return "ListMultipartUploads", [Need("s3:ListBucketMultipartUploads", bucket_arn)]
        if method in ("GET", "HEAD") and not (set(query) - {"list-type", "prefix", "delimiter", "max-keys",
                                                         "continuation-token", "start-after", "encoding-type",
                                                         "fetch-owner", "marker"}):
            return ("HeadBucket" if method == "HEAD" else "ListObjects"), [Need("s3:ListBucket", bucket_arn)]
        if method == "POST" and "delete" in query:
            needs = []
            try:
                root = ET.fromstring(body or b"<Delete/>")
                for o in root.iter():
                    if o.tag.endswith("Object"):
                        k = next((c.text for c in o if c.tag.endswith("Key")), "")
                        has_version = any(c.tag.endswith("VersionId") for c in o)
                        needs.append(Need("s3:DeleteObjectVersion" if has_version else "s3:DeleteObject", f"{bucket_arn}/{k}"))
            except ET.ParseError:
                pass
            return "DeleteObjects", needs or [Need("s3:DeleteObject", f"{bucket_arn}/*")]
        return f"{method} bucket?{'&'.join(sorted(query))}", [Need(f"s3:Unmodelled({method} bucket?{'&'.join(sorted(query))})", bucket_arn)]
    if "tagging" in query:
        verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method, method)
        return f"{verb}ObjectTagging", [Need(f"s3:{verb}Object{v}Tagging", obj)]
    if "uploadId" in query or "uploads" in query:
        if method == "DELETE":
            return "AbortMultipartUpload", [Need("s3:AbortMultipartUpload", obj)]
        if method == "GET":
            return "ListParts", [Need("s3:ListMultipartUploadParts", obj)]
        needs = [Need("s3:PutObject", obj)]
        if method == "PUT" and headers.get("x-amz-copy-source"):
            needs.append(_copy_source(headers["x-amz-copy-source"]))
        if "uploads" in query and headers.get("x-amz-tagging"):
            needs.append(Need("s3:PutObjectTagging", obj))
        return "MultipartUpload", needs
    if method in ("GET", "HEAD"):
        return ("HeadObject" if method == "HEAD" else "GetObject"), [Need(f"s3:GetObject{v}", obj)]
    if method == "PUT":
        needs = [Need("s3:PutObject", obj)]
        if headers.get("x-amz-copy-source"):
            needs.append(_copy_source(headers["x-amz-copy-source"]))
            op = "CopyObject"
        else:
            op = "PutObject"
        if headers.get("x-amz-tagging") or query.get("x-amz-tagging"):
            needs.append(Need("s3:PutObjectTagging", obj))
        return op, needs
    if method == "DELETE":
        return "DeleteObject", [Need(f"s3:DeleteObject{v}", obj)]
    return f"{method} object", [Need(f"s3:Unmodelled({method} object)", obj)]


def _copy_source(source: str) -> Need:
    src, _, q = unquote(source).lstrip("/").partition("?")
    versioned = any(k == "versionId" for k, _ in parse_qsl(q))
    return Need("s3:GetObjectVersion" if versioned else "s3:GetObject", f"arn:aws:s3:::{src}")


# ---------- presigned URLs ----------

_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]")


def uri_encode(text: str, keep_slash: bool = False) -> str:
    out = []
    for ch in text:
        if _UNRESERVED.fullmatch(ch) or (keep_slash and ch == "/"):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode())
    return "".join(out)


def presigned_refusal(method: str, raw_path: str, headers, secret: str, now: float) -> tuple[str, str] | None:
    """Why S3 would refuse this presigned request (code, message), or None: expired, or a
    signature that does not match what was signed (another method, path, query, or a signed
    header such as the content type or length sent with another value)."""
    parts = urlsplit(raw_path)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    try:
        signed_at = calendar.timegm(time.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
        expires = int(query["X-Amz-Expires"])
        key, date, region, service, _ = query["X-Amz-Credential"].split("/")
        signed_headers = query["X-Amz-SignedHeaders"].split(";")
        signature = query["X-Amz-Signature"]
    except (KeyError, ValueError):
        return "AuthorizationQueryParametersError", "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
    if expires > 604800:
        return "AuthorizationQueryParametersError", "X-Amz-Expires must be less than a week (in seconds) that is 604800"
    if now > signed_at + expires:
        return "AccessDenied", "Request has expired"
    canonical_query = "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(pairs) if k != "X-Amz-Signature")
    canonical_uri = uri_encode(unquote(parts.path), keep_slash=True)
    lines = []
    for name in signed_headers:
        value = headers.get(name)
        if value is None:
            return "SignatureDoesNotMatch", f"The request signature we calculated does not match the signature you provided (the signed header {name} was not sent)."
        lines.append(f"{name}:{' '.join(str(value).split())}\n")
    canonical = "\n".join([method, canonical_uri, canonical_query, "".join(lines), ";".join(signed_headers), "UNSIGNED-PAYLOAD"])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", query["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    return None


def classify(method: str, raw_path: str, headers, body: bytes, region: str, account: str) -> Call:
    """Who signed the request and what it needs (`service` is '' for one not modelled)."""
    parts = urlsplit(raw_path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    key = access_key(headers, query)
    presigned = "X-Amz-Signature" in query
    target = headers.get("x-amz-target", "") or ""
    if target.startswith("DynamoDB_") or target.startswith("AWSCognitoIdentityProviderService."):
        op = target.split(".", 1)[1]
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            doc = {}
        if target.startswith("DynamoDB_"):
            return Call(key, "dynamodb", op, dynamodb_needs(op, doc, region, account))
        return Call(key, "cognito-idp", op, cognito_needs(op, doc, region, account), public=op in COGNITO_PUBLIC)
    if target.startswith("AmazonSQS."):
        op = target.split(".", 1)[1]
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            doc = {}
        return Call(key, "sqs", op, sqs_needs(op, doc, region, account))
    if parts.path.startswith("/v2/email/"):
        try:
            doc = json.loads(body or b"{}") if body else {}
        except ValueError:
            doc = {}
        op, needs = ses_needs(method, parts.path, doc, region, account)
        return Call(key, "ses", op, needs)
    # Everything else the proxy is sent is S3 (path-style, as the functions' client is set up).
    if method == "OPTIONS":
        return Call(key, "s3", "PreflightRequest", [], public=True)
    op, needs = s3_needs(method, parts.path, query, headers, body)
    return Call(key, "s3", op, needs, presigned=presigned)
