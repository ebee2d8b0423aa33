"""Whether an evidence file can be kept, and what is stored for it (issue 10).

`inspect_upload` takes the bytes a person sent and either returns a CheckedFile, ready to store,
or raises UploadRefused with a message to show by the file field, in plain words that say what
to do. The type comes from the content alone (portal.incidents.file_types); photos are decoded
in full and copied without their location and camera details (portal.incidents.photos); PDFs
are parsed and refused if they could run anything when opened. The original is kept byte for
byte, with its SHA-256, so it can be shown to be the file the person added.

No Flask and no database: the size limit and quota are the caller's settings, passed in.
"""

from __future__ import annotations

import enum
import hashlib
import math
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote

from pypdf import PasswordType, PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from portal.incidents import photos
from portal.incidents.file_types import (
    BY_MEDIA_TYPE,
    FILE_TYPES,
    PDF,
    CutShort,
    FileType,
    UnknownType,
    VideoFile,
    identify,
)
from portal.incidents.pack_input import FileKind

NAME_MAX_LENGTH = 100  # characters of the person's file name we keep, extension included
MAX_PDF_OBJECTS = 200_000  # objects walked looking for scripts before we call the PDF too complex
KIB = 1024
MIB = 1024 * KIB  # the settings count megabytes in 1024s (PORTAL_MAX_REQUEST_MB), so we do too
GIB = 1024 * MIB

UNNAMED = {  # a name for a file the person's device sent without one
    FileKind.PHOTO: "photo",
    FileKind.DOCUMENT: "document",
    FileKind.SOUND: "recording",
}
WHAT_WE_KEEP = (
    "Photos can be JPEG, PNG, WebP or HEIC, and sound recordings M4A, AAC, MP3, WAV, OGG or WebM."
)
PRINT_TO_NEW_PDF = "Print it to a new PDF (choose Print, then Save as PDF) and add that instead."


class UploadRefused(Exception):
    """A file we will not keep; `message` says why and what to do, for the person to read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, with everything that is stored for it."""

    kind: FileKind
    media_type: str  # decided from the content; the original is served as this
    original_name: str  # the person's file name, made safe to show and to offer for download
    size: int  # bytes of the original
    sha256: str  # hex digest of the original
    original: bytes  # exactly as it arrived
    display: bytes  # photos: re-encoded without location or camera details; otherwise original
    display_media_type: str
    thumbnail: bytes | None  # photos: a small JPEG, THUMBNAIL_LONGEST_SIDE at most; else None
    dimensions: tuple[int, int] | None  # photos: the display copy's width and height
    audio_type: str | None  # sound: for <source type>, with its codecs where the file names them

    def __repr__(self) -> str:  # the bytes would flood a log or a failing test's output
        return (
            f"CheckedFile(kind={self.kind.value!r}, media_type={self.media_type!r}, "
            f"size={self.size}, sha256={self.sha256[:12]!r}…)"
        )


def inspect_upload(data: bytes, filename: str, *, max_bytes: int) -> CheckedFile:
    """Check one uploaded file and prepare what is stored for it, or raise UploadRefused."""
    name = safe_name(filename)
    subject = f"“{name}”" if name else "The file"
    if not data:
        raise UploadRefused(f"{subject} is empty. Choose the file again.")
    if len(data) > max_bytes:
        raise UploadRefused(
            f"{subject} is {describe_size(len(data), round_up=True)}. "
            f"Files can be up to {describe_size(max_bytes)} each."
        )
    try:
        identified = identify(data)
    except VideoFile:
        raise UploadRefused(
            f"{subject} is a video. You can add photos, PDFs and sound recordings, but not videos."
        ) from None
    except CutShort as problem:
        raise UploadRefused(_cut_short_message(subject, problem.kind)) from None
    except UnknownType:
        raise UploadRefused(
            f"{subject} is not a photo, PDF or sound recording we can keep. {WHAT_WE_KEEP}"
        ) from None

    file_type = identified.file_type
    display, display_media_type = data, file_type.media_type
    thumbnail, dimensions = None, None
    if file_type.kind is FileKind.PHOTO:
        photo = _prepared_photo(data, file_type, subject)
        display, display_media_type = photo.display, photo.display_media_type
        thumbnail, dimensions = photo.thumbnail, photo.dimensions
    elif file_type is PDF:
        _check_pdf(data, subject)
    return CheckedFile(
        kind=file_type.kind,
        media_type=file_type.media_type,
        original_name=name or f"{UNNAMED[file_type.kind]}.{file_type.extensions[0]}",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original=data,
        display=display,
        display_media_type=display_media_type,
        thumbnail=thumbnail,
        dimensions=dimensions,
        audio_type=identified.audio_type,
    )


