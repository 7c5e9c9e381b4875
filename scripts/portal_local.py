"""The local stack: moto in server mode, resources made from infra/template.yaml, the
functions under `cargo lambda watch`, and demo data.

Used by `make dev` (scripts/dev.py) and by the integration tests (tests/conftest.py), so
both run exactly the same stack. Nothing here is part of the deployed system.

The SAM template is the single definition of names and properties: this module reads the
table, bucket, user pools, app clients and SES identity from it, resolves `!Ref`/`!Sub`
locally, creates them in moto, and writes the functions' environment from the template's
Globals. There is no second hand-kept list of resources.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

DEMO_STAFF_EMAIL = os.environ.get("DEMO_STAFF_EMAIL", "staff@demo-firm.example")
DEMO_STAFF_PASSWORD = os.environ.get("DEMO_STAFF_PASSWORD", "Demo-Staff-2026!")


# ---------- the template ----------

class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}
    return construct


for _short, _long in [("Ref", "Ref"), ("Sub", "Fn::Sub"), ("GetAtt", "Fn::GetAtt"), ("Join", "Fn::Join"),
                      ("If", "Fn::If"), ("Equals", "Fn::Equals"), ("Select", "Fn::Select"), ("Split", "Fn::Split"),
                      ("ImportValue", "Fn::ImportValue"), ("Not", "Fn::Not"), ("And", "Fn::And"), ("Or", "Fn::Or"),
                      ("FindInMap", "Fn::FindInMap"), ("Condition", "Condition"), ("GetAZs", "Fn::GetAZs")]:
    _CfnLoader.add_constructor("!" + _short, _tag(_long))


def load_template(path: Path = TEMPLATE) -> dict:
    return yaml.load(path.read_text(), Loader=_CfnLoader)


class Resolver:
    """Resolves the intrinsic functions the template uses, with local physical ids.

    Conditions (`Conditions`, `Fn::If`, `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`) are
    evaluated from the parameters; only the branch an `Fn::If` takes is resolved (the other
    may name what the local stack does not create, like the API), and `!Ref AWS::NoValue`
    drops its key or list entry, as CloudFormation does."""

    NO_VALUE = object()

    def __init__(self, template: dict, stack: str, parameters: dict[str, str]):
        self.template = template
        self.values = {"AWS::StackName": stack, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                       "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        for name, spec in template.get("Parameters", {}).items():
            self.values[name] = str(parameters.get(name, spec.get("Default", "")))
        self.attrs: dict[str, str] = {}

    def set(self, logical: str, physical: str, **attrs: str):
        self.values[logical] = physical
        for k, v in attrs.items():
            self.attrs[f"{logical}.{k}"] = v

    def condition(self, name: str) -> bool:
        return bool(self._resolve(self.template["Conditions"][name]))

    def __call__(self, v):
        out = self._resolve(v)
        if out is self.NO_VALUE:
            raise ValueError("!Ref AWS::NoValue where a value is required")
        return out

    def _resolve(self, v):
        if isinstance(v, dict):
            if set(v) == {"Ref"}:
                return self.NO_VALUE if v["Ref"] == "AWS::NoValue" else self.values[v["Ref"]]
            if set(v) == {"Condition"} and isinstance(v["Condition"], str):
                return self.condition(v["Condition"])
            if set(v) == {"Fn::If"}:
                name, then, otherwise = v["Fn::If"]
                return self._resolve(then if self.condition(name) else otherwise)
            if set(v) == {"Fn::Equals"}:
                a, b = (self._resolve(x) for x in v["Fn::Equals"])
                return str(a) == str(b)
            if set(v) == {"Fn::Not"}:
                return not self._resolve(v["Fn::Not"][0])
            if set(v) == {"Fn::And"}:
                return all(self._resolve(x) for x in v["Fn::And"])
            if set(v) == {"Fn::Or"}:
                return any(self._resolve(x) for x in v["Fn::Or"])
            if set(v) == {"Fn::Sub"}:
                text = v["Fn::Sub"]
                out, i = "", 0
                while i < len(text):
                    j = text.find("${", i)
                    if j < 0:
                        out += text[i:]
                        break
                    k = text.index("}", j)
                    name = text[j + 2:k]
                    out += text[i:j] + (self.attrs[name] if "." in name else self.values[name])
                    i = k + 1
                return out
            if set(v) == {"Fn::GetAtt"}:
                return self.attrs[".".join(v["Fn::GetAtt"])]
            resolved = {k: self._resolve(x) for k, x in v.items()}
            return {k: x for k, x in resolved.items() if x is not self.NO_VALUE}
        if isinstance(v, list):
            return [x for x in (self._resolve(x) for x in v) if x is not self.NO_VALUE]
        return v


def lifecycle_rules(rules: list[dict]) -> list[dict]:
    """A bucket's lifecycle rules as CloudFormation spells them, in the S3 API's shape
    (`PutBucketLifecycleConfiguration`). A property not known here fails loudly rather than
    being dropped."""
    out = []
    for rule in rules:
        rule = dict(rule)
        s3_rule = {"ID": rule.pop("Id"), "Status": rule.pop("Status")}
        prefix, tags = rule.pop("Prefix", None), rule.pop("TagFilters", [])
        if tags and (prefix is not None or len(tags) > 1):
            s3_rule["Filter"] = {"And": {**({"Prefix": prefix} if prefix is not None else {}), "Tags": tags}}
        elif tags:
            s3_rule["Filter"] = {"Tag": tags[0]}
        else:
            s3_rule["Filter"] = {"Prefix": prefix or ""}
        expiration = {}
        if "ExpirationInDays" in rule:
            expiration["Days"] = rule.pop("ExpirationInDays")
        if "ExpiredObjectDeleteMarker" in rule:
            expiration["ExpiredObjectDeleteMarker"] = rule.pop("ExpiredObjectDeleteMarker")
        if expiration:
            s3_rule["Expiration"] = expiration
        for same in ("NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"):
            if same in rule:
                s3_rule[same] = rule.pop(same)
        if rule:
            raise ValueError(f"lifecycle rule {s3_rule['ID']}: {sorted(rule)} not translated for the local stack")
        out.append(s3_rule)
    return out


def resources_of(template: dict, kind: str) -> list[tuple[str, dict]]:
    return [(name, r.get("Properties", {})) for name, r in template["Resources"].items() if r["Type"] == kind]


# ---------- moto ----------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_http(url: str, timeout: float, ok=lambda r: True, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            r = requests.get(url, timeout=2)
            if ok(r):
                return
            last = f"HTTP {r.status_code}"
        except requests.RequestException as e:
            last = str(e)
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s ({last})")


def start_moto(port: int, log_path: Path) -> subprocess.Popen:
    # moto_server, with its transactions' backups taken once per table and GSI queries that
    # read their partition only (scripts/moto_local.py).
    moto = Path(__file__).resolve().parent / "moto_local.py"
    log = open(log_path, "wb")
    # moto checks TOTP codes (against its one fixed secret, which AssociateSoftwareToken
    # hands out) only when asked to.
    env = {**os.environ, "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"}
    proc = subprocess.Popen([sys.executable, str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)
    wait_http(f"http://127.0.0.1:{port}/moto-api/", 30, ok=lambda r: r.status_code < 500, proc=proc)
    return proc


def client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **CREDS)


# ---------- resources from the template ----------

# Template parameters every local stack sets (a caller's own parameters win).
# `cargo lambda watch` writes the source address 127.0.0.1 into every API Gateway event it
# makes, so locally one "source" is everyone: per-source limits would throttle the whole
# stack as one caller. Loopback is therefore exempt from them (not from the per-account
# lockout); tests/test_throttle.py reaches the per-source limits, at their production
# values, by invoking the function with events from other addresses, as API Gateway would.
# The invite worker's ceiling is set above the local account's SES rate (50 a second, the
# proxy's GetAccount answer and its throttle: scripts/aws_proxy.py), so that locally the rate
# comes from GetAccount, as it does on an account whose rate is below the ceiling.
LOCAL_PARAMETERS = {"ThrottleExemptSources": "127.0.0.1", "InviteSendRateCeiling": "100"}


def bootstrap(endpoint: str, stack: str, parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Create the template's resources in moto; return the functions' environment."""
    return provision(endpoint, stack, parameters)[0]


