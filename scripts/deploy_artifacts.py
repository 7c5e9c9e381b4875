"""After `sam build` (scripts/deploy_check.sh): every function of infra/template.yaml has its
`bootstrap` in the build directory, an executable ELF for the function's architecture, the
very program cargo lambda built for the function's `Binary` (`$CARGO_TARGET_DIR/lambda/<bin>/`),
and the built template points the function at it. `sam build` succeeding is not proof of
that: it says nothing of what it copied where. (That each function's `Binary` is its own —
the name in `FunctionName` and its log group — tests/test_deploy.py checks.)

Usage: deploy_artifacts.py BUILD_DIR (infra/.aws-sam/build)."""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portal_local as pl  # noqa: E402

ELF_MACHINE = {"arm64": 0xB7, "x86_64": 0x3E}
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def elf_machine(path: Path) -> int | None:
    head = path.read_bytes()[:20]
    if len(head) < 20 or head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit ELF
        return None
    return struct.unpack("<H", head[18:20])[0]


def problems(build: Path) -> list[str]:
    source = pl.load_template()
    built = pl.load_template(build / "template.yaml")
    arch_default = source.get("Globals", {}).get("Function", {}).get("Architectures", ["x86_64"])
    out = []
    for name, res in source["Resources"].items():
        if res["Type"] not in FUNCTION_TYPES:
            continue
        props = res.get("Properties", {})
        arch = props.get("Architectures", arch_default if res["Type"] == "AWS::Serverless::Function" else ["x86_64"])[0]
        binary = build / name / "bootstrap"
        if not binary.is_file():
            out.append(f"{name}: no {binary}")
            continue
        if not os.access(binary, os.X_OK):
            out.append(f"{name}: {binary} is not executable")
        built_by_cargo = Path(os.environ.get("CARGO_TARGET_DIR", pl.ROOT / "target")) / "lambda" / res["Metadata"]["BuildProperties"]["Binary"] / "bootstrap"
        if not built_by_cargo.is_file() or built_by_cargo.read_bytes() != binary.read_bytes():
            out.append(f"{name}: {binary} is not {built_by_cargo}")
        machine = elf_machine(binary)
        if machine != ELF_MACHINE[arch]:
            out.append(f"{name}: {binary} is not an {arch} ELF executable (machine {machine})")
        built_props = built["Resources"][name]["Properties"]
        code = built_props.get("CodeUri", built_props.get("Code"))
        if code != name:
            out.append(f"{name}: the built template's code is {code!r}, not {name!r}")
    return out


def main(argv: list[str]) -> int:
    build = Path(argv[0]).resolve()
    found = problems(build)
    for p in found:
        print(f"sam build: {p}", file=sys.stderr)
    if found:
        return 1
    count = sum(1 for r in pl.load_template()["Resources"].values() if r["Type"] in FUNCTION_TYPES)
    print(f"sam build: {count} functions, each an executable for its architecture in {build}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
