"""Offline checks of infra/template.yaml: samconfig's stack name (scripts/stack_name.py),
cfn-lint on the SAM template, then the template transformed to plain CloudFormation by
aws-sam-translator (as `sam deploy` would), and cfn-lint on that output too — cfn-lint
alone does not look inside SAM resources, so a wrong !GetAtt, !Ref or event there (or a
circular dependency, like a function naming the API that routes to it) would pass unnoticed. Exits non-zero on any finding."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.public.translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portal_local as pl  # noqa: E402
import stack_name  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"


class OfflinePolicies(ManagedPolicyLoader):
    """No AWS account here: the template uses no managed policy by name."""

    def __init__(self):
        pass

    def load(self):
        return {}


def cfn_lint(path: Path) -> int:
    r = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(path)],
                       capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if out:
        print(out)
    return r.returncode


def main() -> int:
    failures = 0
    # The bucket's name is made from the stack name; CloudFormation would find a bad one late.
    print("stack_name in infra/samconfig.toml")
    failures += stack_name.main([]) != 0
    print(f"cfn-lint {TEMPLATE.relative_to(ROOT)}")
    failures += cfn_lint(TEMPLATE) != 0
    template = pl.load_template(TEMPLATE)
    # As `sam package` does: local code becomes an uploaded artifact.
    for name, r in template["Resources"].items():
        if r["Type"] == "AWS::Serverless::Function" and not str(r["Properties"].get("CodeUri", "")).startswith("s3://"):
            r["Properties"]["CodeUri"] = f"s3://packaged-artifacts/{name}.zip"
        if r["Type"] == "AWS::Lambda::Function" and isinstance(r["Properties"].get("Code"), str):
            r["Properties"]["Code"] = {"S3Bucket": "packaged-artifacts", "S3Key": f"{name}.zip"}
    try:
        cfn = transform(template, {}, OfflinePolicies())
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(f"SAM transform: {cause.message}")
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfn, f, indent=1, default=str)
        out = Path(f.name)
    print(f"cfn-lint on the transformed template ({len(cfn['Resources'])} resources)")
    failures += cfn_lint(out) != 0
    if failures:
        print("template checks failed")
        return 1
    print("template checks passed")
    return 0


if __name__ == "__main__":
    boto3.setup_default_session(region_name=pl.REGION)
    sys.exit(main())
