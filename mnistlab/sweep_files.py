"""A finished (or stopped) sweep as one file: its plan and what each of its runs gave, to and from JSON bytes
(size-checked before parsing), its points for the board, and a file name that says what it holds."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from . import upload_checks
from .board import Point, points_of, setting_value
from .config import check
from .i18n import KeyedError
from .run_record import RunRecord, shared_trained_on
from .runs import Run, read_json_file
from .sweep import MAX_SEEDS, MAX_VALUES, SweepPlan

FILE_FORMAT, FILE_VERSION = "mnistlab-sweep", 1
# A sweep trains at most half the epochs of the largest lesson (40 runs of 100 epochs, or an epochs sweep up to 100
# over 8 values × 5 seeds), whose file stays under 32 MB (mnistlab.lesson.files): half that limit holds any sweep.
MAX_SWEEP_BYTES = 16_000_000
# Python objects a parsed sweep file takes per byte of its JSON (floats and small dicts): what a sweep shown holds of
# the server's memory, counted against the browser's MNISTLAB_MAX_BROWSER_MB (tests/test_sweep_files.py measures it).
HELD_PER_FILE_BYTE = 4


class SweepFileError(KeyedError, ValueError):
    """A sweep file that cannot be read; the message (a key of mnistlab/strings) says what is wrong."""


@dataclass
class Sweep:
    """A sweep that ended: its plan and the runs it trained, each of the plan's at most once (a stopped sweep has
    some of them); completed when every run of the plan completed."""

    plan: SweepPlan
    runs: list[RunRecord]
    created: str  # when its last run ended, "YYYY-MM-DDTHH:MM:SS"

    @classmethod
    def of(cls, plan: SweepPlan, runs: list[Run]) -> "Sweep":
        """The sweep of these trained runs (those of the plan's configs that were trained, in the plan's order)."""
        order = {config: i for i, config in enumerate(plan.configs())}
        runs = sorted((run for run in runs if run.config in order), key=lambda run: order[run.config])
        return cls(plan, [RunRecord.of(run) for run in runs], max((run.created for run in runs), default=""))

    @property
    def status(self) -> str:
        done = {run.config for run in self.runs if run.status == "completed"}
        return "completed" if done == set(self.plan.configs()) else "stopped"

    @property
    def trained_on(self) -> dict | None:
        return shared_trained_on(self.runs)

    def points(self) -> list[Point]:
        """Its runs as the board's points: the completed ones, as the board shows a live sweep's."""
        return points_of(self.runs)

    def to_dict(self) -> dict:
        return {"format": FILE_FORMAT, "version": FILE_VERSION, "plan": self.plan.to_dict(), "status": self.status,
                "created": self.created, "runs": [run.to_dict() for run in self.runs]}

    @classmethod
    def from_dict(cls, values: dict) -> "Sweep":
        check([(values.get("format") == FILE_FORMAT, "error.sweep_file.format", {"format": FILE_FORMAT}),
               (values.get("version") == FILE_VERSION, "error.sweep_file.version",
                {"value": values.get("version"), "version": FILE_VERSION})], SweepFileError)
        plan, runs = SweepPlan.from_dict(values["plan"]), values["runs"]
        check([(isinstance(runs, list), "runs must be a list"),
               (isinstance(values["created"], str), "created must be text")])
        most = MAX_VALUES * MAX_SEEDS
        if len(runs) > most:  # refused before any is read: no plan trains more
            raise upload_checks.UploadRefused("error.upload.sweep_runs", count=len(runs), most=most)
        sweep = cls(plan, [RunRecord.from_dict(run) for run in runs], values["created"])
        check_sweep_runs(sweep)
        check([(values["status"] == sweep.status, f"its status {values['status']!r} is not what its runs say")])
        return sweep


def check_sweep_runs(sweep: Sweep) -> None:
    """Refuse a sweep whose runs are not its plan's, or that holds one twice."""
    setting = sweep.plan.setting
    upload_checks.check_each_planned_once(
        [(run.config, {"setting": setting, "value": setting_value(run.config, setting), "seed": run.config.seed})
         for run in sweep.runs], set(sweep.plan.configs()), "error.upload.sweep_run", "error.upload.sweep_twice")


def sweep_to_bytes(sweep: Sweep) -> bytes:
    """The sweep as JSON, for a download."""
    return json.dumps(sweep.to_dict(), indent=1).encode()


def sweep_from_bytes(data: bytes, name: str = "upload") -> Sweep:
    """Read a sweep from the bytes of a file made by sweep_to_bytes."""
    return read_json_file(data, name, MAX_SWEEP_BYTES, SweepFileError, "error.sweep_file", Sweep.from_dict)


def held_bytes(file_bytes: int) -> int:
    """What a sweep read from a file of file_bytes holds of the server's memory."""
    return HELD_PER_FILE_BYTE * file_bytes


def file_name(sweep: Sweep) -> str:
    """A file name that says what the sweep holds and when it ended:
    'sweep-weight_decay-1e-06-0.1-4-values-2-seeds-20261129-0812.json'."""
    plan = sweep.plan
    made = re.sub(r"[^0-9]", "", sweep.created)[:12]  # YYYYMMDDHHMM, from "YYYY-MM-DDTHH:MM:SS"
    when = f"-{made[:8]}-{made[8:]}" if len(made) == 12 else ""
    ending = "" if sweep.status == "completed" else "-stopped"
    said = f"sweep-{plan.setting}-{plan.low:g}-{plan.high:g}-{plan.values}-values-{plan.seeds}-seeds{ending}{when}"
    return upload_checks.safe_file_part(said) + ".json"