def provision(endpoint: str, stack: str, parameters: dict[str, str] | None = None) -> tuple[dict[str, str], "iam_local.Policies"]:
    """Create the template's resources in moto; return the functions' environment and their
    IAM policies, resolved to the local resources (for the proxy that enforces them)."""
    import iam_local
    template = load_template()
    r = Resolver(template, stack, {**LOCAL_PARAMETERS, **(parameters or {})})
    # Functions are not created in moto (cargo lambda watch runs them); names and ARNs
    # that the template refers to resolve to what they would be.
    for name, res in template["Resources"].items():
        if res["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            binary = res.get("Metadata", {}).get("BuildProperties", {}).get("Binary", name)
            r.set(name, f"{stack}-{binary}", Arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{stack}-{binary}")

    ddb = client("dynamodb", endpoint)
    for name, p in resources_of(template, "AWS::DynamoDB::Table"):
        p = r(p)
        ddb.create_table(TableName=p["TableName"], AttributeDefinitions=p["AttributeDefinitions"],
                         KeySchema=p["KeySchema"], GlobalSecondaryIndexes=p.get("GlobalSecondaryIndexes", []),
                         BillingMode=p["BillingMode"])
        if "TimeToLiveSpecification" in p:
            ddb.update_time_to_live(TableName=p["TableName"], TimeToLiveSpecification=p["TimeToLiveSpecification"])
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{p['TableName']}"
        r.set(name, p["TableName"], Arn=arn)

    s3 = client("s3", endpoint)
    for name, p in resources_of(template, "AWS::S3::Bucket"):
        p = r(p)
        bucket = p["BucketName"]
        s3.create_bucket(Bucket=bucket)
        if "CorsConfiguration" in p:
            # CloudFormation spells S3's MaxAgeSeconds as MaxAge.
            rules = [{("MaxAgeSeconds" if k == "MaxAge" else k): v for k, v in rule.items()}
                     for rule in p["CorsConfiguration"]["CorsRules"]]
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
        if "PublicAccessBlockConfiguration" in p:
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        if "BucketEncryption" in p:
            rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                     for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
        if "VersioningConfiguration" in p:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=p["VersioningConfiguration"])
        if "LifecycleConfiguration" in p:
            # Stored, not acted on: moto never expires anything (tests/test_storage.py checks
            # the rules themselves).
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration={"Rules": lifecycle_rules(p["LifecycleConfiguration"]["Rules"])})
        r.set(name, bucket, Arn=f"arn:aws:s3:::{bucket}")
    # The bucket policy (AWS::S3::BucketPolicy: TLS only) is not installed: moto applies a
    # bucket policy's `Principal: "*"` statements *without their conditions*, so the
    # "deny when aws:SecureTransport is false" statement would refuse every request. The
    # local stack speaks plain HTTP anyway; tests/test_storage.py checks the policy itself.

    idp = client("cognito-idp", endpoint)
    for name, p in resources_of(template, "AWS::Cognito::UserPool"):
        p = r(p)
        kwargs = {"PoolName": p["UserPoolName"]}
        for k in ("Policies", "UsernameAttributes", "AdminCreateUserConfig", "Schema", "MfaConfiguration"):
            if k in p:
                kwargs[k] = p[k]
        pool = idp.create_user_pool(**kwargs)["UserPool"]
        r.set(name, pool["Id"], Arn=pool["Arn"], ProviderURL=f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}")
    for name, p in resources_of(template, "AWS::Cognito::UserPoolClient"):
        p = r(p)
        kwargs = {k: v for k, v in p.items() if k in (
            "UserPoolId", "ClientName", "GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors",
            "EnableTokenRevocation", "AccessTokenValidity", "RefreshTokenValidity", "TokenValidityUnits",
            # moto stores these but does not enforce them (tests/test_mfa.py checks them on the template).
            "ReadAttributes", "WriteAttributes")}
        c = idp.create_user_pool_client(**kwargs)["UserPoolClient"]
        r.set(name, c["ClientId"])

    ses = client("sesv2", endpoint)
    for name, p in resources_of(template, "AWS::SES::ConfigurationSet"):
        p = r(p)
        ses.create_configuration_set(ConfigurationSetName=p["Name"])
        r.set(name, p["Name"])
    for name, p in resources_of(template, "AWS::SES::EmailIdentity"):
        p = r(p)
        ses.create_email_identity(EmailIdentity=p["EmailIdentity"])
        client("ses", endpoint).verify_email_identity(EmailAddress=p["EmailIdentity"])
        r.set(name, p["EmailIdentity"])

    sqs = client("sqs", endpoint)
    queues = resources_of(template, "AWS::SQS::Queue")
    # Every queue first (a redrive policy names its dead-letter queue's ARN), then the policies.
    for name, p in queues:
        queue = f"{stack}-{name}"
        attrs = {k: str(p[k]) for k in ("VisibilityTimeout", "MessageRetentionPeriod") if k in p}
        url = sqs.create_queue(QueueName=queue, Attributes=attrs)["QueueUrl"]
        r.set(name, url, Arn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}", QueueName=queue, QueueUrl=url)
    for name, p in queues:
        p = r(p)
        if "RedrivePolicy" in p:
            sqs.set_queue_attributes(QueueUrl=r.values[name], Attributes={"RedrivePolicy": json.dumps(p["RedrivePolicy"])})

    env = r(template["Globals"]["Function"]["Environment"]["Variables"])
    env.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDS["aws_secret_access_key"],
        # moto serves the pools' keys under its own address; tokens keep the AWS issuer.
        "COGNITO_JWKS_BASE": endpoint,
    })
    env["SENDER_EMAIL"] = r.values["SenderEmail"]
    # The SDK's timeouts derive from FUNCTION_TIMEOUT_SECONDS (shared/src/sdk.rs: 9 s for a
    # call of a 10 s function). moto behind the serialising proxy, on a shared 2-core machine,
    # answers some calls late in a long test session (DynamoDB answers in milliseconds), and
    # `cargo lambda watch` enforces no function timeout: locally every call gets two minutes,
    # so a slow emulator is not mistaken for a failing service. The derivation is unit-tested;
    # tests/test_operations.py checks the template's values against each function's Timeout.
    env["FUNCTION_TIMEOUT_SECONDS"] = "130"
    return env, iam_local.Policies(iam_local.function_policies(template, r))


