"""Deployment: the nginx config for a real host, and `make stack`, which runs it on loopback."""
