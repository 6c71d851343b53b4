"""mnistlab: train the course's MLPs on MNIST and see what regularisation does."""
from .config import PRESETS, SLIPS, ConfigError, RunConfig, preset
from .data import Dataset, DataError, load_dataset
from .evaluation import Evaluation, evaluate
from .models import MLP, build_model
from .runs import Run, load_run, save_run
from .training import Progress, resolve_device, train

__all__ = ["PRESETS", "SLIPS", "ConfigError", "RunConfig", "preset", "Dataset", "DataError", "load_dataset",
           "Evaluation", "evaluate", "MLP", "build_model", "Run", "load_run", "save_run", "Progress",
           "resolve_device", "train"]
