"""Shared helper for the runtime-surface tests: call the same dotted name in torch and in Ember and
compare what comes back (the value, or the exception's type and message)."""
import warnings

import torch

import ember


def resolve(root, dotted):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def outcome(root, dotted, args=(), kwargs=None):
    """('ok', value) or ('raise', exception type name, message) for root.<dotted>(*args, **kwargs);
    a dotted name of an attribute (not called) when args is None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            obj = resolve(root, dotted)
            value = obj if args is None else obj(*args, **(kwargs or {}))
        except Exception as e:  # noqa: BLE001 -- the exception is the thing compared
            return ("raise", type(e).__name__, str(e))
    return ("ok", value)


def same_outcome(dotted, args=(), kwargs=None, check_message=True):
    t, e = outcome(torch, dotted, args, kwargs), outcome(ember, dotted, args, kwargs)
    if not check_message and t[0] == "raise":
        t, e = t[:2], e[:2]
    assert e == t, f"{dotted}{args}: torch {t}, ember {e}"