def env_value(v: str) -> str:
    """A value as `cargo lambda watch --env-file` reads it (the env-file-reader crate): bare
    unless it holds whitespace, a quote, `#` or `=` (e.g. `SOURCE_LIMITS`), then single-quoted."""
    if not any(c.isspace() or c in "'`\"#=" for c in v):
        return v
    if "'" in v or "\n" in v:
        raise ValueError(f"cannot write {v!r} to an env file")
    return f"'{v}'"


def write_env(env: dict[str, str], path: Path) -> None:
    path.write_text("".join(f"{k}={env_value(v)}\n" for k, v in sorted(env.items())))


# ---------- firms and staff (an operations task: no public API creates a firm) ----------

DEMO_FIRM_ID = "0192f3a0-0000-7000-8000-00000000d3e0"


def admin_binary() -> Path:
    """The operator command (`admin/`, crate portal-admin), built once per process."""
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    if not getattr(admin_binary, "built", False):
        subprocess.run(["cargo", "build", "--quiet", "--locked", "-p", "portal-admin"], cwd=ROOT, check=True, env=cargo_lambda_env())
        admin_binary.built = True
    return target / "debug" / "portal-admin"


def admin(env: dict[str, str], command: str, *args: str) -> dict:
    """`portal-admin --env-file … --json <command> <args>` against the local stack (the
    functions' own configuration); returns the command's JSON report."""
    with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
        f.write("".join(f"{k}={env_value(v)}\n" for k, v in sorted(env.items())))
    try:
        out = subprocess.run([str(admin_binary()), "--env-file", f.name, "--json", command, *args], capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        raise RuntimeError(f"portal-admin {command} failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def admin_create_firm(env: dict[str, str], name: str, owner_email: str, owner_name: str = "",
                      firm_id: str | None = None, help_center_url: str | None = None) -> dict:
    """`portal-admin --env-file … create-firm …` against the local stack: the firm, and its
    owner's invite emailed. Returns the command's JSON report (outcome, firm_id, owner_invite)."""
    args = ["--name", name, "--owner-email", owner_email]
    for flag, value in (("--owner-name", owner_name), ("--firm-id", firm_id), ("--help-center-url", help_center_url)):
        if value:
            args += [flag, value]
    return admin(env, "create-firm", *args)


def join_from_invite(base: str, proxy_url: str, email: str, password: str, name: str | None = None) -> "Api":
    """Create the staff login from the newest invite emailed to `email` (the join page's
    call), and sign in as it."""
    import local_mailbox
    links = [m["create_account_url"] for m in local_mailbox.messages(proxy_url, to=email)
             if m["create_account_url"] and "/join#" in m["create_account_url"]]
    if not links:
        raise LookupError(f"no staff invite was emailed to {email}")
    token = links[-1].split("#", 1)[1]
    body = {"password": password, **({"name": name} if name else {})}
    Api(base).call("POST", f"/api/team-invites/{token}/account", body, expect=201)
    return Api(base).sign_in(email, password)


def create_firm(env: dict[str, str], base: str, proxy_url: str, name: str, owner_email: str, password: str,
                owner_name: str = "Demo Staff", firm_id: str | None = None,
                help_center_url: str | None = "https://help.demo-firm.example/portal") -> dict:
    """A firm as an operator and its owner make one: `portal-admin create-firm`, then the
    owner joins from the emailed invite and turns billing on. Returns the firm's id, the
    owner's email, password, sub and signed-in `api`."""
    report = admin_create_firm(env, name, owner_email, owner_name, firm_id, help_center_url)
    api = join_from_invite(base, proxy_url, owner_email, password, owner_name)
    api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    sub = api.call("GET", "/api/staff/me", expect=200).json()["id"]
    return {"firm_id": report["firm_id"], "email": owner_email, "password": password, "staff_sub": sub, "owner_name": owner_name,
            "api": api, "report": report}


def add_staff(env: dict[str, str], firm_id: str, email: str, password: str, name: str, role: str) -> str:
    """A staff login of `firm_id` with `role` (Cognito user + staff record); its sub."""
    endpoint = env["AWS_ENDPOINT_URL"]
    idp = client("cognito-idp", endpoint)
    pool = env["STAFF_POOL_ID"]
    user = idp.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
        {"Name": "custom:firm_id", "Value": firm_id}])["User"]
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name=REGION, **CREDS).Table(env["TABLE_NAME"])
    table.put_item(Item={"PK": f"STAFF#{sub}", "SK": "STAFF", "GSI1PK": f"FIRM#{firm_id}",
                         "GSI1SK": f"STAFF#{email}", "sub": sub, "firm_id": firm_id,
                         "email": email, "name": name, "role": role})
    return sub


