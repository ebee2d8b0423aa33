"""Browsers the owner has signed in from ("device cookies", after OWASP's advice on blocking
brute force without locking people out).

After a successful sign-in the browser keeps a signed token naming a random device id and a tag
of the account's username (an HMAC: the cookie does not say whose it is). Failed sign-ins from
that browser are then counted for that browser alone, and failures from anywhere else never slow
it down, so a housemate failing on the same wifi cannot keep the owner out. The token grants
nothing else: the password is still needed. Quick exit clears it with every other cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, Request, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.usernames import canonical_username

# Browsers keep cookies for 400 days at most.
DEVICE_TOKEN_DAYS = 400
_SALT = "support-space/device"


def device_cookie_name(app: Flask) -> str:
    # __Host-: only ever set by this site over HTTPS, for the whole site (production).
    return "__Host-device" if app.config["SESSION_COOKIE_SECURE"] else "device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _account_tag(username: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = b"support-space/device-account\n" + canonical_username(username).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def remember_device(response: BaseResponse, username: str) -> None:
    """After a sign-in: this browser is now known for this account (a new device id each time)."""
    token = _serializer().dumps(
        {"device": secrets.token_urlsafe(16), "account": _account_tag(username)}
    )
    response.set_cookie(
        device_cookie_name(current_app),
        token,
        max_age=DEVICE_TOKEN_DAYS * 24 * 3600,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def known_device(request: Request, typed_username: str) -> str | None:
    """The id of this browser if it has signed in to the account named, else None."""
    token = request.cookies.get(device_cookie_name(current_app))
    if not token or len(token) > 512:
        return None
    try:
        payload = _serializer().loads(token, max_age=DEVICE_TOKEN_DAYS * 24 * 3600)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    device, account = payload.get("device"), payload.get("account")
    if not isinstance(device, str) or not isinstance(account, str):
        return None
    if not hmac.compare_digest(account, _account_tag(typed_username)):
        return None
    return device
