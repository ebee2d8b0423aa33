"""Counting complaints for an ASB Case Review, against worked examples."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.incidents.case_review import CaseReviewRules, count_complaints, months_before
from portal.incidents.content import Agency, IncidentContent, Report

TODAY = date(2026, 11, 29)
RULES = CaseReviewRules()


def incident(started_on: date, *reports: tuple[Agency, date]) -> IncidentContent:
    return IncidentContent(
        what_happened="x",
        started_on=started_on,
        reports=tuple(Report(agency, day, f"REF-{day:%m%d}") for agency, day in reports),
    )


def test_three_incidents_each_reported_within_a_month_in_the_last_six_months_meet_it() -> None:
    log = [
        incident(date(2026, 7, 1), (Agency.POLICE, date(2026, 7, 2))),
        incident(date(2026, 9, 10), (Agency.COUNCIL, date(2026, 9, 30))),
        incident(date(2026, 11, 1), (Agency.HOUSING, date(2026, 11, 1))),
    ]
    count = count_complaints(log, TODAY, RULES)
    assert count.threshold_met
    assert [c.report.reported_on for c in count.counted] == [
        date(2026, 11, 1),
        date(2026, 9, 30),
        date(2026, 7, 2),
    ]


def test_a_report_made_32_days_after_the_incident_does_not_count() -> None:
    started = date(2026, 10, 1)
    log = [
        incident(started, (Agency.POLICE, started + timedelta(days=32))),
        incident(date(2026, 10, 20), (Agency.COUNCIL, date(2026, 10, 21))),
        incident(date(2026, 11, 2), (Agency.COUNCIL, date(2026, 11, 3))),
    ]
    count = count_complaints(log, TODAY, RULES)
    assert not count.threshold_met
    late = [c for c in count.complaints if not c.counts]
    assert len(late) == 1
    assert late[0].why_not == "made more than a month after the incident"


def test_a_report_made_on_the_last_day_of_the_month_after_counts() -> None:
    # 31 January to 28 February 2026: within one month (February has no 31st).
    count = count_complaints(
        [incident(date(2026, 1, 31), (Agency.POLICE, date(2026, 2, 28)))],
        date(2026, 3, 1),
        RULES,
    )
    assert [c.counts for c in count.complaints] == [True]


def test_complaints_older_than_six_months_do_not_count() -> None:
    count = count_complaints(
        [incident(date(2026, 5, 1), (Agency.POLICE, date(2026, 5, 28)))], TODAY, RULES
    )
    assert count.complaints[0].why_not == "made more than 6 months ago"


def test_one_incident_reported_to_three_agencies_is_one_complaint() -> None:
    day = date(2026, 11, 10)
    log = [incident(day, (Agency.POLICE, day), (Agency.COUNCIL, day), (Agency.HOUSING, day))]
    count = count_complaints(log, TODAY, RULES)
    assert len(count.counted) == 1
    assert not count.threshold_met
    assert sum("counts once" in c.why_not for c in count.complaints) == 2


def test_an_area_with_its_own_threshold_is_counted_by_its_rules() -> None:
    day = date(2026, 11, 10)
    two = [incident(day, (Agency.POLICE, day)), incident(day, (Agency.COUNCIL, day))]
    assert count_complaints(two, TODAY, CaseReviewRules(complaints_needed=2)).threshold_met


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 29), 6, date(2026, 5, 29)),
        (date(2026, 8, 31), 6, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
    ],
)
def test_months_before_keeps_the_day_or_takes_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert months_before(day, months) == expected
