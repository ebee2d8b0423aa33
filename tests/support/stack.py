"""The production-like stack of `make stack` (deploy/stack.py) as a fixture: two gunicorn hosts
behind nginx over TLS, on PostgreSQL and Redis. Started once for the tests that ask for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deploy.stack import Stack, missing_services, running_stack
from tests.support.environment import unavailable


@pytest.fixture(scope="session")
def production_stack() -> Iterator[Stack]:
    """The whole stack, stopped (databases dropped, files removed) when the session ends. Tests
    using it share one xdist group, so one worker starts it once."""
    missing = missing_services()
    if missing:
        unavailable("the production stack needs " + "; ".join(missing))
    with running_stack() as stack:
        yield stack
