"""What a journey must bring to be in the main menu."""

from __future__ import annotations

import pytest
from flask import Blueprint

from portal.journeys import Journey


def test_a_journey_in_the_menu_must_say_in_a_line_what_it_is_for() -> None:
    with pytest.raises(ValueError, match="summary"):
        Journey(Blueprint("notes", __name__), nav_endpoint="notes.home", nav_label="Notes")
