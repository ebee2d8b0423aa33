"""Reading the headers of media containers, without decoding any sound or picture: RIFF (WAV,
WebP), ISO base media (MP4, M4A, HEIC), Ogg, EBML (WebM, Matroska) and MPEG audio frames (MP3,
AAC in ADTS). portal.incidents.file_types decides from what is read here whether we keep a file.

Every reader raises Truncated when a structure claims more bytes than arrived, and Malformed for
anything else that does not parse. Each list of boxes, chunks or elements is read MAX_STRUCTURES
entries at most, so a file made of millions of tiny ones cannot keep Python busy for long.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# A fragmented hour-long M4A has about 15,000 top-level boxes.
MAX_STRUCTURES = 100_000
MAX_ID3_PADDING = 64 * 1024  # zero bytes some taggers leave between the ID3 tag and the sound
RIFF_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # what a recorder writes before it knows the length


class Malformed(Exception):
    """A header that does not parse."""


class Truncated(Malformed):
    """A header that claims more bytes than there are: the file stopped part way."""


# RIFF: WebP and WAV ---------------------------------------------------------------------------


def riff_end(data: bytes) -> int:
    """Where the RIFF data ends, as its header declares; Truncated if the bytes stop sooner."""
    declared = struct.unpack_from("<I", data, 4)[0]
    if declared in RIFF_UNKNOWN_SIZES:
        return len(data)
    if 8 + declared > len(data):
        raise Truncated
    return 8 + declared


def wav_format_tag(data: bytes) -> int:
    """The WAVE format tag (1 PCM, 3 float, ...; the sub-format's for WAVE_FORMAT_EXTENSIBLE) of a
    WAV file with a "fmt " chunk and then a "data" chunk, as every player needs."""
    end = riff_end(data)
    position = 12
    format_tag = None
    for _ in range(MAX_STRUCTURES):
        if position + 8 > end:
            break
        chunk_id, length = struct.unpack_from("<4sI", data, position)
        body = position + 8
        if chunk_id == b"fmt ":
            format_tag = _wav_format_tag(data[body : body + length])
        elif chunk_id == b"data":
            if format_tag is None:
                break
            if body + length > len(data) and length not in RIFF_UNKNOWN_SIZES:
                raise Truncated
            return format_tag
        position = body + length + (length & 1)  # chunks are padded to an even length
    raise Malformed


def _wav_format_tag(fmt: bytes) -> int | None:
    if len(fmt) < 16:
        return None
    tag, channels, rate = struct.unpack_from("<HHI", fmt)
    if not channels or not rate:
        return None
    if tag == 0xFFFE and len(fmt) >= 26:
        return struct.unpack_from("<H", fmt, 24)[0]
    return tag


# ISO base media: MP4, M4A, HEIC ---------------------------------------------------------------

Box = tuple[bytes, int, int]  # type, where its payload starts, where it ends


def iso_boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Box]:
    """The boxes between start and end (by default, the whole file's top level)."""
    end = len(data) if end is None else end
    boxes: list[Box] = []
    position = start
    for _ in range(MAX_STRUCTURES):
        if position + 8 > end:
            return boxes
        size, box_type = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:  # a 64-bit size follows
            if position + 16 > end:
                raise Truncated
            size = struct.unpack_from(">Q", data, position + 8)[0]
            header = 16
        elif size == 0:  # runs to the end
            size = end - position
        if size < header:
            raise Malformed
        if position + size > end:
            raise Truncated
        boxes.append((box_type, position + header, position + size))
        position += size
    raise Malformed


def track_handlers(data: bytes, top_level: list[Box]) -> set[bytes]:
    """The handler type of every track (moov/trak/mdia/hdlr): b"soun" for sound, b"vide" video."""
    handlers = set()
    for trak in _children(data, top_level, b"moov", b"trak"):
        for mdia in _children(data, [trak], b"trak", b"mdia"):
            for hdlr_type, start, end in iso_boxes(data, mdia[1], mdia[2]):
                # hdlr: version and flags (4), pre_defined (4), then the handler type.
                if hdlr_type == b"hdlr" and end - start >= 12:
                    handlers.add(data[start + 8 : start + 12])
    return handlers


def _children(data: bytes, boxes: list[Box], parent: bytes, child: bytes) -> Iterator[Box]:
    for box_type, start, end in boxes:
        if box_type == parent:
            yield from (box for box in iso_boxes(data, start, end) if box[0] == child)


# Ogg ------------------------------------------------------------------------------------------


def ogg_first_packet(data: bytes) -> bytes:
    """The start of the first packet of a stream's first page (version 0, flagged as a stream's
    beginning), which names its codec."""
    if len(data) < 27 or data[4] != 0 or not data[5] & 0x02:
        raise Malformed
    start = 27 + data[26]  # after the header and its segment table
    if start > len(data):
        raise Truncated
    return data[start : start + 16]


# EBML: WebM and Matroska ----------------------------------------------------------------------

EBML_HEADER, DOC_TYPE = 0x1A45DFA3, 0x4282
SEGMENT, TRACKS, TRACK_ENTRY, CLUSTER = 0x18538067, 0x1654AE6B, 0xAE, 0x1F43B675
TRACK_TYPE, CODEC_ID = 0x83, 0x86


@dataclass(frozen=True)
class Track:
    track_type: int  # 1 video, 2 audio
    codec: bytes  # e.g. b"A_OPUS"


def matroska_tracks(data: bytes) -> tuple[bytes, list[Track]]:
    """The DocType (b"webm", b"matroska"), and the tracks listed before the first cluster."""
    doc_type = b""
    tracks: list[Track] = []
    for element_id, start, end in _elements(data, 0, len(data)):
        if element_id == EBML_HEADER:
            for child_id, child_start, child_end in _elements(data, start, end):
                if child_id == DOC_TYPE:
                    doc_type = data[child_start:child_end].rstrip(b"\0")
        elif element_id == SEGMENT:
            for child_id, child_start, child_end in _elements(data, start, end):
                if child_id == CLUSTER:
                    break
                if child_id == TRACKS:
                    tracks.extend(_track_entries(data, child_start, child_end))
            break
    return doc_type, tracks


def _track_entries(data: bytes, start: int, end: int) -> Iterator[Track]:
    for entry_id, entry_start, entry_end in _elements(data, start, end):
        if entry_id != TRACK_ENTRY:
            continue
        track_type, codec = 0, b""
        for field_id, field_start, field_end in _elements(data, entry_start, entry_end):
            if field_id == TRACK_TYPE:
                track_type = int.from_bytes(data[field_start:field_end], "big")
            elif field_id == CODEC_ID:
                codec = data[field_start:field_end].rstrip(b"\0")
        yield Track(track_type, codec)


def _vint(data: bytes, position: int) -> tuple[int, int, int]:
    """An EBML variable-length integer at `position`: (its bytes as a number, length marker
    included; its length in bytes; where the next field starts)."""
    if position >= len(data) or data[position] == 0:
        raise Malformed
    length = 9 - data[position].bit_length()
    if position + length > len(data):
        raise Truncated
    return int.from_bytes(data[position : position + length], "big"), length, position + length


def _elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """Each EBML element between start and end, as (id, where its data starts, where it ends). An
    element ID keeps its length marker; a size loses it, and one whose bits are all ones is
    "unknown" (live recorders write that) and runs to `end`."""
    position = start
    for _ in range(MAX_STRUCTURES):
        if position >= end:
            return
        element_id, _, position = _vint(data, position)
        size, length, position = _vint(data, position)
        size &= (1 << (7 * length)) - 1
        unknown = size == (1 << (7 * length)) - 1
        element_end = end if unknown else position + size
        yield element_id, position, min(element_end, end)
        position = element_end
    raise Malformed


# MPEG audio: MP3 and AAC in ADTS --------------------------------------------------------------

MP3_KBPS = {  # by MPEG version: 1, then 2 and 2.5; index 0 ("free") and 15 are not allowed
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
MP3_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_audio_format(data: bytes) -> str | None:
    """ "mp3" or "aac" if MPEG Layer III or ADTS frames start the file, after an ID3v2 tag or not.
    Two frames must follow each other (or one fill the file), so a few random bytes cannot pass
    for sound."""
    position = 0
    if data.startswith(b"ID3"):
        position = _id3_end(data)
        padding_end = min(len(data), position + MAX_ID3_PADDING)
        while position < padding_end and data[position] == 0:
            position += 1
    if _frames_follow(data, position, _mp3_frame_length):
        return "mp3"
    if _frames_follow(data, position, _adts_frame_length):
        return "aac"
    return None


def _id3_end(data: bytes) -> int:
    """Where the sound starts after an ID3v2 tag: 10 header bytes, a "syncsafe" size (7 bits a
    byte), and a 10-byte footer when flagged."""
    header = data[:10]
    if len(header) < 10 or header[3] == 0xFF or any(byte & 0x80 for byte in header[6:10]):
        raise Malformed
    size = 0
    for byte in header[6:10]:
        size = size << 7 | byte
    end = 10 + size + (10 if header[5] & 0x10 else 0)
    if end > len(data):
        raise Truncated
    return end


def _frames_follow(
    data: bytes, position: int, frame_length: Callable[[bytes, int], int | None]
) -> bool:
    first = frame_length(data, position)
    if first is None:
        return False
    following = position + first
    return following == len(data) or frame_length(data, following) is not None


def _mp3_frame_length(data: bytes, position: int) -> int | None:
    """The length of the MPEG Layer III frame whose header is at `position`, if it is one."""
    if position + 4 > len(data) or data[position] != 0xFF:
        return None
    second, third = data[position + 1], data[position + 2]
    version, layer = (second >> 3) & 3, (second >> 1) & 3
    if second & 0xE0 != 0xE0 or version == 1 or layer != 1:
        return None
    bitrate_index, rate_index = third >> 4, (third >> 2) & 3
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bits_per_second = MP3_KBPS[mpeg1][bitrate_index] * 1000
    sample_rate = MP3_SAMPLE_RATES[version][rate_index]
    padding = (third >> 1) & 1
    return (144 if mpeg1 else 72) * bits_per_second // sample_rate + padding


def _adts_frame_length(data: bytes, position: int) -> int | None:
    """The length of the AAC ADTS frame whose header is at `position`, if it is one."""
    if position + 7 > len(data) or data[position] != 0xFF:
        return None
    second = data[position + 1]
    if second & 0xF6 != 0xF0 or (data[position + 2] >> 2) & 0xF >= 13:  # sync, layer 0, rate
        return None
    length = (data[position + 3] & 0x03) << 11 | data[position + 4] << 3 | data[position + 5] >> 5
    header_length = 7 if second & 0x01 else 9  # 9 when a CRC follows
    return length if length > header_length else None
