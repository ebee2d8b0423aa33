"""A production-like Support Space on loopback, started and stopped with one command.

    make stack        # python -m deploy start: runs it in the background, says where
    make stack-stop   # python -m deploy stop: stops it, removes all it made

Two gunicorn "hosts" (two workers each, PORTAL_ENV=production, gunicorn.conf.py) behind nginx
running deploy/nginx.conf over TLS, sharing two fresh PostgreSQL databases (records and keystore)
and Redis, with throwaway secrets and a throwaway certificate. Everything it makes (processes,
the temporary folder, both databases, its Redis keys) is removed when it stops, also when
starting fails part-way.

It lives in deploy/, beside the nginx config it runs, because it is the README's "Running it for
real" as a program; tests (tests/support/stack.py) and benchmarks both use `running_stack()`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from deploy.certificate import write_throwaway_certificate
from deploy.nginx import ProxiedRequest, nginx_binary, nginx_command, write_nginx_config
from portal.incidents.signing import new_signing_key
from portal.security.crypto import new_data_keys_entry

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The server's maintenance database (to create and drop the stack's own) and a Redis database
# number of the stack's own; each can be changed for a machine that differs.
POSTGRES_URL = os.environ.get("STACK_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379/14")
HOSTS = 2  # as many as deploy/nginx.conf's upstream names
WORKERS_PER_HOST = 2
STARTUP_SECONDS = 60


class StackError(RuntimeError):
    """The stack could not start; the message says what is missing or what failed."""


@dataclass(frozen=True)
class Host:
    """One app server: gunicorn with its own workers on its own loopback port."""

    name: str
    url: str
    access_log: Path
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        """host:port, as nginx names it in its upstream and its log."""
        return self.url.removeprefix("http://")


@dataclass(frozen=True)
class Stack:
    """A running stack: its HTTPS address, its hosts, and the settings every host runs with."""

    url: str
    folder: Path
    hosts: tuple[Host, ...]
    settings: dict[str, str]
    proxy_log: Path
    proxy: subprocess.Popen[bytes]

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        """nginx and every host's gunicorn master."""
        return [self.proxy, *(host.process for host in self.hosts)]

    def requests_after(self, proxy_log_offset: int) -> list[ProxiedRequest]:
        """Every request nginx logged after an offset taken from proxy_log_size(), in order."""
        with self.proxy_log.open("rb") as log:
            log.seek(proxy_log_offset)
            lines = log.read().decode().splitlines()
        return [ProxiedRequest.from_log_line(line) for line in lines]

    def proxy_log_size(self) -> int:
        return self.proxy_log.stat().st_size


def missing_services() -> list[str]:
    """What this machine lacks to run the stack, in words; empty when it has everything."""
    missing = []
    if nginx_binary() is None:
        missing.append("nginx is not installed (apt install nginx)")
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error:
        missing.append(f"PostgreSQL does not answer at {POSTGRES_URL}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError:
        missing.append(f"Redis does not answer at {REDIS_URL}")
    return missing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def throwaway_secrets() -> dict[str, str]:
    """The three production secrets, made as the README's "Running it for real" makes them."""
    return {
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_DATA_KEYS": new_data_keys_entry("stack1"),
        "PORTAL_SIGNING_KEY": new_signing_key(),
    }


@contextmanager
def fresh_databases(name: str) -> Iterator[tuple[str, str]]:
    """Two new, empty PostgreSQL databases (records, keystore); dropped afterwards, whoever is
    still connected. Yields their URLs."""
    names = (name, f"{name}_keys")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        for database in names:
            connection.execute(f'CREATE DATABASE "{database}"')
    try:
        base = POSTGRES_URL.rsplit("/", 1)[0]
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            for database in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def redis_keys_removed_afterwards(prefix: str) -> Iterator[None]:
    """The stack's rate-limit counts are all keyed under its own prefix: delete them at the end."""
    try:
        yield
    finally:
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(match=f"*{prefix}*"):
            store.delete(key)
        store.close()


def environment_for(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without any PORTAL_* setting of its own, plus the stack's."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    return inherited | settings


def run_flask(settings: dict[str, str], *arguments: str) -> None:
    """A `flask --app portal ...` command, as an operator runs it, against the stack."""
    command = [sys.executable, "-m", "flask", "--app", "portal", *arguments]
    finished = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        command, cwd=PROJECT_ROOT, env=environment_for(settings), capture_output=True, check=False
    )
    if finished.returncode != 0:
        raise StackError(f"flask {' '.join(arguments)} failed:\n{finished.stderr.decode()[-3000:]}")


def wait_until_answering(url: str, process: subprocess.Popen[bytes], errors: Path) -> None:
    """Until `url` answers 200 (TLS not checked: the certificate is our own throwaway one)."""
    unchecked_tls = ssl.create_default_context()
    unchecked_tls.check_hostname = False
    unchecked_tls.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{url} stopped while starting:\n{errors.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=unchecked_tls) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise StackError(f"{url} did not answer within {STARTUP_SECONDS} seconds")


@contextmanager
def stopped_afterwards(process: subprocess.Popen[bytes], stop_signal: int) -> Iterator[None]:
    """Stop a process we started (gracefully, then for good) when the block ends."""
    try:
        yield
    finally:
        if process.poll() is None:
            process.send_signal(stop_signal)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_host(exits: ExitStack, folder: Path, name: str, settings: dict[str, str]) -> Host:
    """gunicorn on a free loopback port, as a real host runs it; its access log is its own file.
    Returns at once: wait_until_answering() says when it serves."""
    port = free_port()
    access_log = folder / f"{name}-access.log"
    errors = folder / f"{name}-error.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"),
        # Each host's control socket in the stack's folder, not shared in the home directory.
        *("--control-socket", str(folder / f"{name}.ctl"), "wsgi:app"),
    ]
    host_settings = settings | {"PORTAL_BIND": f"127.0.0.1:{port}"}
    with access_log.open("wb") as stdout, errors.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command,
            cwd=PROJECT_ROOT,
            env=environment_for(host_settings),
            stdout=stdout,
            stderr=stderr,
        )
    exits.enter_context(stopped_afterwards(process, signal.SIGTERM))
    return Host(name, f"http://127.0.0.1:{port}", access_log, process)


