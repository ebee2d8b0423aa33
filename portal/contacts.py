"""The services the site points people to, from one file: portal/contacts.toml, or the charity's
own copy named by PORTAL_CONTACTS_FILE.

The footer, the help page, the urgent help after a self-check and the guides all read them from
here, so a charity elsewhere changes one file, and no page or guide types a number by hand.
Guides and questionnaire messages name a service as `[[id]]` (its name and number) or
`[[id.number]]`, `[[id.name]]`, `[[id.hours]]`; `expand_mentions()` turns those into Markdown.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context

CONTACTS_EXTENSION = "portal.contacts"
BUNDLED_CONTACTS_FILE = Path(__file__).with_name("contacts.toml")
# Every page or guide may name these, so a charity's own file must keep them all.
REQUIRED_IDS = (
    "emergency",
    "police",
    "local-asb",
    "supportline",
    "samaritans",
    "shout",
    "nhs-111",
    "domestic-abuse",
    "stop-hate",
    "childline",
)

FIELDS = ("name", "number", "dial", "hours", "for_whom")
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DIAL = re.compile(r"^\+?[0-9]{3,15}$")
MENTION = re.compile(r"\[\[(?P<id>[a-z0-9-]+)(?:\.(?P<part>[a-z_]+))?\]\]")
MENTION_PARTS = ("name", "number", "hours")


class ContactsInvalid(ValueError):
    """The contacts file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Contact:
    """A service: who it is, how to reach it, when, where and for whom."""

    id: str
    name: str
    number: str  # as people read it: "08 08 16 89 111"
    dial: str  # for the tel: or sms: link: "+448081689111"
    hours: str
    for_whom: str
    area: str | None = None  # where it serves, when not the whole UK
    text: str | None = None  # the word to text, for services reached by text message

    @property
    def href(self) -> str:
        if self.text:
            return f"sms:{self.dial}?body={self.text}"
        return f"tel:{self.dial}"

    @property
    def hours_alone(self) -> str:
        """The hours as a line of their own: "Free, any time"."""
        return self.hours[:1].upper() + self.hours[1:]

    @property
    def name_with_area(self) -> str:
        return f"{self.name} ({self.area})" if self.area else self.name

    @property
    def how_to_reach(self) -> str:
        """'text SHOUT to 85258' or 'call 116 123', in words."""
        if self.text:
            return f"text {self.text} to {self.number}"
        return f"call {self.number}"

    def as_markdown(self, part: str | None = None) -> str:
        """How a guide's `[[id]]` or `[[id.part]]` reads, as Markdown."""
        number = f"[{self.number}]({self.href})"
        if part == "number":
            return number
        if part == "name":
            return self.name
        if part == "hours":
            return self.hours
        if self.text:
            return f"**{self.name_with_area}** (text {self.text} to {number})"
        return f"**{self.name_with_area}** on {number}"


@dataclass(frozen=True)
class Contacts:
    """Every service by id, and the ones the footer of every page shows."""

    by_id: Mapping[str, Contact]
    footer: tuple[Contact, ...]

    def __getitem__(self, contact_id: str) -> Contact:
        return self.by_id[contact_id]

    def __contains__(self, contact_id: object) -> bool:
        return contact_id in self.by_id


def _contact(contact_id: str, values: object, where: str) -> Contact:
    if not ID.match(contact_id):
        raise ContactsInvalid(f"{where}: {contact_id!r} is not a usable id (like local-asb)")
    if not isinstance(values, dict):
        raise ContactsInvalid(f"{where}: [contacts.{contact_id}] must be a table")
    unknown = set(values) - {*FIELDS, "area", "text"}
    if unknown:
        raise ContactsInvalid(f"{where}: [contacts.{contact_id}] has unknown {sorted(unknown)}")
    missing = [name for name in FIELDS if not str(values.get(name) or "").strip()]
    if missing:
        raise ContactsInvalid(f"{where}: [contacts.{contact_id}] needs {', '.join(missing)}")
    if not all(isinstance(value, str) for value in values.values()):
        raise ContactsInvalid(f"{where}: every value in [contacts.{contact_id}] must be text")
    if not DIAL.match(values["dial"]):
        raise ContactsInvalid(
            f"{where}: [contacts.{contact_id}] dial must be digits, with + first for an "
            f"international number, not {values['dial']!r}"
        )
    return Contact(id=contact_id, **{name: value.strip() for name, value in values.items()})


