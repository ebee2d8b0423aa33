"""What every benchmark shares: databases, a gunicorn server, a signed-in visitor and wrk.

Benchmarks run the real thing (gunicorn on loopback, PostgreSQL when it is there) and report each
page as a ratio to a trivial route measured in the same run, so the figures mean the same on any
machine.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import TestingConfig, normalise_database_url
from portal import create_app, migrate
from portal.extensions import db, keystore_db
from portal.guides.library import sync_folder
from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry
from tests.support.servers import HttpVisitor, gunicorn_process, gunicorn_server

POSTGRES_URL = os.environ.get(
    "PORTAL_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "purple tractor window"


@dataclass
class LoadTimes:
    """Seconds of wrk per measured route, and per warm-up before it. `python -m bench --quick`
    shortens both, for trying a benchmark out; only a full run writes docs/performance.md."""

    load: int = 10
    warm: int = 2


LOAD = LoadTimes()


@dataclass(frozen=True)
class BenchDatabases:
    backend: str
    main: str
    keystore: str


def postgres_available() -> bool:
    try:
        engine = create_engine(normalise_database_url(POSTGRES_URL) or "")
        with engine.connect():
            pass
        engine.dispose()
    except Exception:  # any failure to connect means: measure on SQLite only
        return False
    return True


@contextmanager
def bench_databases(backend: str) -> Iterator[BenchDatabases]:
    """Fresh, migrated databases with the bundled guides, on "SQLite" or "PostgreSQL"."""
    folder = Path(tempfile.mkdtemp(prefix="support-space-bench-"))
    names: list[str] = []
    admin = normalise_database_url(POSTGRES_URL) or ""
    try:
        if backend == "PostgreSQL":
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                for suffix in ("", "_keys"):
                    name = f"support_space_bench_{uuid.uuid4().hex[:8]}{suffix}"
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                    names.append(name)
            engine.dispose()
            urls = [
                make_url(admin).set(database=n).render_as_string(hide_password=False) for n in names
            ]
            databases = BenchDatabases(backend, urls[0], urls[1])
        else:
            databases = BenchDatabases(
                backend,
                f"sqlite:///{folder / 'bench.sqlite3'}",
                f"sqlite:///{folder / 'keys.sqlite3'}",
            )
        app = create_app(
            TestingConfig(
                {"PORTAL_DATABASE_URL": databases.main, "PORTAL_KEYSTORE_URL": databases.keystore}
            )
        )
        migrate.upgrade(app)
        with app.app_context():
            sync_folder(db.session)
        db.dispose(app)
        keystore_db.dispose(app)
        yield databases
    finally:
        if names:
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                for name in names:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def reference_server(databases: BenchDatabases) -> Iterator[str]:
    """The bare reference app (bench/reference_app.py) on the same database as the portal."""
    settings = {"REFERENCE_DATABASE_URL": databases.main}
    with gunicorn_server(settings, application="bench.reference_app:app") as base_url:
        yield base_url


def server_settings(databases: BenchDatabases, **extra: str) -> dict[str, str]:
    """Production behaviour over plain HTTP on loopback: real argon2 parameters, no rate limits
    (the load generator would hit them), one set of keys shared by every worker."""
    return {
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": "b" * 48,
        "PORTAL_DATA_KEYS": new_data_keys_entry("bench"),
        "PORTAL_SIGNING_KEY": new_signing_key(),
        "PORTAL_DATABASE_URL": databases.main,
        "PORTAL_KEYSTORE_URL": databases.keystore,
        "PORTAL_RATELIMIT_ENABLED": "false",
        "PORTAL_LOG_LEVEL": "WARNING",
        **extra,
    }


@contextmanager
def gunicorn(databases: BenchDatabases, workers: int = 1, **extra: str) -> Iterator[str]:
    with gunicorn_server(server_settings(databases, **extra), workers=workers) as base_url:
        yield base_url


@contextmanager
def gunicorn_worker(settings: dict[str, str]) -> Iterator[tuple[str, int]]:
    """One gunicorn worker with these settings; yields its base URL and the worker's pid."""
    with gunicorn_process(settings) as (base_url, master):
        yield base_url, only_worker(master)


def same_keys_app(settings: dict[str, str]) -> Flask:
    """The portal in this process, on a server's databases and with its data keys, so what it
    seals the server opens (for seeding records faster than through the pages)."""
    return create_app(TestingConfig(settings))


def only_worker(master: Popen[bytes], seconds: float = 10) -> int:
    """The process id of a one-worker gunicorn's worker: the master's only child."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = [
            int(status.parent.name)
            for status in Path("/proc").glob("[0-9]*/status")
            if _status_field(status, "PPid") == str(master.pid)
        ]
        if len(children) == 1:
            return children[0]
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {master.pid} has no single worker")


def reset_peak_resident(pid: int) -> None:
    """Start the process's VmHWM again from its current resident memory (Linux's clear_refs 5),
    so a peak read later belongs to what it did since, not to its start-up."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_resident_mib(pid: int) -> float:
    """The most resident memory the process has used since it started, or since
    reset_peak_resident (VmHWM), in MiB."""
    value = _status_field(Path(f"/proc/{pid}/status"), "VmHWM")
    if value is None:
        raise RuntimeError(f"no VmHWM for process {pid}")
    return int(value.split()[0]) / 1024  # reported in kB


