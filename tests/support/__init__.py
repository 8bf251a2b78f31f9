"""Helpers shared by the tests and the benchmarks (``python -m bench.<name>``):
real servers and browsers, the test course, paths.  Nothing here is a test."""
