"""Client addresses, only ever kept as a keyed hash.

Rate limits need to count requests per address, and their counts live in memory or Redis for up
to an hour; keying them by an HMAC of the address means neither holds the address itself.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def hashed_client_address() -> str:
    """A stand-in for the client's address (after ProxyFix), useless without the site's key."""
    secret = current_app.config["SECRET_KEY"].encode()
    address = (request.remote_addr or "unknown").encode()
    return "address:" + hmac.new(secret, address, hashlib.sha256).hexdigest()[:32]