def _status_field(status: Path, name: str) -> str | None:
    try:
        lines = status.read_text().splitlines()
    except OSError:  # the process ended while we looked
        return None
    prefix = name + ":"
    return next((line[len(prefix) :].strip() for line in lines if line.startswith(prefix)), None)


def form_token(visitor: HttpVisitor, url: str) -> str:
    status, page = visitor.request(url)
    match = CSRF_INPUT.search(page)
    if status != 200 or not match:
        raise RuntimeError(f"no form at {url} ({status})")
    return match.group(1)


def register(base_url: str, chosen: str = "bench") -> tuple[HttpVisitor, str]:
    """A new account, signed in; returns the visitor (holding the cookie) and the username."""
    visitor = HttpVisitor()
    token = form_token(visitor, base_url + "/register")
    status, _ = visitor.request(
        base_url + "/register", {"csrf_token": token, "chosen_name": chosen, "password": PASSWORD}
    )
    if status != 302:
        raise RuntimeError(f"registering failed ({status})")
    _, page = visitor.request(base_url + "/register/recovery-codes")
    username = re.search(r'data-testid="username">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    token = form_token(visitor, base_url + "/register/recovery-codes")
    visitor.request(base_url + "/register/recovery-codes", {"csrf_token": token})
    return visitor, username


def session_cookie(visitor: HttpVisitor) -> str:
    return next(cookie.value for cookie in visitor.cookies if cookie.name == "session")


def timed_sign_in(base_url: str, username: str) -> float:
    """Seconds one sign-in POST takes, from a fresh browser (the form page is fetched first)."""
    visitor = HttpVisitor()
    token = form_token(visitor, base_url + "/sign-in")
    started = time.perf_counter()
    status, _ = visitor.request(
        base_url + "/sign-in", {"csrf_token": token, "username": username, "password": PASSWORD}
    )
    elapsed = time.perf_counter() - started
    if status != 302:
        raise RuntimeError(f"sign-in failed ({status})")
    return elapsed


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int = 0  # connections refused, reset or timed out (wrk's 2 s)

    @property
    def errors(self) -> int:
        """Requests that failed either way (a redirect is not one: check the status first)."""
        return self.non_2xx + self.socket_errors


def median_result(results: list[LoadResult]) -> LoadResult:
    """Each figure's median over several runs of the same route (failures added up)."""
    return LoadResult(
        statistics.median(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.non_2xx for r in results),
        sum(r.socket_errors for r in results),
    )


@dataclass(frozen=True)
class StepRound:
    """One alternating round: the guide step, then the reference page."""

    step: LoadResult
    reference: LoadResult


def _milliseconds(value: str) -> float:
    number = float(value.rstrip("usm"))
    if value.endswith("us"):
        return number / 1000
    if value.endswith("ms"):
        return number
    return number * 1000  # seconds


def _figure(pattern: str, output: str) -> str:
    match = re.search(pattern, output)
    if match is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{output}")
    return match.group(1)


def wrk(
    url: str, *, cookie: str | None = None, connections: int = 16, seconds: int | None = None
) -> LoadResult:
    """Load `url` with wrk (one thread, `connections` at once) for `seconds` (LOAD.load unless
    given) and read its figures."""
    seconds = LOAD.load if seconds is None else seconds
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: session={cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(_figure(r"Requests/sec:\s+([\d.]+)", output))
    p50 = _milliseconds(_figure(r"(?m)^\s+50%\s+(\S+)", output))
    p99 = _milliseconds(_figure(r"(?m)^\s+99%\s+(\S+)", output))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return LoadResult(
        rate,
        p50,
        p99,
        int(errors.group(1)) if errors else 0,
        sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def save_step(visitor: HttpVisitor, base_url: str, path: str, answers: dict[str, str]) -> None:
    """Send a guide step's form as a person would."""
    token = form_token(visitor, base_url + path)
    status, _ = visitor.request(base_url + path, {"csrf_token": token, **answers})
    if status != 302:
        raise RuntimeError(f"saving {path} failed ({status})")


def page_weight(visitor: HttpVisitor, url: str) -> tuple[int, int]:
    """(bytes of HTML, bytes of the CSS and JS it links), as a first visit downloads them."""
    _, html = visitor.request(url)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html)
    base = url.split("/", 3)
    origin = "/".join(base[:3])
    linked = sum(len(visitor.request(origin + asset)[1].encode()) for asset in assets)
    return len(html.encode()), linked
