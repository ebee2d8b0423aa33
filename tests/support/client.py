"""A test client that checks every page it fetches, and helpers that act as a person would."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.contacts import CONTACTS_EXTENSION

PASSWORD = "purple tractor window"
OTHER_PASSWORD = "seven orange kettles"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TITLE_SUFFIX = " – Support Space"
# The bundled footer (portal/contacts.toml): emergency, the local ASB service, Supportline.
DEFAULT_FOOTER_NUMBERS = ("999", "0330 1757 258", "08 08 16 89 111")
HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Our <header> and <footer> are the page's own (banner, contentinfo), never inside an <article>.
LANDMARK_TAGS = {"header", "main", "footer", "nav", "aside"}
LANDMARK_ROLES = {"banner", "contentinfo", "navigation", "complementary", "region", "search"}
CONTENT_TAGS = ["a", "button", "input", "p", "li", "h1", "h2", "h3", "h4"]


def _in_a_landmark(tag: Tag) -> bool:
    """Whether a screen reader moving landmark to landmark would reach this (the skip link
    excepted: it comes before everything, on purpose)."""
    for enclosing in [tag, *tag.parents]:
        if enclosing.name in LANDMARK_TAGS or enclosing.get("role") in LANDMARK_ROLES:
            return True
        if enclosing.name == "section" and enclosing.has_attr("aria-label"):
            return True
    return "skip-link" in (tag.get("class") or [])


def _skipped_heading_levels(soup: BeautifulSoup) -> list[str]:
    """Headings that come more than one level below the heading before them (h1 then h3)."""
    skipped = []
    previous = 1
    for heading in soup.find_all(HEADINGS):
        level = int(heading.name[1])
        if level > previous + 1:
            skipped.append(f"<{heading.name}> {heading.get_text(' ', strip=True)!r}")
        previous = level
    return skipped


class PageProblem(AssertionError):
    """A page broke one of the rules every page must keep."""


# Notes a problem unless the condition holds; check_page gathers them all before failing.
Expect = Callable[[object, str], None]


def check_page(
    response: TestResponse, footer_numbers: tuple[str, ...] = DEFAULT_FOOTER_NUMBERS
) -> BeautifulSoup:
    """Assert what must hold on every HTML page; returns the parsed page."""
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    problems: list[str] = []

    def expect(condition: object, problem: str) -> None:
        if not condition:
            problems.append(problem)

    _check_structure(soup, expect)
    _check_ways_out(soup, footer_numbers, expect)
    _check_nothing_inline_or_off_site(soup, expect)
    _check_labels(soup, expect)
    if problems:
        raise PageProblem(f"{response.request.path}: " + "; ".join(problems))
    return soup


def _check_structure(soup: BeautifulSoup, expect: Expect) -> None:
    """Language, title, headings and landmarks, as a screen reader meets them; unique ids."""
    html = soup.find("html")
    expect(html is not None and html.get("lang") == "en-GB", 'the page is not lang="en-GB"')
    title = soup.title.get_text() if soup.title else ""
    expect(title.endswith(TITLE_SUFFIX), f"title {title!r} does not end with the site name")
    has_errors = soup.select_one("[data-error-summary]") is not None
    expect(
        title.startswith("Error: ") == has_errors,
        "'Error:' in the title must match the error summary",
    )
    expect(len(soup.find_all("h1")) == 1, "a page needs exactly one h1")
    skipped = _skipped_heading_levels(soup)
    expect(not skipped, f"headings that skip a level: {skipped}")
    outside = [
        tag.get_text(" ", strip=True) or str(tag)[:60]
        for tag in soup.find_all(CONTENT_TAGS)
        if not _in_a_landmark(tag)
    ]
    expect(not outside, f"content outside every landmark: {outside}")
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicates = [name for name, count in ids.items() if count > 1]
    expect(not duplicates, f"duplicate ids: {duplicates}")
    expect(soup.select_one("main#main") is not None, "no <main id=main>")
    expect(soup.select_one('a.skip-link[href="#main"]') is not None, "no skip link")


def _check_ways_out(soup: BeautifulSoup, footer_numbers: tuple[str, ...], expect: Expect) -> None:
    """The quick exit, and the help lines in the footer."""
    quick_exit = soup.select_one("a[data-quick-exit]")
    expect(quick_exit is not None and quick_exit.get("href") == "/exit", "no quick exit link")
    expect(
        quick_exit is not None and {"nofollow", "noreferrer"} <= set(quick_exit.get("rel") or []),
        "quick exit must be rel=nofollow noreferrer",
    )
    footer = soup.find("footer")
    footer_text = footer.get_text(" ") if footer else ""
    for number in footer_numbers:
        expect(number in footer_text, f"help line {number} missing from the footer")


def _check_nothing_inline_or_off_site(soup: BeautifulSoup, expect: Expect) -> None:
    """What the Content-Security-Policy would block: inline script, style and event handlers,
    and anything loaded from another site."""
    for script in soup.find_all("script"):
        expect(script.get("src", "").startswith("/static/"), "inline or off-site script")
    for tag in soup.find_all(True):
        expect(not tag.has_attr("style"), f"inline style on <{tag.name}>")
        handlers = [name for name in tag.attrs if name.startswith("on")]
        expect(not handlers, f"event handler attribute on <{tag.name}>: {handlers}")
    for tag, attribute in (("link", "href"), ("script", "src"), ("img", "src"), ("iframe", "src")):
        for element in soup.find_all(tag):
            value = element.get(attribute, "")
            expect(value.startswith("/"), f"<{tag}> loads {value!r} from outside the site")


def _check_labels(soup: BeautifulSoup, expect: Expect) -> None:
    """Every label points at a control, and every control a person fills in has a label."""
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    for label in soup.find_all("label"):
        target = label.get("for")
        expect(target and target in ids, f"label for {target!r} points at nothing")
    labelled = {label.get("for") for label in soup.find_all("label")}
    for control in soup.find_all(["input", "textarea", "select"]):
        if control.get("type") in ("hidden", "submit", "button"):
            continue
        expect(control.get("id") in labelled, f"form control {control.get('name')!r} has no label")


class CheckingClient(FlaskClient):
    """FlaskClient that checks every HTML page and the no-store header on every response."""

    last_page: TestResponse | None = None

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # Read every response whole and close it, as a server does: a download streamed from a
        # temporary file is then closed, not left to the garbage collector.
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)

        if not response.request.path.startswith("/static/"):
            cache_control = response.headers.get("Cache-Control", "")
            if "no-store" not in cache_control:
                raise PageProblem(f"{response.request.path}: Cache-Control is {cache_control!r}")
        has_page = response.status_code != 204 and not 300 <= response.status_code < 400
        if response.mimetype == "text/html" and has_page:
            footer = self.application.extensions[CONTACTS_EXTENSION].footer
            check_page(response, tuple(service.number for service in footer))
            self.last_page = response
        return response

    def csrf_token(self, response: TestResponse | None = None) -> str:
        """The CSRF token in a page (the last one fetched unless given)."""
        page = response or self.last_page
        assert page is not None, "fetch a page first"
        text = page.get_data(as_text=True)
        match = CSRF_INPUT.search(text) or CSRF_META.search(text)
        assert match, f"no CSRF token on {page.request.path}"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """Open the page at `url` as a person would, then send its form with `data`."""
        page = self.get(url)
        return self.post(url, data={"csrf_token": self.csrf_token(page), **(data or {})}, **kwargs)

    def post_with_token(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> TestResponse:
        """POST with the token from the last page (a button on that page)."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


