"""deploy/nginx.conf, the proxy config shipped for a real host and run by `make stack`: nginx
accepts it, it lets through exactly the requests the app accepts, and its log keeps no client
address or query string. (tests/test_stack_in_browser.py runs it in front of the app.)"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from config import BaseConfig
from deploy.certificate import write_throwaway_certificate
from deploy.nginx import (
    NGINX_SITE,
    ShippedConfigChanged,
    nginx_binary,
    nginx_command,
    nginx_site_for,
    write_nginx_config,
)
from portal.contacts import CONTACTS_EXTENSION
from tests.support.environment import unavailable
from tests.support.servers import free_port

SHIPPED = NGINX_SITE.read_text()
MIB = 1024 * 1024


def test_nginx_accepts_the_config_the_stack_makes_from_the_shipped_file(tmp_path: Path) -> None:
    if nginx_binary() is None:
        unavailable("checking the nginx config needs nginx (apt install nginx)")
    write_throwaway_certificate(tmp_path / "cert.pem", tmp_path / "key.pem")
    write_nginx_config(tmp_path, ["127.0.0.1:9001", "127.0.0.1:9002"], 8443, 8080)
    checked = subprocess.run(
        nginx_command(tmp_path, "-t"), capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "server 127.0.0.1:9001 " in (tmp_path / "support-space.conf").read_text()


def test_the_stack_refuses_a_shipped_file_that_no_longer_says_what_it_replaces(
    tmp_path: Path,
) -> None:
    edited = tmp_path / "nginx.conf"
    edited.write_text(SHIPPED.replace("listen 443 ssl http2;", "listen 8443 ssl;"))
    with pytest.raises(ShippedConfigChanged, match="listen 443 ssl http2;"):
        nginx_site_for(["127.0.0.1:9001", "127.0.0.1:9002"], 8443, 8080, tmp_path, edited)


def test_nginx_lets_through_the_largest_request_the_app_accepts_and_no_larger() -> None:
    limit = re.search(r"client_max_body_size (\d+)m;", SHIPPED)
    assert limit is not None
    assert int(limit[1]) * MIB == BaseConfig({}).MAX_CONTENT_LENGTH


def test_the_proxy_log_names_the_host_but_no_client_address_or_query_string() -> None:
    log_format = SHIPPED[
        SHIPPED.index("log_format") : SHIPPED.index(";", SHIPPED.index("log_format"))
    ]
    assert "$upstream_addr" in log_format
    for identifying in (
        "$remote_addr",
        "$http_x_forwarded_for",
        "$request_uri",
        "$args",
        "$request ",
    ):
        assert identifying not in log_format
    assert "$remote_addr" not in SHIPPED.replace("$proxy_add_x_forwarded_for", "")


@pytest.fixture
def folder_nginx_can_read() -> Iterator[Path]:
    """A folder nginx's workers can reach when they run as another user (pytest's own are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="support-space-nginx-test-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_with_no_host_answering_nginx_shows_our_page_with_quick_exit_and_help_lines(
    folder_nginx_can_read: Path, app: Flask
) -> None:
    if nginx_binary() is None:
        unavailable("checking the nginx config needs nginx (apt install nginx)")
    tmp_path = folder_nginx_can_read
    written = app.test_cli_runner().invoke(args=["offline-page", str(tmp_path / "offline.html")])
    assert written.exit_code == 0, written.output
    (tmp_path / "offline.html").chmod(0o644)
    write_throwaway_certificate(tmp_path / "cert.pem", tmp_path / "key.pem")
    no_hosts = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]  # nothing listens
    https_port = free_port()
    write_nginx_config(tmp_path, no_hosts, https_port, free_port())
    nginx = subprocess.Popen(nginx_command(tmp_path), stderr=subprocess.DEVNULL)
    try:
        unchecked = ssl.create_default_context()
        unchecked.check_hostname, unchecked.verify_mode = False, ssl.CERT_NONE
        page, status = "", 0
        for _ in range(50):
            try:
                urllib.request.urlopen(
                    f"https://127.0.0.1:{https_port}/diary", context=unchecked, timeout=5
                )
            except urllib.error.HTTPError as answer:
                status, page = answer.code, answer.read().decode()
                break
            except OSError:
                time.sleep(0.1)  # nginx still starting
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
    assert status == 502
    soup = BeautifulSoup(page, "html.parser")
    assert soup.h1 is not None
    assert soup.h1.get_text() == "Sorry, Support Space is not working just now"
    quick_exit = soup.find("a", string=re.compile("Quick exit"))
    assert quick_exit is not None
    assert quick_exit["href"] == app.config["QUICK_EXIT_URL"]
    for service in app.extensions[CONTACTS_EXTENSION].footer:
        assert service.number in soup.get_text()
    assert soup.find(["script", "link", "img"]) is None, "nothing to fetch from hosts that are down"