def load_contacts(path: Path) -> Contacts:
    """The services in a contacts file; ContactsInvalid says what is wrong with it."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContactsInvalid(f"{where}: cannot be read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ContactsInvalid(f"{where}: not valid TOML ({error})") from None
    table = data.get("contacts")
    if not isinstance(table, dict):
        raise ContactsInvalid(f"{where}: no [contacts.<id>] tables")
    by_id = {key: _contact(key, values, where) for key, values in table.items()}
    missing = [key for key in REQUIRED_IDS if key not in by_id]
    if missing:
        raise ContactsInvalid(
            f"{where}: pages and guides need {', '.join(missing)}; keep every id of "
            "portal/contacts.toml and change what is in it"
        )
    footer_ids = data.get("footer")
    if not isinstance(footer_ids, list) or not footer_ids:
        raise ContactsInvalid(f'{where}: footer must list the ids to show, like ["emergency"]')
    unknown = [key for key in footer_ids if key not in by_id]
    if unknown:
        raise ContactsInvalid(f"{where}: the footer names {unknown}, which are not contacts")
    return Contacts(by_id, tuple(by_id[key] for key in footer_ids))


@cache
def bundled_contacts() -> Contacts:
    """The contacts shipped with the site (portal/contacts.toml)."""
    return load_contacts(BUNDLED_CONTACTS_FILE)


def current_contacts() -> Contacts:
    """The running site's contacts (set up by create_app), or the bundled ones outside it."""
    if has_app_context() and CONTACTS_EXTENSION in current_app.extensions:
        return current_app.extensions[CONTACTS_EXTENSION]
    return bundled_contacts()


@dataclass(frozen=True)
class UnknownMention:
    """A `[[...]]` naming no service, or no part of one, at a line of the text."""

    line: int  # 1-based, within the text given
    message: str


def mention_problems(text: str, contacts: Contacts) -> list[UnknownMention]:
    """Every `[[...]]` in the text that names something we do not have."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for mention in MENTION.finditer(line):
            contact_id, part = mention["id"], mention["part"]
            if contact_id not in contacts:
                known = ", ".join(sorted(contacts.by_id))
                problems.append(
                    UnknownMention(number, f"no service called {contact_id!r} (there are: {known})")
                )
            elif part is not None and part not in MENTION_PARTS:
                problems.append(
                    UnknownMention(
                        number,
                        f"[[{contact_id}.{part}]]: the parts are {', '.join(MENTION_PARTS)}",
                    )
                )
    return problems


def expand_mentions(text: str, contacts: Contacts) -> str:
    """Markdown with every `[[id]]` or `[[id.part]]` written out; unknown ones stay as typed
    (mention_problems() reports them)."""

    def written_out(mention: re.Match[str]) -> str:
        contact = contacts.by_id.get(mention["id"])
        part = mention["part"]
        if contact is None or (part is not None and part not in MENTION_PARTS):
            return mention.group(0)
        return contact.as_markdown(part)

    return MENTION.sub(written_out, text)


def plain_mentions(text: str, contacts: Contacts) -> str:
    """The same, as plain words with no Markdown (for the download's text and titles)."""

    def written_out(mention: re.Match[str]) -> str:
        contact = contacts.by_id.get(mention["id"])
        if contact is None:
            return mention.group(0)
        part = mention["part"]
        if part in MENTION_PARTS:
            return str(getattr(contact, part))
        return f"{contact.name_with_area}, {contact.how_to_reach}"

    return MENTION.sub(written_out, text)