# ---------- the functions ----------

def cargo_lambda_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{e.get('PATH', '')}"
    e.update(extra or {})
    return e


def start_api(env_file: Path, port: int, log_path: Path, reload: bool) -> subprocess.Popen:
    """`cargo lambda watch` with the workspace router on 127.0.0.1:port."""
    # One instance per function, as a warm Lambda: caches (keys, staff identities) behave
    # as they do on AWS, and the AWS-call counts the tests assert are deterministic.
    cmd = ["cargo", "lambda", "watch", "-A", "127.0.0.1", "-P", str(port), "--env-file", str(env_file)]
    if not reload:
        cmd.append("--ignore-changes")
    log = open(log_path, "wb")
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=cargo_lambda_env(),
                            start_new_session=True)


def wait_api(base: str, proc: subprocess.Popen, timeout: float = 1200) -> None:
    """Wait until the router answers through a function (first calls compile and start it)."""
    deadline = time.time() + timeout
    for path in ("/api/staff/sessions", "/api/staff/clients", "/api/staff/clients/x/portal-status"):
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"cargo lambda watch exited with {proc.returncode}")
            try:
                r = requests.request("POST" if path.endswith("sessions") else "GET", base + path, json={},
                                     timeout=120)
                if r.headers.get("content-type", "").startswith("application/problem+json"):
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"{base}{path} did not answer within {timeout:.0f}s")
            time.sleep(0.5)


