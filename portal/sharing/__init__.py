"""Sharing with a caseworker: the person's side (views) and the recipient's (recipient_views)."""
