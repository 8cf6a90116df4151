"""ember.utils: torch.utils. Submodules (data, safetensors, ...) load on first attribute access."""
import importlib


def __getattr__(name):
    # lazy, so `import ember.utils` stays cheap and each submodule imports only when used
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
