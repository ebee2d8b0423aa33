"""Self-guided modules: Markdown guides with exercises, self-checks, saved answers and progress."""
