"""How easy a step is to read, for the editor: Flesch Reading Ease and words per sentence of
everything a person reads on the step page (its text, headings, questions and choices), scored
with textstat 0.7.3, which counts syllables offline with pyphen's dictionaries. The bundled
guides are held to the same targets by their tests (tests/support/readability.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import textstat

READING_EASE_AT_LEAST = 60
WORDS_PER_SENTENCE_AT_MOST = 20
# Elements that each hold one thought: a heading, label or list item ends it as a full stop would.
THOUGHTS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "label", "legend", "dt", "dd"}
)
UNREAD = frozenset({"script", "style", "template"})
ENDS_A_SENTENCE = re.compile(r"[.!?:]$")


class _ProseReader(HTMLParser):
    """Text of the page's thoughts, one per line, in reading order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.thoughts: list[list[str]] = [[]]
        self._unread_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNREAD:
            self._unread_depth += 1
        elif tag in THOUGHTS:
            self.thoughts.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in UNREAD:
            self._unread_depth = max(0, self._unread_depth - 1)
        elif tag in THOUGHTS:
            self.thoughts.append([])

    def handle_data(self, data: str) -> None:
        if not self._unread_depth:
            self.thoughts[-1].append(data)


def prose_of(html: str, heading: str = "") -> str:
    """What a person reads in this HTML, each thought ending as a sentence."""
    reader = _ProseReader()
    reader.feed(html)
    reader.close()
    lines = [heading] + [" ".join("".join(parts).split()) for parts in reader.thoughts]
    return "\n".join(
        line if ENDS_A_SENTENCE.search(line) else f"{line}." for line in lines if line.strip()
    )


@dataclass(frozen=True)
class Readability:
    """A step's figures, and whether they meet the targets the bundled guides are held to."""

    reading_ease: float
    words_per_sentence: float
    words: int

    @property
    def easy_to_read(self) -> bool:
        return self.reading_ease >= READING_EASE_AT_LEAST

    @property
    def short_sentences(self) -> bool:
        return self.words_per_sentence <= WORDS_PER_SENTENCE_AT_MOST


def readability(text: str) -> Readability:
    words = textstat.lexicon_count(text)
    sentences = max(1, textstat.sentence_count(text))
    ease = float(textstat.flesch_reading_ease(text)) if words else 100.0
    return Readability(round(ease, 1), round(words / sentences, 1), words)
