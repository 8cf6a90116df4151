"""torch.utils.data.datapipes: DataPipe graphs (see datapipe.py)."""
from . import datapipe, iter, map, utils  # noqa: F401
