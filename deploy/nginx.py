"""nginx for the loopback stack: deploy/nginx.conf with the stack's ports and paths, a main
config that keeps every file nginx writes in the stack's folder, and its access log read back."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

NGINX_SITE = Path(__file__).resolve().parent / "nginx.conf"


class ShippedConfigChanged(RuntimeError):
    """deploy/nginx.conf no longer holds a value the stack replaces."""


# deploy/nginx.conf's log format: time "METHOD /path PROTOCOL" status bytes seconds upstream=host
PROXY_LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>.*) \S+" (?P<status>\d{3}) .* upstream=(?P<upstream>\S+)$'
)


@dataclass(frozen=True)
class ProxiedRequest:
    """One request as nginx logged it: which host (address:port) answered it."""

    method: str
    path: str
    status: int
    upstream: str

    @classmethod
    def from_log_line(cls, line: str) -> ProxiedRequest:
        found = PROXY_LOG_LINE.search(line)
        if found is None:
            raise ValueError(f"not a line of deploy/nginx.conf's log format: {line!r}")
        return cls(found["method"], found["path"], int(found["status"]), found["upstream"])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def nginx_site_for(
    upstreams: list[str],
    https_port: int,
    http_port: int,
    folder: Path,
    site_file: Path = NGINX_SITE,
) -> str:
    """deploy/nginx.conf with the stack's ports, certificate and log in place of a real host's.
    Every value must be found, so the file tested is the file shipped."""
    site = site_file.read_text()
    replacements = {
        "server 127.0.0.1:8001 ": f"server {upstreams[0]} ",
        "server 127.0.0.1:8002 ": f"server {upstreams[1]} ",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/letsencrypt/live/support.example.org/fullchain.pem": str(folder / "cert.pem"),
        "/etc/letsencrypt/live/support.example.org/privkey.pem": str(folder / "key.pem"),
        "/var/log/nginx/support-space.access.log": str(folder / "proxy-access.log"),
        "root /srv/support-space/offline;": f"root {folder};",
    }
    for shipped, ours in replacements.items():
        if shipped not in site:
            raise ShippedConfigChanged(
                f"deploy/nginx.conf no longer says {shipped!r}: update deploy/stack.py"
            )
        site = site.replace(shipped, ours)
    return site


def nginx_main_config(folder: Path) -> str:
    """nginx's own settings for an unprivileged copy: everything it writes is in `folder`."""
    return f"""
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    access_log off;
    include {folder}/support-space.conf;
}}
"""


def write_nginx_config(folder: Path, upstreams: list[str], https_port: int, http_port: int) -> None:
    """nginx's files for the stack in `folder` (the certificate must be there already)."""
    site = nginx_site_for(upstreams, https_port, http_port, folder)
    (folder / "support-space.conf").write_text(site)
    (folder / "nginx.conf").write_text(nginx_main_config(folder))


def nginx_command(folder: Path, *options: str) -> list[str]:
    """nginx run on the files write_nginx_config() made, its error log beside them."""
    config = ["-p", f"{folder}/", "-c", str(folder / "nginx.conf")]
    return [nginx_binary() or "nginx", *config, "-e", str(folder / "nginx-error.log"), *options]
