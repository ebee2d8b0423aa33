"""The incident log's benchmarks: one person with 5,000 incidents, the list page under load against
/health, its SQL statements as the log grows, and adding a 10 MB photo through the page.
"""

from __future__ import annotations

import io
import random
import statistics
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from PIL import Image

from bench.diary_data import user_id_of
from bench.harness import (
    LOAD,
    BenchDatabases,
    LoadResult,
    form_token,
    gunicorn_worker,
    peak_resident_mib,
    register,
    reset_peak_resident,
    same_keys_app,
    server_settings,
    session_cookie,
    wrk,
)
from bench.report import Report, load_row
from portal.dates import today_in_london
from portal.extensions import db, keystore_db
from portal.incidents import log
from portal.incidents.content import Category, IncidentContent
from tests.support.client import PASSWORD, Account, AccountHelper, CheckingClient
from tests.support.queries import counting_queries
from tests.support.servers import HttpVisitor

INCIDENTS = 5_000
SMALL_LOG = 50
QUERY_TARGET = 5
UPLOAD_MB = 10
UPLOADS_TIMED = 3


def _incident(rng: random.Random, number: int) -> IncidentContent:
    return IncidentContent(
        what_happened=f"Incident {number}: "
        + " ".join(
            rng.choice(
                (
                    "shouting",
                    "banging",
                    "music",
                    "threats",
                    "door",
                    "car",
                    "window",
                    "stairs",
                    "night",
                    "again",
                )
            )
            for _ in range(40)
        ),
        started_on=today_in_london() - timedelta(days=number % 1500),
        category=rng.choice(list(Category)),
        location="Outside the block",
        effect="Could not sleep",
    )


def seed_log(app: Flask, owner_id: object, count: int, start: int = 0) -> None:
    """Record incidents through the log's own rules (revision, chain link, checkpoint each)."""
    rng = random.Random(start)
    with app.app_context():
        for number in range(start, start + count):
            log.record_incident(db.session, owner_id, _incident(rng, number))  # type: ignore[arg-type]


def ten_megabyte_photo() -> bytes:
    """A JPEG of noise, about UPLOAD_MB megabytes: noise does not compress."""
    rng = random.Random(7)
    side = 2580  # about 10 MB of noise at quality 98, just under the 10 MB limit
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=98)
    data = buffer.getvalue()
    if len(data) > UPLOAD_MB * 1024 * 1024:
        raise RuntimeError(f"the test photo is {len(data):,} bytes: over the limit")
    return data


