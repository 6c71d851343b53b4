"""A finished run as a record; saved as run.json (config, history, metrics) and weights.pt (state_dict)."""
from __future__ import annotations

import io
import json
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from .config import ConfigError, RunConfig
from .evaluation import Evaluation
from .models import build_model

STATUSES = ("completed", "stopped", "diverged", "failed")
RUN_FILE, WEIGHTS_FILE = "run.json", "weights.pt"


class RunFileError(ValueError):
    """A saved run that cannot be read; the message says what is wrong."""


@dataclass
class Run:
    """One training run: its config, per-epoch history, how it ended, its test metrics and its model."""

    config: RunConfig
    history: list[dict]
    status: str
    message: str = ""
    evaluation: Evaluation | None = None
    model: nn.Module | None = None
    device: str = "cpu"
    seconds: float = 0.0
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))

    @property
    def test_accuracy(self) -> float | None:
        return None if self.evaluation is None else self.evaluation.accuracy

    def to_dict(self) -> dict:
        """Everything but the weights, as JSON-ready data."""
        return {"config": self.config.to_dict(), "history": self.history, "status": self.status,
                "message": self.message, "test_accuracy": self.test_accuracy,
                "evaluation": None if self.evaluation is None else self.evaluation.to_dict(),
                "device": self.device, "seconds": self.seconds, "created": self.created}

    @classmethod
    def from_dict(cls, values: dict, model: nn.Module | None = None) -> "Run":
        evaluation = values.get("evaluation")
        return cls(RunConfig.from_dict(values["config"]), values["history"], values["status"],
                   values.get("message", ""), None if evaluation is None else Evaluation.from_dict(evaluation), model,
                   values.get("device", "cpu"), values.get("seconds", 0.0), values.get("created", ""))


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
    except (OSError, ValueError) as error:
        raise RunFileError(f"{folder / RUN_FILE} cannot be read as a saved run: {error}") from error
    weights = folder / WEIGHTS_FILE
    return _run_from(values, weights.read_bytes() if weights.exists() else None, str(folder))


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
            values = json.loads(archive.read(RUN_FILE))
            weights = archive.read(WEIGHTS_FILE) if WEIGHTS_FILE in archive.namelist() else None
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise RunFileError(f"{name} is not a saved mnistlab run (a .zip with {RUN_FILE}): {error}") from error
    return _run_from(values, weights, name)


def _run_from(values: dict, weights: bytes | None, name: str) -> Run:
    try:
        run = Run.from_dict(values)
        if weights is not None:
            model = build_model(run.config)
            model.load_state_dict(torch.load(io.BytesIO(weights), weights_only=True))
            run.model = model.eval()
    except (ConfigError, KeyError, TypeError, RuntimeError, ValueError) as error:
        raise RunFileError(f"{name} does not hold a valid mnistlab run: {error}") from error
    if run.status not in STATUSES:
        raise RunFileError(f"{name} has an unknown status {run.status!r}")
    return run


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
