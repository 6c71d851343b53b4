"""A finished run as a record; saved as run.json (config, history, metrics) and weights.pt (state_dict)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

import torch
from torch import nn

from . import fingerprint, messages
from .config import RunConfig, check, describe, is_number
from .i18n import KeyedError, Phrase, Size, phrase
from .evaluation import Evaluation
from .models import build_model
from . import upload_checks

T = TypeVar("T")
STATUSES = ("completed", "stopped", "diverged", "failed")
RUN_FILE, WEIGHTS_FILE = "run.json", "weights.pt"
ROW_NUMBERS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy")  # in every history row
ROW_EXTRAS = ("seconds", "graph_nodes", "graph_bytes", "val_accuracy_eval_probe",
              "val_accuracy_train_probe")  # numbers or null where a row has them
ROW_LISTS = ("weight_norms", "dead_units", "bn_running_mean", "bn_running_var")  # lists of numbers where a row has them
ROW_POINTS = ("step_losses",)  # lists of [x, y] number pairs where a row has them (mnistlab.inside)
# An uploaded .zip is refused by what its directory declares, before anything is inflated. The largest run allowed
# (MAX_WEIGHTS float32 weights) saves a weights.pt of 100 MB, which barely deflates, and a far smaller run.json: these
# limits sit above both and far below a server's memory (BENCHMARKS.md, "Limits").
MAX_ZIP_BYTES = 150_000_000  # inflated, all entries together
MAX_RUN_JSON_BYTES = 16_000_000  # parsed into Python objects, JSON takes several times its size
MAX_ZIP_ENTRIES = 8  # a run has two; room for what an archiver adds (__MACOSX/…)
MAX_ZIP_RATIO = 100  # inflated ÷ stored, for entries over 1 MiB: zeros deflate far more, a real run's entries far less


class RunFileError(KeyedError, ValueError):
    """A saved run that cannot be read; the message (a key of mnistlab/strings) says what is wrong."""


@dataclass
class Run:
    """One training run: its config, per-epoch history, how it ended, its test metrics and its model."""

    config: RunConfig
    history: list[dict]
    status: str
    message: Phrase | None = None  # how it ended, when not completed (mnistlab.messages)
    evaluation: Evaluation | None = None
    model: nn.Module | None = None
    device: str = "cpu"
    seconds: float = 0.0
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))
    trained_on: dict | None = None  # mnistlab.fingerprint of where it trained; None: not recorded (not bit-comparable)

    def __post_init__(self):
        if isinstance(self.message, str):  # words given as a sentence, not a key
            self.message = messages.from_english(self.message)

    @property
    def test_accuracy(self) -> float | None:
        return None if self.evaluation is None else self.evaluation.accuracy

    def to_dict(self) -> dict:
        """Everything but the weights, as JSON-ready data."""
        return {"config": self.config.to_dict(), "history": self.history, "status": self.status,
                **messages.to_file(self.message), "test_accuracy": self.test_accuracy,
                "evaluation": None if self.evaluation is None else self.evaluation.to_dict(),
                "device": self.device, "seconds": self.seconds, "created": self.created, "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, values: dict, model: nn.Module | None = None) -> "Run":
        """The Run to_dict gave; ValueError, KeyError or TypeError saying what does not fit."""
        if not isinstance(values, dict):
            raise RunFileError("error.file.no_object")
        evaluation = values.get("evaluation")
        run = cls(RunConfig.from_dict(values["config"]), values["history"], values["status"],
                  messages.from_file(values), None if evaluation is None else Evaluation.from_dict(evaluation), model,
                  values.get("device", "cpu"), values.get("seconds", 0.0), values.get("created", ""),
                  values.get("trained_on"))
        check([*record_conditions(run.status, run.history, run.seconds),
               (fingerprint.valid(run.trained_on), "trained_on must be an object of text and counts"),
               (all(isinstance(text, str) for text in (values.get("message", ""), run.device, run.created)),
                "message, device and created must be text")])
        return run


def record_conditions(status, history, seconds) -> list[tuple[bool, str]]:
    """What a saved run (or a lesson's run) must hold for the pages to draw it: a known status, history rows of
    numbers, at least one epoch when it completed, seconds as a number."""
    rows = isinstance(history, list) and all(
        isinstance(row, dict) and all(is_number(row.get(k)) for k in ROW_NUMBERS)
        and all(row.get(k) is None or is_number(row[k]) for k in ROW_EXTRAS)
        and all(row.get(k) is None or numbers(row[k]) for k in ROW_LISTS)
        and all(row.get(k) is None or (isinstance(row[k], list) and all(numbers(p, 2) for p in row[k]))
                for k in ROW_POINTS) for row in history)
    return [(status in STATUSES, f"unknown status {status!r}"),
            (rows, f"each history row needs the numbers {', '.join(ROW_NUMBERS)}"),
            (status != "completed" or (rows and len(history) > 0), "a completed run has no epoch in its history"),
            (is_number(seconds), "seconds is not a number")]


def numbers(values, length: int | None = None) -> bool:
    """A list of numbers (of `length` of them, when given)."""
    return (isinstance(values, list) and all(is_number(v) for v in values)
            and (length is None or len(values) == length))


def save_run(run: Run, folder: str | os.PathLike) -> Path:
    """Write run.json and weights.pt into folder, each atomically; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / RUN_FILE, json.dumps(run.to_dict(), indent=1).encode())
    if run.model is not None:
        buffer = io.BytesIO()
        torch.save(run.model.state_dict(), buffer)
        write_atomic(folder / WEIGHTS_FILE, buffer.getvalue())
    return folder