def warm_all(base: str, timeout: float = 1200) -> None:
    """Invoke every function once, so each is compiled and started before anyone waits on
    it (`cargo lambda watch` builds a function on its first invocation)."""
    for crate in sorted((ROOT / "functions").iterdir()):
        manifest = crate / "Cargo.toml"
        if not manifest.exists():
            continue
        if "lambda_http" in manifest.read_text():
            event = {"version": "2.0", "routeKey": "$default", "rawPath": "/warm-up", "rawQueryString": "", "headers": {},
                     "requestContext": {"http": {"method": "GET", "path": "/warm-up", "protocol": "HTTP/1.1",
                                                 "sourceIp": "127.0.0.1", "userAgent": "warm-up"},
                                        "requestId": "warm-up", "routeKey": "$default", "stage": "$default",
                                        "accountId": ACCOUNT, "apiId": "local", "domainName": "127.0.0.1",
                                        "domainPrefix": "local", "time": "", "timeEpoch": 0},
                     "isBase64Encoded": False}
        else:
            samples = sorted((ROOT / "events" / crate.name).glob("*.json"))
            event = json.loads(samples[0].read_text()) if samples else {}
            if "Records" in event:
                event = {"Records": []}
        r = requests.post(f"{base}/2015-03-31/functions/{crate.name}/invocations", json=event, timeout=timeout)
        r.raise_for_status()


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------- S3 events (moto does not invoke Lambda) ----------

def s3_event(bucket: str, key: str, size: int, version: str | None = None) -> dict:
    """An S3 ObjectCreated event as AWS delivers it (keys URL-encoded, spaces as +; a
    versioned bucket's events name the version that was created)."""
    from urllib.parse import quote_plus
    obj = {"key": quote_plus(key, safe="/"), "size": size, **({"versionId": version} if version else {})}
    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
                         "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                         "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "local"},
                         "requestParameters": {"sourceIPAddress": "127.0.0.1"}, "responseElements": {},
                         "s3": {"s3SchemaVersion": "1.0", "configurationId": "file-events",
                                "bucket": {"name": bucket, "ownerIdentity": {"principalId": "local"},
                                           "arn": f"arn:aws:s3:::{bucket}"},
                                "object": obj}}]}


def invoke(base: str, function: str, event: dict) -> dict:
    """Invoke a function through the local Lambda invoke API of `cargo lambda watch`."""
    r = requests.post(f"{base}/2015-03-31/functions/{function}/invocations", json=event, timeout=120)
    r.raise_for_status()
    return r.json()


def target_dir() -> Path:
    """Where cargo puts binaries (the Makefile and CI set CARGO_TARGET_DIR)."""
    return Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")


