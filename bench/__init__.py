"""Tidings' benchmark harness: real server processes, real sockets, a baseline for each figure.

Run ``python -m bench`` (full sizes, several minutes) or ``python -m bench --quick`` (small
sizes, under a minute, asserts that every scenario delivers every message). See BENCHMARKS.md.
"""
