"""Internals of ember.utils.data: collation, fetching and the worker process."""
from . import collate, fetch, worker  # noqa: F401
