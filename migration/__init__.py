"""stx-migrate's pure core: format, protocol, rules, dedup, gate, store, reports.

Nothing in this package imports Prefect: every function takes frames and typed
models and returns frames and reports, so it can be tested without starting anything.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stx-migrate")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
