"""ember.profiler: torch.profiler on Ember's CPU, timing every op at Ember's dispatch."""
from .profiler import (profile, record_function, schedule, ProfilerAction, ProfilerActivity,  # noqa: F401
                       tensorboard_trace_handler, supported_activities)

__all__ = ["profile", "record_function", "schedule", "ProfilerAction", "ProfilerActivity",
           "tensorboard_trace_handler", "supported_activities"]