def check_quota(used_bytes: int, new_bytes: int, quota_bytes: int) -> None:
    """Raise UploadRefused if a file of `new_bytes` would take the account past its quota."""
    if used_bytes + new_bytes <= quota_bytes:
        return
    left = max(quota_bytes - used_bytes, 0)
    quota = describe_size(quota_bytes)
    if left < KIB:
        raise UploadRefused(
            f"Your files have used all the space you have ({quota}), so no more can be added."
        )
    raise UploadRefused(
        f"This file is {describe_size(new_bytes, round_up=True)}, but your files have only "
        f"{describe_size(left)} of space left (of {quota} in all). Choose a smaller file."
    )


# Names and sizes --------------------------------------------------------------------------


def safe_name(filename: str) -> str:
    """The person's file name, safe to show and to offer as a download name: no folders (some
    browsers send "C:\\fakepath\\..."), no control or direction-changing characters (U+202E can
    make "gpj.exe" read as "exe.jpg"), single spaces, NAME_MAX_LENGTH at most, ending kept."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)  # Macs send accents as separate characters
    name = " ".join(name.split())  # tabs and new lines too
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, ending = name.rpartition(".")
        if not dot or len(ending) > 10:
            stem, ending = name, ""
        keep = NAME_MAX_LENGTH - len(ending) - len(dot)
        name = stem[:keep].rstrip(" .") + dot + ending
    return name


def content_disposition(disposition: str, filename: str) -> str:
    """A Content-Disposition header with the file's own name, safely (RFC 6266)."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download_name(name: str, media_type: str) -> str:
    """`name` with an ending that matches `media_type`, so a JPEG sent as "letter.pdf" downloads
    as "letter.jpg", and a display copy of "IMG_0001.HEIC" as "IMG_0001.jpg". An ending that is
    not one of ours ("notes.v2") is kept and the right one added after it."""
    file_type = BY_MEDIA_TYPE[media_type.split(";")[0].strip()]
    stem, dot, ending = name.rpartition(".")
    ending = ending.lower()
    if dot and ending in file_type.extensions:
        return name
    if dot and stem and any(ending in known.extensions for known in FILE_TYPES):
        name = stem
    return f"{name}.{file_type.extensions[0]}"


def describe_size(size: int, *, round_up: bool = False) -> str:
    """Bytes in words, to a tenth: "740 KB", "14.2 MB". A file that is over a limit is rounded
    up and a limit down, so "10.1 MB" is never described as the "10 MB" it exceeds."""
    if size < KIB:
        return "1 byte" if size == 1 else f"{size} bytes"
    unit, scale = next(
        (unit, scale) for unit, scale in (("GB", GIB), ("MB", MIB), ("KB", KIB)) if size >= scale
    )
    tenths = size * 10 / scale
    whole, tenth = divmod(math.ceil(tenths) if round_up else math.floor(tenths), 10)
    return f"{whole:,}{f'.{tenth}' if tenth else ''} {unit}"


# Photos -----------------------------------------------------------------------------------


def _prepared_photo(data: bytes, file_type: FileType, subject: str) -> photos.PreparedPhoto:
    try:
        return photos.prepare_photo(data, file_type)
    except photos.PhotoTooLarge:
        limit = photos.MAX_PHOTO_PIXELS // 1_000_000
        raise UploadRefused(
            f"{subject} is too large to open safely: photos can be up to {limit} million "
            "pixels. Save a smaller copy of it and add that instead."
        ) from None
    except photos.PhotoCutShort:
        raise UploadRefused(_cut_short_message(subject, FileKind.PHOTO)) from None
    except photos.PhotoDamaged:
        raise UploadRefused(
            f"{subject} looks like a photo but is damaged, so we cannot open it. Try adding it "
            "again, or save a new copy from your photos app and add that."
        ) from None