def post_file(visitor: HttpVisitor, url: str, token: str, data: bytes) -> int:
    boundary = "bench-boundary-7c1f"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    try:
        with visitor._opener.open(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass(frozen=True)
class IncidentLoad:
    statements_small: int
    statements_large: int
    health: LoadResult
    listing: LoadResult
    upload_seconds: list[float]
    upload_peak_mib: float
    idle_peak_mib: float
    upload_bytes: int


def list_statements(app: Flask, client: CheckingClient) -> int:
    """SQL statements (both databases) for one list page, after a first request of it."""
    client.get("/incidents")
    with counting_queries(app) as counted:
        client.get("/incidents")
    return len(counted)


def measure(databases: BenchDatabases) -> IncidentLoad:
    """Seed SMALL_LOG incidents and count the list's statements, seed up to INCIDENTS and count
    again, then load the list and time uploads, through one gunicorn worker."""
    settings = server_settings(databases)
    app = same_keys_app(settings)
    app.test_client_class = CheckingClient
    photo = ten_megabyte_photo()
    with gunicorn_worker(settings) as (base_url, worker):
        visitor, username = register(base_url, "incidents")
        owner_id = user_id_of(app, username)
        counting: CheckingClient = app.test_client()  # type: ignore[assignment]
        AccountHelper(app).sign_in(counting, Account(username, PASSWORD))
        seed_log(app, owner_id, SMALL_LOG)
        statements_small = list_statements(app, counting)
        seed_log(app, owner_id, INCIDENTS - SMALL_LOG, start=SMALL_LOG)
        statements_large = list_statements(app, counting)
        cookie = session_cookie(visitor)
        wrk(base_url + "/health", seconds=LOAD.warm)
        health = wrk(base_url + "/health")
        wrk(base_url + "/incidents", cookie=cookie, seconds=LOAD.warm)
        listing = wrk(base_url + "/incidents", cookie=cookie)
        page = f"{base_url}/incidents/{_first_incident(app, owner_id)}"
        reset_peak_resident(worker)
        idle_peak = peak_resident_mib(worker)
        timings = []
        for _ in range(UPLOADS_TIMED):
            token = form_token(visitor, page)
            started = time.perf_counter()
            status = post_file(visitor, page + "/files", token, photo)
            timings.append(time.perf_counter() - started)
            if status != 302:
                raise RuntimeError(f"the upload was refused ({status})")
        upload_peak = peak_resident_mib(worker)
    db.dispose(app)
    keystore_db.dispose(app)
    return IncidentLoad(
        statements_small,
        statements_large,
        health,
        listing,
        timings,
        upload_peak,
        idle_peak,
        len(photo),
    )


def _first_incident(app: Flask, owner_id: object) -> str:
    with app.app_context():
        return str(log.incidents.page(db.session, owner_id, 1).items[0].id)  # type: ignore[arg-type]


def incidents(databases: Sequence[BenchDatabases]) -> Report:
    """The log's list with 5,000 incidents under load, its statements, and a 10 MB upload."""
    report = Report(f"Incident log with {INCIDENTS:,} incidents")
    measured = {chosen.backend: measure(chosen) for chosen in databases}
    counted = {
        name: (load.statements_small, load.statements_large) for name, load in measured.items()
    }
    report.lines += [
        f"One person with {INCIDENTS:,} incidents, each recorded through the log's own rules",
        "(a sealed revision, a chain link and a signed checkpoint each). One gunicorn worker, wrk",
        f"with 16 connections for {LOAD.load} s after a {LOAD.warm} s warm-up. The list shows 20.",
        "",
        "| database | route | requests/s | × trivial | p50 | p99 | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, load in measured.items():
        report.lines += [
            f"| {name} {load_row('`/health`', load.health, load.health)}",
            f"| {name} {load_row('list `/incidents`', load.listing, load.health)}",
        ]
    report.lines += [
        "",
        "SQL statements on the list page (both databases counted):",
        "",
        f"| database | {SMALL_LOG} incidents | {INCIDENTS:,} incidents |",
        "| --- | --- | --- |",
        *(f"| {name} | {small} | {large} |" for name, (small, large) in counted.items()),
        "",
        f"Adding a photo of {next(iter(measured.values())).upload_bytes / 1024 / 1024:.1f} MB",
        f"through the incident page, {UPLOADS_TIMED} times: the whole request (upload, checks,",
        "the copy without location or camera details, the thumbnail, sealing and saving), and",
        "the worker's peak resident memory while doing it, against its peak just before.",
        "",
        "| database | median time | slowest | worker peak before | during uploads |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {name} | {statistics.median(load.upload_seconds):.2f} s "
            f"| {max(load.upload_seconds):.2f} s | {load.idle_peak_mib:.0f} MiB "
            f"| {load.upload_peak_mib:.0f} MiB |"
            for name, load in measured.items()
        ),
    ]
    for name, (small, large) in counted.items():
        report.check(
            f"{name}: ≤ {QUERY_TARGET} statements on the list at {SMALL_LOG} and {INCIDENTS:,} "
            f"incidents ({small} and {large})",
            small == large <= QUERY_TARGET,
        )
    for name, load in measured.items():
        report.check(
            f"{name}: no failed responses",
            load.health.errors == 0 and load.listing.errors == 0,
        )
    return report