def start_nginx(
    exits: ExitStack, folder: Path, hosts: tuple[Host, ...]
) -> tuple[str, subprocess.Popen[bytes]]:
    """nginx on a free loopback port in front of the hosts: its HTTPS address and process."""
    https_port, http_port = free_port(), free_port()
    write_nginx_config(folder, [host.address for host in hosts], https_port, http_port)
    errors = folder / "nginx-error.log"
    with errors.open("ab") as stderr:
        process = subprocess.Popen(  # noqa: S603 (nginx, on our own files)
            nginx_command(folder), stdout=subprocess.DEVNULL, stderr=stderr
        )
    exits.enter_context(stopped_afterwards(process, signal.SIGQUIT))
    url = f"https://127.0.0.1:{https_port}"
    wait_until_answering(url + "/health", process, errors)
    # nginx logs a request just after answering it: a test that reads the log from here on
    # must not find the line of this check.
    proxy_log = folder / "proxy-access.log"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (proxy_log.exists() and proxy_log.stat().st_size):
        time.sleep(0.05)
    return url, process


@contextmanager
def running_stack() -> Iterator[Stack]:
    """Start the whole stack; stop it and remove everything it made when the block ends."""
    missing = missing_services()
    if missing:
        raise StackError("The stack cannot start: " + "; ".join(missing) + ".")
    stack_id = secrets.token_hex(4)
    with ExitStack() as exits:
        folder = Path(tempfile.mkdtemp(prefix="support-space-stack-"))
        exits.callback(shutil.rmtree, folder, ignore_errors=True)
        # nginx's workers run as another user when started by root: they must reach their files.
        folder.chmod(0o711)
        write_throwaway_certificate(folder / "cert.pem", folder / "key.pem")
        main_url, keystore_url = exits.enter_context(
            fresh_databases(f"support_space_stack_{stack_id}")
        )
        prefix = f"support-space-stack-{stack_id}"
        exits.enter_context(redis_keys_removed_afterwards(prefix))
        settings = {
            "PORTAL_ENV": "production",
            **throwaway_secrets(),
            "PORTAL_DATABASE_URL": main_url,
            "PORTAL_KEYSTORE_URL": keystore_url,
            "PORTAL_REDIS_URL": REDIS_URL,
            "PORTAL_RATELIMIT_PREFIX": prefix,
            "PORTAL_PROXY_HOPS": "1",
            "PORTAL_WORKERS": str(WORKERS_PER_HOST),
            "PORTAL_ORGANISATION": "Support Space (a throwaway stack on loopback)",
            "PORTAL_ORGANISATION_CONTACT": "privacy@example.org",
            "PORTAL_OUTBOX_DIR": str(folder / "outbox"),
        }
        run_flask(settings, "db", "upgrade")
        run_flask(settings, "guides", "sync")
        run_flask(settings, "offline-page", str(folder / "offline.html"))
        # Started together, then waited for: each takes seconds to load the app.
        hosts = tuple(
            start_host(exits, folder, f"host{number}", settings) for number in range(1, HOSTS + 1)
        )
        for host in hosts:
            wait_until_answering(
                host.url + "/health", host.process, folder / f"{host.name}-error.log"
            )
        url, proxy = start_nginx(exits, folder, hosts)
        yield Stack(url, folder, hosts, settings, folder / "proxy-access.log", proxy)


def leftovers(stack: Stack) -> list[str]:
    """What a stopped stack left behind, in words: empty when everything it made is gone."""
    left = [f"process {process.pid}" for process in stack.processes if process.poll() is None]
    # Workers too: every process the stack started names its folder on its command line.
    for command_line in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(stack.folder).encode() in command_line.read_bytes():
                left.append(f"process {command_line.parent.name}")
        except OSError:
            continue  # ended meanwhile
    if stack.folder.exists():
        left.append(f"folder {stack.folder}")
    names = [
        stack.settings[s].rsplit("/", 1)[1] for s in ("PORTAL_DATABASE_URL", "PORTAL_KEYSTORE_URL")
    ]
    with psycopg.connect(POSTGRES_URL) as connection:
        existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
    left += [f"database {name}" for name in names if name in existing]
    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(match=f"*{stack.settings['PORTAL_RATELIMIT_PREFIX']}*"))
    store.close()
    if keys:
        left.append(f"{len(keys)} Redis keys")
    return left