def page_text(response: TestResponse) -> str:
    """The visible text of a page's main content, whitespace squashed."""
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    main = soup.find("main") or soup
    return " ".join(main.get_text(" ").split())


def field_value(response: TestResponse, name: str) -> str | None:
    """What an input or textarea shows, as the person would see it."""
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    control = soup.find(["input", "textarea"], attrs={"name": name})
    if control is None:
        return None
    if control.name == "textarea":
        return control.get_text()
    return control.get("value")


def form_as_sent(response: TestResponse) -> dict[str, list[str]]:
    """What pressing the save button of the page's form in <main> sends, as a browser would:
    each named box and textarea as it shows, and only the choices that are ticked."""
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    form = soup.select_one("main form[method=post]")
    assert form is not None, "the page has a form"
    sent: dict[str, list[str]] = {}
    for control in form.find_all(["input", "textarea"]):
        name = control.get("name")
        if not name or (
            control.get("type") in ("radio", "checkbox") and not control.has_attr("checked")
        ):
            continue
        value = control.get_text() if control.name == "textarea" else control.get("value", "")
        sent.setdefault(str(name), []).append(str(value))
    for select in form.find_all("select"):
        options = select.find_all("option")
        chosen = next(
            (o for o in options if o.has_attr("selected")), options[0] if options else None
        )
        if select.get("name") and chosen is not None:
            sent.setdefault(str(select["name"]), []).append(
                str(chosen.get("value", chosen.get_text()))
            )
    return sent


def error_messages(response: TestResponse) -> list[str]:
    """The messages in a page's error summary."""
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    summary = soup.select_one("[data-error-summary]")
    return (
        [" ".join(item.get_text(" ").split()) for item in summary.find_all("li")] if summary else []
    )


@dataclass
class Account:
    username: str
    password: str
    recovery_codes: list[str] = field(default_factory=list)


class AccountHelper:
    """Registers and signs people in through the pages, as they would."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def new_client(self) -> CheckingClient:
        """Another browser."""
        return self.app.test_client()  # type: ignore[return-value]

    def register(
        self, client: CheckingClient, chosen: str = "bluebird", password: str = PASSWORD
    ) -> Account:
        response = client.submit("/register", {"chosen_name": chosen, "password": password})
        assert response.status_code == 302, (
            error_messages(client.last_page) if client.last_page else response
        )
        codes_page = client.get("/register/recovery-codes")
        soup = BeautifulSoup(codes_page.get_data(as_text=True), "html.parser")
        username = soup.select_one("[data-testid=username]").get_text().strip()
        codes = [code.get_text() for code in soup.select(".recovery-codes code")]
        done = client.post_with_token("/register/recovery-codes")
        assert done.status_code == 302
        return Account(username, password, codes)

    def sign_in(
        self, client: CheckingClient, account: Account, password: str | None = None
    ) -> TestResponse:
        return client.submit(
            "/sign-in", {"username": account.username, "password": password or account.password}
        )

    def sign_out(self, client: CheckingClient) -> TestResponse:
        client.get("/account")
        return client.post_with_token("/sign-out")
