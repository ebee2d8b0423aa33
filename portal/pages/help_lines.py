"""The help lines shown in every page's footer and on the help page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelpLine:
    name: str
    number: str
    dial: str  # for the tel: link
    when: str


EMERGENCY = HelpLine("Emergency", "999", "999", "If you are in danger now")
HARMONY = HelpLine(
    "Harmony ASB service", "0330 1757 258", "+443301757258", "Monday to Friday, 9am to 5pm"
)
SUPPORTLINE = HelpLine(
    "Victim Support Supportline", "08 08 16 89 111", "+448081689111", "Free, any time, day or night"
)
HELP_LINES = (EMERGENCY, HARMONY, SUPPORTLINE)