def load_run(folder: str | os.PathLike) -> Run:
    """Read a run saved by save_run; the model is rebuilt from its config when weights.pt is there."""
    folder = Path(folder)
    try:
        values = json.loads((folder / RUN_FILE).read_text())
    except (OSError, ValueError, RecursionError) as error:
        raise RunFileError("error.run.unreadable", file=folder / RUN_FILE, reason=error) from error
    try:
        weights = (folder / WEIGHTS_FILE).read_bytes()
    except FileNotFoundError:
        weights = None
    except OSError as error:
        raise RunFileError("error.file.unreadable", file=folder / WEIGHTS_FILE, reason=error) from error
    return _run_from(values, weights, str(folder))


def run_to_zip(run: Run) -> bytes:
    """The run as one .zip holding run.json and weights.pt, for a download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(RUN_FILE, json.dumps(run.to_dict(), indent=1))
        if run.model is not None:
            weights = io.BytesIO()
            torch.save(run.model.state_dict(), weights)
            archive.writestr(WEIGHTS_FILE, weights.getvalue())
    return buffer.getvalue()


def run_from_zip(data: bytes, name: str = "upload") -> Run:
    """Read a run from the bytes of a .zip made by run_to_zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            refused = archive_refusal(archive.infolist())
            if refused:
                raise RunFileError("error.run.refused", name=name, reason=refused)
            values = json.loads(archive.read(RUN_FILE))
            weights = archive.read(WEIGHTS_FILE) if WEIGHTS_FILE in archive.namelist() else None
    except RunFileError:
        raise
    except Exception as error:  # any file can be uploaded: zlib, encryption, JSON nesting... each fails its own way
        raise RunFileError("error.run.not_a_run", name=name, file=RUN_FILE, reason=error) from error
    return _run_from(values, weights, name)


def archive_refusal(entries: list[zipfile.ZipInfo]) -> Phrase | None:
    """Why an archive with these entries is too large to open (None when it is not), from their declared sizes alone:
    zipfile stops inflating an entry at its declared size, so these bound the memory that reading it takes."""
    inflated = sum(entry.file_size for entry in entries)
    run_json = next((entry for entry in entries if entry.filename == RUN_FILE), None)
    packed = [entry for entry in entries
              if entry.file_size > 1024 ** 2 and entry.file_size > MAX_ZIP_RATIO * entry.compress_size]
    if len(entries) > MAX_ZIP_ENTRIES:
        return phrase("error.zip.entries", count=len(entries), most=MAX_ZIP_ENTRIES)
    if inflated > MAX_ZIP_BYTES:
        return phrase("error.zip.inflated", size=Size(inflated), most=Size(MAX_ZIP_BYTES))
    if run_json is not None and run_json.file_size > MAX_RUN_JSON_BYTES:
        return phrase("error.zip.run_json", file=RUN_FILE, size=Size(run_json.file_size),
                      most=Size(MAX_RUN_JSON_BYTES))
    if packed:
        return phrase("error.zip.ratio", file=packed[0].filename, most=MAX_ZIP_RATIO,
                      ratio=round(packed[0].file_size / max(packed[0].compress_size, 1)))
    return None


