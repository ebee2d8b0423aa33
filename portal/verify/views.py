"""GET and POST /verify: upload a pack, read whether it is unchanged or what differs; and
/verify/public-key.pem, the site's public key. Public pages: an officer has no account here.

Nothing uploaded is kept: the ZIP is checked in memory and answered at once. The check is the
response to the POST (like the data download), since it changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask.wrappers import Response
from werkzeug.exceptions import RequestEntityTooLarge

from portal.extensions import limiter
from portal.incidents.signing import current_signer, public_key_fingerprint
from portal.incidents.verify import Outcome, verify_pack
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.headers import public_page
from portal.verify.forms import CheckPackForm

bp = Blueprint("verify", __name__, url_prefix="/verify")

# A check reads up to PORTAL_MAX_REQUEST_MB and hashes it; an officer checks a few at a time.
CHECK_LIMIT = "60 per hour"


def upload_limit_mb() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)


def _check_page(form: CheckPackForm) -> str:
    signer = current_signer()
    return render_template(
        "verify/check.html",
        form=form,
        upload_limit_mb=upload_limit_mb(),
        fingerprint=signer.fingerprint,
        retired_fingerprints=signer.retired_fingerprints,
        key_url=url_for("verify.public_key", _external=True),
    )


@bp.route("", methods=["GET", "POST"])
@public_page
@limiter.limit(CHECK_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def check() -> str:
    """The form; once a ZIP is sent, whether it is unchanged, or what differs."""
    form = CheckPackForm()
    if form.validate_on_submit():
        keys = current_signer().public_keys
        result = verify_pack(form.pack.data.stream, keys)
        if result.outcome is not Outcome.UNREADABLE:
            earlier = keys[result.signed_with] if result.signed_with else None
            return render_template(
                "verify/result.html",
                check=result,
                earlier_key=public_key_fingerprint(earlier) if earlier else None,
            )
        # Messages in an error summary end without a full stop, as every form's do.
        form.add_error("pack", (result.problem or "").rstrip("."))
    return _check_page(form)


@bp.errorhandler(RequestEntityTooLarge)
def too_big(_error: RequestEntityTooLarge) -> tuple[str, int]:
    """A pack over the upload limit: the form again, saying what to do instead."""
    form = CheckPackForm(formdata=None)
    form.add_error(
        "pack",
        f"The file is bigger than {upload_limit_mb()} MB, the most this page can take. "
        "Check it with the commands in the pack's HOW-TO-CHECK.txt file instead",
    )
    return _check_page(form), 413


@bp.get("/public-key.pem")
@public_page
def public_key() -> Response:
    """The public key packs are signed with, for `openssl pkeyutl -verify -pubin -inkey`."""
    return Response(
        current_signer().public_key_pem,
        mimetype="text/plain",
        headers={"Content-Disposition": 'inline; filename="public-key.pem"'},
    )
