"""Fixtures of the integration tests. One local stack per test session (tests/support/stack.py:
moto on a free port, resources made from infra/template.yaml, every function under
`cargo lambda watch` behind the same router `make dev` uses); each test gets its own firm
(so tests cannot see each other's data — which is also what firm isolation promises).
Helpers live in tests/support/, not here."""
from __future__ import annotations

import pytest

from support import Firm, local_stack


@pytest.fixture(scope="session")
def stack():
    with local_stack() as s:
        yield s


@pytest.fixture
def firm(stack) -> Firm:
    return stack.new_firm()
