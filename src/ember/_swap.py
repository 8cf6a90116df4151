"""Swap some of Ember's functions for wrappers while a context needs them (autocast, the profiler).

The wrappers replace each function wherever Ember binds it: in the globals of every loaded `ember.*`
module (so calls between Ember's own modules see them too) and among the attributes of given classes
(Tensor's methods and operators). Outside such a context the originals are in place and the hot path
pays nothing."""
import sys


class Swap:
    def __init__(self, make_table, classes=()):
        """make_table() -> {id(original): (original, wrapper)}, built on first use."""
        self._make_table, self._classes = make_table, classes
        self._table, self._sites, self._seen_modules, self.installed = None, None, -1, False

    def _find_sites(self):
        table = self._table
        if self._seen_modules != len(sys.modules):
            spaces = [m.__dict__ for n, m in list(sys.modules.items())
                      if (n == "ember" or n.startswith("ember.")) and hasattr(m, "__dict__")]
            spaces += list(self._classes)
            sites = []
            for space in spaces:
                items = space.items() if isinstance(space, dict) else vars(space).items()
                sites.extend((space, k) for k, v in items if id(v) in table and table[id(v)][0] is v)
            self._sites, self._seen_modules = sites, len(sys.modules)
        return self._sites

    def install(self):
        if self._table is None:
            self._table = self._make_table()
        table = self._table
        for space, name in self._find_sites():
            if isinstance(space, dict):
                space[name] = table[id(space[name])][1]
            else:
                setattr(space, name, table[id(vars(space)[name])][1])
        self.installed = True

    def uninstall(self):
        originals = {id(w): orig for orig, w in self._table.values()}
        for space, name in self._sites:
            if isinstance(space, dict):
                space[name] = originals.get(id(space[name]), space[name])
            else:
                setattr(space, name, originals.get(id(vars(space)[name]), vars(space)[name]))
        self.installed = False
