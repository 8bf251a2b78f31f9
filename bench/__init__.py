"""Benchmarks: each prints figures (not tests); run from the checkout's root as
``.venv/bin/python -m bench.<name>`` (``make bench`` runs them all)."""
