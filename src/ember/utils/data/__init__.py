"""ember.utils.data: datasets, samplers and the DataLoader (torch.utils.data)."""
from .dataset import (Dataset, IterableDataset, TensorDataset, StackDataset, ConcatDataset, ChainDataset,  # noqa: F401
                      Subset, random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,  # noqa: F401
                      WeightedRandomSampler, BatchSampler)
from .dataloader import DataLoader, get_worker_info, default_collate, default_convert  # noqa: F401
from ._utils.worker import WorkerInfo  # noqa: F401
from .datapipes.datapipe import DataChunk, DFIterDataPipe, IterDataPipe, MapDataPipe  # noqa: F401
from .datapipes._decorator import (argument_validation, functional_datapipe,  # noqa: F401
                                   guaranteed_datapipes_determinism, non_deterministic, runtime_validation,
                                   runtime_validation_disabled)
from . import datapipes, graph, graph_settings  # noqa: F401

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DataLoader", "get_worker_info", "default_collate",
           "default_convert", "WorkerInfo", "DataChunk", "DFIterDataPipe", "IterDataPipe", "MapDataPipe",
           "argument_validation", "functional_datapipe", "guaranteed_datapipes_determinism", "non_deterministic",
           "runtime_validation", "runtime_validation_disabled"]


def __getattr__(name):
    # DistributedSampler lives in .distributed, which needs ember.distributed; load it only when asked for
    if name == "DistributedSampler":
        from .distributed import DistributedSampler
        return DistributedSampler
    if name == "distributed":  # torch.utils.data.distributed, reached as an attribute
        import importlib
        return importlib.import_module(__name__ + ".distributed")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
