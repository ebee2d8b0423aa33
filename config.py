"""Settings for development, testing and production, read from PORTAL_* environment variables.

README.md ("Settings") lists every variable. Each config class reads the environment when it is
created, so a test can pass its own mapping. Production refuses to start without its secrets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable; the message says which and how to fix it."""


def normalise_database_url(url: str | None) -> str | None:
    """Point postgres URLs at psycopg 3, the driver we install, whatever spelling was given."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class BaseConfig:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    TESTING = False
    DEBUG = False

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self._env = env

        # Secrets. Development generates its own under instance/ (see portal.instance_secrets).
        self.SECRET_KEY = env.get("PORTAL_SECRET_KEY") or None
        self.DATA_KEYS = env.get("PORTAL_DATA_KEYS") or None
        # The Ed25519 key that signs evidence packs (portal.incidents.signing).
        self.SIGNING_KEY = env.get("PORTAL_SIGNING_KEY") or None
        # Public keys the site signed with before, still accepted when checking (see signing.py).
        self.RETIRED_SIGNING_KEYS = env.get("PORTAL_RETIRED_SIGNING_KEYS", "")

        # Storage. None means "SQLite under instance/", filled in by create_app().
        self.DATABASE_URL = normalise_database_url(env.get("PORTAL_DATABASE_URL"))
        self.KEYSTORE_URL = normalise_database_url(env.get("PORTAL_KEYSTORE_URL"))
        self.REDIS_URL = env.get("PORTAL_REDIS_URL") or None
        # How long a SQLite write waits for another before the person gets "Not saved yet".
        self.SQLITE_BUSY_SECONDS = self._int("PORTAL_SQLITE_BUSY_SECONDS", 15)

        # Flask-Limiter shares its counts through Redis when there is one, so every worker agrees.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_KEY_PREFIX = env.get("PORTAL_RATELIMIT_PREFIX", "support-space")
        self.RATELIMIT_ENABLED = self._flag("PORTAL_RATELIMIT_ENABLED", default=True)
        self.RATELIMIT_HEADERS_ENABLED = False  # our 429 page sets Retry-After itself
        if self.REDIS_URL:
            # Redis down or out of reach: count in each process meanwhile (the same limits, per
            # worker), say so in the log, and go back to Redis once it answers again. Without
            # this, sign-in, registration and recovery failed for as long as Redis was away.
            self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
            # A Redis that has gone silent must not hold a person's request for long.
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}

        # Sessions: server-side (portal.security.sessions); the cookie holds only a random token.
        self.SESSION_IDLE_MINUTES = self._int("PORTAL_SESSION_IDLE_MINUTES", 30)
        self.SESSION_MAX_HOURS = self._int("PORTAL_SESSION_MAX_HOURS", 8)
        # Staff and admin accounts can change what everyone reads, so their sessions end sooner
        # (never later than PORTAL_SESSION_IDLE_MINUTES, whichever is set lower).
        self.STAFF_IDLE_MINUTES = self._int("PORTAL_STAFF_IDLE_MINUTES", 15)
        self.SESSION_COOKIE_NAME = "session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = False

        # CSRF: one hook checks every POST (portal.security.csrf); tokens live as long as sessions.
        self.WTF_CSRF_CHECK_DEFAULT = False
        self.WTF_CSRF_TIME_LIMIT = self.SESSION_MAX_HOURS * 3600
        # Flask-WTF's HTTPS check wants a Referer, which Referrer-Policy: no-referrer never sends;
        # portal.security.csrf checks Sec-Fetch-Site instead, and the cookie is SameSite=Lax.
        self.WTF_CSRF_SSL_STRICT = False

        self.MAX_CONTENT_LENGTH = self._int("PORTAL_MAX_REQUEST_MB", 12) * 1024 * 1024
        self.PROXY_HOPS = self._int("PORTAL_PROXY_HOPS", 0)
        self.BASE_URL = (env.get("PORTAL_BASE_URL") or "").rstrip("/") or None
        self.QUICK_EXIT_URL = env.get("PORTAL_QUICK_EXIT_URL") or DEFAULT_QUICK_EXIT_URL
        # The services pages and guides point people to; None means the bundled
        # portal/contacts.toml (a charity outside Staffordshire names its own copy).
        self.CONTACTS_FILE = env.get("PORTAL_CONTACTS_FILE") or None
        self.HSTS_ENABLED = False

        self.PASSWORD_HASH_PROFILE = "rfc9106-low-memory"  # noqa: S105 (a profile name)
        self.RESET_LINK_MINUTES = self._int("PORTAL_RESET_LINK_MINUTES", 60)
        # Accounts not signed in to for this long are deleted by `flask housekeeping`; 0 keeps
        # them until their owners delete them. The privacy page states the figure.
        self.UNUSED_ACCOUNT_MONTHS = self._int("PORTAL_UNUSED_ACCOUNT_MONTHS", 24)
        # Evidence files: the largest one accepted, and how much one account may keep in all.
        self.INCIDENT_FILE_MAX_MB = self._int("PORTAL_INCIDENT_FILE_MAX_MB", 10)
        self.INCIDENT_QUOTA_MB = self._int("PORTAL_INCIDENT_QUOTA_MB", 200)
        # How much of those files one share may hold: each share keeps its own sealed copy of
        # them (and of the originals, in its evidence pack) until it ends.
        self.SHARE_FILES_MAX_MB = self._int("PORTAL_SHARE_FILES_MAX_MB", 50)
        # The ASB Case Review as the local area runs it (portal.incidents.case_review): so many
        # complaints, made in the last so many months, each within so long of its incident.
        self.CASE_REVIEW_COMPLAINTS = self._int("PORTAL_CASE_REVIEW_COMPLAINTS", 3)
        self.CASE_REVIEW_MONTHS = self._int("PORTAL_CASE_REVIEW_MONTHS", 6)
        self.CASE_REVIEW_REPORT_WITHIN_MONTHS = self._int(
            "PORTAL_CASE_REVIEW_REPORT_WITHIN_MONTHS", 1
        )
        # Who runs the site and how to reach them, named on the privacy page (required in
        # production), where feedback goes (an email address or a web address), and how long
        # the people who run the server keep keystore backups (README, "Keys and backups").
        self.ORGANISATION = env.get("PORTAL_ORGANISATION") or None
        self.ORGANISATION_CONTACT = env.get("PORTAL_ORGANISATION_CONTACT") or None
        self.FEEDBACK = env.get("PORTAL_FEEDBACK") or None
        self.KEYSTORE_BACKUP_DAYS = self._int("PORTAL_KEYSTORE_BACKUP_DAYS", 7)

        # Email is optional: without an SMTP host, messages are written to instance/outbox/.
        self.MAIL_FROM = env.get("PORTAL_MAIL_FROM", "Support Space <no-reply@localhost>")
        self.SMTP_HOST = env.get("PORTAL_SMTP_HOST") or None
        self.SMTP_PORT = self._int("PORTAL_SMTP_PORT", 587)
        self.SMTP_USERNAME = env.get("PORTAL_SMTP_USERNAME") or None
        self.SMTP_PASSWORD = env.get("PORTAL_SMTP_PASSWORD") or None
        self.SMTP_STARTTLS = self._flag("PORTAL_SMTP_STARTTLS", default=True)
        self.OUTBOX_DIR = env.get("PORTAL_OUTBOX_DIR") or None
        self.MAIL_SEND_IN_BACKGROUND = True

        self.LOG_LEVEL = env.get("PORTAL_LOG_LEVEL", "INFO").upper()
        # "json": one JSON object per line for a log collector (portal.log_format).
        self.LOG_FORMAT = env.get("PORTAL_LOG_FORMAT", "text").lower()

    def _int(self, name: str, default: int) -> int:
        raw = self._env.get(name)
        if not raw:  # unset or empty
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None
        if value < 0:
            raise ConfigurationError(f"{name} must not be negative.")
        return value

    def _flag(self, name: str, *, default: bool) -> bool:
        raw = self._env.get(name)
        if not raw:  # unset or empty
            return default
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")

    def check(self) -> None:
        """Refuse settings that cannot work; called by create_app() before anything starts."""
        if self.SESSION_IDLE_MINUTES < 1 or self.SESSION_MAX_HOURS < 1:
            raise ConfigurationError("Session lifetimes must be at least a minute and an hour.")
        if self.STAFF_IDLE_MINUTES < 1:
            raise ConfigurationError("PORTAL_STAFF_IDLE_MINUTES must be at least 1.")
        if self.LOG_FORMAT not in ("text", "json"):
            raise ConfigurationError("PORTAL_LOG_FORMAT must be text or json.")

        if self.MAX_CONTENT_LENGTH < (self.INCIDENT_FILE_MAX_MB + 1) * 1024 * 1024:
            raise ConfigurationError(
                "PORTAL_MAX_REQUEST_MB must be at least 1 more than PORTAL_INCIDENT_FILE_MAX_MB, "
                "so the largest file allowed fits in a request with its form."
            )
        if self.SQLITE_BUSY_SECONDS < 1:
            raise ConfigurationError("PORTAL_SQLITE_BUSY_SECONDS must be at least 1.")


class DevelopmentConfig(BaseConfig):
    """`make run` on a laptop: SQLite and generated keys under instance/, mail to the outbox."""

    ENV_NAME = "development"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        self.BASE_URL = self.BASE_URL or "http://127.0.0.1:5000"  # where `make run` serves
        self.ORGANISATION = self.ORGANISATION or "Support Space (a copy running for development)"
        self.ORGANISATION_CONTACT = self.ORGANISATION_CONTACT or "privacy@example.org"


class TestingConfig(BaseConfig):
    """The test suite: same behaviour, cheaper password hashing and mail sent in the request."""

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__({} if environ is None else environ)
        self.PASSWORD_HASH_PROFILE = "fast-for-tests"  # noqa: S105 (a profile name)
        self.MAIL_SEND_IN_BACKGROUND = False
        self.BASE_URL = self.BASE_URL or "http://localhost"  # the test client's address
        self.ORGANISATION = self.ORGANISATION or "Example Victim Support Charity"
        self.ORGANISATION_CONTACT = self.ORGANISATION_CONTACT or "privacy@example.org"


class ProductionConfig(BaseConfig):
    """gunicorn behind a TLS proxy: secrets required, Secure __Host- cookie, HSTS."""

    ENV_NAME = "production"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        self.SESSION_COOKIE_NAME = "__Host-session"
        self.SESSION_COOKIE_SECURE = True
        self.PREFERRED_URL_SCHEME = "https"
        self.HSTS_ENABLED = True

    def check(self) -> None:
        super().check()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise ConfigurationError(
                "PORTAL_SECRET_KEY must be set to at least 32 random characters in production. "
                'Make one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        if not self.DATA_KEYS:
            raise ConfigurationError(
                "PORTAL_DATA_KEYS must be set in production: it protects every private record. "
                "Make one with: flask --app portal keys new"
            )
        if not self.SIGNING_KEY:
            raise ConfigurationError(
                "PORTAL_SIGNING_KEY must be set in production: it signs evidence packs, so an "
                "officer can tell one is unchanged. Make one with: "
                "flask --app portal keys signing-new"
            )
        if not self.DATABASE_URL or not self.KEYSTORE_URL:
            raise ConfigurationError(
                "PORTAL_DATABASE_URL and PORTAL_KEYSTORE_URL must both be set in production "
                "(README, 'Keys and backups')."
            )
        if self.DATABASE_URL == self.KEYSTORE_URL:
            raise ConfigurationError(
                "PORTAL_KEYSTORE_URL must name a different database from PORTAL_DATABASE_URL, "
                "so that backups of the records never hold the keys to them."
            )
        if not self.ORGANISATION or not self.ORGANISATION_CONTACT:
            raise ConfigurationError(
                "PORTAL_ORGANISATION and PORTAL_ORGANISATION_CONTACT must be set in production: "
                "the privacy page must say who runs the site and how to reach them."
            )
        if self.SMTP_HOST and not self.BASE_URL:
            raise ConfigurationError(
                "PORTAL_BASE_URL (for example https://support.example.org) must be set when "
                "email is on, so links in messages point at the real site."
            )


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None, environ: Mapping[str, str] | None = None) -> BaseConfig:
    """The settings for an environment name, or for PORTAL_ENV when no name is given."""
    env = os.environ if environ is None else environ
    chosen = name or env.get("PORTAL_ENV") or "development"
    try:
        config_class = CONFIGS[chosen]
    except KeyError:
        raise ConfigurationError(
            f"PORTAL_ENV must be one of {', '.join(CONFIGS)}, not {chosen!r}."
        ) from None
    return config_class(environ)
