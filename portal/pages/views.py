"""Public pages and the quick exit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.views import clear_site_data, end_session
from portal.extensions import db
from portal.guides.library import published_guides
from portal.readiness import parts_not_answering
from portal.security.csrf import ends_session_whatever_the_token
from portal.security.headers import public_page

bp = Blueprint("pages", __name__)
PLAIN_TEXT = {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/")
@public_page
def home() -> str:
    return render_template("pages/home.html")


@bp.get("/start")
def start() -> str | BaseResponse:
    """Where someone lands after signing in with nowhere else to go: a calm choice, not the
    account page with its deletion button."""
    if not current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    in_progress = [
        guide for guide in published_guides(db.session, current_user.id) if guide.resume_step_id
    ]
    return render_template("pages/start.html", in_progress=in_progress)


@bp.get("/help")
@public_page
def get_help() -> str:
    """Phone numbers and services, for now and for later."""
    return render_template("pages/help.html")


@bp.get("/staying-safe-online")
@public_page
def staying_safe() -> str:
    """Covering tracks: quick exit, private browsing, clearing history."""
    return render_template("pages/staying_safe.html")


# The date the privacy page's words last changed: update it with them.
PRIVACY_UPDATED = date(2026, 11, 30)


@dataclass(frozen=True)
class PrivacyFacts:
    """What the privacy page states, from the settings that make each statement true."""

    organisation: str
    contact: str
    unused_account_months: int
    keystore_backup_days: int
    max_hours: int
    updated: date = PRIVACY_UPDATED


@bp.get("/privacy")
@public_page
def privacy() -> str:
    config = current_app.config
    facts = PrivacyFacts(
        organisation=config["ORGANISATION"] or "the charity that runs this site",
        contact=config["ORGANISATION_CONTACT"] or "the charity that runs this site",
        unused_account_months=config["UNUSED_ACCOUNT_MONTHS"],
        keystore_backup_days=config["KEYSTORE_BACKUP_DAYS"],
        max_hours=config["SESSION_MAX_HOURS"],
    )
    return render_template("pages/privacy.html", privacy=facts)


@bp.get("/feedback")
@public_page
def feedback() -> str:
    """How to tell the people who run the site what works and what does not."""
    where = current_app.config["FEEDBACK"] or current_app.config["ORGANISATION_CONTACT"]
    href = None
    if where and "@" in where and "://" not in where:
        href = f"mailto:{where}"
    elif where and where.startswith(("https://", "http://")):
        href = where
    return render_template(
        "pages/feedback.html",
        where=where,
        href=href,
        organisation=current_app.config["ORGANISATION"],
    )


@bp.get("/accessibility")
@public_page
def accessibility() -> str:
    return render_template("pages/accessibility.html")


@bp.get("/exit")
@ends_session_whatever_the_token
def quick_exit() -> BaseResponse:
    """Quick exit without JavaScript: end the session, then go to a neutral site.

    The one GET that changes something, on purpose: it has to work as a plain link, and the
    worst a forged request can do is sign someone out.
    """
    end_session()
    return clear_site_data(redirect(current_app.config["QUICK_EXIT_URL"], code=303))


@bp.post("/exit")
@ends_session_whatever_the_token
def quick_exit_beacon() -> BaseResponse:
    """Quick exit with JavaScript: the page sends this as it replaces itself."""
    end_session()
    return clear_site_data(Response(status=204))


@bp.get("/health")
def health() -> tuple[str, int, dict[str, str]]:
    """For load balancers and the benchmarks' baseline: answers without touching a database."""
    return "ok", 200, PLAIN_TEXT


@bp.get("/ready")
def ready() -> tuple[str, int, dict[str, str]]:
    """For a proxy or orchestrator: 200 when the databases and Redis answer, 503 naming the
    parts that do not (never a version or an address)."""
    missing = parts_not_answering()
    if missing:
        return "not ready: " + ", ".join(missing), 503, PLAIN_TEXT
    return "ready", 200, PLAIN_TEXT
