"""Evidence file checks: the type comes from the content, the original is kept byte for byte, the
display copy of a photo has no location or camera details, and every bad upload is refused with
a message that says what to do. The files are made in tests/support/evidence_files.py."""

from __future__ import annotations

import hashlib
import random
from io import BytesIO

import pytest
from PIL import ExifTags, Image

from portal.incidents.pack_input import FileKind
from portal.incidents.uploads import (
    CheckedFile,
    UploadRefused,
    check_quota,
    describe_size,
    download_name,
    inspect_upload,
    safe_name,
)
from tests.support import evidence_files as files

MB = 1024 * 1024
MAX_BYTES = 10 * MB
NOT_KEPT = (
    "is not a photo, PDF or sound recording we can keep. Photos can be JPEG, PNG, WebP or HEIC, "
    "and sound recordings M4A, AAC, MP3, WAV, OGG or WebM."
)
PRINT_TO_NEW_PDF = "Print it to a new PDF (choose Print, then Save as PDF) and add that instead."
SCRIPTS = f"“letter.pdf” contains scripts, so we cannot keep it. {PRINT_TO_NEW_PDF}"
TOO_LARGE = (
    "“bomb.png” is too large to open safely: photos can be up to 50 million pixels. Save a "
    "smaller copy of it and add that instead."
)


def video(name: str) -> str:
    return f"“{name}” is a video. You can add photos, PDFs and sound recordings, but not videos."


def inspect(data: bytes, filename: str) -> CheckedFile:
    return inspect_upload(data, filename, max_bytes=MAX_BYTES)


def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(UploadRefused) as refused:
        inspect(data, filename)
    return refused.value.message


# What is accepted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "kind", "media_type", "audio_type"),
    [
        (files.photo("JPEG"), "IMG_0001.JPG", FileKind.PHOTO, "image/jpeg", None),
        (files.photo("JPEG"), "letter.pdf", FileKind.PHOTO, "image/jpeg", None),
        (files.photo("PNG"), "Screenshot.png", FileKind.PHOTO, "image/png", None),
        (files.photo("WEBP"), "image.webp", FileKind.PHOTO, "image/webp", None),
        (files.photo("HEIF"), "IMG_0002.HEIC", FileKind.PHOTO, "image/heic", None),
        (files.pdf(), "letter.pdf", FileKind.DOCUMENT, "application/pdf", None),
        (
            files.pdf_from_writer(user_password=""),
            "statement.pdf",
            FileKind.DOCUMENT,
            "application/pdf",
            None,
        ),
        (files.wav(), "Recording.wav", FileKind.SOUND, "audio/wav", "audio/wav; codecs=1"),
        (files.mp3(), "noise.mp3", FileKind.SOUND, "audio/mpeg", "audio/mpeg"),
        (files.mp3(tagged=True), "noise.mp3", FileKind.SOUND, "audio/mpeg", "audio/mpeg"),
        (files.adts_aac(), "noise.aac", FileKind.SOUND, "audio/aac", "audio/aac"),
        (files.ogg(), "noise.opus", FileKind.SOUND, "audio/ogg", "audio/ogg; codecs=opus"),
        (files.ogg("vorbis"), "n.ogg", FileKind.SOUND, "audio/ogg", "audio/ogg; codecs=vorbis"),
        (files.mp4(b"M4A "), "Memo.m4a", FileKind.SOUND, "audio/mp4", "audio/mp4"),
        (files.mp4(b"mp42"), "Voice 001.m4a", FileKind.SOUND, "audio/mp4", "audio/mp4"),
        (files.mp4(b"isom"), "rec.mp4", FileKind.SOUND, "audio/mp4", "audio/mp4"),
        (files.webm(), "rec.webm", FileKind.SOUND, "audio/webm", "audio/webm; codecs=opus"),
        (files.mp3(), "noise.jpg", FileKind.SOUND, "audio/mpeg", "audio/mpeg"),
    ],
)
def test_each_kind_of_evidence_is_accepted_and_typed_from_its_content_not_its_name(
    data: bytes, filename: str, kind: FileKind, media_type: str, audio_type: str | None
) -> None:
    checked = inspect(data, filename)

    assert (checked.kind, checked.media_type, checked.audio_type) == (kind, media_type, audio_type)
    assert checked.original == data
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.original_name == filename
    if kind is not FileKind.PHOTO:
        assert (checked.display, checked.display_media_type) == (data, media_type)
        assert checked.thumbnail is None


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_a_photos_display_copy_has_no_location_or_camera_details_while_the_original_keeps_them(
    image_format: str,
) -> None:
    data = files.photo(image_format)
    original = Image.open(BytesIO(data))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has them to lose
    assert original.getexif()[ExifTags.Base.Model] == files.CAMERA_MODEL

    checked = inspect(data, "photo")

    assert checked.original == data
    assert checked.display_media_type == ("image/png" if image_format == "PNG" else "image/jpeg")
    display = Image.open(BytesIO(checked.display))
    exif = display.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif
    assert ExifTags.Base.Model not in exif
    assert ExifTags.Base.BodySerialNumber not in exif.get_ifd(ExifTags.IFD.Exif)
    assert "xmp" not in display.info
    assert "Comment" not in display.info
    for detail in (files.CAMERA_MODEL, files.CAMERA_SERIAL, "GPSLatitude", "xmpmeta"):
        assert detail.encode() not in checked.display
    # When it was taken is evidence, and stays.
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == files.TAKEN_AT


