"""The ASB Case Review (the "Community Trigger"): whether the log shows enough complaints to ask
for one, and the complaints an application form asks for.

Section 104 of the Anti-social Behaviour, Crime and Policing Act 2014 lets each area set its own
threshold, as long as it is no higher than three complaints in six months. Most areas count a
complaint when it was made within one month of the behaviour it is about, and count separate
incidents, so those are the defaults; each is a setting (README, "Settings"), since the area
running the site may differ.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from portal.incidents.content import IncidentContent, Report


@dataclass(frozen=True)
class CaseReviewRules:
    complaints_needed: int = 3
    within_months: int = 6  # complaints made in the last this-many months count
    report_within_months: int = 1  # each made within this long of the incident


@dataclass(frozen=True)
class Complaint:
    """A report of one incident to an agency, as the application form asks for it."""

    incident_started_on: date
    report: Report
    counts: bool
    why_not: str = ""  # when it does not count, in words


@dataclass(frozen=True)
class CaseReviewCount:
    rules: CaseReviewRules
    since: date  # complaints on or after this date are recent enough
    complaints: tuple[Complaint, ...]  # newest first

    @property
    def counted(self) -> tuple[Complaint, ...]:
        return tuple(complaint for complaint in self.complaints if complaint.counts)

    @property
    def threshold_met(self) -> bool:
        """At most one complaint counts for each incident, so this counts separate incidents."""
        return len(self.counted) >= self.rules.complaints_needed


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the last day of a shorter month if need be)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def count_complaints(
    incidents: list[IncidentContent], today: date, rules: CaseReviewRules
) -> CaseReviewCount:
    """Every report in the log, newest first, each saying whether it counts towards a review."""
    since = months_before(today, rules.within_months)
    complaints: list[Complaint] = []
    for incident in incidents:
        # One complaint per incident: reporting the same incident to two agencies is still one.
        counted_this_incident = False
        for report in sorted(incident.reports, key=lambda r: r.reported_on):
            deadline = months_after(incident.started_on, rules.report_within_months)
            if report.reported_on < incident.started_on:
                why_not = "dated before the incident: check the dates"
            elif report.reported_on < since:
                why_not = f"made more than {rules.within_months} months ago"
            elif report.reported_on > deadline:
                why_not = f"made more than {_months(rules.report_within_months)} after the incident"
            elif counted_this_incident:
                why_not = "the same incident was already reported: it counts once"
            else:
                why_not = ""
                counted_this_incident = True
            complaints.append(Complaint(incident.started_on, report, not why_not, why_not))
    complaints.sort(key=lambda c: (c.report.reported_on, c.incident_started_on), reverse=True)
    return CaseReviewCount(rules, since, tuple(complaints))


def _months(count: int) -> str:
    return "a month" if count == 1 else f"{count} months"
