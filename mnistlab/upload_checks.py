"""Checks on a file a visitor sends, made before it costs anything: what its weights would take in memory, whether its
numbers are in their ranges, whether a lesson's runs fit its plan, and names derived from it that stay in their folder.

Each check raises UploadRefused (a key of mnistlab/strings) saying what is wrong; the loaders (runs, lesson) call them
and put the reason in their own message.
"""
from __future__ import annotations

import io
import math
import re
import sys
import zipfile
from pathlib import Path
from typing import Hashable

from .config import CLASSES, RunConfig, is_number
from .inside import STEP_WINDOW
from .i18n import KeyedError

# torch.save's zip: data.pkl (the tensors' layout), a few small entries, one record per tensor, each stored as is.
PICKLE_BYTES_AT_MOST = 1_000_000  # a state_dict's layout is a few kB; this leaves room for any name torch gives
SMALL_ENTRIES_BYTES = 64 * 1024  # version, byteorder, alignment, serialization id, and each record's padding
ENTRIES_PER_LAYER = 7  # a linear layer's weight and bias, a BatchNorm's weight, bias, mean, variance and count
ENTRIES_BESIDES = 12
# Both data sets hold 10 000 test images (a run's confusion counts sum to them); an owner's own set may hold more.
TEST_IMAGES_AT_MOST = 100_000
ACCURACY_RANGE = (0.0, 100.0)
TRAIN_IMAGES_AT_MOST = 60_000  # both data sets' training images (validation takes a share of them)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRefused(KeyedError, ValueError):
    """A file refused before it is used; the message (a key of mnistlab/strings) says what is wrong."""


def weights_budget(config: RunConfig) -> int:
    """The bytes torch.save writes for this config's state_dict, at most: float32 weights and biases, BatchNorm's
    four vectors of float32 and its int64 count per hidden layer, and the zip's small entries."""
    tensors = 4 * config.weights
    if config.batchnorm:
        tensors += sum(4 * 4 * size + 8 for size in config.hidden)
    return tensors + SMALL_ENTRIES_BYTES + PICKLE_BYTES_AT_MOST


def check_weights_file(weights: bytes, config: RunConfig) -> None:
    """Refuse a weights.pt before torch.load reads it, from its own zip directory: torch.save stores each tensor's
    record as is, so a record deflated (a bomb: 2 GB of zeros in 2 MB), more records or more bytes than the config's
    shapes take is not a run's. torch.load then inflates nothing and allocates at most what the directory declared."""
    try:
        with zipfile.ZipFile(io.BytesIO(weights)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UploadRefused("error.upload.weights_not_zip", reason=error) from error
    declared = sum(entry.file_size for entry in entries)
    most_entries = ENTRIES_PER_LAYER * (len(config.hidden) + 1) + ENTRIES_BESIDES
    packed = next((entry for entry in entries if entry.compress_type != zipfile.ZIP_STORED
                   or entry.file_size != entry.compress_size), None)
    if len(entries) > most_entries:
        raise UploadRefused("error.upload.weights_entries", count=len(entries), most=most_entries)
    if packed is not None:
        raise UploadRefused("error.upload.weights_packed", entry=packed.filename)
    budget = weights_budget(config)
    if declared > budget or declared > len(weights):
        raise UploadRefused("error.upload.weights_size", size=megabytes(declared), most=megabytes(budget))


def megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f}"


def check_numbers_in_range(values, where: str = "") -> None:
    """Refuse any integer beyond a float's range anywhere in parsed JSON (the pages compute with floats: such a number
    raised OverflowError on every page that drew it). Iterative: no depth limit of its own."""
    stack = [values]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max:
            raise UploadRefused("error.upload.number_range", digits=len(str(abs(value))))


def finite_in(value, low: float, high: float) -> bool:
    return is_number(value) and math.isfinite(value) and low <= value <= high


