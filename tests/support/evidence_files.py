"""Evidence files for tests, made here from Pillow, pypdf and the standard library so no binary
fixtures are needed: photos with a phone's location and camera details, PDFs with and without
scripts, and the smallest valid headers of each kind of sound recording."""

from __future__ import annotations

import struct
import wave
import zlib
from io import BytesIO

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter

CAMERA_MAKE, CAMERA_MODEL, CAMERA_SERIAL = "Apple", "iPhone 15 Pro", "F2LXK0QJ1234"
TAKEN_AT = "2025:06:01 21:14:05"
# A location as a phone writes it (GPS IFD), and the same in an XMP packet.
GPS = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="51,30.44N"/></rdf:RDF></x:xmpmeta>'
)


# Photos ---------------------------------------------------------------------------------------


def camera_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: make, model, serial number, when, where, and which way up."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = TAKEN_AT
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = TAKEN_AT
    exif_ifd[ExifTags.Base.BodySerialNumber] = CAMERA_SERIAL
    exif_ifd[ExifTags.Base.LensModel] = f"{CAMERA_MODEL} back camera"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def picture(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> Image.Image:
    """A picture with detail in it, so re-encoding has something to keep."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient))
    image.paste((200, 30, 30), (width // 4, height // 4, width // 2, height // 2))
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").resize(size))
    return image.convert(mode)


def photo(
    image_format: str,
    *,
    size: tuple[int, int] = (640, 480),
    mode: str = "RGB",
    orientation: int = 1,
    with_details: bool = True,
) -> bytes:
    """A photo in `image_format` (a Pillow format name), with the phone's details when asked."""
    params: dict[str, object] = {}
    if with_details:
        params["exif"] = camera_exif(orientation)
        if image_format == "PNG":
            text = PngInfo()
            text.add_itxt("XML:com.adobe.xmp", XMP.decode())
            text.add_text("Comment", f"Taken on {CAMERA_MODEL}")
            params["pnginfo"] = text
        else:
            params["xmp"] = XMP
        if image_format == "JPEG":
            params["comment"] = f"Taken on {CAMERA_MODEL}"
    buffer = BytesIO()
    picture(size, mode).save(buffer, image_format, **params)
    return buffer.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of width × height pixels that is small in bytes: each row of
    zeros compresses to almost nothing, so 400 million pixels fit in about 50 KB."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)  # a filter byte, then 1 bit a pixel
    compressed = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", compressed)
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + body)
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)


# PDFs -----------------------------------------------------------------------------------------


def pdf(*, catalog: str = "", page: str = "", pages: str = "/Kids [3 0 R] /Count 1") -> bytes:
    """A one-page PDF written by hand, so each test can put exactly what it needs into the
    catalog or the page (an /OpenAction, /Annots, /AA ...)."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog} >>",
        f"<< /Type /Pages {pages} >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page} >>",
    ]
    body = b"%PDF-1.7\n"
    offsets = []
    for number, text in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{text}\nendobj\n".encode()
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return body


def pdf_from_writer(*, attachment: bool = False, user_password: str | None = None) -> bytes:
    """A one-page PDF written by pypdf, with a file attached or encrypted (AES-256) when asked."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if attachment:
        writer.add_attachment("notes.txt", b"hidden inside")
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# Sound ----------------------------------------------------------------------------------------


def wav(seconds: float = 0.2) -> bytes:
    """PCM WAV (16-bit mono, 8 kHz) of silence, written by the standard library."""
    buffer = BytesIO()
    with wave.open(buffer, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        recording.writeframes(bytes(int(16000 * seconds)))
    return buffer.getvalue()


def id3_tag(title: str = "Next door, 11pm") -> bytes:
    """An ID3v2.4 tag holding a title, as recorder apps put before MP3 sound."""
    text = b"\x03" + title.encode()  # 3: UTF-8
    frame = b"TIT2" + _syncsafe(len(text)) + b"\0\0" + text
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame


def _syncsafe(number: int) -> bytes:
    return bytes((number >> shift) & 0x7F for shift in (21, 14, 7, 0))


def mp3(frames: int = 3, *, tagged: bool = False) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each) of silence."""
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    return (id3_tag() if tagged else b"") + frame * frames


def adts_aac(frames: int = 3, frame_length: int = 200) -> bytes:
    """AAC-LC frames in ADTS (44.1 kHz stereo), as some recorder apps save .aac files."""
    header = bytes(
        (
            0xFF,
            0xF1,  # MPEG-4, layer 0, no CRC
            0x50,  # AAC LC, 44.1 kHz
            0x80 | frame_length >> 11,  # two channels
            (frame_length >> 3) & 0xFF,
            (frame_length & 0x07) << 5 | 0x1F,
            0xFC,
        )
    )
    return (header + bytes(frame_length - 7)) * frames


def ogg(codec: str = "opus") -> bytes:
    """An Ogg page beginning an Opus or Vorbis stream, with its identification header."""
    if codec == "opus":
        packet = b"OpusHead" + bytes((1, 1)) + struct.pack("<HIhB", 312, 48000, 0, 0)
    else:
        packet = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, 44100, 0, 96000, 0, 0xB8, 1)
    page = b"OggS\x00\x02" + bytes(8) + struct.pack("<II", 1, 0)
    segments = bytes((1, len(packet)))
    crc = _ogg_crc(page + bytes(4) + segments + packet)
    return page + struct.pack("<I", crc) + segments + packet


def _ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, which zlib's is)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = (crc << 1 ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _box(box_type: bytes, *children: bytes) -> bytes:
    payload = b"".join(children)
    return struct.pack(">I", 8 + len(payload)) + box_type + payload


def mp4(brand: bytes = b"M4A ", handlers: tuple[bytes, ...] = (b"soun",)) -> bytes:
    """An ISO BMFF file: ftyp, a moov with one track per handler ("soun", "vide"), then mdat."""
    tracks = [
        _box(b"trak", _box(b"mdia", _box(b"hdlr", bytes(8), handler, bytes(13))))
        for handler in handlers
    ]
    return (
        _box(b"ftyp", brand, bytes(4), brand, b"isom")
        + _box(b"moov", *tracks)
        + _box(b"mdat", bytes(2000))
    )


def _element(element_id: bytes, *children: bytes, unknown_size: bool = False) -> bytes:
    payload = b"".join(children)
    if unknown_size:
        return element_id + b"\x01\xff\xff\xff\xff\xff\xff\xff" + payload
    return element_id + struct.pack(">H", 0x4000 | len(payload)) + payload


def webm(track_type: int = 2, codec: bytes = b"A_OPUS", doc_type: bytes = b"webm") -> bytes:
    """A WebM header as a browser's or phone's recorder writes it: the segment and its first
    cluster of unknown size, the tracks before them."""
    header = _element(b"\x1a\x45\xdf\xa3", _element(b"\x42\x82", doc_type))
    entry = _element(
        b"\xae",
        _element(b"\xd7", b"\x01"),  # TrackNumber
        _element(b"\x83", bytes((track_type,))),  # TrackType: 1 video, 2 audio
        _element(b"\x86", codec),  # CodecID
    )
    cluster = _element(b"\x1f\x43\xb6\x75", bytes(500), unknown_size=True)
    segment = _element(
        b"\x18\x53\x80\x67", _element(b"\x16\x54\xae\x6b", entry), cluster, unknown_size=True
    )
    return header + segment