@contextlib.contextmanager
def ses_behind_proxy(run_dir: Path, sender: str):
    """moto alone on a free port with `sender` verified, and the SES proxy in front of it
    (no functions, so no SES events): yields `(proxy, sesv2 client through the proxy)`.
    For checking and measuring the mailbox without the Rust stack."""
    import aws_proxy
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = start_moto(port, run_dir / "moto.log")
    proxy = None
    try:
        client("ses", endpoint).verify_email_identity(EmailAddress=sender)
        proxy = aws_proxy.Proxy(endpoint, None).start(free_port())
        yield proxy, client("sesv2", proxy.url)
    finally:
        if proxy:
            proxy.stop()
        stop(moto)


# Every service the functions call: all of it through the proxy, which enforces IAM.
PROXIED = ("SESV2", "DYNAMODB", "COGNITO_IDENTITY_PROVIDER", "S3", "SQS")


def start_proxy(env: dict[str, str], base: str, iam: "iam_local.Policies | None"):
    """Put the proxy (scripts/aws_proxy.py: SES events, faults, the mailbox, IAM enforced
    with `iam`) between the functions and moto for every service they call: sets
    `AWS_ENDPOINT_URL_<SERVICE>` in `env` (write the env file after)."""
    import aws_proxy
    port = free_port()
    proxy = aws_proxy.Proxy(env["AWS_ENDPOINT_URL"], base, iam, region=REGION, account=ACCOUNT,
                            secret=CREDS["aws_secret_access_key"]).start(port)
    for service in PROXIED:
        env[f"AWS_ENDPOINT_URL_{service}"] = f"http://127.0.0.1:{port}"
    return proxy


def notified_prefix(template: dict | None = None) -> str:
    """The key prefix of file-events' S3 notification in the template (the only objects the
    bucket reports)."""
    template = template or load_template()
    for res in template["Resources"].values():
        for ev in res.get("Properties", {}).get("Events", {}).values():
            if ev["Type"] == "S3":
                rules = ev["Properties"]["Filter"]["S3Key"]["Rules"]
                return next(rule["Value"] for rule in rules if rule["Name"] == "prefix")
    raise LookupError("no S3 notification in the template")


class S3Notifier:
    """Stands in for the bucket's ObjectCreated notification in the local stack: every
    second it lists the object *versions* under the template's notification prefix and
    invokes `file-events` once for each new version, with its `versionId`, as S3 does (a
    second PUT of the same key is a new version, and a new event)."""

    def __init__(self, env: dict[str, str], base: str):
        import threading
        self.env, self.base, self.seen = env, base, set()
        self.s3 = client("s3", env["AWS_ENDPOINT_URL"])
        self.prefix = notified_prefix()
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()

    def poll_once(self) -> int:
        bucket = self.env["BUCKET_NAME"]
        n = 0
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=self.prefix):
            # S3 lists a key's versions newest first: report them in the order they were
            # written, as S3 usually delivers (it does not promise an order). Delete
            # markers are not ObjectCreated.
            for obj in reversed(page.get("Versions", [])):
                marker = (obj["Key"], obj["VersionId"])
                if marker in self.seen:
                    continue
                self.seen.add(marker)
                invoke(self.base, "file-events", s3_event(bucket, obj["Key"], obj["Size"], obj["VersionId"]))
                n += 1
        return n

    def run_forever(self) -> None:
        import threading

        def loop():
            while not self.stopped.is_set():
                try:
                    self.poll_once()
                except Exception as e:  # keep watching; report each failure
                    print(f"S3 notifier: {e}", file=sys.stderr)
                self.stopped.wait(1)

        threading.Thread(target=loop, daemon=True).start()


# ---------- SQS event source mappings (moto does not invoke Lambda) ----------

def sqs_mappings(template: dict | None = None) -> list[dict]:
    """Each SQS event of a function in the template: the function's binary, its queue's
    logical name and the mapping's settings."""
    template = template or load_template()
    out = []
    for res in template["Resources"].values():
        binary = res.get("Metadata", {}).get("BuildProperties", {}).get("Binary")
        for ev in res.get("Properties", {}).get("Events", {}).values():
            if ev["Type"] == "SQS":
                p = ev["Properties"]
                out.append({"function": binary, "queue": p["Queue"]["Fn::GetAtt"][0], "batch": p.get("BatchSize", 10),
                            "window": p.get("MaximumBatchingWindowInSeconds", 0),
                            "report_failures": "ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
                            "concurrency": p.get("ScalingConfig", {}).get("MaximumConcurrency", 1000)})
    return out


def sqs_event(queue_arn: str, messages: list[dict]) -> dict:
    """An SQS event as Lambda's event source mapping delivers it."""
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "attributes": m.get("Attributes", {}), "messageAttributes": {},
                         "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
                         "eventSourceARN": queue_arn, "awsRegion": REGION} for m in messages]}


