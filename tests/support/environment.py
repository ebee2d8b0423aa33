"""What the suite needs from the machine, and what happens when it is missing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

# .ci/run sets this: in CI a missing database, Redis or browser is a failure, not a skip.
REQUIRE_EVERYTHING = os.environ.get("PORTAL_TEST_REQUIRE_EVERYTHING") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip for want of something on a developer's machine; fail in CI."""
    if REQUIRE_EVERYTHING:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)
