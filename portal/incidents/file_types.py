"""What kind of file an evidence upload is, decided from its bytes alone: the name a phone gave it
decides nothing, so an HTML page named holiday.jpg is not a photo.

Photos and PDFs are only recognised here; portal.incidents.photos and portal.incidents.uploads
then open them fully. Sound is never decoded: its headers are read (portal.incidents.
media_headers) far enough to be sure of the container and codec (two MPEG frames in a row, an
Ogg stream's first packet, the tracks of an MP4 or WebM), which also tells a video from a
recording.

Accepted, by signature:
- JPEG (FF D8 FF), PNG (its 8-byte signature), WebP (RIFF....WEBP);
- HEIC/HEIF: an ISO BMFF `ftyp` whose major brand is one of HEIF_BRANDS;
- PDF: starts with "%PDF-";
- WAV: RIFF....WAVE with a "fmt " and a "data" chunk;
- MP3: MPEG-1/2/2.5 Layer III frames, after an ID3v2 tag or not; AAC: ADTS frames, likewise;
- Ogg with Opus or Vorbis as its first stream;
- M4A: an ISO BMFF `ftyp` whose major brand is one of MP4_AUDIO_BRANDS, with a sound track and no
  video track;
- WebM: EBML with DocType "webm", an audio track and no video track.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.incidents import media_headers
from portal.incidents.media_headers import Malformed, Truncated
from portal.incidents.pack_input import FileKind


@dataclass(frozen=True)
class FileType:
    """One kind of file we keep: how it is served and which file name endings suit it."""

    kind: FileKind
    media_type: str
    extensions: tuple[str, ...]  # the first is the one we add to a name that lacks it
    pillow_formats: tuple[str, ...] = ()  # the one Pillow plugin allowed to open it


JPEG = FileType(FileKind.PHOTO, "image/jpeg", ("jpg", "jpeg"), ("JPEG",))
PNG = FileType(FileKind.PHOTO, "image/png", ("png",), ("PNG",))
WEBP = FileType(FileKind.PHOTO, "image/webp", ("webp",), ("WEBP",))
HEIC = FileType(FileKind.PHOTO, "image/heic", ("heic", "heif"), ("HEIF",))
HEIF = FileType(FileKind.PHOTO, "image/heif", ("heif", "heic"), ("HEIF",))
PDF = FileType(FileKind.DOCUMENT, "application/pdf", ("pdf",))
WAV = FileType(FileKind.SOUND, "audio/wav", ("wav",))
MP3 = FileType(FileKind.SOUND, "audio/mpeg", ("mp3",))
AAC = FileType(FileKind.SOUND, "audio/aac", ("aac",))
OGG = FileType(FileKind.SOUND, "audio/ogg", ("ogg", "opus", "oga"))
M4A = FileType(FileKind.SOUND, "audio/mp4", ("m4a", "mp4"))
WEBM = FileType(FileKind.SOUND, "audio/webm", ("webm", "weba"))

FILE_TYPES = (JPEG, PNG, WEBP, HEIC, HEIF, PDF, WAV, MP3, AAC, OGG, M4A, WEBM)
BY_MEDIA_TYPE = {file_type.media_type: file_type for file_type in FILE_TYPES}

# HEIF major brands: HEVC stills and sequences (iPhones write "heic"), and the general brands.
HEIF_BRANDS = {
    b"heic": HEIC,
    b"heix": HEIC,
    b"hevc": HEIC,
    b"hevx": HEIC,
    b"mif1": HEIF,
    b"msf1": HEIF,
}
# MP4 major brands a recorder writes: iPhone Voice Memos "M4A ", Android's MediaRecorder "mp42",
# others "mp41" or "isom". Only the major brand counts: a 3GP recording (AMR, which browsers
# cannot play) lists "isom" as a compatible brand.
MP4_AUDIO_BRANDS = frozenset({b"M4A ", b"mp42", b"mp41", b"isom"})

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
TRACK_VIDEO, TRACK_AUDIO = 1, 2
WEBM_CODECS = {b"A_OPUS": "opus", b"A_VORBIS": "vorbis"}
OGG_CODECS = {b"OpusHead": "opus", b"\x01vorbis": "vorbis"}


class NotAccepted(Exception):
    """The bytes are not a file we keep; the subclass says why."""


class UnknownType(NotAccepted):
    """Not a photo, PDF or sound recording of a type we keep."""


class VideoFile(NotAccepted):
    """A video: it has a video track."""


class CutShort(NotAccepted):
    """A file we would keep, but its own structure says that part of it is missing."""

    def __init__(self, kind: FileKind) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Identified:
    file_type: FileType
    audio_type: str | None = None  # for <audio><source type>: the media type with codecs if known


def identify(data: bytes) -> Identified:
    """Decide what `data` is from its content, or raise a NotAccepted."""
    if data.startswith(b"\xff\xd8\xff"):
        return Identified(JPEG)
    if data.startswith(PNG_SIGNATURE):
        return Identified(PNG)
    if data.startswith(b"%PDF-"):
        return Identified(PDF)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _read(_webp, data, FileKind.PHOTO)
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return _read(_wav, data, FileKind.SOUND)
    if data[4:8] == b"ftyp":
        kind = FileKind.PHOTO if data[8:12] in HEIF_BRANDS else FileKind.SOUND
        return _read(_iso_media, data, kind)
    if data.startswith(b"OggS"):
        return _read(_ogg, data, FileKind.SOUND)
    if data.startswith(EBML_MAGIC):
        return _read(_matroska, data, FileKind.SOUND)
    return _read(_mpeg_audio, data, FileKind.SOUND)


def _read(reader: Callable[[bytes], Identified], data: bytes, kind: FileKind) -> Identified:
    """Run one of the readers below; a header that runs past the end of the bytes means a file
    of `kind` was cut short, and one that does not parse, a file we do not know."""
    try:
        return reader(data)
    except Truncated:
        raise CutShort(kind) from None
    except Malformed:
        raise UnknownType from None


def _webp(data: bytes) -> Identified:
    media_headers.riff_end(data)
    return Identified(WEBP)


def _wav(data: bytes) -> Identified:
    return Identified(WAV, f"audio/wav; codecs={media_headers.wav_format_tag(data)}")


def _iso_media(data: bytes) -> Identified:
    major_brand = data[8:12]
    try:
        top_level = media_headers.iso_boxes(data)
    except Truncated:
        if major_brand in HEIF_BRANDS or major_brand in MP4_AUDIO_BRANDS:
            raise
        raise UnknownType from None  # a video or a 3GP recording, which we would not keep
    if major_brand in HEIF_BRANDS:
        return Identified(HEIF_BRANDS[major_brand])
    try:
        handlers = media_headers.track_handlers(data, top_level)
    except Malformed:
        raise UnknownType from None
    if b"vide" in handlers:
        raise VideoFile
    if major_brand not in MP4_AUDIO_BRANDS or b"soun" not in handlers:
        raise UnknownType
    return Identified(M4A, M4A.media_type)


def _ogg(data: bytes) -> Identified:
    packet = media_headers.ogg_first_packet(data)
    codec = next((name for magic, name in OGG_CODECS.items() if packet.startswith(magic)), None)
    if codec is None:
        raise UnknownType
    return Identified(OGG, f"audio/ogg; codecs={codec}")


def _matroska(data: bytes) -> Identified:
    doc_type, tracks = media_headers.matroska_tracks(data)
    if any(track.track_type == TRACK_VIDEO for track in tracks):
        raise VideoFile
    audio = [track for track in tracks if track.track_type == TRACK_AUDIO]
    if doc_type != b"webm" or not audio:
        raise UnknownType
    codec = WEBM_CODECS.get(audio[0].codec)
    return Identified(WEBM, f"audio/webm; codecs={codec}" if codec else WEBM.media_type)


def _mpeg_audio(data: bytes) -> Identified:
    found = media_headers.mpeg_audio_format(data)
    if found == "mp3":
        return Identified(MP3, MP3.media_type)
    if found == "aac":
        return Identified(AAC, AAC.media_type)
    raise UnknownType
