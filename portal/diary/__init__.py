"""A private diary of mood and sleep."""
