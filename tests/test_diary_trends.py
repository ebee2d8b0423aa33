"""How the charts' tables write moods, hours and efficiency."""

from __future__ import annotations

import pytest

from portal.dates import percent
from portal.diary.trends import hours_text, mood_text


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1, "1 (Very low)"),
        (4, "4 (Good)"),
        (3.5, "3.5 (Good)"),
        (2.4, "2.4 (Low)"),
        (5, "5 (Very good)"),
    ],
)
def test_a_mood_is_a_number_and_its_word(value: float, words: str) -> None:
    assert mood_text(value) == words


@pytest.mark.parametrize(
    ("value", "words"), [(6.9166, "6h 55m"), (0, "0h 00m"), (8.5, "8h 30m"), (11.999, "12h 00m")]
)
def test_hours_are_hours_and_minutes(value: float, words: str) -> None:
    assert hours_text(value) == words


def test_efficiency_is_a_whole_percentage() -> None:
    assert percent(79.8) == "80%"
