"""Is this a stack name the template can be deployed under? Checked before anything is built
or deployed, because CloudFormation finds out late: the files bucket is named
`<stack>-files-<account id>`, and S3 allows only lowercase letters, digits, hyphens and dots,
3 to 63 characters. A stack called `ClientPortal` passes every CloudFormation check, creates
the table and the user pools, fails on the bucket and rolls back — and the table and pools,
kept by their `DeletionPolicy: Retain`, then block the next attempt under the same name
(their names are taken). So the rule is enforced here, on samconfig's `stack_name` and on the
command line (`make deploy`, `make deploy-check`, `scripts/check_template.py`).

Usage: `stack_name.py [NAME]` (default: `stack_name` in infra/samconfig.toml); exits 1 with
the reason when the name cannot work.

The rule, from every name the template derives from the stack name:
- bucket `<stack>-files-<12-digit account>`: lowercase, at most 63 - 19 = 44 characters for
  the stack name, and not starting with the prefixes S3 reserves (`xn--`, `sthree-`,
  `amzn-s3-demo-`);
- CloudFormation itself: starts with a letter, letters, digits and hyphens only;
- Lambda function names `<stack>-portal-status` (the longest, at most 64): within 44 too.
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMCONFIG = ROOT / "infra" / "samconfig.toml"
MAX_LENGTH = 63 - len("-files-") - 12
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")


def problem(name: str) -> str | None:
    """Why `name` cannot be this template's stack name, or None when it can."""
    if not name:
        return "the stack name is empty"
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        return (f"stack name {name!r}: use lowercase letters, digits and hyphens, starting with a letter "
                f"(it is part of the S3 bucket's name, <stack>-files-<account id>, which S3 allows only in lowercase)")
    if len(name) > MAX_LENGTH:
        return (f"stack name {name!r} has {len(name)} characters, at most {MAX_LENGTH} fit "
                f"(the bucket <stack>-files-<account id> may have 63)")
    for prefix in RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"stack name {name!r}: S3 reserves bucket names starting with {prefix!r}"
    return None


def samconfig_stack_names(path: Path = SAMCONFIG) -> dict[str, str]:
    """`stack_name` of every environment and command section in samconfig.toml."""
    config = tomllib.loads(path.read_text())
    found = {}
    for env, commands in config.items():
        if not isinstance(commands, dict):
            continue
        for command, section in commands.items():
            params = section.get("parameters", {}) if isinstance(section, dict) else {}
            if "stack_name" in params:
                found[f"{env}.{command}"] = params["stack_name"]
    return found


def main(argv: list[str]) -> int:
    names = {"command line": argv[0]} if argv else samconfig_stack_names()
    if not names:
        print(f"no stack_name in {SAMCONFIG.relative_to(ROOT)}")
        return 1
    failed = False
    for where, name in names.items():
        why = problem(name)
        if why:
            print(f"{where}: {why}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
