"""Text on A4 pages for the evidence pack's PDF, in any language, quickly.

fpdf2's own line breaking measures every line again for each character it adds, which took half
a minute for a thousand incidents; so text is wrapped here, word by word, and each line written
with `FPDF.text()`. Only text that needs shaping (Arabic and Urdu, Hebrew, combining accents, or
characters the main font lacks) goes through fpdf2's HarfBuzz shaping and fallback fonts, a line
at a time, right-aligned when it reads right to left.

Fonts (portal/incidents/fonts, with their licences): DejaVu Sans for Latin, Greek, Cyrillic and
symbols, Noto Naskh Arabic for the Arabic script (Urdu included). A character neither has (most
emoji) prints as PLACEHOLDER, never crashes; the HTML and JSON copies keep the exact text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont
from PIL import Image, UnidentifiedImageError

FONTS_FOLDER = Path(__file__).resolve().parent / "fonts"
LATIN = "dejavu"
ARABIC = "naskh"
FONT_FILES = {
    (LATIN, ""): "DejaVuSans.ttf",
    (LATIN, "B"): "DejaVuSans-Bold.ttf",
    (ARABIC, ""): "NotoNaskhArabic-Regular.ttf",
    (ARABIC, "B"): "NotoNaskhArabic-Bold.ttf",
}
PLACEHOLDER = "\u25a1"  # □, in DejaVu Sans
# Parts of an emoji sequence (joiner, variation selectors, skin tones, tags) that go with the
# placeholder of the emoji before them, so "👩🏽‍🚒" prints as one □, not four.
EMOJI_JOINER = 0x200D
EMOJI_PARTS = frozenset(
    [EMOJI_JOINER, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)]
)
ARABIC_SCRIPT = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
ARABIC_SCALE = 1.15
RIGHT_TO_LEFT = frozenset({"R", "AL"})
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

BODY = 10
SMALL = 8
MM_PER_POINT = 25.4 / 72
GREY_RULE = 190
GREY_TEXT = 80


def line_height(size: float) -> float:
    return size * MM_PER_POINT * 1.45


@dataclass(frozen=True)
class Line:
    text: str
    shaped: bool  # goes through HarfBuzz, a line at a time
    right_to_left: bool = False


class Glyphs:
    """Which characters the bundled fonts can print, and which text needs shaping."""

    def __init__(self, latin: set[int], arabic: set[int]) -> None:
        self.latin = latin
        self.printable_codes = latin | arabic
        self._needs_shaping: dict[str, bool] = {}

    def printable(self, text: str) -> str:
        """The text with what no font can print replaced by PLACEHOLDER, one per emoji."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
        text = CONTROL_CHARACTERS.sub("", text)
        if text.isascii():
            return text
        printed: list[str] = []
        after_joiner = False
        for character in unicodedata.normalize("NFC", text):
            code = ord(character)
            follows_placeholder = bool(printed) and printed[-1] == PLACEHOLDER
            if code in EMOJI_PARTS and follows_placeholder:
                after_joiner = code == EMOJI_JOINER
                continue
            if code in self.printable_codes or character == "\n":
                printed.append(character)
            elif not (after_joiner and follows_placeholder):
                printed.append(PLACEHOLDER)
            after_joiner = False
        return "".join(printed)

    def needs_shaping(self, text: str) -> bool:
        if text.isascii():
            return False
        return any(self._character_needs_shaping(character) for character in text)

    def _character_needs_shaping(self, character: str) -> bool:
        known = self._needs_shaping.get(character)
        if known is None:
            known = (
                ord(character) not in self.latin
                or unicodedata.bidirectional(character) in ("R", "AL", "AN")
                or unicodedata.combining(character) != 0
            )
            self._needs_shaping[character] = known
        return known


@cache
def bundled_glyphs() -> Glyphs:
    """What the bundled regular fonts hold, read once."""

    def codes(file_name: str) -> set[int]:
        with TTFont(FONTS_FOLDER / file_name, lazy=True) as font:
            return set(font.getBestCmap())

    return Glyphs(codes(FONT_FILES[LATIN, ""]), codes(FONT_FILES[ARABIC, ""]))


