"""Real servers for tests that need more than one process: gunicorn on loopback, and a plain
HTTP client that keeps cookies like a browser."""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(
    settings: dict[str, str],
    workers: int = 1,
    application: str = "wsgi:app",
    access_log: IO[bytes] | None = None,
) -> Iterator[str]:
    """Serve an application (the portal's wsgi:app unless named) with gunicorn on a free
    loopback port; yields its base URL. Request lines go to `access_log` if one is given."""
    with gunicorn_process(settings, workers, application, access_log) as (base_url, _master):
        yield base_url


@contextmanager
def gunicorn_process(
    settings: dict[str, str],
    workers: int = 1,
    application: str = "wsgi:app",
    access_log: IO[bytes] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As gunicorn_server, also yielding gunicorn's master process: its children are the
    workers, for a benchmark that reads their memory."""
    port = free_port()
    environ = (
        {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
        | settings
        | {"PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": str(workers)}
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", application],
        cwd=PROJECT_ROOT,
        env=environ,
        stdout=access_log or subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, process)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def wait_until_serving(
    base_url: str, process: subprocess.Popen[bytes], seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"gunicorn stopped:\n{errors[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=1) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer at {base_url} within {seconds} seconds")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class HttpVisitor:
    """Visits a site over HTTP, keeping cookies; gives (status, body), never following redirects."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 (loopback test servers)
        try:
            with self._opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
