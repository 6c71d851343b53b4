"""A hostile-input corpus, built by code (no binaries shipped): run zips, weights, lessons and data files made to cost
a server memory or CPU, crash its pages or write outside their folder; each builder returns the bytes a visitor sends.
"""
from __future__ import annotations

import functools
import gzip
import io
import json
import math
import zipfile
from pathlib import Path

import torch

from mnistlab.config import RunConfig, preset
from mnistlab.evaluation import Evaluation
from mnistlab.lesson.files import lesson_to_bytes
from mnistlab.lesson.plan import CORRECTED, Lesson, LessonPlan, LessonRun
from mnistlab.models import build_model
from mnistlab.run_record import RunRecord
from mnistlab.runs import Run, run_to_zip
from mnistlab.sweep import SweepPlan
from mnistlab.sweep_files import Sweep

HISTORY = [{"epoch": 1.0, "train_loss": 0.4, "train_accuracy": 90.0, "val_loss": 0.3, "val_accuracy": 92.0,
            "seconds": 1.0}]
CHUNK = 16 * 1024 * 1024


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def reset_peak_rss() -> bool:
    """Start the peak (VmHWM) afresh from now; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def evaluation(**changes) -> Evaluation:
    confusion = [[1000 if i == j else 0 for j in range(10)] for i in range(10)]
    confusion[3][5], confusion[3][3] = 10, 990
    values = {"loss": 0.1, "accuracy": 99.9, "per_class_accuracy": [99.0] * 10, "confusion": confusion,
              "misclassified": [{"index": 7, "true": 3, "predicted": 5, "probability": 0.9, "loss": 2.3}]}
    return Evaluation(**{**values, **changes})


def good_run(config: RunConfig | None = None, with_model: bool = True) -> Run:
    config = config or RunConfig(hidden=(16,), epochs=1)
    model = build_model(config) if with_model else None
    return Run(config, [dict(row) for row in HISTORY], "completed", evaluation=evaluation(), model=model, seconds=1.0)


def run_zip_with(values: dict | str, weights: bytes | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run.json", values if isinstance(values, str) else json.dumps(values))
        if weights is not None:
            archive.writestr("weights.pt", weights)
    return buffer.getvalue()


def state_dict_bytes(config: RunConfig) -> bytes:
    buffer = io.BytesIO()
    torch.save(build_model(config).state_dict(), buffer)
    return buffer.getvalue()


def record_bomb(config: RunConfig, inflated: int = 256 * 1024 * 1024, compress_type: int = zipfile.ZIP_STORED) -> bytes:
    """torch.save's zip of config's weights with its first record replaced by `inflated` zeros, written with
    compress_type: stored, the weights.pt is that large and the run .zip that holds it deflated small; deflated, the
    weights.pt is a few MB that torch.load would inflate whole."""
    original = zipfile.ZipFile(io.BytesIO(state_dict_bytes(config)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in original.infolist():
            if entry.filename.endswith("/data/0"):
                info = zipfile.ZipInfo(entry.filename)
                info.compress_type = compress_type
                with archive.open(info, "w", force_zip64=True) as record:
                    zeros = bytes(CHUNK)
                    for _ in range(inflated // CHUNK):
                        record.write(zeros)
            else:
                archive.writestr(entry, original.read(entry.filename))
    return buffer.getvalue()


def stored_record_bomb(config: RunConfig, inflated: int = 256 * 1024 * 1024) -> bytes:
    return record_bomb(config, inflated, zipfile.ZIP_STORED)


def deflated_record_bomb(config: RunConfig, inflated: int = 256 * 1024 * 1024) -> bytes:
    return record_bomb(config, inflated, zipfile.ZIP_DEFLATED)


def oversized_stored_weights(config: RunConfig, extra: int = 8 * 1024 * 1024) -> bytes:
    """torch.save's zip with one more stored record of `extra` bytes: larger than the config's network takes."""
    original = zipfile.ZipFile(io.BytesIO(state_dict_bytes(config)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in original.infolist():
            archive.writestr(entry, original.read(entry.filename))
        noise = torch.randint(0, 256, (extra,), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
        archive.writestr(zipfile.ZipInfo("archive/data/99"), noise.numpy().tobytes())  # incompressible
    return buffer.getvalue()


def legacy_pickle_weights(config: RunConfig) -> bytes:
    """The weights in torch's pre-1.6 format (a pickle stream, not a zip)."""
    buffer = io.BytesIO()
    torch.save(build_model(config).state_dict(), buffer, _use_new_zipfile_serialization=False)
    return buffer.getvalue()


def run_dict(**changes) -> dict:
    return {**good_run(with_model=False).to_dict(), **changes}