def is_arabic_script(text: str) -> bool:
    return any(low <= ord(c) <= high for c in text for low, high in ARABIC_SCRIPT)


def reads_right_to_left(text: str) -> bool:
    """Whether the first letter with a direction is written right to left."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in RIGHT_TO_LEFT:
            return True
        if direction == "L":
            return False
    return False


class PagedDocument(FPDF):
    """An A4 document written top to bottom, breaking pages itself; `running_head` is printed
    small at the top of every page but the first, and every page is numbered."""

    def __init__(self, running_head: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_head = running_head
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(False, margin=18)
        for (family, style), file_name in FONT_FILES.items():
            self.add_font(family, style, str(FONTS_FOLDER / file_name))
        self.glyphs = bundled_glyphs()

    def close_fonts(self) -> None:
        """fpdf2 reads fonts lazily and leaves their files open; close them once done."""
        for font in self.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()

    # fpdf2 calls these on every new page ----------------------------------------------------------

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(LATIN, "", SMALL)
            self.set_text_color(GREY_TEXT)
            self.text(self.l_margin, 12, self.running_head)
            self.set_text_color(0)

    def footer(self) -> None:
        self.set_font(LATIN, "", SMALL)
        self.set_text_color(GREY_TEXT)
        self.set_xy(self.l_margin, self.h - 12)
        self.cell(self.epw, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)

    # Space ----------------------------------------------------------------------------------------

    @property
    def bottom(self) -> float:
        return self.h - self.b_margin

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` fits above the bottom margin."""
        if self.y + height > self.bottom:
            self.add_page()

    def gap(self, height: float) -> None:
        self.y += height

    def rule(self, grey: int = GREY_RULE) -> None:
        self.set_draw_color(grey)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.y, self.l_margin + self.epw, self.y)
        self.set_draw_color(0)

    # Text -----------------------------------------------------------------------------------------

    def use_font(self, size: float, bold: bool = False) -> None:
        self.set_font(LATIN, "B" if bold else "", size)

    def heading(self, text: str, size: float, space_after: float = 2) -> None:
        """A bold heading, kept with at least a few lines of what follows it."""
        self.ensure(line_height(size) + 4 * line_height(BODY))
        self.paragraph(text, size=size, bold=True)
        self.gap(space_after)

    def paragraph(
        self,
        text: str,
        size: float = BODY,
        bold: bool = False,
        x: float | None = None,
        width: float | None = None,
        grey: bool = False,
    ) -> None:
        x = self.l_margin if x is None else x
        width = self.epw - (x - self.l_margin) if width is None else width
        height = line_height(size)
        lines = self.wrap(text, width, size, bold)
        if grey:
            self.set_text_color(GREY_TEXT)
        for line in lines:
            self.ensure(height)
            self.draw_line(line, x, width, size, bold)
            self.y += height
        self.set_text_color(0)

    def row(
        self,
        cells: Sequence[str],
        widths: Sequence[float],
        size: float = BODY,
        bold: Sequence[bool] = (),
        x: float | None = None,
        gutter: float = 3,
    ) -> None:
        """Cells side by side, each wrapped to its width; a row too long for the page goes on
        over the next, line by line."""
        x = self.l_margin if x is None else x
        height = line_height(size)
        bold = list(bold) + [False] * (len(cells) - len(bold))
        wrapped = [
            self.wrap(text, width - gutter, size, is_bold)
            for text, width, is_bold in zip(cells, widths, bold, strict=True)
        ]
        for index in range(max(len(lines) for lines in wrapped)):
            self.ensure(height)
            left = x
            for lines, width, is_bold in zip(wrapped, widths, bold, strict=True):
                if index < len(lines):
                    self.draw_line(lines[index], left, width - gutter, size, is_bold)
                left += width
            self.y += height

    def wrap(self, text: str, width: float, size: float, bold: bool = False) -> list[Line]:
        """The text's lines at this width, paragraph breaks kept."""
        text = self.glyphs.printable(text)
        if not self.glyphs.needs_shaping(text):
            self.use_font(size, bold)
            return [Line(line, shaped=False) for line in self._wrap_plain(text, width)]
        lines = []
        with self._shaping(text, size, bold):
            for paragraph in text.split("\n"):
                right_to_left = reads_right_to_left(paragraph)
                lines += [
                    Line(line, shaped=True, right_to_left=right_to_left)
                    for line in self._wrap_words(paragraph, width, self.get_string_width)
                ]
        return lines

    def draw_line(self, line: Line, x: float, width: float, size: float, bold: bool) -> None:
        if not line.shaped:
            self.use_font(size, bold)
            # Where fpdf2's cell() puts the baseline, so both kinds of line sit alike.
            self.text(x, self.y + 0.5 * line_height(size) + 0.3 * self.font_size, line.text)
            return
        with self._shaping(line.text, size, bold):
            self.set_xy(x, self.y)
            self.cell(width, line_height(size), line.text, align="R" if line.right_to_left else "L")

    def _wrap_plain(self, text: str, width: float) -> list[str]:
        font = self.current_font
        if not isinstance(font, TTFFont):  # use_font() has always set one of ours by now
            raise TypeError("Plain text is measured in one of the pack's own fonts.")
        widths = font.cw
        scale = self.font_size_pt * 0.001 / self.k

        def measure(word: str) -> float:
            return sum(widths[ord(character)] for character in word) * scale

        return [
            line
            for paragraph in text.split("\n")
            for line in self._wrap_words(paragraph, width, measure)
        ]

    @staticmethod
    def _wrap_words(paragraph: str, width: float, measure: Callable[[str], float]) -> list[str]:
        """Greedy wrapping at spaces; a word wider than the line is broken where it must be."""
        space = measure(" ")
        lines: list[str] = []
        current: list[str] = []
        current_width = 0.0
        for word in paragraph.split(" "):
            word_width = measure(word)
            if word_width > width:
                if current:
                    lines.append(" ".join(current))
                pieces = _break_word(word, width, measure)
                lines += pieces[:-1]
                current, current_width = [pieces[-1]], measure(pieces[-1])
            elif current and current_width + space + word_width > width:
                lines.append(" ".join(current))
                current, current_width = [word], word_width
            else:
                current_width += (space if current else 0) + word_width
                current.append(word)
        lines.append(" ".join(current))
        return lines

    @contextmanager
    def _shaping(self, text: str, size: float, bold: bool) -> Iterator[None]:
        """HarfBuzz on, with the Arabic font first for Arabic-script text and the other font to
        fall back on; off again afterwards, as the quick path needs."""
        arabic = is_arabic_script(text)
        main, fallback = (ARABIC, LATIN) if arabic else (LATIN, ARABIC)
        # Naskh's letters are small beside DejaVu's at the same size; this evens them out.
        self.set_font(main, "B" if bold else "", size * ARABIC_SCALE if arabic else size)
        self.set_fallback_fonts([fallback], exact_match=False)
        self.set_text_shaping(True)
        try:
            yield
        finally:
            self.set_text_shaping(False)
            self.set_fallback_fonts([])
            self.use_font(size, bold)

    # Pictures -------------------------------------------------------------------------------------

    def picture(self, data: bytes, x: float, width: float, max_height: float) -> float:
        """A JPEG or PNG at (x, y), within width × max_height; returns the height used, 0 when the
        picture cannot be read."""
        try:
            with Image.open(io.BytesIO(data)) as image:
                pixels_wide, pixels_high = image.size
        except (UnidentifiedImageError, OSError, ValueError):
            return 0
        height = width * pixels_high / max(pixels_wide, 1)
        if height > max_height:
            width, height = width * max_height / height, max_height
        try:
            self.image(io.BytesIO(data), x=x, y=self.y, w=width, h=height)
        except (UnidentifiedImageError, OSError, ValueError):
            return 0
        return height


def _break_word(word: str, width: float, measure: Callable[[str], float]) -> list[str]:
    pieces = []
    current = ""
    for character in word:
        if current and measure(current + character) > width:
            pieces.append(current)
            current = character
        else:
            current += character
    pieces.append(current)
    return pieces
