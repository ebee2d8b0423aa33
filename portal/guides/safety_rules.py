"""What every guide must do before it is published, beyond being well formed: the rules the
bundled guides were written to, checked wherever a guide is checked (`flask guides check`,
`flask guides sync`, and the staff editor before it saves or publishes), so a guide written in
the browser keeps them too.

- Services are named as [[id]], so every number comes from the contacts file a charity keeps
  up to date: no phone number or service name typed by hand.
- Links stay on this site: a person leaves it only by choosing to (and Quick exit).
- The last step says where to get help, with a number to call, and who to see (a GP, the
  police, Victim Support, an ASB team).
- A self-check that asks about self-harm (a questionnaire with urgent items, like PHQ-9 item 9)
  comes after a callout in its step that says so: nobody meets that question unwarned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup

from portal.contacts import MENTION, Contacts
from portal.guides.format import ParsedGuide, Step
from portal.guides.kinds import CalloutBlock, QuestionnaireBlock
from portal.guides.problems import GuideProblem
from portal.guides.questionnaires import Questionnaires
from portal.guides.step_body import HtmlPart

# A number as someone would type it: 999, 101, 111, 116 123, 85258, or a UK number from 0.
TYPED_NUMBER = re.compile(r"(?<![\d#-])(?:999|101|111|116 ?123|85258|0\d{2,4}[ \d]{6,10}\d)(?!\d)")
# Services whose names are ordinary words ("Emergency", "Police") or the charity's own.
NAMES_ALLOWED_TYPED = frozenset({"emergency", "police", "local-asb", "nhs-24"})
ON_THIS_SITE = ("/", "tel:", "sms:", "#")
WHO_TO_SEE = re.compile(r"\bGP\b|ASB (?:team|officer|service)|Victim Support|police", re.I)


def safety_problems(
    guide: ParsedGuide,
    source: str,
    path: str,
    contacts: Contacts,
    definitions: Questionnaires,
) -> list[GuideProblem]:
    """Every rule above that the guide breaks, at its line."""
    problems = [GuideProblem(path, line, message) for line, message in _in_lines(source, contacts)]
    problems += _links_off_site(guide, source, path)
    problems += _unwarned_self_checks(guide, path, definitions)
    last = guide.steps[-1]
    text = BeautifulSoup(step_html(last), "html.parser").get_text(" ")
    if "help" not in last.title.lower() or 'href="tel:' not in step_html(last):
        problems.append(
            GuideProblem(
                path,
                last.line,
                "the last step must say where to get help, with “help” in its title and a "
                "service to call named as [[id]]",
            )
        )
    elif not WHO_TO_SEE.search(text):
        problems.append(
            GuideProblem(
                path,
                last.line,
                "the last step must say when to see someone: a GP, the police, Victim Support "
                "or an ASB team",
            )
        )
    return problems


def _unwarned_self_checks(
    guide: ParsedGuide, path: str, definitions: Questionnaires
) -> list[GuideProblem]:
    problems = []
    for step in guide.steps:
        warned = False
        for part in step.parts:
            warned = warned or isinstance(part, CalloutBlock)
            if not isinstance(part, QuestionnaireBlock) or warned:
                continue
            definition = definitions.get(part.definition_id)
            if definition is not None and definition.urgent_items:
                message = (
                    f"the self-check {part.definition_id!r} asks about self-harm: say so in a "
                    "callout (::: note) before it in this step, and that help will show under "
                    "that question"
                )
                problems.append(GuideProblem(path, part.line, message))
    return problems


def _links_off_site(guide: ParsedGuide, source: str, path: str) -> list[GuideProblem]:
    """Links as the guide renders them, however they were written (inline, by reference, or
    <autolinks>), each reported at the first line that holds its address."""
    html = str(guide.intro) + "".join(step_html(step) for step in guide.steps)
    lines = source.split("\n")
    problems = []
    for link in BeautifulSoup(html, "html.parser").find_all("a", href=True):
        target = str(link["href"])
        if target.startswith(ON_THIS_SITE):
            continue
        line = next((n for n, text in enumerate(lines, 1) if target in text), 1)
        message = f"the link to {target!r} leaves this site: guides link only to its own pages"
        problems.append(GuideProblem(path, line, message))
    return problems


def step_html(step: Step) -> str:
    """Everything a step shows that comes from the guide: its text, its callouts and the
    questions its exercises ask."""
    return "".join(_part_html(part) for part in step.parts)


def _part_html(part: object) -> str:
    if isinstance(part, HtmlPart):
        return str(part.html)
    body: object = getattr(part, "body", None) or ""
    prompt: object = getattr(part, "prompt", None) or ""
    return f"{body}{prompt}"


def _in_lines(source: str, contacts: Contacts) -> Iterator[tuple[int, str]]:
    lines = source.split("\n")
    # The body starts after the front matter's closing --- (parse_guide has checked there is one).
    start = next((n for n, text in enumerate(lines[1:], 2) if text.strip() == "---"), 1)
    names = [
        (contact_id, re.compile(rf"\b{re.escape(contact.name)}\b(?!ing)"), contact.name)
        for contact_id, contact in contacts.by_id.items()
        if contact_id not in NAMES_ALLOWED_TYPED
    ]
    for number, text in enumerate(lines[start:], start + 1):
        plain = MENTION.sub("", text)
        for typed in TYPED_NUMBER.finditer(plain):
            yield (
                number,
                (
                    f"the number {typed[0]!r} is typed by hand: name the service as [[id]], so its "
                    "number comes from the contacts file"
                ),
            )
        for contact_id, pattern, name in names:
            if pattern.search(plain):
                yield number, f"“{name}” is typed by hand: write [[{contact_id}]]"
