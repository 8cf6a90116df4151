"""ember.version (torch.version): what this build has. No CUDA, ROCm or cuDNN here."""
from . import __version__  # noqa: F401

cuda = None
hip = None
debug = False
git_version = "unknown"
