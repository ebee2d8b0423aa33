"""Typed SQLAlchemy models, one module per area. Importing this package registers them all."""

from portal.models.accounts import AccountToken, RecoveryCode, SignInSlowdown, User, WebSession
from portal.models.base import Base
from portal.models.guides import Guide, GuideAnswer, GuideProgress, GuideVersion
from portal.models.keystore import KeystoreBase, WrappedDataKey

__all__ = [
    "AccountToken",
    "Base",
    "Guide",
    "GuideAnswer",
    "GuideProgress",
    "GuideVersion",
    "KeystoreBase",
    "RecoveryCode",
    "SignInSlowdown",
    "User",
    "WebSession",
    "WrappedDataKey",
]
