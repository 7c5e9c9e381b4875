"""Fixtures of the integration tests. One local stack per test session (tests/support/stack.py:
moto on a free port, resources made from infra/template.yaml, every function under
`cargo lambda watch` behind the same router `make dev` uses); each test gets its own firm
(so tests cannot see each other's data — which is also what firm isolation promises).
Helpers live in tests/support/, not here."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from support import Firm, local_stack


@pytest.fixture(scope="session")
def stack():
    with local_stack() as s:
        yield s
        # Least privilege the other way round: what the template grants that no call of
        # this session used (a full run's list is the one to read; scripts/iam_local.py).
        unused = s.proxy.iam.unused()
        report = Path(__file__).parent / "artifacts" / "iam-unused-grants.json"
        report.parent.mkdir(exist_ok=True)
        report.write_text(json.dumps(unused, indent=1))
        print(f"\nIAM: {len(unused)} granted (action, resource) pairs no call used: {report}", file=sys.stderr)


@pytest.fixture(autouse=True)
def iam_refusals_fail_the_test(request):
    """Any AWS call the local stack refused under IAM during a test fails it, even when the
    function swallowed the error (a best-effort call that would quietly never work on AWS)."""
    if "stack" not in request.fixturenames:
        yield
        return
    iam = request.getfixturevalue("stack").proxy.iam
    mark = len(iam.denied)
    yield
    if request.node.get_closest_marker("iam_refusals") is None:
        refused = iam.denied_since(mark)
        assert not refused, f"AWS calls refused under the functions' IAM policies: {refused}"


@pytest.fixture
def firm(stack) -> Firm:
    return stack.new_firm()
