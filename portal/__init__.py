"""Support Space: a self-help portal for people harmed by anti-social behaviour.

`create_app()` builds the application: settings, extensions, sessions, blueprints, headers and
error pages. `flask --app portal ...` and wsgi.py both use it.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Flask, current_app, redirect, request, url_for
from jinja2 import StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response as BaseResponse

from config import BaseConfig, ConfigurationError, config_for
from portal import cli, instance_secrets
from portal.account.views import bp as account_bp
from portal.admin.views import bp as admin_bp
from portal.assets import asset_url, page_url
from portal.auth.current import SESSION_ROLE, SESSION_USERNAME, SignedInPerson
from portal.auth.second_factor_views import bp as second_factor_bp
from portal.auth.services import PASSWORDS_EXTENSION
from portal.auth.views import bp as auth_bp
from portal.contacts import (
    BUNDLED_CONTACTS_FILE,
    CONTACTS_EXTENSION,
    Contacts,
    ContactsInvalid,
    load_contacts,
)
from portal.dates import TEMPLATE_FILTERS
from portal.diary.export import diary_section, sleep_section
from portal.diary.sleep_views import bp as sleep_bp
from portal.diary.views import bp as diary_bp
from portal.errors import (
    log_exception_without_message,
    refuse_without_sessions,
    register_error_pages,
)
from portal.extensions import csrf, db, keystore_db, limiter, login_manager
from portal.forms import fields_with_errors
from portal.guides.export import guides_section
from portal.guides.library import (
    GUIDES_FOLDER,
    QUESTIONNAIRES_EXTENSION,
    load_bundled_questionnaires,
)
from portal.guides.views import bp as guides_bp
from portal.held_writing import hold_posted_form
from portal.incidents.export import incidents_section
from portal.incidents.signing import (
    SIGNING_EXTENSION,
    Signer,
    SigningKeyInvalid,
    new_signing_key,
    retired_keys_from_setting,
)
from portal.incidents.views import bp as incidents_bp
from portal.journeys import Journey, nav_links, register_journeys, stylesheet_of
from portal.log_format import send_logs_to_stderr
from portal.log_privacy import install_log_filters
from portal.models.accounts import User
from portal.pages.views import bp as pages_bp
from portal.security.crypto import KeyRing, new_data_keys_entry
from portal.security.csrf import check_csrf
from portal.security.data_keys import (
    DATA_KEY_CACHE_EXTENSION,
    KEYRING_EXTENSION,
    DataKeyCache,
)
from portal.security.headers import set_security_headers
from portal.security.passwords import PasswordHashing
from portal.security.sessions import ServerSessionInterface, current_session, idle_minutes_for
from portal.sharing.export import shares_section
from portal.sharing.recipient_views import bp as shared_bp
from portal.sharing.views import bp as sharing_bp
from portal.staff.boundary import install_privacy_boundary
from portal.staff.views import bp as staff_bp
from portal.verify.views import bp as verify_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class PortalFlask(Flask):
    """Flask, logging unexpected errors without their messages (which can hold private text)."""

    def log_exception(self, exc_info: Any) -> None:
        log_exception_without_message(exc_info)


def create_app(config: BaseConfig | None = None) -> Flask:
    """Build the application from `config`, or from PORTAL_* environment variables."""
    settings = config or config_for()
    app = PortalFlask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(settings)
    _fill_local_defaults(app, settings)
    settings.check()
    install_log_filters(app)
    send_logs_to_stderr(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    keystore_db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    app.session_interface = ServerSessionInterface()
    app.extensions[KEYRING_EXTENSION] = KeyRing.from_setting(app.config["DATA_KEYS"])
    app.extensions[DATA_KEY_CACHE_EXTENSION] = DataKeyCache()
    app.extensions[PASSWORDS_EXTENSION] = PasswordHashing(app.config["PASSWORD_HASH_PROFILE"])
    app.extensions[SIGNING_EXTENSION] = _load_signer(app)
    contacts = _load_contacts(app)
    app.extensions[CONTACTS_EXTENSION] = contacts
    app.extensions[QUESTIONNAIRES_EXTENSION] = load_bundled_questionnaires(
        GUIDES_FOLDER / "questionnaires", contacts
    )

    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.globals.update(
        asset_url=asset_url,
        page_url=page_url,
        contacts=contacts,
        fields_with_errors=fields_with_errors,
    )
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.context_processor(_layout_context)

    app.before_request(refuse_without_sessions)  # before the CSRF check, which needs the session
    app.before_request(check_csrf)
    app.after_request(set_security_headers)
    # Staff and admin pages never reach people's private records (portal.staff.boundary).
    install_privacy_boundary(app)
    register_error_pages(app)

    register_journeys(
        app,
        (
            Journey(pages_bp, stylesheet="css/pages.css"),
            Journey(auth_bp, stylesheet="css/auth.css"),
            Journey(second_factor_bp, stylesheet="css/auth.css"),
            Journey(
                guides_bp,
                nav_endpoint="guides.library",
                nav_label="Guides",
                summary="Short guides to work through at your own pace, on things like anxious "
                "feelings and sleeping badly.",
                keeps="Your answers and progress in the guides.",
                export=guides_section,
                stylesheet="css/guides.css",
            ),
            Journey(
                diary_bp,
                nav_endpoint="diary.home",
                nav_label="Diary",
                summary="Write down how you feel each day and how you sleep, and see them over "
                "time. It is locked with a key that belongs to your account.",
                keeps="Your diary: the date, mood, tags and notes of each entry.",
                export=diary_section,
                stylesheet="css/diary.css",
            ),
            Journey(
                sleep_bp,
                keeps="Your sleep diary: the times you gave for each night, how well you slept "
                "and your notes.",
                export=sleep_section,
                stylesheet="css/diary.css",
                part_of="diary",
            ),
            Journey(
                incidents_bp,
                nav_endpoint="incidents.home",
                nav_label="Incident log",
                summary="Record each incident of anti-social behaviour, with photos and sound, as "
                "evidence for the police, your council or your landlord.",
                keeps="Your incident log: every version of each incident, and its photos, "
                "letters and sound recordings.",
                export=incidents_section,
                stylesheet="css/incidents.css",
            ),
            Journey(
                sharing_bp,
                keeps="The shares you make: who each is for (your words), what is in it, when "
                "it ends, and each time it was opened (the time only). What they show is locked "
                "with the link and code, and destroyed when the share ends.",
                export=shares_section,
                stylesheet="css/incidents.css",
                part_of="incidents",
            ),
            # What a person shared, for the caseworker they gave the link and code to.
            Journey(shared_bp, stylesheet="css/incidents.css"),
            Journey(account_bp),
            # Managing staff accounts: admins only, not in the menu.
            Journey(admin_bp, stylesheet="css/auth.css"),
            # Staff writing and publishing guides: not in the menu, found by staff at /staff.
            Journey(staff_bp, stylesheet="css/staff.css"),
            # Checking an evidence pack: public, for officers, and not in the menu.
            Journey(verify_bp),
        ),
    )
    cli.register(app)
    return app


def _fill_local_defaults(app: Flask, settings: BaseConfig) -> None:
    """Development and tests get SQLite files and secrets of their own; production never does."""
    if settings.ENV_NAME == "production":
        return
    instance = Path(app.instance_path)
    generated_names = instance_secrets.GENERATORS.keys()
    if settings.ENV_NAME == "testing":
        generated = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATA_KEYS": new_data_keys_entry("test1"),
            "SIGNING_KEY": new_signing_key(),
        }
    elif not all(app.config.get(name) for name in generated_names):
        generated = instance_secrets.load_or_create(app.instance_path)
    else:
        generated = {}
    for name in generated_names:
        if not app.config.get(name):
            app.config[name] = generated[name]
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    if not app.config.get("KEYSTORE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["KEYSTORE_URL"] = f"sqlite:///{instance / 'keystore.sqlite3'}"


def _load_signer(app: Flask) -> Signer:
    try:
        signer = Signer.from_setting(app.config["SIGNING_KEY"])
    except SigningKeyInvalid as invalid:
        raise ConfigurationError(
            f"PORTAL_SIGNING_KEY is not a usable key: {invalid}. Make one with: "
            "flask --app portal keys signing-new"
        ) from None
    try:
        retired = retired_keys_from_setting(app.config["RETIRED_SIGNING_KEYS"])
    except SigningKeyInvalid as invalid:
        raise ConfigurationError(
            f"PORTAL_RETIRED_SIGNING_KEYS holds something that is not a public key: {invalid}. "
            "Each is printed by: flask --app portal keys signing-public"
        ) from None
    return replace(signer, retired=retired)


def _load_contacts(app: Flask) -> Contacts:
    """The services pages and guides point to; a broken file stops the site starting."""
    path = app.config["CONTACTS_FILE"]
    try:
        return load_contacts(Path(path) if path else BUNDLED_CONTACTS_FILE)
    except ContactsInvalid as invalid:
        raise ConfigurationError(f"PORTAL_CONTACTS_FILE: {invalid}") from None


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    # Our server-side sessions already end on sign-out, password change and timeouts; Flask-Login's
    # IP-based protection would only sign people out as their phone moves between networks.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id: str) -> SignedInPerson | None:
        session = current_session()
        if session.user_id is None or str(session.user_id) != user_id:
            return None
        username = session.get(SESSION_USERNAME)
        if username is None:  # a session from before usernames were kept in it
            user = db.session.get(User, session.user_id)
            username = user.username if user else None
        if username is None:
            return None
        return SignedInPerson(session.user_id, username, session.get(SESSION_ROLE, "person"))

    @login_manager.unauthorized_handler
    def ask_to_sign_in() -> BaseResponse:
        # Any, as url_for's own **values are: mypy would check a dict[str, str] against _external.
        values: dict[str, Any] = {}
        if request.method == "GET":
            values["next"] = request.full_path.rstrip("?")
        elif hold_posted_form():
            values["next"] = request.path  # where the held writing is given back
        if current_session().ended_reason:
            values["reason"] = "timeout"
        return redirect(url_for("auth.sign_in", **values))


def _layout_context() -> dict[str, Any]:
    """What base.html needs on every page."""
    session = current_session()
    return {
        "quick_exit_url": current_app.config["QUICK_EXIT_URL"],
        # A CSRF token for the quick exit's beacon, only when there is a session to end: asking
        # for one would otherwise create a session for every visitor.
        "has_session": session.token is not None or bool(session),
        "idle_minutes": idle_minutes_for(current_app, session),
        "nav_links": nav_links(),
        "journey_stylesheet": stylesheet_of(request.blueprint),
    }
