"""torch._dynamo.config: the settings programs set before compiling; unknown names are errors, as in torch."""
import sys
import types

_DEFAULTS = dict(suppress_errors=False, cache_size_limit=8, recompile_limit=8, accumulated_cache_size_limit=256,
                 accumulated_recompile_limit=256, verbose=False, capture_scalar_outputs=False,
                 capture_dynamic_output_shape_ops=False, optimize_ddp=True, automatic_dynamic_shapes=True,
                 assume_static_by_default=True, specialize_int=False, inline_inbuilt_nn_modules=True,
                 guard_nn_modules=False, log_level=30, replay_record_enabled=False)


class _Config(types.ModuleType):
    def __getattr__(self, name):
        raise AttributeError(f"torch._dynamo.config.{name} does not exist")

    def __setattr__(self, name, value):
        if name not in _DEFAULTS and not name.startswith("__"):
            raise AttributeError(f"torch._dynamo.config.{name} does not exist")
        super().__setattr__(name, value)


globals().update(_DEFAULTS)
sys.modules[__name__].__class__ = _Config
