"""ember.autograd.profiler: torch.autograd.profiler's older spelling of the profiler."""
from ..profiler.profiler import profile as _profile, record_function  # noqa: F401
from ..profiler.events import EventList, FunctionEvent, FunctionEventAvg  # noqa: F401


class profile(_profile):
    """torch.autograd.profiler.profile(enabled=True, ..., record_shapes, profile_memory, with_stack):
    records the whole block (no schedule)."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack)
        self.enabled = enabled

    def __enter__(self):
        return super().__enter__() if self.enabled else self

    def function_events(self):
        return self.events()
