"""mnistlab: train the course's MLPs on MNIST and see what regularisation does."""
import os

# MKL's strict reproducible mode: its matrix products give the same bits on any number of threads, so that a run may
# use a second core without changing its result (training.ThreadPicker). MKL reads this once, at its first call.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")

from .config import PRESETS, SLIPS, ConfigError, RunConfig, preset
from .data import Dataset, DataError, load_dataset
from .evaluation import Evaluation, evaluate
from .models import MLP, build_model
from .runs import Run, load_run, save_run
from .training import Progress, resolve_device, train

__all__ = ["PRESETS", "SLIPS", "ConfigError", "RunConfig", "preset", "Dataset", "DataError", "load_dataset",
           "Evaluation", "evaluate", "MLP", "build_model", "Run", "load_run", "save_run", "Progress",
           "resolve_device", "train"]
