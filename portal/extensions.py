"""Extensions, created once here and bound to an app by create_app() through init_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal.database import Database
from portal.security.addresses import hashed_client_address

# The main database holds every record; the keystore holds only each account's wrapped data key,
# apart, so that a backup of the main database alone can never be read (README, "Keys and backups").
db = Database("DATABASE_URL")
# Keystore changes are single statements (one key made, destroyed or rewrapped at a time), so
# they run in autocommit, without BEGIN/COMMIT round trips; a rotation commits key by key.
keystore_db = Database("KEYSTORE_URL", autocommit=True)

login_manager = LoginManager()
csrf = CSRFProtect()

# No default limits: each route that needs throttling names its own (portal.auth.views).
# The address is the client's once ProxyFix has read the proxy's X-Forwarded-For (PROXY_HOPS),
# and is counted under a keyed hash of it (portal.security.addresses), never as itself.
limiter = Limiter(key_func=hashed_client_address)
