"""Checking an evidence pack (portal.incidents.pack): is this ZIP the one the site exported?

The signature on manifest.json is checked first, against the site's own public key: if it fails,
nothing else in the pack can be trusted, and that is all there is to say. If it holds, every
file is compared with the manifest, and each difference is named: an original by the incident
it belongs to, a change inside incidents.json or incidents.csv by the incidents it touches.

Nothing is ever unzipped to disk. A ZIP can lie about itself, so: at most MAX_ENTRIES entries;
no file is read past the size the signed manifest gives it (a "zip bomb" stops there); files the
manifest does not list are named, never read; names that climb out of their folder (`../`) or
start at the root are refused, never opened.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.incidents.pack_facts import FILE_KIND_WORDS, incident_name
from portal.incidents.pack_input import FileKind
from portal.incidents.pack_manifest import (
    CSV_NAME,
    DOCUMENT_WORDS,
    JSON_NAME,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    Manifest,
    ManifestFile,
    ManifestUnreadable,
    digest_of,
)
from portal.incidents.signing import SIGNATURE_BYTES, signature_is_valid

MAX_ENTRIES = 20_000
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
# A changed incidents.json or incidents.csv is read whole, to say which incidents it touches.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
READ_CHUNK = 1024 * 1024
READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    RuntimeError,  # an encrypted entry
    NotImplementedError,  # a compression method zipfile does not know
    EOFError,
    OSError,
    ValueError,
    zlib.error,
)

NOT_A_ZIP = (
    "This is not a ZIP file. Choose the ZIP file the site made, as it was downloaded, "
    "without unzipping it."
)
TOO_MANY_FILES = "This ZIP file holds far more files than any pack from this site."
NO_MANIFEST = "This ZIP file is not an evidence pack from this site: it has no manifest.json in it."
NOT_SIGNED = "This pack was changed after it was exported, or was not made by this site."
UNKNOWN_FORMAT = "This pack was made by a version of the site that this page cannot read."


class Outcome(enum.Enum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"  # signed by this site, but files differ from its manifest
    NOT_SIGNED = "not-signed"  # the signature does not hold: nothing in it can be trusted
    UNREADABLE = "unreadable"  # not a ZIP, or not a pack


@dataclass(frozen=True)
class Difference:
    """One way the pack differs from what was exported, in words, with what it touches."""

    message: str
    path: str | None = None
    incident: int | None = None


@dataclass(frozen=True)
class PackCheck:
    outcome: Outcome
    differences: tuple[Difference, ...] = ()
    manifest: Manifest | None = None
    # Which of the keys given signed it: 0 is the site's key now, a higher one an earlier key.
    signed_with: int | None = None

    @property
    def unchanged(self) -> bool:
        return self.outcome is Outcome.UNCHANGED

    @property
    def problem(self) -> str | None:
        """For a pack that could not be checked at all, why not."""
        if self.outcome in (Outcome.UNREADABLE, Outcome.NOT_SIGNED):
            return self.differences[0].message
        return None


def _refused(outcome: Outcome, message: str) -> PackCheck:
    return PackCheck(outcome, (Difference(message),))


def verify_pack(pack: bytes | IO[bytes], public_keys: Sequence[Ed25519PublicKey]) -> PackCheck:
    """Whether `pack` is unchanged since the site that signs with one of `public_keys` (its
    key, and any it signed with before) exported it, or how it differs."""
    source = io.BytesIO(pack) if isinstance(pack, bytes) else pack
    try:
        archive = zipfile.ZipFile(source)
    except READ_ERRORS:
        return _refused(Outcome.UNREADABLE, NOT_A_ZIP)
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            return _refused(Outcome.UNREADABLE, TOO_MANY_FILES)
        entries, differences = _entries(infos)
        if MANIFEST_NAME not in entries:
            return _refused(Outcome.UNREADABLE, NO_MANIFEST)
        signed = _read(archive, entries[MANIFEST_NAME], MAX_MANIFEST_BYTES)
        signature = (
            _read(archive, entries[SIGNATURE_NAME], SIGNATURE_BYTES)
            if SIGNATURE_NAME in entries
            else None
        )
        signed_with = _signing_key(public_keys, signed, signature)
        if signed is None or signed_with is None:
            return _refused(Outcome.NOT_SIGNED, NOT_SIGNED)
        try:
            manifest = Manifest.from_bytes(signed)
        except ManifestUnreadable:
            return _refused(Outcome.UNREADABLE, UNKNOWN_FORMAT)
        differences += _compared(archive, entries, manifest)
    outcome = Outcome.CHANGED if differences else Outcome.UNCHANGED
    return PackCheck(outcome, tuple(differences), manifest, signed_with)


def _signing_key(
    public_keys: Sequence[Ed25519PublicKey], signed: bytes | None, signature: bytes | None
) -> int | None:
    """The position in `public_keys` of the key that made `signature` of `signed`, if any."""
    if signed is None or signature is None:
        return None
    return next(
        (n for n, key in enumerate(public_keys) if signature_is_valid(key, signature, signed)),
        None,
    )


def _entries(infos: list[zipfile.ZipInfo]) -> tuple[dict[str, zipfile.ZipInfo], list[Difference]]:
    """The ZIP's files by name, and what is wrong with its names. A pack unzipped and zipped
    again may sit in a folder of its own: its names are read from inside that folder. Folders
    themselves hold nothing, and are passed over."""
    names = [info.filename for info in infos]
    prefix = ""
    if MANIFEST_NAME not in names:
        inside = [n for n in names if n.endswith("/" + MANIFEST_NAME) and n.count("/") == 1]
        if len(inside) == 1:
            prefix = inside[0].removesuffix(MANIFEST_NAME)
    entries: dict[str, zipfile.ZipInfo] = {}
    differences = []
    for info in infos:
        if info.is_dir() and info.file_size == 0:
            continue
        name = info.filename.removeprefix(prefix) if prefix else info.filename
        if not _is_safe_name(info.filename):
            differences.append(
                Difference(
                    f"A file with a name that points outside the pack ({info.filename}) has been "
                    "added. It was not opened.",
                    info.filename,
                )
            )
        elif name in entries:
            differences.append(Difference(f"The pack holds two files called {name}.", name))
        else:
            entries[name] = info
    return entries, differences


def _is_safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not (
        name.startswith(("/", "\\"))
        or "\\" in name
        or "\x00" in name
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
    )


def _compared(
    archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], manifest: Manifest
) -> list[Difference]:
    differences: list[Difference] = []
    listed = {item.path for item in manifest.files} | {MANIFEST_NAME, SIGNATURE_NAME}
    for item in manifest.files:
        info = entries.get(item.path)
        if info is None:
            differences.append(Difference(f"{_described(item, manifest)} is missing.", item.path))
        elif _digest(archive, info, item.size) != item.sha256:
            differences.append(
                Difference(
                    f"{_described(item, manifest)} is not the file that was exported.",
                    item.path,
                    item.incident,
                )
            )
            if item.path in (JSON_NAME, CSV_NAME):
                differences += _incidents_changed_in(archive, info, item.path, manifest)
    for name in entries:
        if name not in listed:
            differences.append(
                Difference(f"A file has been added that was not in the pack: {name}.", name)
            )
    return differences


def _described(item: ManifestFile, manifest: Manifest) -> str:
    """'The photo from incident 1 (Tuesday 3 March 2026), files/0001-…-IMG_2001.jpg', or
    'The printable copy (evidence.pdf)'."""
    if item.incident is None:
        return f"{DOCUMENT_WORDS.get(item.path, 'The file')} ({item.path})"
    started = {incident.number: incident.started_on for incident in manifest.incidents}
    kind = FILE_KIND_WORDS.get(FileKind(item.kind), "File") if item.kind else "File"
    owner = (
        incident_name(item.incident, started[item.incident])
        if item.incident in started
        else f"incident {item.incident}"
    )
    return f"The {kind.lower()} from {owner}, {item.path},"


def _incidents_changed_in(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, manifest: Manifest
) -> list[Difference]:
    """Which incidents a changed incidents.json or incidents.csv differs in."""
    content = _read(archive, info, MAX_DOCUMENT_BYTES)
    digests = _incident_digests(content, path) if content is not None else None
    if digests is None:
        return [Difference(f"{path} can no longer be read as it was written.", path)]
    differences = []
    for incident in manifest.incidents:
        expected = incident.json_sha256 if path == JSON_NAME else incident.csv_sha256
        found = digests.pop(str(incident.number), None)
        name = incident_name(incident.number, incident.started_on)
        if found is None:
            differences.append(Difference(f"In {path}, {name} is missing.", path, incident.number))
        elif found != expected:
            differences.append(
                Difference(f"In {path}, {name} has been changed.", path, incident.number)
            )
    for number in digests:
        differences.append(
            Difference(f"In {path}, an incident numbered {number!r} has been added.", path)
        )
    if len(differences) == 0:
        differences.append(
            Difference(f"In {path}, every incident is as exported; the rest of it differs.", path)
        )
    return differences


def _incident_digests(content: bytes, path: str) -> dict[str, str] | None:
    """Each incident's digest, as the manifest has them, from the file as it is now."""
    try:
        if path == JSON_NAME:
            entries = json.loads(content)["incidents"]
            return {str(entry["number"]): digest_of(entry) for entry in entries}
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    except (ValueError, KeyError, TypeError, csv.Error):
        return None
    grouped: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows[1:]:
        grouped[row[0] if row else ""].append(row)
    return {number: digest_of(group) for number, group in grouped.items()}


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The entry's bytes, never more than limit + 1 of them."""
    left = limit + 1
    with archive.open(info) as entry:
        while left > 0:
            chunk = entry.read(min(READ_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The whole entry, or None when it is longer than limit or cannot be read."""
    try:
        content = b"".join(_chunks(archive, info, limit))
    except READ_ERRORS:
        return None
    return content if len(content) <= limit else None


def _digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> str | None:
    """The entry's SHA-256, read no further than one byte past `size`; None when it cannot be
    read, '' when it is longer than `size` (so it matches nothing)."""
    digest = hashlib.sha256()
    read = 0
    try:
        for chunk in _chunks(archive, info, size):
            digest.update(chunk)
            read += len(chunk)
    except READ_ERRORS:
        return None
    return digest.hexdigest() if read <= size else ""
