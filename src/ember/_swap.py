"""Swap some of Ember's functions for wrappers while a context needs them (autocast, the profiler).

The wrappers replace each function wherever Ember binds it: in the globals of every loaded `ember.*`
module (so calls between Ember's own modules see them too) and among the attributes of given classes
(Tensor's methods and operators). Outside such a context the originals are in place and the hot path
pays nothing. Two swaps can be active at once: each wraps what it finds in place (the other's wrapper
included), and a wrapper left under another's when contexts close out of order only passes calls on."""
import sys


def resolve(fn):
    """The original function under any swap wrappers."""
    while hasattr(fn, "_swapped_from"):
        fn = fn._swapped_from
    return fn


class Swap:
    def __init__(self, make_table, make_wrapper, classes=()):
        """make_table() -> {id(original): (original, info)}, built on first use from `resolve`d functions;
        make_wrapper(fn, info) -> a function calling fn (the original or another swap's wrapper of it)."""
        self._make_table, self._make_wrapper, self._classes = make_table, make_wrapper, classes
        self._table, self._sites, self._seen_modules = None, None, -1
        self._wrappers, self._installed = {}, []

    def _find_sites(self):
        if self._seen_modules != len(sys.modules):
            table = self._table
            spaces = [m.__dict__ for n, m in list(sys.modules.items())
                      if (n == "ember" or n.startswith("ember.")) and hasattr(m, "__dict__")]
            spaces += list(self._classes)
            sites = []
            for space in spaces:
                items = space.items() if isinstance(space, dict) else vars(space).items()
                for k, v in items:
                    if callable(v) and id(resolve(v)) in table and table[id(resolve(v))][0] is resolve(v):
                        sites.append((space, k))
            self._sites, self._seen_modules = sites, len(sys.modules)
        return self._sites

    def _wrapper_for(self, value):
        w = self._wrappers.get(id(value))
        if w is None or w._swapped_from is not value:
            w = self._make_wrapper(value, self._table[id(resolve(value))][1])
            w._swapped_from, w._swap_owner = value, self
            self._wrappers[id(value)] = w
        return w

    def install(self):
        if self._table is None:
            self._table = self._make_table()
        for space, name in self._find_sites():
            value = space[name] if isinstance(space, dict) else vars(space)[name]
            if getattr(value, "_swap_owner", None) is self:  # left in place by an out-of-order close
                continue
            w = self._wrapper_for(value)
            if isinstance(space, dict):
                space[name] = w
            else:
                setattr(space, name, w)
            self._installed.append((space, name, value, w))

    def uninstall(self):
        for space, name, previous, w in reversed(self._installed):
            current = space.get(name) if isinstance(space, dict) else vars(space).get(name)
            if current is w:  # else another swap wrapped ours since: ours stays, passing calls on
                if isinstance(space, dict):
                    space[name] = previous
                else:
                    setattr(space, name, previous)
        self._installed = []
