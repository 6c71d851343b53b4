"""What a lesson or a sweep keeps of each run it trained: its config, how it ended, its history, its test accuracy
and where it trained; no weights and no test details, so that a file of many runs stays small."""
from __future__ import annotations

from dataclasses import dataclass

from . import fingerprint, messages, upload_checks
from .config import RunConfig, check, is_number
from .i18n import Phrase
from .runs import Run, record_conditions


@dataclass
class RunRecord:
    """One trained run of a lesson or a sweep, without its weights: enough to aggregate, put on a board and draw."""

    config: RunConfig
    status: str
    message: Phrase | None
    history: list[dict]
    test_accuracy: float | None
    seconds: float
    trained_on: dict | None = None  # mnistlab.fingerprint; None in files saved before it was recorded

    @classmethod
    def of(cls, run: Run) -> "RunRecord":
        return cls(run.config, run.status, run.message, run.history, run.test_accuracy, run.seconds, run.trained_on)

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "status": self.status, **messages.to_file(self.message),
                "history": self.history, "test_accuracy": self.test_accuracy, "seconds": self.seconds,
                "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, values: dict) -> "RunRecord":
        return cls(**record_fields(values))


def record_fields(values: dict) -> dict:
    """A record's fields from a file's values, each checked: ValueError or UploadRefused says what does not fit."""
    fields = {"config": RunConfig.from_dict(values["config"]), "status": values["status"],
              "message": messages.from_file(values), "history": values["history"],
              "test_accuracy": values["test_accuracy"], "seconds": values["seconds"],
              "trained_on": values.get("trained_on")}
    check([(fingerprint.valid(fields["trained_on"]), "trained_on must be an object of text and counts"),
           *record_conditions(fields["status"], fields["history"], fields["seconds"]),
           (fields["test_accuracy"] is None or is_number(fields["test_accuracy"]), "test_accuracy is not a number"),
           (isinstance(values.get("message", ""), str), "a run's message must be text")])
    upload_checks.check_history(fields["history"], fields["config"])
    upload_checks.check_test_accuracy(fields["test_accuracy"])
    upload_checks.check_run_seconds(fields["seconds"])
    return fields


def shared_trained_on(runs) -> dict | None:
    """The fingerprint all these records share (mnistlab.fingerprint); None when one is unrecorded or they differ."""
    prints = [run.trained_on for run in runs]
    return prints[0] if prints and all(p == prints[0] for p in prints) else None