class SqsPoller:
    """Stands in for an SQS event source mapping in the local stack: polls the function's
    queue (in moto, which keeps each received message invisible for the queue's visibility
    timeout and moves it to the dead-letter queue on the receive after `maxReceiveCount`),
    invokes the function with batches of up to `BatchSize` messages, at most
    `MaximumConcurrency` invocations at once, and deletes the messages the function did not
    report in `batchItemFailures` (with ReportBatchItemFailures; without it, a failed
    invocation returns the whole batch). What is not deleted comes back after the visibility
    timeout, as on AWS."""

    def __init__(self, env: dict[str, str], base: str, mapping: dict):
        import threading
        self.env, self.base, self.m = env, base, mapping
        self.sqs = client("sqs", env["AWS_ENDPOINT_URL"])
        self.url = None
        self.arn = None
        self.stopped = threading.Event()
        self.invocations = 0
        self.failures = 0
        self.lock = threading.Lock()

    def bind(self, url: str) -> "SqsPoller":
        self.url = url
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        self.arn = attrs["QueueArn"]
        return self

    def poll_once(self, wait: int = 1) -> int:
        """One receive and (if anything came) one invocation; the messages received."""
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=min(self.m["batch"], 10),
                                       WaitTimeSeconds=wait, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return 0
        r = requests.post(f"{self.base}/2015-03-31/functions/{self.m['function']}/invocations",
                          json=sqs_event(self.arn, got), timeout=600)
        with self.lock:
            self.invocations += 1
        if r.status_code != 200 or "errorType" in (r.json() if r.content else {}):
            # The invocation failed: the whole batch comes back after the visibility timeout.
            with self.lock:
                self.failures += len(got)
            return len(got)
        failed = {f["itemIdentifier"] for f in (r.json() or {}).get("batchItemFailures", [])} \
            if self.m["report_failures"] else set()
        with self.lock:
            self.failures += len(failed)
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got) if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=done[i:i + 10])
        return len(got)

    def run_forever(self) -> None:
        import threading

        def loop():
            while not self.stopped.is_set():
                try:
                    self.poll_once()
                except Exception as e:  # keep polling; report each failure
                    print(f"SQS poller ({self.m['function']}): {e}", file=sys.stderr)
                    self.stopped.wait(1)

        for _ in range(max(1, min(int(self.m["concurrency"]), 4))):
            threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()


def start_pollers(env: dict[str, str], base: str, stack: str) -> list[SqsPoller]:
    """A poller for each SQS event source mapping of the template, running."""
    sqs = client("sqs", env["AWS_ENDPOINT_URL"])
    pollers = []
    for m in sqs_mappings():
        url = sqs.get_queue_url(QueueName=f"{stack}-{m['queue']}")["QueueUrl"]
        p = SqsPoller(env, base, m).bind(url)
        p.run_forever()
        pollers.append(p)
    return pollers


# ---------- demo data, through the API itself ----------

class Api:
    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, expect: int | None = None):
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        r = requests.request(method, self.base + path, json=body, headers=headers, timeout=60)
        if expect is not None and r.status_code != expect:
            raise AssertionError(f"{method} {path}: expected {expect}, got {r.status_code}: {r.text}")
        return r

    def sign_in(self, email: str, password: str) -> "Api":
        r = self.call("POST", "/api/staff/sessions", {"email": email, "password": password}, expect=200)
        return Api(self.base, r.json()["access_token"])


DEMO_CONTACT_EMAIL = "sam.chen@example.com"
DEMO_CONTACT_PASSWORD = os.environ.get("DEMO_CONTACT_PASSWORD", "Demo-Client-2026")


def seed_demo(env: dict[str, str], base: str, proxy_url: str) -> dict:
    """The demo firm, made as a real firm is (`portal-admin create-firm`, the owner joins from
    the invite), with two clients and three contacts. Sam Chen (Rivera Bakery LLC) has joined
    from his invite, so a contact can sign in (and the contacts' sample events have a token);
    Maria has not, for the walk-through (staff invite her)."""
    firm = create_firm(env, base, proxy_url, "Demo Accounting LLP", DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, "Dana Demo",
                       firm_id=DEMO_FIRM_ID)
    api = firm["api"]
    household = api.call("POST", "/api/staff/clients", {"name": "Rivera Household"}, expect=201).json()
    bakery = api.call("POST", "/api/staff/clients", {"name": "Rivera Bakery LLC"}, expect=201).json()
    maria = api.call("POST", f"/api/staff/clients/{household['id']}/contacts",
                     {"first_name": "Maria", "last_name": "Rivera", "email": "maria.rivera@example.com",
                      "phone": "+1 555 010 2030"}, expect=201).json()
    api.call("POST", f"/api/staff/clients/{household['id']}/contacts",
             {"first_name": "Luis", "last_name": "Rivera"}, expect=201)
    api.call("PUT", f"/api/staff/clients/{bakery['id']}/contacts/{maria['id']}", expect=201)
    sam = api.call("POST", f"/api/staff/clients/{bakery['id']}/contacts",
                   {"first_name": "Sam", "last_name": "Chen", "email": DEMO_CONTACT_EMAIL}, expect=201).json()
    accept_invite(base, proxy_url, api, bakery["id"], sam["id"], DEMO_CONTACT_EMAIL, DEMO_CONTACT_PASSWORD)
    return {"firm": firm, "clients": [household, bakery], "maria": maria, "sam": sam}