# HEIC is left out: its container says which way up it goes (an "irot" box), libheif applies that
# as it decodes, and pillow-heif sets the EXIF orientation to 1 so it is not applied twice.
@pytest.mark.parametrize(
    ("image_format", "display_media_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/jpeg")],
)
def test_a_photo_taken_sideways_is_shown_upright_with_a_small_jpeg_thumbnail(
    image_format: str, display_media_type: str
) -> None:
    # Orientation 6: the camera was turned, and the phone stored the picture lying on its side.
    checked = inspect(files.photo(image_format, size=(640, 480), orientation=6), "p")

    assert checked.display_media_type == display_media_type
    display = Image.open(BytesIO(checked.display))
    assert display.size == checked.dimensions == (480, 640)
    assert ExifTags.Base.Orientation not in display.getexif()
    assert checked.thumbnail is not None
    thumbnail = Image.open(BytesIO(checked.thumbnail))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (240, 320))
    # The red square drawn at the top left now sits at the top right.
    red, green, _ = display.convert("RGB").getpixel((480 * 5 // 8, 640 * 3 // 8))
    assert red > 150 > green


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_a_transparent_photo_keeps_its_transparency_on_screen_and_is_on_white_in_its_thumbnail(
    image_format: str,
) -> None:
    checked = inspect(files.photo(image_format, mode="RGBA", with_details=False), "sticker")

    assert checked.display_media_type == "image/png"
    assert Image.open(BytesIO(checked.display)).mode == "RGBA"
    assert checked.thumbnail is not None
    assert Image.open(BytesIO(checked.thumbnail)).mode == "RGB"


def test_a_file_sent_without_a_name_is_named_for_what_it_is() -> None:
    assert inspect(files.photo("HEIF"), "").original_name == "photo.heic"
    assert inspect(files.pdf(), " ").original_name == "document.pdf"
    assert inspect(files.wav(), "\u202e").original_name == "recording.wav"


@pytest.mark.parametrize(
    "links",
    [
        "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI "
        "(https://www.gov.uk/report-antisocial-behaviour) >> >>]",
        "",
    ],
)
def test_a_pdf_letter_with_links_is_kept(links: str) -> None:
    assert inspect(files.pdf(page=links), "letter.pdf").kind is FileKind.DOCUMENT


# What is refused, and what the person is told -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "holiday.jpg", "“holiday.jpg” is empty. Choose the file again."),
        (b"", "", "The file is empty. Choose the file again."),
        (
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "holiday.jpg",
            f"“holiday.jpg” {NOT_KEPT}",
        ),
        (
            b"Went round at 11pm to ask them to turn it down.\n",
            "notes.txt",
            f"“notes.txt” {NOT_KEPT}",
        ),
        (random.Random(10).randbytes(5000), "IMG_0003.jpg", f"“IMG_0003.jpg” {NOT_KEPT}"),
        (b"GIF89a" + bytes(100), "laugh.gif", f"“laugh.gif” {NOT_KEPT}"),
        (files.id3_tag(), "empty.mp3", f"“empty.mp3” {NOT_KEPT}"),
        (files.mp4(b"3gp4"), "voice.3gp", f"“voice.3gp” {NOT_KEPT}"),
        (files.webm(codec=b"A_OPUS", doc_type=b"matroska"), "a.mka", f"“a.mka” {NOT_KEPT}"),
        (
            files.mp4(b"isom", (b"vide", b"soun")),
            "clip.mp4",
            video("clip.mp4"),
        ),
        (
            files.mp4(b"qt  ", (b"vide",)),
            "IMG_0004.MOV",
            video("IMG_0004.MOV"),
        ),
        (
            files.webm(track_type=1, codec=b"V_VP9"),
            "clip.webm",
            video("clip.webm"),
        ),
    ],
)
def test_a_file_that_is_not_evidence_we_keep_is_refused_with_a_reason(
    data: bytes, filename: str, message: str
) -> None:
    assert refusal(data, filename) == message


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened() -> None:
    data = files.photo("JPEG") + bytes(14 * MB)

    assert refusal(data, "big.jpg") == "“big.jpg” is 14.1 MB. Files can be up to 10 MB each."


