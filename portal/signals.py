"""Signals one journey sends and others listen to, so the journeys stay independent."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after someone signs in or registers, with `user_id` and the anonymous `session_data`
# they had; a journey that kept work for an anonymous visitor moves it into the account here.
account_signed_in = _signals.signal("account-signed-in")

# Sent just before an account is deleted, with `user_id`; journeys that keep files outside the
# database remove them here. Rows go with the account through ON DELETE CASCADE.
account_deleting = _signals.signal("account-deleting")
