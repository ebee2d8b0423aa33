"""Simulated people for the stack benchmarks: each keeps one HTTPS connection and its cookies,
comes from an address of its own on loopback (127.0.0.0/8 all reaches the machine), as people
in different homes do, and works through the site as a person would: a guide step, the diary
list, a new diary entry, signing out and in again."""

from __future__ import annotations

import http.client
import io
import random
import re
import ssl
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode, urlsplit

PASSWORD = "quiet evenings with tea and a good novel"
GUIDE_STEP = "/guides/better-sleep/steps/how-you-sleep"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
USERNAME = re.compile(r'data-testid="username"[^>]*>\s*([^<\s]+)')
COOKIE = re.compile(r"^([^=;\s]+)=([^;]*)")
TIMEOUT_SECONDS = 30


class ConnectionLost(Exception):
    """The request got no HTTP answer: the connection was refused, reset or timed out."""


@dataclass
class Answer:
    status: int
    body: bytes
    location: str
    seconds: float


@dataclass
class Tally:
    """What the people saw, shared by every thread."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    lost: int = 0  # requests with no HTTP answer at all
    # (monotonic time answered, status or 0 for no answer), for when a fault began and ended.
    events: list[tuple[float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer | None) -> None:
        with self.lock:
            self.events.append((time.monotonic(), answer.status if answer else 0))
            if answer is None:
                self.lost += 1
                return
            self.latencies_ms.append(answer.seconds * 1000)
            self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1

    @property
    def failed(self) -> int:
        """Answers a person would see as a failure: any 5xx, or nothing at all."""
        return self.lost + sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def total(self) -> int:
        return self.lost + sum(self.statuses.values())

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Person:
    """One person's browser: a keep-alive connection from their own address, with cookies."""

    def __init__(self, site: str, number: int, tally: Tally) -> None:
        parts = urlsplit(site)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 443
        # 127.0.0.2 onwards: an address per person, so per-address limits apply as for people.
        self._source = f"127.0.{1 + number // 250}.{2 + number % 250}"
        self._context = ssl.create_default_context()
        self._context.check_hostname = False
        self._context.verify_mode = ssl.CERT_NONE  # the stack's throwaway certificate
        self._connection: http.client.HTTPSConnection | None = None
        self._cookies: dict[str, str] = {}
        self.tally = tally
        self.number = number
        self.username = ""
        self.token = ""
        # Diary notes this person was told were saved, and those whose save failed.
        self.saved_notes: list[str] = []
        self.unsaved_notes: list[str] = []

    def _connect(self) -> http.client.HTTPSConnection:
        if self._connection is None:
            self._connection = http.client.HTTPSConnection(
                self._host,
                self._port,
                timeout=TIMEOUT_SECONDS,
                context=self._context,
                source_address=(self._source, 0),
            )
        return self._connection

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer | None:
        """Send one request; the answer, or None when there was none (counted either way)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self._cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection = self._connect()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            self.tally.add(None)
            return None
        answer = Answer(
            response.status,
            content,
            response.getheader("Location", ""),
            time.perf_counter() - started,
        )
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = COOKIE.match(header)
            if cookie:
                name, value = cookie.groups()
                if "Max-Age=0" in header or "1970" in header:
                    self._cookies.pop(name, None)
                else:
                    self._cookies[name] = value
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            self._connection = None
        self.tally.add(answer)
        return answer

    def _page_token(self, answer: Answer | None) -> bool:
        token = CSRF_INPUT.search(answer.body.decode(errors="replace")) if answer else None
        if token:
            self.token = token.group(1)
        return token is not None

    # What people do -------------------------------------------------------------------------

    def register(self) -> bool:
        if not self._page_token(self.request("GET", "/register")):
            return False
        sent = self.request(
            "POST",
            "/register",
            {"csrf_token": self.token, "chosen_name": "bench", "password": PASSWORD},
        )
        codes = (
            self.request("GET", "/register/recovery-codes") if sent and sent.status == 302 else None
        )
        name = USERNAME.search(codes.body.decode(errors="replace")) if codes else None
        if not name or not self._page_token(codes):
            return False
        self.username = name.group(1)
        done = self.request("POST", "/register/recovery-codes", {"csrf_token": self.token})
        return bool(done and done.status == 302)

    def read_a_guide_step(self) -> None:
        self.request("GET", GUIDE_STEP)

    def read_the_diary(self) -> None:
        self.request("GET", "/diary")

    def write_a_diary_entry(self) -> None:
        if not self._page_token(self.request("GET", "/diary/new")):
            return
        note = f"bench note {self.number}-{random.getrandbits(48):012x}"
        today = date.today()  # noqa: DTZ011 (any recent day will do)
        sent = self.request(
            "POST",
            "/diary/new",
            {
                "csrf_token": self.token,
                "entry_date-day": str(today.day),
                "entry_date-month": str(today.month),
                "entry_date-year": str(today.year),
                "mood": str(random.randint(1, 5)),
                "tags": "",
                "notes": note,
            },
        )
        if sent is not None and sent.status == 302:
            self.saved_notes.append(note)
        else:
            self.unsaved_notes.append(note)

    def sign_out_and_in(self) -> None:
        if self._page_token(self.request("GET", "/account")):
            self.request("POST", "/sign-out", {"csrf_token": self.token})
        if self._page_token(self.request("GET", "/sign-in")):
            self.request(
                "POST",
                "/sign-in",
                {"csrf_token": self.token, "username": self.username, "password": PASSWORD},
            )

    def everything_kept(self) -> bytes:
        """The person's own download: every record the site keeps for them, as they would get it."""
        if not self._page_token(self.request("GET", "/account/download")):
            return b""
        made = self.request("POST", "/account/download", {"csrf_token": self.token})
        if made is None or made.status != 200:
            return b""
        with zipfile.ZipFile(io.BytesIO(made.body)) as archive:
            # The JSON file alone: the HTML beside it holds the same records again.
            return b"\n".join(archive.read(n) for n in archive.namelist() if n.endswith(".json"))


# How often each thing is done, out of 100 (sign-ins cost a password hash: rarer, as in life).
MIX = [
    (40, Person.read_a_guide_step),
    (30, Person.read_the_diary),
    (25, Person.write_a_diary_entry),
    (5, Person.sign_out_and_in),
]


def act(person: Person) -> None:
    """One thing, chosen by MIX."""
    roll = random.randrange(100)
    for weight, action in MIX:
        if roll < weight:
            action(person)
            return
        roll -= weight


def keep_busy(people: list[Person], until: float) -> None:
    """Each person in a thread of their own, acting without pause until `until` (monotonic)."""

    def run(person: Person) -> None:
        while time.monotonic() < until:
            act(person)

    threads = [threading.Thread(target=run, args=(person,), daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, until - time.monotonic()) + TIMEOUT_SECONDS * 3)


def check_every_word_kept(people: list[Person]) -> tuple[int, int, int]:
    """(notes confirmed saved, of those how many the person's download holds exactly once,
    notes whose save failed that turned up anyway, fully). A save either happened or not."""
    confirmed = kept = turned_up = 0
    for person in people:
        everything = person.everything_kept().decode(errors="replace")
        confirmed += len(person.saved_notes)
        kept += sum(1 for note in person.saved_notes if everything.count(note) == 1)
        turned_up += sum(1 for note in person.unsaved_notes if note in everything)
    return confirmed, kept, turned_up
