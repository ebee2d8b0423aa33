"""Forms of the incident log: quick add (what and when), the whole record, filters and files.
Every message says what to do, next to its field; nothing typed is lost when one is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf.file import FileField
from wtforms import Form, FormField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.list import FieldList

from portal.dates import LONDON, today_in_london
from portal.diary.forms import EARLIEST_DATE
from portal.forms import (
    CheckboxesField,
    DateInputField,
    MaxLength,
    NotBefore,
    NotInTheFuture,
    OptionalRadioField,
    PortalForm,
    Required,
    TimeOfDayField,
    VersionField,
    required_answer,
)
from portal.incidents.content import (
    AGENCY_LABELS,
    CATEGORY_LABELS,
    MAX_REPORTS,
    SEVERITY_RANGE,
    SHORT_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Agency,
    Category,
    IncidentContent,
    Report,
)

# Empty report rows offered below those already saved: enough for most incidents, and more
# appear each time the form is saved, so no script is needed to add one.
SPARE_REPORT_ROWS = 2
WHAT_HAPPENED_HINT = (
    "Write down only what you saw or heard yourself. If someone shouted or wrote abusive words, "
    "write them exactly as they were said, even if they are offensive."
)


def _text(label: str, what: str, hint: str = "", *, short: bool = False) -> Any:
    maximum = SHORT_TEXT_MAX_LENGTH if short else TEXT_MAX_LENGTH
    field_class = StringField if short else TextAreaField
    return field_class(
        label,
        description=hint,
        validators=[MaxLength(maximum, f"{what} must be {maximum:,} characters or fewer")],
    )


def _start_date(label: str = "When did it start?") -> DateInputField:
    return DateInputField(
        label,
        subject="The date it started",
        default=today_in_london,
        description="For example, 27 3 2026",
        validators=[
            Required("Enter the date it started"),
            NotInTheFuture("The date it started must be today or in the past"),
            NotBefore(EARLIEST_DATE, "The date must be in 1900 or later"),
        ],
    )


def _what_happened() -> TextAreaField:
    return TextAreaField(
        "What happened?",
        description=WHAT_HAPPENED_HINT,
        validators=[
            Required("Describe what happened"),
            MaxLength(
                TEXT_MAX_LENGTH, f"What happened must be {TEXT_MAX_LENGTH:,} characters or fewer"
            ),
        ],
    )


def _start_time() -> TimeOfDayField:
    return TimeOfDayField(
        "What time did it start? (optional)",
        what="the time it started",
        description="For example 22:45, 2245 or 10:45pm",
    )


class QuickAddForm(PortalForm):
    """What happened and when: under 30 seconds on a phone; the rest can come later."""

    what_happened = _what_happened()
    started_on = _start_date()
    started_at = _start_time()

    def content(self) -> IncidentContent:
        return IncidentContent(
            what_happened=self.what_happened.data.strip(),
            started_on=required_answer(self.started_on.data),
            started_at=self.started_at.data,
        )


class ReportForm(Form):
    """One report of the incident, as a row of the whole form (blank rows are ignored)."""

    agency = OptionalRadioField(
        "Who did you report it to?",
        choices=[SelectChoice(agency.value, AGENCY_LABELS[agency]) for agency in Agency],
    )
    agency_name = StringField(
        "Name of the team or person (optional)",
        description="For example, the council's ASB team, or PC Smith",
        validators=[MaxLength(SHORT_TEXT_MAX_LENGTH, "Keep the name to 200 characters or fewer")],
    )
    reported_on = DateInputField(
        "When did you report it?",
        subject="The date you reported it",
        validators=[NotBefore(EARLIEST_DATE, "The date must be in 1900 or later")],
    )
    reference = StringField(
        "Reference number (optional)",
        description="The crime, incident or case number they gave you",
        validators=[MaxLength(100, "The reference must be 100 characters or fewer")],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """A row left empty is fine; a row begun needs who and when."""
        valid = super().validate(extra_validators)
        if self.is_blank:
            return valid
        if self.agency.data is None and not self.agency.errors:
            self.agency.errors = ["Choose who you reported it to"]
            valid = False
        if self.reported_on.data is None and not self.reported_on.errors:
            self.reported_on.errors = ["Enter the date you reported it"]
            valid = False
        elif self.reported_on.data is not None and self.reported_on.data > today_in_london():
            self.reported_on.errors = ["The date you reported it must be today or earlier"]
            valid = False
        return valid

    @property
    def is_blank(self) -> bool:
        return not (
            self.agency.data
            or (self.agency_name.data or "").strip()
            or any(self.reported_on.typed.values())
            or (self.reference.data or "").strip()
        )

    def report(self) -> Report | None:
        if self.is_blank or self.agency.data is None or self.reported_on.data is None:
            return None
        return Report(
            Agency(self.agency.data),
            self.reported_on.data,
            (self.reference.data or "").strip(),
            (self.agency_name.data or "").strip(),
        )


class IncidentForm(PortalForm):
    """The whole record, as council and housing ASB diary sheets ask for it."""

    what_happened = _what_happened()
    started_on = _start_date()
    started_at = _start_time()
    ended_on = DateInputField(
        "When did it end? (optional)",
        subject="The date it ended",
        description="Leave this empty if it ended the same day",
        validators=[NotInTheFuture("The date it ended must be today or in the past")],
    )
    ended_at = TimeOfDayField(
        "What time did it end? (optional)",
        what="the time it ended",
        description="For example 23:30, 2330 or 11:30pm",
    )
    category = OptionalRadioField(
        "What kind of incident was it?",
        choices=[SelectChoice(category.value, CATEGORY_LABELS[category]) for category in Category],
    )
    hate_motivated = CheckboxesField(
        "Hate",
        choices=[SelectChoice("yes", "I think this was motivated by hate")],
        description=(
            "For example, because of someone's race, religion, disability, sexual orientation or "
            "gender identity. The police record hate incidents even when they are not crimes."
        ),
    )
    severity = OptionalRadioField(
        "How bad was it, from 1 to 10? (optional)",
        choices=[SelectChoice(str(n)) for n in SEVERITY_RANGE],
        description="1 is a small nuisance, 10 is as bad as it gets",
    )
    location = _text(
        "Where did it happen?",
        "Where it happened",
        "For example, the stairwell of our block, or outside my front door",
        short=True,
    )
    room = _text(
        "For noise: which room did you hear it in? (optional)",
        "The room",
        "For example, my bedroom",
        short=True,
    )
    people_involved = _text(
        "Who was involved? (optional)",
        "Who was involved",
        "Names if you know them. If not, what they looked like, wore or drove.",
    )
    witnesses = _text(
        "Did anyone else see or hear it? (optional)",
        "Witnesses",
        "Their names and how to contact them, if they are willing",
    )
    effect = _text(
        "How did it affect you and your household?",
        "How it affected you",
        "For example, lost sleep, felt frightened to go out, the children were upset",
    )
    reports = FieldList(
        FormField(ReportForm), min_entries=SPARE_REPORT_ROWS, max_entries=MAX_REPORTS
    )
    what_next = _text(
        "What happened next? (optional)", "What happened next", "What anyone did afterwards"
    )
    version = VersionField()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_end(valid) and self._check_reports_after_start(valid) and valid

    def _check_reports_after_start(self, valid: bool) -> bool:
        """A report cannot come before what it reports."""
        if not valid:
            return True
        started_on = required_answer(self.started_on.data)
        ok = True
        for row in self.reports:
            reported_on = row.form.reported_on
            if reported_on.data is not None and reported_on.data < started_on:
                reported_on.errors = ["The date you reported it must be on or after the incident"]
                row.form._errors = None  # WTForms keeps the errors it worked out: recount them
                self.reports.errors.append(row.errors)
                ok = False
        self._errors = None
        return ok

    def _check_end(self, valid: bool) -> bool:
        """The end must not come before the start (a later time on an empty end date is taken to
        be the same day; an earlier one, after midnight)."""
        if not valid or self.ended_on.data is None:
            return True
        started = datetime.combine(
            required_answer(self.started_on.data), self.started_at.data or datetime.min.time()
        )
        ended = datetime.combine(self.ended_on.data, self.ended_at.data or datetime.max.time())
        if ended.replace(tzinfo=LONDON) < started.replace(tzinfo=LONDON):
            self.ended_on.errors = [*self.ended_on.errors, "The end must be after the start"]
            return False
        return True

    def content(self) -> IncidentContent:
        reports = tuple(report for row in self.reports if (report := row.form.report()) is not None)
        return IncidentContent(
            what_happened=self.what_happened.data.strip(),
            started_on=required_answer(self.started_on.data),
            started_at=self.started_at.data,
            ended_on=self.ended_on.data,
            ended_at=self.ended_at.data,
            category=Category(self.category.data) if self.category.data else None,
            hate_motivated="yes" in (self.hate_motivated.data or []),
            severity=int(self.severity.data) if self.severity.data else None,
            location=(self.location.data or "").strip(),
            room=(self.room.data or "").strip(),
            people_involved=(self.people_involved.data or "").strip(),
            witnesses=(self.witnesses.data or "").strip(),
            effect=(self.effect.data or "").strip(),
            reports=reports,
            what_next=(self.what_next.data or "").strip(),
        )

    def fill_from(self, content: IncidentContent, version: int) -> None:
        """Show a saved version in the form, with spare rows for more reports."""
        self.what_happened.data = content.what_happened
        self.started_on.process(None, content.started_on)
        self.started_at.data = content.started_at
        self.ended_on.process(None, content.ended_on)
        self.ended_at.data = content.ended_at
        self.category.data = content.category.value if content.category else None
        self.hate_motivated.data = ["yes"] if content.hate_motivated else []
        self.severity.data = str(content.severity) if content.severity else None
        self.location.data = content.location
        self.room.data = content.room
        self.people_involved.data = content.people_involved
        self.witnesses.data = content.witnesses
        self.effect.data = content.effect
        self.what_next.data = content.what_next
        while len(self.reports):
            self.reports.pop_entry()
        for report in content.reports:
            self.reports.append_entry(
                {
                    "agency": report.agency.value,
                    "agency_name": report.agency_name,
                    "reported_on": report.reported_on,
                    "reference": report.reference,
                }
            )
        for _ in range(min(SPARE_REPORT_ROWS, MAX_REPORTS - len(content.reports))):
            self.reports.append_entry()
        self.version.data = version


class EvidenceFileForm(PortalForm):
    file = FileField(
        "Add a photo, letter or sound recording",
        description=(
            "Photos (JPEG, PNG, WebP or HEIC), letters as PDF, or sound recordings (M4A, MP3, "
            "WAV, OGG or WebM) from your phone's own apps."
        ),
        validators=[Required("Choose a file to add")],
    )


class FilterForm(PortalForm):
    """Which incidents the list shows. Sent by POST and kept in the sealed session, so what
    someone looks for never appears in an address that browser history keeps."""

    first_day = DateInputField("From (optional)", subject="The first date")
    last_day = DateInputField("To (optional)", subject="The last date")
    categories = CheckboxesField(
        "Kinds of incident",
        choices=[SelectChoice(category.value, CATEGORY_LABELS[category]) for category in Category],
        description="Leave them all empty to see every kind",
    )
    reported = OptionalRadioField(
        "Reported or not",
        choices=[
            SelectChoice("any", "Either"),
            SelectChoice("yes", "Reported to someone"),
            SelectChoice("no", "Not reported yet"),
        ],
    )
    incomplete_only = CheckboxesField(
        "Still to finish", choices=[SelectChoice("yes", "Only incidents with details to add")]
    )
    words = StringField(
        "Words to look for (optional)",
        validators=[MaxLength(100, "Search for 100 characters or fewer")],
    )


class PackForm(PortalForm):
    """What goes into an evidence pack."""

    first_day = DateInputField(
        "From",
        subject="The first date",
        validators=[Required("Enter the first date to include")],
    )
    last_day = DateInputField(
        "To",
        subject="The last date",
        default=today_in_london,
        validators=[Required("Enter the last date to include")],
    )
    categories = CheckboxesField(
        "Kinds of incident",
        choices=[SelectChoice(category.value, CATEGORY_LABELS[category]) for category in Category],
        description="Leave them all empty to include every kind",
    )
    include_files = CheckboxesField(
        "Files",
        choices=[SelectChoice("yes", "Include the photos, letters and recordings")],
        default=["yes"],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and required_answer(self.last_day.data) < required_answer(self.first_day.data):
            self.last_day.errors = ["The last date must be the same as or after the first"]
            self._errors = None
            return False
        return valid
