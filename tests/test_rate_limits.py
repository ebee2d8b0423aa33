"""Throttling through Flask-Limiter: counted per process by default, shared through Redis so that
several workers or hosts agree."""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from portal.auth.views import SIGN_IN_LIMIT
from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry
from tests.conftest import DatabaseUrls, dispose, make_app
from tests.support.client import CheckingClient
from tests.support.environment import unavailable
from tests.support.outages import CuttableLink
from tests.support.servers import HttpVisitor, gunicorn_server

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
# Sign-in attempts one address may make in a minute, and how many of them go to the first host.
PER_MINUTE = int(SIGN_IN_LIMIT.split()[0])
FIRST_HOST = 12


def failed_sign_ins(client: CheckingClient, count: int) -> list[int]:
    token = client.csrf_token(client.get("/sign-in"))
    return [
        client.post(
            "/sign-in", data={"csrf_token": token, "username": f"x{i}-0000", "password": "wrong"}
        ).status_code
        for i in range(count)
    ]


def test_a_single_process_counts_in_memory(client: CheckingClient) -> None:
    assert failed_sign_ins(client, PER_MINUTE + 1) == [200] * PER_MINUTE + [429]


@pytest.mark.parametrize("app_settings", [{"PORTAL_RATELIMIT_ENABLED": "false"}])
def test_limits_can_be_turned_off(client: CheckingClient) -> None:
    assert 429 not in failed_sign_ins(client, PER_MINUTE + 5)


def test_two_hosts_sharing_redis_share_the_count(
    database_urls: DatabaseUrls, tmp_path: Path
) -> None:
    """Two gunicorn servers, as two hosts behind a proxy, with one database and one Redis."""
    if not REDIS_URL:
        unavailable("Redis tests need PORTAL_TEST_REDIS_URL (.ci/run sets it)")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        unavailable(f"Redis is not answering at {REDIS_URL}")
    settings = {
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": "k" * 48,
        "PORTAL_DATA_KEYS": new_data_keys_entry("hosts"),
        "PORTAL_SIGNING_KEY": new_signing_key(),
        "PORTAL_DATABASE_URL": database_urls.main,
        "PORTAL_KEYSTORE_URL": database_urls.keystore,
        "PORTAL_REDIS_URL": REDIS_URL,
        "PORTAL_RATELIMIT_PREFIX": f"test-{uuid.uuid4().hex}",
        "PORTAL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "HOME": str(tmp_path),  # two gunicorns of one user, as two hosts on one machine
    }
    visitor = HttpVisitor()
    with gunicorn_server(settings) as first, gunicorn_server(settings) as second:
        status, page = visitor.request(first + "/sign-in")
        assert status == 200
        token = CSRF_INPUT.search(page).group(1)
        form = {"csrf_token": token, "username": "nobody-0000", "password": "wrong"}
        on_first = [visitor.request(first + "/sign-in", form)[0] for _ in range(FIRST_HOST)]
        on_second = [
            visitor.request(second + "/sign-in", form)[0]
            for _ in range(PER_MINUTE - FIRST_HOST + 1)
        ]
    # Neither opened gunicorn's control socket at the one path per user they would share.
    assert not (tmp_path / ".gunicorn").exists()
    assert on_first == [200] * FIRST_HOST
    assert on_second == [200] * (PER_MINUTE - FIRST_HOST) + [429], (
        "the second host knew about the first host's attempts"
    )
    # The counts are kept under a keyed hash of the address, never the address itself.
    kept = redis.Redis.from_url(REDIS_URL).keys(f"*{settings['PORTAL_RATELIMIT_PREFIX']}*")
    assert kept
    assert not any(b"127.0.0.1" in key for key in kept), kept


def test_a_redis_outage_falls_back_to_counting_in_each_process_and_recovers(
    database_urls: DatabaseUrls,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not REDIS_URL:
        unavailable("Redis tests need PORTAL_TEST_REDIS_URL (.ci/run sets it)")
    target = urlsplit(REDIS_URL)
    link = CuttableLink(target.hostname or "127.0.0.1", target.port or 6379)
    app = make_app(database_urls, tmp_path, PORTAL_REDIS_URL=link.url_for(REDIS_URL))
    app.test_client_class = CheckingClient
    client: CheckingClient = app.test_client()  # type: ignore[assignment]
    try:
        with link.cut(), caplog.at_level(logging.INFO, logger="flask-limiter"):
            # Sign-in still works, and the limit still holds, counted in this process.
            assert failed_sign_ins(client, PER_MINUTE + 1) == [200] * PER_MINUTE + [429]
            assert "falling back to in-memory storage" in caplog.text
            # ... and in the server's own log (stderr), where an operator looks.
            assert (
                "WARNING flask-limiter: Rate limit storage unreachable" in capsys.readouterr().err
            )
        # Back on Redis once it answers (the limiter looks again after a second or two), where
        # this minute's count starts afresh: the attempt the process's own count refused passes.
        with caplog.at_level(logging.INFO, logger="flask-limiter"):
            deadline = time.monotonic() + 10
            while "storage recovered" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.5)
                client.get("/sign-in")
                failed_sign_ins(client, 1)
        assert "storage recovered" in caplog.text
        assert failed_sign_ins(client, 1) == [200]
    finally:
        dispose(app)
        link.close()
