"""DataParallel: torch.nn.DataParallel on a machine without GPUs, where torch's runs the module as it is."""
from ..modules.module import Module


class DataParallel(Module):
    """Holds `module` (state_dict keys `module.<name>`, as torch's) and calls it: with no GPU there is
    nothing to split the batch across."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """torch.nn.parallel.data_parallel: module(*inputs) when there is no GPU."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