def test_a_file_just_over_the_limit_is_not_described_as_the_limit() -> None:
    message = refusal(bytes(MAX_BYTES + 1), "big.wav")

    assert message == "“big.wav” is 10.1 MB. Files can be up to 10 MB each."


@pytest.mark.parametrize(
    "size",
    [
        (8000, 8000),  # 64 million pixels: over our limit, under Pillow's warning
        (20000, 20000),  # 400 million: over twice Pillow's, so Pillow refuses it as it opens
    ],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(size: tuple[int, int]) -> None:
    data = files.png_bomb(*size)
    assert len(data) < 100_000

    assert refusal(data, "bomb.png") == TOO_LARGE


@pytest.mark.parametrize(
    "warnings_filter",
    [
        pytest.param("error", marks=pytest.mark.filterwarnings("error")),
        pytest.param(
            "ignore", marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
        ),
    ],
)
def test_a_photo_over_pillows_warning_limit_is_refused_whether_the_warning_is_an_error_or_not(
    warnings_filter: str,
) -> None:
    # 100 million pixels: Pillow warns as it opens it (an error in tests; a server only logs it).
    assert refusal(files.png_bomb(10000, 10000), "bomb.png") == TOO_LARGE


def cut(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


@pytest.mark.parametrize(
    ("data", "filename", "what"),
    [
        (cut(files.photo("JPEG")), "IMG_0005.jpg", "photo"),
        (cut(files.photo("JPEG"), 0.95), "IMG_0005.jpg", "photo"),
        (cut(files.photo("PNG")), "Screenshot.png", "photo"),
        (cut(files.photo("WEBP")), "image.webp", "photo"),
        (cut(files.photo("HEIF")), "IMG_0006.HEIC", "photo"),
        (cut(files.wav()), "Recording.wav", "recording"),
        (cut(files.mp4()), "Memo.m4a", "recording"),
        (cut(files.mp3(tagged=True), 0.01), "noise.mp3", "recording"),
    ],
)
def test_a_file_that_only_partly_arrived_is_refused_as_cut_short(
    data: bytes, filename: str, what: str
) -> None:
    assert refusal(data, filename) == (
        f"“{filename}” seems to be cut short: only part of the {what} arrived. Try adding it again."
    )


def test_a_damaged_photo_is_refused() -> None:
    data = files.photo("JPEG", with_details=False)
    damaged = data[:200] + bytes(len(data) - 202) + data[-2:]  # the same length, pixels zeroed

    assert refusal(damaged, "IMG_0007.jpg") == (
        "“IMG_0007.jpg” looks like a photo but is damaged, so we cannot open it. Try adding it "
        "again, or save a new copy from your photos app and add that."
    )


SCRIPT_ACTION = "<< /S /JavaScript /JS (app.alert('hello')) >>"


@pytest.mark.parametrize(
    ("catalog", "page"),
    [
        (f"/OpenAction {SCRIPT_ACTION}", ""),
        (f"/Names << /JavaScript << /Names [(start) {SCRIPT_ACTION}] >> >>", ""),
        ("", f"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A {SCRIPT_ACTION} >>]"),
        ("", f"/AA << /O {SCRIPT_ACTION} >>"),  # when the page opens
        ("/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", ""),  # names in #-escapes
        ("/AcroForm << /Fields [] /XFA [] >>", ""),  # an XFA form, which runs scripts
    ],
)
def test_a_pdf_with_javascript_anywhere_is_refused(catalog: str, page: str) -> None:
    assert refusal(files.pdf(catalog=catalog, page=page), "letter.pdf") == SCRIPTS


@pytest.mark.parametrize(
    ("catalog", "page"),
    [
        ("/OpenAction << /S /Launch /F (C:\\\\Windows\\\\System32\\\\cmd.exe) >>", ""),
        (
            "",
            "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch "
            "/F (run.sh) >> >>]",
        ),
    ],
)
def test_a_pdf_that_launches_a_program_is_refused(catalog: str, page: str) -> None:
    assert refusal(files.pdf(catalog=catalog, page=page), "letter.pdf") == (
        f"“letter.pdf” tries to open other programs, so we cannot keep it. {PRINT_TO_NEW_PDF}"
    )


@pytest.mark.parametrize(
    "data",
    [
        files.pdf_from_writer(attachment=True),
        files.pdf(
            page="/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS << "
            "/Type /Filespec /F (a.exe) /EF << /F 3 0 R >> >> >>]"
        ),
    ],
)
def test_a_pdf_with_files_hidden_inside_is_refused(data: bytes) -> None:
    assert refusal(data, "letter.pdf") == (
        "“letter.pdf” has files attached inside it, so we cannot keep it. "
        f"{PRINT_TO_NEW_PDF} Add any files attached to it that you need on their own."
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            files.pdf_from_writer(user_password="letmein"),
            "is protected with a password, so we cannot check it. Save or print it as a new PDF "
            "without a password, and add that instead.",
        ),
        (
            cut(files.pdf()),
            "is damaged, or only part of it arrived, so we cannot check it. Try adding it again. "
            "If it still does not work, print it to a new PDF and add that instead.",
        ),
        (
            b"%PDF-1.7\n" + random.Random(3).randbytes(2000),
            "is damaged, or only part of it arrived, so we cannot check it. Try adding it again. "
            "If it still does not work, print it to a new PDF and add that instead.",
        ),
        (
            files.pdf(pages="/Kids [] /Count 0"),
            "has no pages. Check it is the PDF you meant, and add it again.",
        ),
    ],
)
def test_a_pdf_we_cannot_check_is_refused(data: bytes, problem: str) -> None:
    assert refusal(data, "letter.pdf") == f"“letter.pdf” {problem}"


