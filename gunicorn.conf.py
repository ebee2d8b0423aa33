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


def post_worker_init(worker: object) -> None:
    """A share's link has its token in the path: the access log shows it as /shared/…"""
    import logging

    from portal.log_privacy import DropQueryStrings

    logging.getLogger("gunicorn.access").addFilter(DropQueryStrings())
