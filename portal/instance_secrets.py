"""Secrets for development and tests, generated once and kept under instance/.

Production never comes here: ProductionConfig.check() refuses to start without real secrets.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry

SECRETS_FILE = "secrets.json"
# Each generated setting and how to make it. A file from before a setting existed gets it added.
GENERATORS: dict[str, Callable[[], str]] = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "DATA_KEYS": lambda: new_data_keys_entry("dev1"),
    "SIGNING_KEY": new_signing_key,
}


def load_or_create(instance_path: str) -> dict[str, str]:
    """The instance's secret key, data key and signing key, made on first use and readable only
    by us."""
    path = Path(instance_path) / SECRETS_FILE
    values: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in GENERATORS if not values.get(name)]
    if not missing:
        return values
    values.update({name: GENERATORS[name]() for name in missing})
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the old file and moved over it, so a crash never leaves half a file.
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(values, file, indent=2)
    partial.replace(path)
    return values
