"""Opening an uploaded photo safely, and making the copies we show: a display copy with the
location and camera details taken out and the phone's rotation applied, and a thumbnail.

The original is never changed (portal.incidents.uploads keeps it byte for byte). Each photo is
opened only as the format its bytes were identified as, its size in pixels is checked before any
pixel is decoded, and it is then decoded in full, so a photo that stops part way is refused
rather than shown half grey. Pillow's LOAD_TRUNCATED_IMAGES is never set.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, ImageOps

from portal.incidents.file_types import PNG, FileType

# 50 million pixels takes every photo a phone camera writes, at its largest setting: 48 MP on
# iPhones (8064 × 6048), 50 MP modes on Samsung and Pixel phones (8160 × 6120 = 49.9 MP).
# Decoded, Pillow holds 4 bytes a pixel, so 200 MB, and twice that for a moment while turning
# a photo upright. A photo that is larger is refused before it is decoded.
MAX_PHOTO_PIXELS = 50_000_000
THUMBNAIL_LONGEST_SIDE = 320
DISPLAY_JPEG_QUALITY = 90  # high: the display copy is the one in evidence packs
THUMBNAIL_JPEG_QUALITY = 80

# EXIF tags the display copy keeps: only when the photo was taken, which is evidence. Everything
# else goes: GPS, make, model, lens, serial numbers, owner name, maker notes, software, comments,
# and the embedded preview (which can show the photo before it was cropped).
KEPT_TIME_TAGS = {
    ExifTags.Base.DateTime,
}
KEPT_EXIF_IFD_TIME_TAGS = {
    ExifTags.Base.DateTimeOriginal,
    ExifTags.Base.DateTimeDigitized,
    ExifTags.Base.OffsetTime,
    ExifTags.Base.OffsetTimeOriginal,
    ExifTags.Base.OffsetTimeDigitized,
    ExifTags.Base.SubsecTime,
    ExifTags.Base.SubsecTimeOriginal,
    ExifTags.Base.SubsecTimeDigitized,
}

# What Pillow and its plugins raise for bytes they cannot decode (as Pillow's own fuzzing tests
# list them); struct.error comes from headers shorter than they claim.
DECODING_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    NotImplementedError,
    OverflowError,
    MemoryError,
    RuntimeError,
    struct.error,
)

# HEIC from iPhones. Thumbnails, depth maps and other auxiliary images in the file are skipped:
# we make our own thumbnail, and never show the others.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


class PhotoProblem(Exception):
    """Why a photo cannot be kept; the subclass says which."""


class PhotoTooLarge(PhotoProblem):
    """More pixels than MAX_PHOTO_PIXELS: a decompression bomb, or simply too big to open."""


class PhotoCutShort(PhotoProblem):
    """The decoder ran out of bytes before the picture ended."""


class PhotoDamaged(PhotoProblem):
    """The bytes look like a photo but do not decode."""


@dataclass(frozen=True)
class PreparedPhoto:
    display: bytes
    display_media_type: str
    dimensions: tuple[int, int]  # of the display copy, upright
    thumbnail: bytes


def prepare_photo(data: bytes, file_type: FileType) -> PreparedPhoto:
    """Decode the photo in full and make its display copy and thumbnail, or raise a PhotoProblem."""
    image = _decoded(data, file_type)
    try:
        ImageOps.exif_transpose(image, in_place=True)
        exif = _kept_exif(image.getexif())
        display, display_media_type = _display_copy(image, file_type, exif)
        dimensions = image.size
        thumbnail = _thumbnail(image)
    except DECODING_ERRORS as error:  # a broken EXIF block, say
        raise PhotoDamaged from error
    return PreparedPhoto(display, display_media_type, dimensions, thumbnail)


def _decoded(data: bytes, file_type: FileType) -> Image.Image:
    try:
        # Pillow refuses over twice its own MAX_IMAGE_PIXELS as it opens, and warns above it
        # (an error under the tests' warning filter); both are too large here too.
        image = Image.open(BytesIO(data), formats=file_type.pillow_formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoTooLarge from error
    except DECODING_ERRORS as error:
        raise PhotoDamaged from error
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS:
        raise PhotoTooLarge
    try:
        image.load()
    except DECODING_ERRORS as error:
        # Pillow says "image file is truncated" when the bytes stop before the picture does.
        if isinstance(error, EOFError) or "truncated" in str(error):
            raise PhotoCutShort from error
        raise PhotoDamaged from error
    return image


def _kept_exif(source: Image.Exif) -> bytes:
    """The EXIF block for the display copy: the time tags alone, or nothing at all."""
    kept = Image.Exif()
    for tag in KEPT_TIME_TAGS & source.keys():
        kept[tag] = source[tag]
    exif_ifd = source.get_ifd(ExifTags.IFD.Exif)
    if times := {tag: exif_ifd[tag] for tag in KEPT_EXIF_IFD_TIME_TAGS & exif_ifd.keys()}:
        kept[ExifTags.IFD.Exif] = times
    return kept.tobytes() if kept else b""


def _display_copy(image: Image.Image, file_type: FileType, exif: bytes) -> tuple[bytes, str]:
    """PNG stays PNG (screenshots: lossless), as does anything with transparency; the rest becomes
    JPEG, which every browser and PDF maker reads (HEIC and WebP are not everywhere)."""
    # Pillow copies some of the source's details (comments, XMP, ICC) into what it saves: keep
    # only those we choose, so nothing else rides along.
    kept_info: dict[str | tuple[int, int], Any] = {
        key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info
    }
    image.info = kept_info
    buffer = BytesIO()
    if file_type == PNG or _has_transparency(image):
        if image.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(buffer, "PNG", exif=exif)
        return buffer.getvalue(), "image/png"
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    image.save(buffer, "JPEG", quality=DISPLAY_JPEG_QUALITY, exif=exif)
    return buffer.getvalue(), "image/jpeg"


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of the upright photo, on white where it was transparent."""
    image.thumbnail((THUMBNAIL_LONGEST_SIDE, THUMBNAIL_LONGEST_SIDE))
    if _has_transparency(image):
        image = image.convert("RGBA")
        backdrop = Image.new("RGB", image.size, "white")
        backdrop.paste(image, mask=image.getchannel("A"))
        image = backdrop
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=THUMBNAIL_JPEG_QUALITY)
    return buffer.getvalue()
