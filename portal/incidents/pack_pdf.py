"""evidence.pdf, the printable copy of an evidence pack: a cover with the counts by kind and by
month, a timeline, every incident with each of its versions (when the site recorded it beside
when the person says it happened), who it was reported to with their reference numbers, its
files with thumbnails and fingerprints, and a last page on checking the pack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil

from portal.dates import date_in_words, moment_in_words, month_in_words
from portal.incidents.content import FIELD_LABELS, Category
from portal.incidents.pack_facts import (
    FILE_KIND_WORDS,
    NOT_GIVEN,
    NumberedIncident,
    categories_words,
    chain_words,
    changed_words,
    checkpoint_words,
    counts_by_category,
    counts_by_month,
    exported_words,
    field_words,
    happened_words,
    made_at_the_time,
    months_between,
    range_words,
    recorded_words,
    size_words,
)
from portal.incidents.pack_input import EvidencePackInput, FileKind, PackFile
from portal.incidents.pdf_layout import BODY, GREY_RULE, SMALL, PagedDocument, line_height

TITLE = "Incident records"
# The fields of the current version, in the order an officer reads them; dates and times are
# shown together as "When it happened", and reports in a table of their own.
SUMMARY_FIELDS = (
    "category",
    "hate_motivated",
    "severity",
    "location",
    "room",
    "what_happened",
    "people_involved",
    "witnesses",
    "effect",
    "what_next",
)
LABEL_WIDTH = 45
THUMBNAIL_WIDTH = 38
THUMBNAIL_MAX_HEIGHT = 45


@dataclass(frozen=True)
class CheckingFacts:
    """What the last page says about checking the pack."""

    key_fingerprint: str
    key_url: str | None
    verify_url: str | None
    upload_limit_mb: int
    commands: Sequence[str]


def render_pdf(
    pack: EvidencePackInput, incidents: Sequence[NumberedIncident], checking: CheckingFacts
) -> bytes:
    document = PagedDocument(f"{TITLE}, exported {exported_words(pack.exported_at)}")
    try:
        document.set_title(TITLE)
        document.set_creation_date(pack.exported_at)
        document.add_page()
        _cover(document, pack)
        _timeline(document, pack)
        document.add_page()
        document.start_section("Incidents")
        if not incidents:
            document.paragraph("There are no incidents in this range.")
        for numbered in incidents:
            _incident(document, numbered)
        _checking_page(document, pack, checking)
        return bytes(document.output())
    finally:
        document.close_fonts()


def _label_rows(
    document: PagedDocument, rows: Sequence[tuple[str, str]], size: float = BODY, x: float = 0
) -> None:
    left = document.l_margin + x
    width = document.epw - x
    for label, value in rows:
        document.row([label, value], [LABEL_WIDTH, width - LABEL_WIDTH], size, (True, False), left)
        document.gap(1)


def _table(
    document: PagedDocument,
    widths: Sequence[float],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    size: float = BODY,
) -> None:
    document.row(header, widths, size, [True] * len(header))
    document.rule()
    document.gap(1)
    for cells in rows:
        document.row(cells, widths, size)
        document.rule(GREY_RULE)
        document.gap(1)


# Cover --------------------------------------------------------------------------------------------


def _cover(document: PagedDocument, pack: EvidencePackInput) -> None:
    files = Counter(item.kind for incident in pack.incidents for item in incident.files)
    revisions = sum(len(incident.revisions) for incident in pack.incidents)
    document.start_section("Summary")
    document.heading(TITLE, 20, space_after=4)
    _label_rows(
        document,
        [
            ("Covers", range_words(pack.request)),
            ("Kinds of incident", categories_words(pack.request)),
            ("Incidents", str(len(pack.incidents))),
            ("Versions", f"{revisions} (each incident as first recorded, and each change)"),
            ("Files", _files_words(files, pack.request.include_files)),
            ("Exported", exported_words(pack.exported_at)),
        ],
    )
    document.gap(3)
    document.paragraph(
        "For each incident this record shows when the person says it happened, and when the "
        "site recorded it: the site's own clock, at the moment each version was saved, which "
        "the person cannot set. A version saved within 24 hours of the incident starting is "
        "marked “at the time”. The last page says how to check that nothing has been changed.",
    )
    document.gap(4)
    document.heading("Incidents by kind", 13)
    by_kind = counts_by_category(pack.incidents) or [("No incidents", 0)]
    _table(document, [110, 30], ["Kind", "Incidents"], [(k, str(n)) for k, n in by_kind])
    document.gap(4)
    document.heading("Incidents by month", 13)
    _months(document, counts_by_month(pack))


def _files_words(files: Counter[FileKind], included: bool) -> str:
    if not files:
        return "None"
    words = ", ".join(
        f"{files[kind]} {FILE_KIND_WORDS[kind].lower()}{'s' if files[kind] != 1 else ''}"
        for kind in FileKind
        if files[kind]
    )
    return words + ("" if included else " (listed, but not included in this pack)")


def _months(document: PagedDocument, months: Sequence[tuple[str, int]]) -> None:
    """A table of months with a bar beside each count."""
    most = max((count for _, count in months), default=0) or 1
    height = line_height(BODY)
    bar_left = document.l_margin + 70
    bar_width = document.epw - 70
    document.row(["Month", "Incidents"], [45, 25], BODY, (True, True))
    document.rule()
    document.gap(1)
    for month, count in months:
        document.ensure(height)
        top = document.y
        document.row([month, str(count)], [45, 25])
        if count:
            document.set_fill_color(60)
            document.rect(bar_left, top + 1, bar_width * count / most, height - 2, style="F")
            document.set_fill_color(255)


# Timeline -----------------------------------------------------------------------------------------


def _timeline(document: PagedDocument, pack: EvidencePackInput) -> None:
    """One row per kind of incident, a mark for each incident on the day it started."""
    document.add_page()
    document.start_section("Timeline")
    document.heading("Timeline", 16)
    document.paragraph(
        "Each mark is one incident, on the day it started, in the row for its kind.", grey=True
    )
    document.gap(4)
    days = [incident.current.started_on for incident in pack.incidents]
    first = min([pack.request.first_day, *days])
    last = max([pack.request.last_day, *days])
    span = (last - first).days + 1
    kinds: list[Category | None] = [
        c for c in Category if any(i.current.category is c for i in pack.incidents)
    ]
    if any(incident.current.category is None for incident in pack.incidents):
        kinds.append(None)
    label_width, row_height = 48, 10
    left = document.l_margin + label_width
    width = document.epw - label_width
    top = document.y
    bottom = top + row_height * max(len(kinds), 1)

    months = months_between(first, last)
    every = ceil(len(months) / 12)
    document.set_draw_color(GREY_RULE)
    document.set_line_width(0.2)
    for index, month in enumerate(months):
        x = left + width * max((month - first).days, 0) / span
        document.line(x, top, x, bottom + 2)
        if index % every == 0:
            # "Mar" under its line, and the year below the first month and each January.
            document.y = bottom + 2
            document.paragraph(month_in_words(month)[:3], size=SMALL, x=x + 0.5, width=20)
            if index == 0 or month.month == 1:
                document.paragraph(str(month.year), size=SMALL, x=x + 0.5, width=20)

    counted = Counter(incident.current.category for incident in pack.incidents)
    document.set_fill_color(0)
    for row, kind in enumerate(kinds):
        row_top = top + row * row_height
        document.y = row_top + 1
        name = kind.label if kind else "Kind not given"
        document.paragraph(f"{name} ({counted[kind]})", size=SMALL, width=label_width - 2)
        document.line(document.l_margin, row_top + row_height, left + width, row_top + row_height)
        for incident in pack.incidents:
            if incident.current.category is kind:
                offset = ((incident.current.started_on - first).days + 0.5) / span
                document.rect(left + width * offset - 0.35, row_top + 1.5, 0.7, row_height - 3, "F")
    document.set_draw_color(0)
    document.y = bottom + 12
    if not kinds:
        document.paragraph("There are no incidents in this range.")


# Incidents ----------------------------------------------------------------------------------------


def _incident(document: PagedDocument, numbered: NumberedIncident) -> None:
    incident = numbered.incident
    current = incident.current
    kind = current.category.label if current.category else "Kind not given"
    document.ensure(60)
    document.rule(0)
    document.gap(3)
    document.start_section(numbered.name, level=1)
    document.heading(f"Incident {numbered.number}: {kind}", 13)
    first = incident.revisions[0]
    rows = [
        ("When it happened", happened_words(current)),
        ("First recorded", recorded_words(first.content, first.recorded_at)),
    ]
    if len(incident.revisions) > 1:
        last = incident.revisions[-1]
        rows.append(("Last changed", recorded_words(last.content, last.recorded_at)))
    for name in SUMMARY_FIELDS:
        value = field_words(current, name)
        if name == "room" and value == NOT_GIVEN:
            continue
        rows.append((FIELD_LABELS[name], value))
    _label_rows(document, rows)

    document.gap(2)
    document.heading("Reported to", 11, space_after=1)
    if current.reports:
        _table(
            document,
            [55, 55, document.epw - 110],
            ["Who", "When", "Reference"],
            [
                (report.who, date_in_words(report.reported_on), report.reference or "None given")
                for report in current.reports
            ],
        )
    else:
        document.paragraph("Not reported to anyone yet.")

    document.gap(2)
    document.heading("Versions of this record", 11, space_after=1)
    _history(document, numbered)
    if incident.files:
        document.gap(2)
        document.heading("Files", 11, space_after=1)
        for item in incident.files:
            _file(document, item, numbered.file_paths.get(item.id))
    document.gap(6)


def _history(document: PagedDocument, numbered: NumberedIncident) -> None:
    widths = [16, 78, 26, document.epw - 120]
    document.row(
        ["Version", "Recorded by the site", "Made", "What changed"], widths, SMALL, [True] * 4
    )
    document.rule()
    document.gap(1)
    previous = None
    for revision in numbered.incident.revisions:
        at_the_time = made_at_the_time(revision.content, revision.recorded_at)
        document.row(
            [
                str(revision.number),
                recorded_words(revision.content, revision.recorded_at),
                "At the time" if at_the_time else "Later",
                changed_words(revision.changed_fields) if previous else "First recorded",
            ],
            widths,
            SMALL,
            [False, False, at_the_time, False],
        )
        if previous is not None:
            # What each change replaced, indented under its version: the field, what it said
            # before, what it says after.
            change_widths = [widths[0], 40, widths[1] + widths[2] - 40, widths[3]]
            for name in revision.changed_fields:
                document.row(
                    [
                        "",
                        FIELD_LABELS[name],
                        f"Was: {field_words(previous, name)}",
                        f"Became: {field_words(revision.content, name)}",
                    ],
                    change_widths,
                    SMALL,
                    [False, True],
                )
        document.rule(GREY_RULE)
        document.gap(1)
        previous = revision.content


def _file(document: PagedDocument, item: PackFile, path: str | None) -> None:
    document.ensure(THUMBNAIL_MAX_HEIGHT if item.thumbnail else 25)
    top = document.y
    used = 0.0
    offset = 0.0
    if item.thumbnail:
        used = document.picture(
            item.thumbnail, document.l_margin, THUMBNAIL_WIDTH, THUMBNAIL_MAX_HEIGHT
        )
        offset = THUMBNAIL_WIDTH + 4 if used else 0
    _label_rows(
        document,
        [
            ("Name", item.original_name),
            ("Kind", f"{FILE_KIND_WORDS[item.kind]} ({item.media_type}), {size_words(item.size)}"),
            ("Added", moment_in_words(item.added_at)),
            ("SHA-256", item.sha256),
            ("In this pack as", path or "Not included in this pack"),
        ],
        size=SMALL,
        x=offset,
    )
    document.y = max(document.y, top + used) + 3


# Checking -----------------------------------------------------------------------------------------


def _checking_page(
    document: PagedDocument, pack: EvidencePackInput, checking: CheckingFacts
) -> None:
    document.add_page()
    document.start_section("Checking this record")
    document.heading("Checking this record", 16)
    document.paragraph(
        "This PDF is one of the files in a ZIP file the site exported. In the ZIP, manifest.json "
        "lists every file with its size and SHA-256 fingerprint, and the site signed "
        "manifest.json with its own Ed25519 key (manifest.sig). If any file is changed, "
        "added or removed, or the manifest is edited, the check fails."
    )
    document.gap(3)
    rows = [("Exported", exported_words(pack.exported_at))]
    if checking.key_url:
        rows.append(("Key published at", checking.key_url))
    if checking.verify_url:
        rows.append(("Check online at", checking.verify_url))
    _label_rows(document, rows)
    _label_rows(document, [("Site's key (SHA-256)", checking.key_fingerprint)], SMALL)
    document.gap(3)
    document.heading("The chain of records", 13)
    document.paragraph(
        "The site keeps a chain of fingerprints of this person's records: each link includes "
        "the one before it, so a record changed or removed later would break the chain. The "
        "site also signs the newest link from time to time (a checkpoint)."
    )
    document.gap(2)
    chain = pack.chain
    _label_rows(
        document,
        [
            ("Links in the chain", str(chain.length)),
            ("Checked", chain_words(chain.verified)),
            ("Last checkpoint", checkpoint_words(chain.checkpoint_at)),
        ],
    )
    _label_rows(
        document,
        [
            ("Newest link", chain.head_hash),
            ("Checkpoint signature", chain.checkpoint_signature or NOT_GIVEN),
        ],
        SMALL,
    )
    document.gap(3)
    document.heading("Checking on a computer", 13)
    document.paragraph(
        "Unzip the ZIP file, open a terminal in its folder and run these commands. "
        f"The site's check page takes packs up to {checking.upload_limit_mb} MB; these "
        "commands have no limit."
    )
    document.gap(2)
    for command in checking.commands:
        document.paragraph(command, size=SMALL, x=document.l_margin + 5)
        document.gap(1)
