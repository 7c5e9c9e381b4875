"""The layout of the test suite, checked statically (no stack needed): shared helpers live in
tests/support/; no test module imports another test module or conftest.py (pytest imports
those itself — importing them as libraries runs their module code twice and ties the files
together); conftest.py defines fixtures only."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an `import` or `from … import` names in the file (inside functions too)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def forbidden(module: str) -> bool:
    top = module.split(".")[0]
    return top == "conftest" or top.startswith("test_")


def python_files() -> list[Path]:
    return sorted(TESTS.glob("*.py")) + sorted((TESTS / "support").rglob("*.py"))


def test_no_module_imports_a_test_module_or_conftest():
    offences = [f"{p.relative_to(TESTS)}:{line}: imports {m}"
                for p in python_files() for line, m in imported_modules(p) if forbidden(m)]
    assert not offences, "import shared helpers from tests/support instead:\n" + "\n".join(offences)


def test_conftest_defines_fixtures_only():
    tree = ast.parse((TESTS / "conftest.py").read_text())
    others = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # the docstring
        if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list):
            continue
        others.append(f"conftest.py:{node.lineno}: {ast.unparse(node).splitlines()[0]}")
    assert not others, "conftest.py defines fixtures only; move helpers to tests/support:\n" + "\n".join(others)


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text("import os\n\ndef test_x():\n    from test_invites import mail_to\n    import conftest\n")
    assert [m for _, m in imported_modules(sample) if forbidden(m)] == ["test_invites", "conftest"]