@functools.cache
def crafted_run_zips() -> dict[str, bytes]:
    """Runs whose numbers crashed pages: name → the .zip (no weights)."""
    nan = float("nan")
    history_nan = [{key: nan for key in HISTORY[0]}]
    mistake_far = evaluation(misclassified=[{"index": 10 ** 6, "true": 3, "predicted": 5, "probability": 0.9,
                                             "loss": 2.3}]).to_dict()
    return {
        "int beyond float range": run_zip_with(json.dumps(run_dict(seconds=10 ** 400)), None),
        "int beyond float range in history": run_zip_with(
            json.dumps(run_dict(history=[{**HISTORY[0], "val_loss": 10 ** 400}])), None),
        "NaN per-class accuracy": run_zip_with(
            json.dumps(run_dict(evaluation=evaluation(per_class_accuracy=[nan] * 10).to_dict())), None),
        "infinite accuracy": run_zip_with(json.dumps(run_dict(evaluation=evaluation(accuracy=math.inf).to_dict())),
                                          None),
        "all-NaN history": run_zip_with(json.dumps(run_dict(history=history_nan)), None),
        "mistake index past the images counted": run_zip_with(json.dumps(run_dict(evaluation=mistake_far)), None),
        "history longer than its epochs": run_zip_with(json.dumps(run_dict(history=HISTORY * 50)), None),
        "negative seconds": run_zip_with(json.dumps(run_dict(seconds=-1)), None),
        "100 000 points of loss curve": run_zip_with(json.dumps(run_dict(history=[{**HISTORY[0], "step_losses": [
            [i / 100_000, (i * 7919 % 10007) / 10007] for i in range(100_000)]}])), None),  # varied: deflates little
    }


def run_past_this_test_set() -> bytes:
    """A run whose counts say 90 000 test images and whose mistake is the last of them: valid as a file, past the
    10 000 (or fewer) images of the data set the server has."""
    far = evaluation(confusion=[[9000 if i == j else 0 for j in range(10)] for i in range(10)],
                     misclassified=[{"index": 89_999, "true": 3, "predicted": 5, "probability": 0.9, "loss": 2.3}])
    return run_zip_with(json.dumps(run_dict(evaluation=far.to_dict())), None)


def lesson_run(variant: str, seed: int, accuracy: float = 97.0) -> LessonRun:
    return LessonRun(preset(variant, seed=seed), "completed", "", [dict(row) for row in HISTORY], accuracy, 10.0,
                     variant=variant, arm=CORRECTED, seed=seed)


def lesson_with_runs_per_variant(seeds_in_file: int, plan_seeds: int = 5) -> bytes:
    """A lesson whose plan says plan_seeds seeds but which holds seeds_in_file runs per variant."""
    plan = LessonPlan(seeds=plan_seeds, epochs=5)
    runs = [lesson_run(v, seed, 97.0 + (seed % 7) / 10) for seed in range(seeds_in_file) for v in plan.variants]
    return lesson_to_bytes(Lesson(plan, "mnist", runs, created="2026-01-01T00:00:00"))


def lesson_with_repeated_run() -> bytes:
    plan = LessonPlan(seeds=5, epochs=5)
    runs = [lesson_run(v, 0) for v in plan.variants] * 20  # seed 0 twenty times: as many runs, within the seeds
    return lesson_to_bytes(Lesson(plan, "mnist", runs, created="2026-01-01T00:00:00"))


def lesson_with(**changes) -> bytes:
    plan = LessonPlan(seeds=1, epochs=5)
    lesson = Lesson(plan, "mnist", [lesson_run(v, 0) for v in plan.variants], created="2026-01-01T00:00:00")
    values = {**lesson.to_dict(), **changes}
    return json.dumps(values).encode()


def sweep_with(plan: dict | None = None, runs: list[dict] | None = None, **changes) -> bytes:
    """A sweep file of weight decay 1e-6 to 1e-1 over 2 values × 2 seeds (its four runs completed), with plan, runs
    or top-level values changed: the bytes a visitor uploads."""
    sweep = Sweep(SweepPlan("weight_decay", 1e-6, 1e-1, 2, 2, RunConfig(epochs=1)), [], "2026-01-01T00:00:00")
    sweep.runs = [RunRecord(config, "completed", None, [dict(row) for row in HISTORY], 90.0 + i, 10.0)
                  for i, config in enumerate(sweep.plan.configs())]
    values = sweep.to_dict()
    values["plan"].update(plan or {})
    if runs is not None:  # some of its runs, or others: a stopped sweep's file unless told
        values.update(runs=runs, status="stopped")
    values.update(changes)
    return json.dumps(values).encode()


def sweep_runs() -> list[dict]:
    """The runs of sweep_with's file, as its JSON holds them."""
    return json.loads(sweep_with())["runs"]


def gzip_bomb(inflated: int = 512 * 1024 * 1024) -> bytes:
    """A .gz of `inflated` zeros (about 1/1000 of that on disk)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1) as archive:
        zeros = bytes(CHUNK)
        for _ in range(inflated // CHUNK):
            archive.write(zeros)
    return buffer.getvalue()


def good_run_zip() -> bytes:
    return run_to_zip(good_run())
