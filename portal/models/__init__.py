"""Typed SQLAlchemy models, one module per area. Importing this package registers them all."""

from portal.models.accounts import AccountToken, RecoveryCode, SignInSlowdown, User, WebSession
from portal.models.base import Base
from portal.models.keystore import KeystoreBase, WrappedDataKey

__all__ = [
    "AccountToken",
    "Base",
    "KeystoreBase",
    "RecoveryCode",
    "SignInSlowdown",
    "User",
    "WebSession",
    "WrappedDataKey",
]