def check_history(history: list[dict], config: RunConfig) -> None:
    """Refuse a history whose epochs or accuracies are outside their ranges (losses may be NaN or infinite: a diverged
    run's are). At most one row per epoch, and a partial last one."""
    if len(history) > config.epochs + 1:
        raise UploadRefused("error.upload.history_rows", rows=len(history), epochs=config.epochs)
    for row in history:
        if not finite_in(row["epoch"], 0, config.epochs):
            raise UploadRefused("error.upload.history_epoch", value=row["epoch"], epochs=config.epochs)
        for key in ("train_accuracy", "val_accuracy"):
            if not finite_in(row[key], *ACCURACY_RANGE):
                raise UploadRefused("error.upload.accuracy", what=key, value=row[key])
        if not all(row.get(key) is None or finite_in(row[key], 0, math.inf) for key in ("seconds",)):
            raise UploadRefused("error.upload.seconds", value=row.get("seconds"))
        too_long = next((key for key, most in lists_at_most(config).items() if len(row.get(key) or ()) > most), None)
        if too_long is not None:
            raise UploadRefused("error.upload.list_length", what=too_long, count=len(row[too_long]),
                                most=lists_at_most(config)[too_long])


def lists_at_most(config: RunConfig) -> dict[str, int]:
    """How many values each list of a history row holds at most (mnistlab.inside): one per layer, and one point of the
    loss curve every STEP_WINDOW steps of an epoch, whatever the split."""
    layers = len(config.hidden) + 1
    return {"weight_norms": layers, "dead_units": layers, "bn_running_mean": layers, "bn_running_var": layers,
            "step_losses": -(-TRAIN_IMAGES_AT_MOST // (config.batch_size * STEP_WINDOW)) + 2}


def check_evaluation(evaluation) -> None:
    """Refuse test results whose accuracies are not finite percentages, whose counts exceed any test set, or whose
    mistakes point past the images counted (the gallery reads them from the test set)."""
    if evaluation is None:
        return
    accuracies = [evaluation.accuracy, *evaluation.per_class_accuracy]
    bad = next((value for value in accuracies if not finite_in(value, *ACCURACY_RANGE)), None)
    if bad is not None or len(accuracies) != CLASSES + 1:
        raise UploadRefused("error.upload.accuracy", what="test accuracy", value=bad)
    images = sum(map(sum, evaluation.confusion))
    if images > TEST_IMAGES_AT_MOST:
        raise UploadRefused("error.upload.test_images", count=images, most=TEST_IMAGES_AT_MOST)
    bad = next((m for m in evaluation.misclassified if not finite_in(m["probability"], 0.0, 1.0)), None)
    if bad is not None:
        raise UploadRefused("error.upload.probability", value=bad["probability"])


def check_run_seconds(seconds) -> None:
    if not finite_in(seconds, 0, math.inf):
        raise UploadRefused("error.upload.seconds", value=seconds)


def check_test_accuracy(value) -> None:
    if value is not None and not finite_in(value, *ACCURACY_RANGE):
        raise UploadRefused("error.upload.accuracy", what="test_accuracy", value=value)


def check_lesson_runs(runs, tasks: list[tuple[str, str, int]]) -> None:
    """Refuse a lesson whose runs are not among its plan's (variant, arm, seed), or repeat one: runs per variant are
    then bounded by the plan's seeds (a file of 20 seeds per variant made the statistics enumerate C(40, 20))."""
    check_each_planned_once([((run.variant, run.arm, run.seed), {"variant": run.variant, "arm": run.arm,
                                                                  "seed": run.seed}) for run in runs],
                            set(tasks), "error.upload.lesson_run", "error.upload.lesson_twice")


def check_each_planned_once(found: list[tuple[Hashable, dict]], planned: set, not_planned: str, twice: str) -> None:
    """Refuse the first of found (its identity, and the values its message names) that is not planned, or that comes
    a second time: a file then holds no more runs than its plan trains."""
    seen = set()
    for identity, said in found:
        if identity not in planned:
            raise UploadRefused(not_planned, **said)
        if identity in seen:
            raise UploadRefused(twice, **said)
        seen.add(identity)


def safe_file_part(text: str) -> str:
    """Text from a file made fit for a file name: letters, digits, '.', '_' and '-' only, no leading dot."""
    return SAFE_NAME.sub("-", text).strip(".-")


def path_inside(folder: Path, name: str) -> Path:
    """folder / name, refused unless it is a plain name that stays in folder (no '/', '..' or absolute path)."""
    path = (folder / name).resolve()
    if Path(name).name != name or name in ("", ".", "..") or path.parent != folder.resolve():
        raise UploadRefused("error.upload.name_outside", name=name)
    return path

