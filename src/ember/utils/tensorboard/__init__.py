"""ember.utils.tensorboard (torch.utils.tensorboard): SummaryWriter writing TensorBoard event files.

Needs the `tensorboard` package (its protocol buffers and record writer): pip install "ember[tensorboard]".
"""
try:
    import tensorboard
except ImportError as e:
    raise ModuleNotFoundError('ember.utils.tensorboard needs the tensorboard package: pip install "ember[tensorboard]" '
                              '(or pip install tensorboard)', name="tensorboard") from e
if tuple(int(p) for p in tensorboard.__version__.split(".")[:2] if p.isdigit()) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")
del tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
