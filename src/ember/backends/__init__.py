"""ember.backends: which accelerator backends exist here (none: Ember runs on the CPU)."""
from types import SimpleNamespace


def _absent():
    return SimpleNamespace(is_available=lambda: False, is_built=lambda: False)


mps = _absent()
cuda = SimpleNamespace(is_built=lambda: False, matmul=SimpleNamespace(allow_tf32=False))
cudnn = SimpleNamespace(enabled=False, benchmark=False, deterministic=False, is_available=lambda: False,
                        allow_tf32=False)
mkldnn = SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = SimpleNamespace(is_available=lambda: False)
