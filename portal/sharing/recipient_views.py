"""The recipient's side of a share: the link and the access code open read-only pages of the
records as they were shared, their photos and files, and the signed evidence pack. No account.

Once the code is right, the snapshot key is kept in this browser's server-side session (sealed
with a key derived from its cookie), so the pages that follow do not ask again. Nothing here
puts the token anywhere but the path, which the logs shorten to /shared/… (portal.log_privacy).
"""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from portal.extensions import db, limiter
from portal.forms import required_answer
from portal.incidents.uploads import content_disposition
from portal.models.shares import Share
from portal.security.csrf import keeps_form_on_csrf_failure
from portal.security.sessions import current_session
from portal.sharing.forms import AccessCodeForm
from portal.sharing.recipient import (
    CodeLocked,
    CodeWait,
    KeyOutdated,
    OpenShare,
    WrongCode,
    find_share,
    open_share,
    open_with_code,
    snapshot_part,
)
from portal.sharing.selection import is_photo
from portal.sharing.services import CODES_BEFORE_LOCK, ShareNotFound
from portal.sharing.snapshot import PACK_PART, SharedFile

bp = Blueprint("shared", __name__, url_prefix="/shared")

# Snapshot keys this browser was given, by share id.
SESSION_KEYS = "shared.keys"
# Wrong codes are counted per share (portal.sharing.recipient); this only stops one address
# trying links in bulk, and is generous for a shared office network.
CODE_LIMIT = "60 per hour"


def _kept_key(share_id: str) -> bytes | None:
    keys: dict[str, str] = current_session().get(SESSION_KEYS) or {}
    kept = keys.get(share_id)
    return base64.b64decode(kept) if kept else None


def _keep_key(share_id: str, key: bytes | None) -> None:
    session = current_session()
    keys = dict(session.get(SESSION_KEYS) or {})
    if key is None:
        keys.pop(share_id, None)
    else:
        keys[share_id] = base64.b64encode(key).decode()
    session[SESSION_KEYS] = keys


def _opened(share: Share) -> OpenShare | None:
    """The share, opened with the key this browser kept; None when it must give the code
    (first, or again after a new code was issued)."""
    key = _kept_key(str(share.id))
    if key is None:
        return None
    try:
        return open_share(db.session, share, key)
    except KeyOutdated:
        _keep_key(str(share.id), None)
        return None


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
@keeps_form_on_csrf_failure
def open_link(token: str) -> str | tuple[str, int] | BaseResponse:
    """The records, once the access code has been given; before that, a box for the code."""
    try:
        share = find_share(db.session, token)
    except ShareNotFound:
        return render_template("sharing/ended.html"), 404
    opened = _opened(share)
    if opened is not None:
        return render_template(
            "sharing/shared.html",
            snapshot=opened.snapshot,
            expires_at=opened.expires_at,
            file_url=lambda item, thumbnail: _file_url(token, item, thumbnail),
            pack_url=url_for("shared.pack", token=token),
            is_photo=is_photo,
        )
    if share.failed_codes >= CODES_BEFORE_LOCK:
        return _locked()
    form = AccessCodeForm()
    if form.validate_on_submit():
        return _check_code(share, token, form)
    return render_template("sharing/code.html", form=form)


def _locked() -> tuple[str, int]:
    return render_template("sharing/locked.html"), 403


def _check_code(
    share: Share, token: str, form: AccessCodeForm
) -> str | tuple[str, int] | BaseResponse:
    try:
        key = open_with_code(db.session, share, token, required_answer(form.code.data))
    except CodeLocked:
        return _locked()
    except CodeWait as wait:
        seconds = f"{wait.seconds} second{'' if wait.seconds == 1 else 's'}"
        form.code.errors = [f"Too many wrong codes. Wait {seconds}, then try again"]
    except WrongCode as wrong:
        if not wrong.tries_left:
            return _locked()
        form.code.errors = [
            "That is not the access code. Check it with the person who gave you the link "
            f"({wrong.tries_left} {'try' if wrong.tries_left == 1 else 'tries'} left)"
        ]
    else:
        _keep_key(str(share.id), key)
        return redirect(request.path)
    return render_template("sharing/code.html", form=form)


def _file_url(token: str, item: SharedFile, thumbnail: bool) -> str:
    part = item.thumbnail_part if thumbnail else item.part
    return url_for("shared.file", token=token, part=part)


def _opened_or_404(token: str) -> OpenShare:
    try:
        opened = _opened(find_share(db.session, token))
    except ShareNotFound:
        abort(404)
    if opened is None:
        abort(404)
    return opened


@bp.get("/<token>/files/<part>")
def file(token: str, part: str) -> Response:
    """A photo (location and camera details removed), its thumbnail, a letter or a recording."""
    opened = _opened_or_404(token)
    item = opened.snapshot.file_named(part)
    if item is None:
        abort(404)
    data = snapshot_part(db.session, opened, part)
    media_type = item.media_type if part == item.part else "image/jpeg"
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = content_disposition("inline", item.name)
    response.make_conditional(request, accept_ranges=True, complete_length=len(data))
    return response


@bp.get("/<token>/pack")
def pack(token: str) -> Response:
    """The signed evidence pack of the same records, made when they were shared."""
    opened = _opened_or_404(token)
    if not opened.snapshot.pack_name:
        abort(404)
    data = snapshot_part(db.session, opened, PACK_PART)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(
        "attachment", opened.snapshot.pack_name
    )
    return response
