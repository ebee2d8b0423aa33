"""The forms of sharing: choosing what to share, and the recipient's access code."""

from __future__ import annotations

from typing import Any

from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from portal.forms import CheckboxesField, MaxLength, PortalForm, Required, WholeNumberField
from portal.incidents.forms import PackForm
from portal.sharing.services import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS


class ShareForm(PackForm):
    """The evidence pack's choices (dates, kinds, files), and who it is for and for how long."""

    include_files = CheckboxesField(
        "Files",
        description="They see copies of your photos without location and camera details. The "
        "evidence pack they can download holds the files as you added them, so a photo there "
        "can still show where and when it was taken, and on what phone.",
        choices=[SelectChoice("yes", "Include the photos, letters and recordings")],
        default=["yes"],
    )
    include_diary = CheckboxesField(
        "Diary",
        choices=[SelectChoice("yes", "Include my diary entries from the same dates")],
    )
    # Choices: the guides the person has answers in (set by the view, for each person).
    plans = CheckboxesField(
        "Your plans from the guides (optional)",
        description="Your answers in each guide you tick, step by step, with the question each "
        "one answers. Never shared: your answers to self-checks (like the mood check), how far "
        "you got, and the guides you do not tick.",
        choices=[],
    )
    label = StringField(
        "Who is it for?",
        description="For your own list only, so you know which share is which, like "
        "“PC Smith, ASB team”. They will not see it.",
        validators=[
            Required("Enter who it is for"),
            MaxLength(80, "Say who it is for in 80 characters or fewer"),
        ],
    )
    shared_by = StringField(
        "How should we name you to them? (optional)",
        description="Leave it empty and they will see “Shared by the person who keeps this log”.",
        validators=[MaxLength(60, "Give a name of 60 characters or fewer")],
    )
    days = WholeNumberField(
        "How many days can they look?",
        description=f"From {MIN_DAYS} to {MAX_DAYS} days. You can stop it sooner at any time.",
        default=DEFAULT_DAYS,
        invalid_message="Enter the number of days in figures, like 7",
        validators=[Required("Enter how many days they can look")],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not MIN_DAYS <= (self.days.data or 0) <= MAX_DAYS:
            self.days.errors = [f"Enter a number of days from {MIN_DAYS} to {MAX_DAYS}"]
            self._errors = None  # WTForms keeps the errors it worked out: recount them
            return False
        return valid


class AccessCodeForm(PortalForm):
    """The code the person gave the recipient, apart from the link."""

    code = StringField(
        "Access code",
        description="8 letters and numbers, like ABCD 2345. Capitals or small letters both work.",
        validators=[
            Required("Enter the access code you were given"),
            MaxLength(40, "Enter the access code you were given, 8 letters and numbers"),
        ],
    )
