"""A doctored run: the observers patched into Ember's edges, the shared state, and the report."""
import os
import sys
import warnings
import weakref

import ember
from .findings import Finding

_EMBER_DIR = os.path.dirname(os.path.abspath(ember.__file__)) + os.sep
_DOCTOR_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_frame(depth=1):
    """The innermost frame outside Ember (and outside runpy/importlib): where the user's code is."""
    f = sys._getframe(depth)
    while f is not None:
        name = f.f_code.co_filename
        if not (name.startswith(_EMBER_DIR) or name.startswith("<frozen") or name == warnings.__file__):
            return f
        f = f.f_back
    return None


def where(depth=2):
    """(filename, line) of the user's code calling into Ember now."""
    f = user_frame(depth)
    return (f.f_code.co_filename, f.f_lineno) if f is not None else ("<unknown>", 0)


def _short(path):
    """The path relative to the working directory when it is below it."""
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


class Doctor:
    """Installs the observers, collects findings (printed as soon as certain) and prints the summary.

    The observers replace a few methods and functions of Ember while the doctor runs and put them back
    afterwards, so a run without the doctor executes exactly Ember's code."""

    def __init__(self, out=None, graph=None):
        self.out = out if out is not None else sys.stderr
        self.graph = graph              # path to draw the first loss's graph to, or None
        self.findings = []
        self._seen = set()
        self._broken = set()
        self._undo = []
        self.backwards = 0              # backward() calls so far
        self.steps = 0                  # optimizer steps so far
        self.backward_where = None      # where the latest backward() was called
        self.models = weakref.WeakValueDictionary()  # id -> top-level modules seen, to name parameters

    # ------------------------------------------------------------------ patching
    def patch(self, owner, name, make):
        """Replace owner.name by make(original) until uninstall()."""
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        self._undo.append((owner, name, original))
        setattr(owner, name, make(original))

    def install(self):
        for family in self._families:
            family.install(self)
        self.patch(warnings, "showwarning", self._blame_the_caller)
        return self

    @staticmethod
    def _blame_the_caller(showwarning):
        """A warning Ember raises through an observer names the user's line, as it does undoctored."""
        def show(message, category, filename, lineno, *args, **kwargs):
            if filename.startswith(_DOCTOR_DIR):
                filename, lineno = where()
            return showwarning(message, category, filename, lineno, *args, **kwargs)
        return show

    def uninstall(self):
        for family in self._families:
            family.uninstall(self)
        while self._undo:
            owner, name, original = self._undo.pop()
            setattr(owner, name, original)

    @property
    def _families(self):
        from . import data, losses, modes, training
        return (training, losses, modes, data)

    def safely(self, check, *args):
        """Run an observer; a failure inside the doctor is reported once and never stops the script."""
        try:
            return check(*args)
        except Exception as e:
            if check.__name__ not in self._broken:
                self._broken.add(check.__name__)
                print(f"ember doctor: internal error in {check.__module__}.{check.__name__} "
                      f"({type(e).__name__}: {e}); that check is skipped", file=self.out, flush=True)

    # ------------------------------------------------------------------ findings
    def report(self, id, evidence, at=None):
        """Record and print a finding once per (id, place); `at` is (file, line), else the user's call site."""
        filename, lineno = at if at is not None else where(3)
        key = (id, filename, lineno)
        if key in self._seen:
            return
        self._seen.add(key)
        finding = Finding(id, filename, lineno, evidence)
        self.findings.append(finding)
        sys.stdout.flush()
        print(finding, file=self.out, flush=True)

    def param_name(self, param):
        """'fc1.weight' for a parameter of a model seen in this run, else its shape."""
        for model in list(self.models.values()):
            for name, p in model.named_parameters():
                if p is param:
                    return name
        return f"a parameter of shape {tuple(param.shape)}"

    def summary(self):
        if not self.findings:
            return (f"ember doctor: no findings ({self.backwards} backward passes and {self.steps} optimizer "
                    "steps watched)")
        lines = [f"ember doctor: {len(self.findings)} finding{'s' if len(self.findings) > 1 else ''}"]
        width = max(len(f.id) for f in self.findings)
        for f in self.findings:
            lines.append(f"  {f.id:<{width}}  {_short(f.filename)}:{f.lineno}  {f.evidence}")
        return "\n".join(lines)

    def finish(self):
        """Checks that can only conclude at the end of the run, then the summary."""
        for family in self._families:
            family.finish(self)
        sys.stdout.flush()
        print(self.summary(), file=self.out, flush=True)
