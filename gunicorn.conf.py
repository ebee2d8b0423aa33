"""gunicorn settings for production (README, "Running it for real")."""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_THREADS", "1"))
# Each worker builds its own app after the fork, so no database connection is shared.
preload_app = False
# No client address (it identifies people) and the path without its query string (one-time
# links carry their tokens there).
accesslog = "-"
access_log_format = '"%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# every gunicorn of that user on the host would share (two "hosts" on one machine, a second
# site). Off unless PORTAL_CONTROL_SOCKET names a path of this server's own.
control_socket_disable = "PORTAL_CONTROL_SOCKET" not in os.environ
if not control_socket_disable:
    control_socket = os.environ["PORTAL_CONTROL_SOCKET"]
# Request lines as text (the format above) or, with PORTAL_LOG_FORMAT=json, one JSON object each;
# either way the path passes through portal.log_privacy.loggable_path first.
logger_class = "portal.log_format.GunicornLogger"