def accept_invite(base: str, proxy_url: str, staff: "Api", client_id: str, contact_id: str, email: str, password: str) -> None:
    """Staff invite the contact to the client's portal; the contact creates their login from
    the emailed link, as in the browser."""
    import local_mailbox
    staff.call("POST", f"/api/staff/clients/{client_id}/invites", {"contact_ids": [contact_id]}, expect=200)
    links = [m["create_account_url"] for m in local_mailbox.messages(proxy_url, to=email) if m["create_account_url"]]
    if not links:
        raise LookupError(f"no invite was emailed to {email}")
    Api(base).call("POST", f"/api/invites/{links[-1].split('#', 1)[1]}/account", {"password": password}, expect=201)


# ---------- the sample events (events/<function>/*.json), ready to use ----------

# What the committed samples say where the demo data's ids and fresh tokens go. The ids are
# the server's (every id is chosen by the functions, never taken from a request), so they
# are new on every `make dev`; tokens expire in an hour. `write_local_events` writes copies
# with the running demo's values into LOCAL_EVENTS (ignored by git).
SAMPLE_STAND_INS = {
    "household": "0193a0b0-0000-7000-8000-0000000000c1",  # Rivera Household
    "maria": "0193a0b0-0000-7000-8000-0000000000a1",      # Maria Rivera (not invited yet)
    "bakery": "0193a0b0-0000-7000-8000-0000000000c2",     # Rivera Bakery LLC
    "sam": "0193a0b0-0000-7000-8000-0000000000a2",        # Sam Chen (has joined)
}
SAMPLE_STAFF_TOKEN = "DEMO_STAFF_ACCESS_TOKEN"
SAMPLE_CONTACT_TOKEN = "DEMO_CONTACT_ACCESS_TOKEN"
SAMPLE_BUCKET = "portal-local-files-123456789012"
LOCAL_EVENTS = ROOT / "events" / ".local"


def demo_ids(staff: "Api") -> dict[str, str]:
    """The running demo's ids of what SAMPLE_STAND_INS names, read through the API."""
    clients = {c["name"]: c["id"] for c in staff.call("GET", "/api/staff/clients?limit=100", expect=200).json()["items"]}
    ids = {"household": clients["Rivera Household"], "bakery": clients["Rivera Bakery LLC"]}
    for key, client, email in (("maria", "household", "maria.rivera@example.com"), ("sam", "bakery", DEMO_CONTACT_EMAIL)):
        contacts = staff.call("GET", f"/api/staff/clients/{ids[client]}/portal-status", expect=200).json()["contacts"]
        ids[key] = next(c["id"] for c in contacts if c.get("email") == email)
    return ids


def write_local_events(env: dict[str, str], base: str, out: Path = LOCAL_EVENTS) -> Path:
    """Copies of every sample event (`out/<function>/<sample>.json`) with the running demo's
    ids, bucket and fresh access tokens (the demo staff member's and Sam Chen's), signed in
    now: valid for an hour. Returns `out`."""
    staff = Api(base).sign_in(DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD)
    contact = Api(base).call("POST", "/api/portal/sessions", {"email": DEMO_CONTACT_EMAIL, "password": DEMO_CONTACT_PASSWORD},
                             expect=200).json()["access_token"]
    ids = demo_ids(staff)
    values = {SAMPLE_STAFF_TOKEN: staff.token, SAMPLE_CONTACT_TOKEN: contact, SAMPLE_BUCKET: env["BUCKET_NAME"],
              **{SAMPLE_STAND_INS[k]: v for k, v in ids.items()}}
    for sample in sorted((ROOT / "events").glob("*/*.json")):
        text = sample.read_text()
        for stand_in, value in values.items():
            text = text.replace(stand_in, value)
        (out / sample.parent.name).mkdir(parents=True, exist_ok=True)
        (out / sample.parent.name / sample.name).write_text(text)
    return out
