"""How easy a guide is to read: its prose (headings and exercises count) as plain text, scored
with textstat's Flesch Reading Ease and words per sentence (textstat 0.7.3 counts syllables
offline, with pyphen's dictionaries)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import textstat
from bs4 import BeautifulSoup

from portal.guides.format import ParsedGuide

READING_EASE_AT_LEAST = 60
WORDS_PER_SENTENCE_AT_MOST = 20
# A heading, label or list item ends a thought as a full stop would.
_END_OF_ITEM = re.compile(r"(?<![.!?:])\n")


def _text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    pieces = [
        " ".join(tag.get_text(" ").split())
        for tag in soup.find_all(["p", "li", "h2", "h3", "h4", "td", "th"])
    ]
    return "\n".join(piece for piece in pieces if piece)


def prose_of(guide: ParsedGuide) -> str:
    """Every word a person reads in the guide, one thought per line."""
    parts = [guide.title, guide.summary, _text(str(guide.intro))]
    for step in guide.steps:
        parts.append(step.title)
        for part in step.parts:
            for name in ("html", "prompt", "hint", "body", "intro", "steps"):
                value = getattr(part, name, None)
                if value:
                    parts.append(_text(str(value)) if "<" in str(value) else str(value))
            for item in getattr(part, "items", ()) or ():
                parts.append(str(getattr(item, "label", item)))
    text = "\n".join(part for part in parts if part)
    return _END_OF_ITEM.sub(".\n", text.strip()) + "."


@dataclass(frozen=True)
class Readability:
    reading_ease: float
    words_per_sentence: float
    words: int


def readability(guide: ParsedGuide) -> Readability:
    text = prose_of(guide)
    words = textstat.lexicon_count(text)
    sentences = max(1, textstat.sentence_count(text))
    return Readability(textstat.flesch_reading_ease(text), words / sentences, words)
