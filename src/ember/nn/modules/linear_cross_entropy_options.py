"""LinearCrossEntropyOptions (torch.nn.modules.linear_cross_entropy_options): how PyTorch chunks
linear_cross_entropy to save memory. Ember computes the loss in one piece (the same values), so the options
are kept and printed but change nothing."""
import dataclasses

__all__ = ["LinearCrossEntropyOptions"]


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    allow_retain_graph: bool = False
    batch_chunk_size: int = None
    chunking_method: str = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None
