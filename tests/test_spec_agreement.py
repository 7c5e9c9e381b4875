"""Every HTTP route is in the OpenAPI spec, the SAM template and the local router, served by
the same function in all three, with the same audience in the spec and the template's
authorizer; and every environment variable a function requires is set by the template.

Routes are declared once, in the spec; `scripts/routes.py` generates the rest (the Rust
route tables, the router, the template's events). These tests read each view as it is on
disk, so a hand edit of a generated view, or a stale one, fails here; each function's
unit tests check its Rust table against the router, so all four agree."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import portal_local as pl

ROOT = Path(__file__).resolve().parent.parent
METHODS = {"get", "post", "put", "patch", "delete"}


def openapi_routes() -> set[tuple[str, str, str]]:
    spec = yaml.safe_load((ROOT / "infra" / "openapi.yaml").read_text())
    out = set()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                assert "x-function" in op, f"{method.upper()} {path} names no x-function"
                out.add((method.upper(), path, op["x-function"]))
    return out


def template_functions() -> dict[str, dict]:
    t = pl.load_template()
    return {r["Metadata"]["BuildProperties"]["Binary"]: r for r in t["Resources"].values()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}


def template_events() -> list[tuple[str, str, str, str]]:
    """(method, path, function, authorizer) of every HttpApi event."""
    out = []
    for binary, r in template_functions().items():
        for ev in r["Properties"].get("Events", {}).values():
            if ev["Type"] == "HttpApi":
                p = ev["Properties"]
                out.append((p["Method"].upper(), p["Path"], binary, str(p.get("Auth", {}).get("Authorizer", "default"))))
    return out


def template_routes() -> set[tuple[str, str, str]]:
    return {(m, p, f) for m, p, f, _ in template_events()}


def rust_routes() -> set[tuple[str, str, str, str]]:
    """(method, path, function, audience) of the generated Rust route tables."""
    text = (ROOT / "shared" / "src" / "http" / "routes.rs").read_text()
    out, function = set(), None
    for line in text.splitlines():
        m = re.match(r"pub mod (\w+) \{", line)
        if m:
            function = m.group(1).replace("_", "-")
        m = re.search(r'method: "(\w+)", path: "([^"]+)".*audience: Audience::(\w+)', line)
        if m:
            out.add((m.group(1), m.group(2), function, m.group(3).lower()))
    return out


def router_routes() -> set[tuple[str, str, str]]:
    doc = tomllib.loads((ROOT / "Cargo.toml").read_text())
    router = doc["workspace"]["metadata"]["lambda"]["watch"]["router"]
    return {(t["method"].upper(), path, t["function"]) for path, targets in router.items() for t in targets}


def test_openapi_template_and_router_agree():
    spec, template, router = openapi_routes(), template_routes(), router_routes()
    assert spec, "no routes found"
    assert spec == template, f"spec vs template: {spec ^ template}"
    assert spec == router, f"spec vs router: {spec ^ router}"


def test_audiences_agree():
    """The spec's security, the template's authorizer and the Rust route's audience."""
    spec = yaml.safe_load((ROOT / "infra" / "openapi.yaml").read_text())
    default = {name for req in spec["security"] for name in req}
    audience = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                schemes = {name for req in op.get("security", spec["security"]) for name in req}
                audience[(method.upper(), path)] = schemes.pop() if schemes else "public"
    assert default == {"staff"}
    authorizer = {"staff": "default", "contact": "ContactJwt", "public": "NONE"}
    for m, p, f, auth in template_events():
        assert authorizer[audience[(m, p)]] == auth, f"{m} {p}: spec says {audience[(m, p)]}, template {auth}"
    rust = rust_routes()
    assert {(m, p, f, audience[(m, p)]) for m, p, f in openapi_routes()} == rust


def test_generated_route_views_are_up_to_date():
    import routes
    stale = [str(p) for p, text in routes.generated().items() if p.read_text() != text]
    assert not stale, f"edit infra/openapi.yaml and run `make routes`; stale: {stale}"


def test_template_functions_are_the_workspace_functions():
    crates = {p.name for p in (ROOT / "functions").iterdir() if (p / "Cargo.toml").exists()}
    assert set(template_functions()) == crates


def test_every_required_environment_variable_is_set_by_the_template():
    config = (ROOT / "shared" / "src" / "config.rs").read_text()
    body = config[config.index("fn from_lookup"):]
    app_state = set(re.findall(r'req\("([A-Z_]+)"\)', body)) - {"AWS_REGION"}  # AWS_REGION: set by Lambda
    assert app_state, "found no required variables"
    t = pl.load_template()
    globals_env = set(t["Globals"]["Function"]["Environment"]["Variables"])
    for binary, r in template_functions().items():
        src = "\n".join(p.read_text() for p in (ROOT / "functions" / binary / "src").glob("*.rs"))
        # Functions built on AppState need its configuration; others read their own variables.
        needed = set(app_state) if "AppState" in src else set()
        needed |= set(re.findall(r'env::var\("([A-Z_]+)"\)', src)) - {"AWS_ENDPOINT_URL"}
        assert needed, f"{binary} reads no configuration?"
        available = set(r["Properties"].get("Environment", {}).get("Variables", {}))
        if r["Type"] == "AWS::Serverless::Function":
            available |= globals_env
        assert needed <= available, f"{binary} lacks {needed - available}"


def test_the_openapi_spec_is_valid():
    from openapi_spec_validator import validate
    validate(yaml.safe_load((ROOT / "infra" / "openapi.yaml").read_text()))