def _cut_short_message(subject: str, kind: FileKind) -> str:
    what = {FileKind.PHOTO: "photo", FileKind.DOCUMENT: "PDF", FileKind.SOUND: "recording"}[kind]
    return f"{subject} seems to be cut short: only part of the {what} arrived. Try adding it again."


# PDFs -------------------------------------------------------------------------------------


class PdfProblem(enum.Enum):
    """Why a PDF is refused, as the end of the sentence that names it."""

    SCRIPTS = f"contains scripts, so we cannot keep it. {PRINT_TO_NEW_PDF}"
    LAUNCH = f"tries to open other programs, so we cannot keep it. {PRINT_TO_NEW_PDF}"
    ATTACHMENTS = (
        f"has files attached inside it, so we cannot keep it. {PRINT_TO_NEW_PDF} Add any files "
        "attached to it that you need on their own."
    )
    LOCKED = (
        "is protected with a password, so we cannot check it. Save or print it as a new PDF "
        "without a password, and add that instead."
    )
    DAMAGED = (
        "is damaged, or only part of it arrived, so we cannot check it. Try adding it again. If "
        "it still does not work, print it to a new PDF and add that instead."
    )
    NO_PAGES = "has no pages. Check it is the PDF you meant, and add it again."
    TOO_COMPLEX = f"is too complex for us to check. {PRINT_TO_NEW_PDF}"


class _TooComplex(Exception):
    """More objects than we will walk."""


def _check_pdf(data: bytes, subject: str) -> None:
    """Parse the PDF (pypdf) and refuse it if it is protected by a password, or if opening it
    could run a script, launch a program or unpack a file hidden inside it."""
    problem = _pdf_problem(data)
    if problem is not None:
        raise UploadRefused(f"{subject} {problem.value}")


def _pdf_problem(data: bytes) -> PdfProblem | None:
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        # An owner password only limits printing or copying (councils use them): it opens with
        # no password, and is checked like any other. A password needed to open it is refused.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return PdfProblem.LOCKED
        if problem := _active_content(reader):
            return problem
        if not len(reader.pages):
            return PdfProblem.NO_PAGES
    except _TooComplex:
        return PdfProblem.TOO_COMPLEX
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        # pypdf's own errors, and what its repairs of a damaged file let through.
        return PdfProblem.DAMAGED
    return None


def _active_content(reader: PdfReader) -> PdfProblem | None:
    """Walk every object reachable from the trailer (what a viewer can reach) and return what
    would act when the PDF is opened or clicked, or None.

    Refused: JavaScript anywhere (/JS, /S /JavaScript, the /JavaScript names tree), and XFA forms,
    which carry scripts of their own; /Launch actions; embedded files (the /EmbeddedFiles names
    tree, /EF in a file specification, /Type /EmbeddedFile). Links (/URI) are allowed: they act
    only when clicked, and letters have them. Names written with #-escapes (/J#61vaScript) are
    decoded by pypdf, so they match too."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [reader.trailer]
    while stack:
        item: PdfObject | None = stack.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            if len(seen) > MAX_PDF_OBJECTS:
                raise _TooComplex
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if problem := _dictionary_problem(item):
                return problem
            stack.extend(dict.values(item))  # unresolved, so each object is fetched once
        elif isinstance(item, ArrayObject):
            stack.extend(list.__iter__(item))
    return None


def _dictionary_problem(dictionary: DictionaryObject) -> PdfProblem | None:
    keys = dictionary.keys()
    action = _name(dictionary, "/S")
    if "/JS" in keys or "/JavaScript" in keys or "/XFA" in keys or action == "/JavaScript":
        return PdfProblem.SCRIPTS
    if action == "/Launch":
        return PdfProblem.LAUNCH
    if "/EmbeddedFiles" in keys or "/EF" in keys or _name(dictionary, "/Type") == "/EmbeddedFile":
        return PdfProblem.ATTACHMENTS
    return None


def _name(dictionary: DictionaryObject, key: str) -> object:
    value = dictionary.get(key)
    return value.get_object() if isinstance(value, PdfObject) else value
