"""The deploy path, read from the template and samconfig (no stack, no AWS): state that
survives mistakes, the stack-name rule the bucket's name imposes, the WebOrigin default, and
the local stack's reading of the template's conditions. `make deploy-check` runs the rest
(`sam validate --lint`, `sam build` of every function)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import portal_local as pl
import stack_name

ROOT = Path(__file__).resolve().parent.parent
# Resources holding what nobody can recreate: every item, every login, every stored file.
STATEFUL = ("AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::S3::Bucket")


def template() -> dict:
    return pl.load_template()


def test_every_stateful_resource_is_retained_and_protected():
    resources = template()["Resources"]
    stateful = {n: r for n, r in resources.items() if r["Type"] in STATEFUL}
    assert {r["Type"] for r in stateful.values()} == set(STATEFUL)
    assert len([r for r in stateful.values() if r["Type"] == "AWS::Cognito::UserPool"]) == 2
    for name, r in stateful.items():
        # Deleting the stack, or an update that replaces the resource, leaves it in place.
        assert r.get("DeletionPolicy") == "Retain", f"{name}: DeletionPolicy"
        assert r.get("UpdateReplacePolicy") == "Retain", f"{name}: UpdateReplacePolicy"
        p = r["Properties"]
        if r["Type"] == "AWS::DynamoDB::Table":
            assert p.get("DeletionProtectionEnabled") is True, f"{name}: deletion protection"
            assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        if r["Type"] == "AWS::Cognito::UserPool":
            assert p.get("DeletionProtection") == "ACTIVE", f"{name}: deletion protection"
        if r["Type"] == "AWS::S3::Bucket":
            # S3 has no deletion protection; versioning keeps overwritten and deleted files.
            assert p["VersioningConfiguration"]["Status"] == "Enabled"


def test_log_groups_are_not_retained():
    """Log groups are recreated with the stack (fixed names): a retained one would make the
    next stack of the same name fail with "already exists". Their contents expire anyway
    (LogRetentionDays); the audit trail lives in the table."""
    for name, r in template()["Resources"].items():
        if r["Type"] == "AWS::Logs::LogGroup":
            assert "DeletionPolicy" not in r, name


def test_each_function_is_built_from_its_own_binary():
    """`sam build` builds the bin named by `Binary` for each function; a Binary pasted from
    another function would deploy that function's program under this one's name."""
    for name, r in template()["Resources"].items():
        if r["Type"] not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue
        binary = r["Metadata"]["BuildProperties"]["Binary"]
        assert r["Metadata"]["BuildMethod"] == "rust-cargolambda", name
        assert r["Properties"]["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{binary}"}, name
        group = r["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template()["Resources"][group]["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{binary}"}, name
        assert (ROOT / "functions" / binary / "Cargo.toml").exists(), name


@pytest.mark.parametrize("name", ["client-portal", "portal-prod-2", "a", "p" * stack_name.MAX_LENGTH])
def test_stack_names_that_work(name):
    assert stack_name.problem(name) is None


@pytest.mark.parametrize("name,why", [
    ("ClientPortal", "lowercase"),
    ("client_portal", "lowercase"),
    ("2portal", "starting with a letter"),
    ("", "empty"),
    ("p" * (stack_name.MAX_LENGTH + 1), "at most 44"),
    ("xn--portal", "reserves"),
])
def test_stack_names_that_cannot_work(name, why):
    assert why in stack_name.problem(name)


def test_the_longest_stack_name_fits_every_name_made_from_it():
    """The limit follows from the template: the bucket (63) and the function names (64)."""
    t = template()
    longest = "p" * stack_name.MAX_LENGTH
    r = pl.Resolver(t, longest, {})
    for name, res in t["Resources"].items():
        if res["Type"] == "AWS::S3::Bucket":
            assert len(r(res["Properties"]["BucketName"])) <= 63
        if res["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            assert len(r(res["Properties"]["FunctionName"])) <= 64, name
    assert len(f"{longest}-files-123456789012") == 63


def test_samconfig_is_complete_and_its_stack_name_works():
    config = tomllib.loads((ROOT / "infra" / "samconfig.toml").read_text())
    default = config["default"]
    assert default["build"]["parameters"]["beta_features"] is True  # rust-cargolambda is beta
    assert default["validate"]["parameters"]["lint"] is True
    deploy = default["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert "region" not in deploy, "the region comes from the operator's profile or --region"
    names = stack_name.samconfig_stack_names()
    assert names, "samconfig names the stack"
    for where, name in names.items():
        assert stack_name.problem(name) is None, where
    assert stack_name.main([]) == 0
    assert stack_name.main(["Client-Portal"]) == 1


def test_web_origin_defaults_to_the_api_url():
    t = template()
    assert t["Parameters"]["WebOrigin"]["Default"] == ""
    env = t["Globals"]["Function"]["Environment"]["Variables"]
    # Functions behind the API get it empty (and use each request's origin): naming the API
    # there would be a circular dependency, which scripts/check_template.py's cfn-lint finds.
    assert env["WEB_ORIGIN"] == {"Ref": "WebOrigin"}
    api_url = t["Outputs"]["ApiUrl"]["Value"]
    without = pl.Resolver(t, "s", {})
    without.set("HttpApi", "abc123")
    given = pl.Resolver(t, "s", {"WebOrigin": "https://portal.firm.example"})
    given.set("HttpApi", "abc123")
    assert without(api_url) == "https://abc123.execute-api.us-east-1.amazonaws.com"
    reminders = t["Resources"]["RemindersFunction"]["Properties"]["Environment"]["Variables"]["WEB_ORIGIN"]
    assert without(reminders) == without(api_url)
    assert given(reminders) == "https://portal.firm.example"
    cors = t["Resources"]["FilesBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"]
    assert without(cors) == [without(api_url)]
    assert given(cors) == ["https://portal.firm.example"]
    api_cors = t["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    assert given({"c": api_cors})["c"]["AllowOrigins"] == ["https://portal.firm.example"]
    assert without({"c": api_cors}) == {}, "no CORS for the API's own origin"


def test_the_resolver_evaluates_conditions_lazily_and_drops_no_value():
    t = {"Parameters": {"P": {"Type": "String", "Default": ""}},
         "Conditions": {"HasP": {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]},
                        "Both": {"Fn::And": [{"Condition": "HasP"}, {"Fn::Equals": ["a", "a"]}]}}}
    empty, set_ = pl.Resolver(t, "s", {}), pl.Resolver(t, "s", {"P": "x"})
    # The branch not taken is never resolved (it names a resource nobody set).
    pick = {"Fn::If": ["HasP", {"Ref": "P"}, {"Ref": "Unknown"}]}
    assert set_(pick) == "x"
    with pytest.raises(KeyError):
        empty(pick)
    assert empty({"Fn::If": ["Both", "yes", "no"]}) == "no"
    assert set_({"Fn::If": ["Both", "yes", "no"]}) == "yes"
    assert empty({"a": {"Fn::If": ["HasP", "v", {"Ref": "AWS::NoValue"}]}, "b": 1}) == {"b": 1}
    assert empty([1, {"Fn::If": ["HasP", 2, {"Ref": "AWS::NoValue"}]}]) == [1]
    with pytest.raises(ValueError):
        empty({"Ref": "AWS::NoValue"})