# The quota ------------------------------------------------------------------------------------


def test_a_file_that_fits_in_the_space_left_passes_the_quota() -> None:
    check_quota(used_bytes=490 * MB, new_bytes=10 * MB, quota_bytes=500 * MB)


@pytest.mark.parametrize(
    ("used", "message"),
    [
        (
            int(496.5 * MB),
            "This file is 4.1 MB, but your files have only 3.5 MB of space left "
            "(of 500 MB in all). Choose a smaller file.",
        ),
        (
            500 * MB,
            "Your files have used all the space you have (500 MB), so no more can be added.",
        ),
        (
            501 * MB,
            "Your files have used all the space you have (500 MB), so no more can be added.",
        ),
    ],
)
def test_a_file_over_the_quota_is_refused_saying_how_much_space_is_left(
    used: int, message: str
) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_quota(used_bytes=used, new_bytes=4 * MB + 1, quota_bytes=500 * MB)

    assert refused.value.message == message


# Names and sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        ("IMG_0001.HEIC", "IMG_0001.HEIC"),
        ("C:\\fakepath\\Letter from council.pdf", "Letter from council.pdf"),
        ("../../etc/passwd", "passwd"),
        ("Voice\n001\t.m4a", "Voice 001 .m4a"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hides ".exe"
        ("Cafe\u0301.jpg", "Café.jpg"),  # a Mac's separate accent, joined
        (" .hidden.png ", "hidden.png"),
        ("x" * 150 + ".jpeg", "x" * 95 + ".jpeg"),
        ("y" * 150, "y" * 100),
    ],
)
def test_a_file_name_is_made_safe_to_show_and_to_download(filename: str, shown: str) -> None:
    assert safe_name(filename) == shown


@pytest.mark.parametrize(
    ("name", "media_type", "download"),
    [
        ("IMG_0001.JPG", "image/jpeg", "IMG_0001.JPG"),
        ("letter.pdf", "image/jpeg", "letter.jpg"),
        ("IMG_0002.HEIC", "image/jpeg", "IMG_0002.jpg"),
        ("holiday.html", "image/png", "holiday.html.png"),
        ("Memo", "audio/mp4", "Memo.m4a"),
        ("noise.opus", "audio/ogg; codecs=opus", "noise.opus"),
    ],
)
def test_a_download_name_ends_as_its_content_is(name: str, media_type: str, download: str) -> None:
    assert download_name(name, media_type) == download


@pytest.mark.parametrize(
    ("size", "round_up", "words"),
    [
        (1, False, "1 byte"),
        (900, False, "900 bytes"),
        (1536, False, "1.5 KB"),
        (10 * MB, False, "10 MB"),
        (10 * MB + 1, True, "10.1 MB"),
        (10 * MB - 1, False, "9.9 MB"),
        (3 * 1024 * MB, False, "3 GB"),
    ],
)
def test_sizes_are_described_in_words(size: int, round_up: bool, words: str) -> None:
    assert describe_size(size, round_up=round_up) == words