PLAIN_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def download_name(run: Run) -> str:
    """A .zip name that says what the run changed from the course baseline, how it ended and when it was made:
    'mnistlab-dropout-0.2-epochs-3-2026-11-29-0812.zip'."""
    said = re.sub(r"(?:([\d.]+) × )?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)",  # L2 10⁻⁴ as l2-1e-4, 3 × 10⁻⁵ as 3e-5
                  lambda power: f"{power.group(1) or 1}e{power.group(2).translate(PLAIN_DIGITS)}",
                  describe(run.config))
    settings = re.sub(r"[^a-z0-9.]+", "-", said.lower().replace("×", "x")).strip("-.")
    ending = "" if run.status == "completed" else f"-{run.status}"
    made = re.sub(r"[^0-9]", "", run.created)[:12]  # YYYYMMDDHHMM, from "YYYY-MM-DDTHH:MM:SS"
    when = f"-{made[:4]}-{made[4:6]}-{made[6:8]}-{made[8:12]}" if len(made) == 12 else ""
    return f"mnistlab-{settings}{ending}{when}.zip"


def run_identity(run: Run) -> str:
    """The same for the same run however often it is downloaded or uploaded, different for any other run: a hash of
    its record (config, history, results, creation time), which a zip's own timestamps do not enter."""
    record = json.dumps(run.to_dict(), sort_keys=True).encode()
    return hashlib.sha256(record).hexdigest()[:16]


def _run_from(values: dict, weights: bytes | None, name: str) -> Run:
    try:
        upload_checks.check_numbers_in_range(values)
        run = Run.from_dict(values)
        upload_checks.check_history(run.history, run.config)
        upload_checks.check_evaluation(run.evaluation)
        upload_checks.check_run_seconds(run.seconds)
        if weights is not None:
            upload_checks.check_weights_file(weights, run.config)  # before torch.load inflates anything
            model = build_model(run.config)
            model.load_state_dict(torch.load(io.BytesIO(weights), weights_only=True))
            run.model = model.eval()
    except Exception as error:  # the JSON's values and the pickled weights, from any file, fail in many ways
        raise RunFileError("error.run.invalid", name=name, reason=reason_of(error)) from error
    return run


def read_json_file(data: bytes, name: str, most_bytes: int, error: type[KeyedError], keys: str,
                   build: Callable[[dict], T]) -> T:
    """What build makes of a saved file's JSON object (a lesson, a sweep); each failure an `error` whose key is
    keys + .too_large, .not_json or .invalid, naming the file and why."""
    if len(data) > most_bytes:  # refused before parsing: JSON takes several times its size as Python objects
        raise error(f"{keys}.too_large", name=name, size=round(len(data) / 1e6), most=most_bytes // 1_000_000)
    try:
        values = json.loads(data)
    except (ValueError, RecursionError) as failure:  # undecodable bytes, broken JSON, or nested beyond Python's stack
        raise error(f"{keys}.not_json", name=name, reason=failure) from failure
    try:
        if not isinstance(values, dict):
            raise error("error.file.no_object")
        upload_checks.check_numbers_in_range(values)
        return build(values)
    except Exception as failure:  # any file can be opened: its values fail in many ways (ConfigError, OverflowError...)
        raise error(f"{keys}.invalid", name=name, reason=reason_of(failure)) from failure


def reason_of(error: Exception) -> Phrase | Exception | str:
    """What went wrong reading a file, to end its message: a missing key's name, the error itself, or its kind."""
    if isinstance(error, KeyError):
        return phrase("error.file.missing", what=error)
    return error if isinstance(error, KeyedError) or str(error) else type(error).__name__


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file beside path, then rename over it: readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a saved run is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
