"""The production-like stack of `make stack` (deploy/stack.py) as a fixture: two gunicorn hosts
behind nginx over TLS, on PostgreSQL and Redis. Started once for the tests that ask for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from xdist.scheduler import LoadScopeScheduling

from deploy.stack import Stack, leftovers, missing_services, running_stack
from tests.support.environment import unavailable

# The test modules that use the production stack.
STACK_MODULES = frozenset({"tests/test_stack_in_browser.py"})


class StackModulesTogether(LoadScopeScheduling):
    """xdist's usual spread (each test to whichever worker is free), except that a module using
    the production stack goes whole to one worker, which starts the stack once. (xdist's own
    `--dist loadgroup` would do this from a mark, but xdist 3.8 marks groups in a node attribute
    that pytest 9 no longer reads, so it spreads them like any other test.)"""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return module if module in STACK_MODULES else nodeid


@pytest.fixture(scope="session")
def production_stack() -> Iterator[Stack]:
    """The whole stack, stopped when the session ends, and checked then to have left nothing
    behind: no process, folder, database or Redis key (an error in the last test if it did)."""
    missing = missing_services()
    if missing:
        unavailable("the production stack needs " + "; ".join(missing))
    with running_stack() as stack:
        yield stack
    assert leftovers(stack) == []
