"""mnistlab: train the course's MLPs on MNIST and see what regularisation does."""
import importlib

# What each name comes from, imported at first use: `python -m mnistlab --help` must not wait for torch's import.
_EXPORTS = {"config": ("PRESETS", "SLIPS", "ConfigError", "RunConfig", "preset"),
            "data": ("Dataset", "DataError", "load_dataset"), "evaluation": ("Evaluation", "evaluate"),
            "models": ("MLP", "build_model"), "runs": ("Run", "load_run", "save_run"),
            "training": ("Progress", "resolve_device", "train")}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = list(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
