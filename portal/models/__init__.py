"""Typed SQLAlchemy models, one module per area. Importing this package registers them all."""

from portal.models.accounts import AccountToken, RecoveryCode, SignInSlowdown, User, WebSession
from portal.models.audit import StaffAuditEvent
from portal.models.base import Base
from portal.models.diary import DiaryEntry, SleepNight
from portal.models.guides import Guide, GuideAnswer, GuideDraft, GuideProgress, GuideVersion
from portal.models.incidents import (
    ChainCheckpoint,
    ChainLink,
    EvidenceFile,
    Incident,
    IncidentRevision,
)
from portal.models.keystore import ChainMark, KeystoreBase, WrappedDataKey
from portal.models.shares import Share, ShareOpening, ShareSnapshotPart

__all__ = [
    "AccountToken",
    "Base",
    "ChainCheckpoint",
    "ChainLink",
    "ChainMark",
    "DiaryEntry",
    "EvidenceFile",
    "Guide",
    "GuideAnswer",
    "GuideDraft",
    "GuideProgress",
    "GuideVersion",
    "Incident",
    "IncidentRevision",
    "KeystoreBase",
    "RecoveryCode",
    "Share",
    "ShareOpening",
    "ShareSnapshotPart",
    "SignInSlowdown",
    "SleepNight",
    "StaffAuditEvent",
    "User",
    "WebSession",
    "WrappedDataKey",
]
