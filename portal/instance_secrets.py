"""Secrets for development and tests, generated once and kept under instance/.

Production never comes here: ProductionConfig.check() refuses to start without real secrets.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from portal.security.crypto import new_data_keys_entry

SECRETS_FILE = "secrets.json"


def load_or_create(instance_path: str) -> dict[str, str]:
    """The instance's secret key and data key, made on first use and readable only by us."""
    path = Path(instance_path) / SECRETS_FILE
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATA_KEYS": new_data_keys_entry("dev1"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(values, file, indent=2)
    return values
