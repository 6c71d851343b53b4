"""The server owner's settings: caps and switches for a shared server, read from environment variables.

The one place they are parsed. On a laptop none is set: no caps, and lesson saving is off until switched on, as on a
shared server, where one visitor's save would change what every other visitor sees. On Streamlit Community Cloud the
owner sets them as root-level secrets, which Streamlit copies into the environment when they are strings or numbers
(not TOML booleans): MNISTLAB_MAX_EPOCHS = 5, MNISTLAB_ALLOW_LESSON_SAVE = "1".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from .config import RunConfig
from . import i18n
from .i18n import KeyedError

MAX_EPOCHS = "MNISTLAB_MAX_EPOCHS"
MAX_RUNS_PER_SESSION = "MNISTLAB_MAX_RUNS_PER_SESSION"
ALLOW_LESSON_SAVE = "MNISTLAB_ALLOW_LESSON_SAVE"
MAX_RUN_COST = "MNISTLAB_MAX_RUN_COST"
MAX_BROWSER_MB = "MNISTLAB_MAX_BROWSER_MB"
MAX_KEPT_MB = "MNISTLAB_MAX_KEPT_MB"
EPOCHS_RANGE = (1, 100)  # RunConfig's own range: a cap above it would cap nothing
RUNS_RANGE = (1, 1000)
COST_RANGE = (1, 1_000_000)
MB_RANGE = (10, 1_000_000)
# Defaults safe on Streamlit Community Cloud (2.7 GB, a small shared CPU), where the app takes ~0.8 GB after its first
# page and a run of the largest network allowed ~0.4 GB while it trains: the runs kept for every browser together
# stay under 350 MB (about 200 runs of the course's MLP), one browser's under 150 MB (one run of the largest network
# and a few dozen of the course's), and one run under 200 course epochs of work (see run_cost: the course's 100
# epochs at batch 16 are 133, 4096-4096-1024 for 5 epochs 450), so that one run holds a worker minutes, not an hour.
DEFAULT_MAX_RUN_COST = 200
DEFAULT_MAX_BROWSER_MB = 150
DEFAULT_MAX_KEPT_MB = 350
# The course's MLP (784-256-256-10), batch 64, 48 000 training images: one epoch is one unit of cost.
COURSE_WEIGHTS = RunConfig().weights
COURSE_EPOCH = COURSE_WEIGHTS * (64 + 8) * (48_000 / 64)
OPTIMIZER_PER_STEP = 8  # Adam's update touches every weight a few times per step: as many as 8 images do
TRAIN_IMAGES = 60_000  # both data sets; validation takes val_fraction of them
# What a kept run holds besides its weights (test results, history, its pages' objects): measured per kept run by
# tools/measure_server.py, less the course MLP's 1.1 MB of weights.
KEPT_RUN_BYTES = 700_000
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingsError(KeyedError, ValueError):
    """An owner's setting that cannot be read; the message (a key of mnistlab/strings) names the variable and what it
    accepts."""


@dataclass(frozen=True)
class ServerSettings:
    """What the owner allows on this server. None: no cap."""

    max_epochs: int | None = None
    max_runs_per_session: int | None = None  # running and waiting together, in every tab of a browser
    allow_lesson_save: bool = False
    max_run_cost: int = DEFAULT_MAX_RUN_COST  # course epochs (run_cost)
    max_browser_mb: int = DEFAULT_MAX_BROWSER_MB  # one browser's kept runs and the weights of its queued runs
    max_kept_mb: int = DEFAULT_MAX_KEPT_MB  # every browser's kept runs together: past it, the largest holder's go

    def refuse_run(self, config: RunConfig, active_runs: int, lang: str = "en", held_bytes: int = 0) -> str | None:
        """Why a browser that has active_runs running or waiting and holds held_bytes of runs may not queue this run,
        said in lang so that the visitor knows what to do; None when it may."""
        return self.refuse_work([config], active_runs, held_bytes, lang)

    def refuse_work(self, configs: list[RunConfig], active_runs: int, held_bytes: int = 0, lang: str = "en",
                    keeps_weights: bool = True) -> str | None:
        """The same for several runs queued at once (a lesson counts as its runs; keeps_weights=False: its runs keep
        no weights)."""
        for config in configs:
            if self.max_epochs is not None and config.epochs > self.max_epochs:
                return i18n.text(lang, "server.max_epochs", most=self.max_epochs, asked=config.epochs)
            cost = run_cost(config)
            if cost > self.max_run_cost:
                return i18n.text(lang, "server.max_cost", cost=i18n.number(cost, lang, 0), most=self.max_run_cost,
                                 name=MAX_RUN_COST)
        if self.max_runs_per_session is not None and active_runs + len(configs) > self.max_runs_per_session:
            if len(configs) > 1:
                return i18n.text(lang, "server.max_runs_many", most=self.max_runs_per_session, asked=len(configs),
                                 active=active_runs)
            return i18n.plural(lang, "server.max_runs", self.max_runs_per_session, most=self.max_runs_per_session)
        adding = sum(weights_bytes(config) + KEPT_RUN_BYTES for config in configs) if keeps_weights else 0
        return self.refuse_keeping(adding, held_bytes, lang)

    def refuse_keeping(self, adding: int, held_bytes: int, lang: str = "en") -> str | None:
        """Why a browser holding held_bytes may not keep adding more bytes of runs; None when it may."""
        if held_bytes + adding > self.max_browser_mb * 1_000_000:
            return i18n.text(lang, "server.max_memory", held=i18n.number(held_bytes / 1e6, lang, 0),
                             adding=i18n.number(adding / 1e6, lang, 0), most=self.max_browser_mb, name=MAX_BROWSER_MB)
        return None


def run_cost(config: RunConfig) -> float:
    """A run's work in course epochs: weights × (images + the optimizer's pass per step) over its epochs, where the
    course's MLP for one epoch at batch 64 is 1. Hidden 4096-4096-1024 for 5 epochs is ~450."""
    train_images = TRAIN_IMAGES - round(TRAIN_IMAGES * config.val_fraction)
    steps = -(-train_images // config.batch_size)
    return config.epochs * config.weights * (train_images + OPTIMIZER_PER_STEP * steps) / COURSE_EPOCH


def weights_bytes(config: RunConfig) -> int:
    """What a kept run's model takes in memory: float32 weights (BatchNorm's vectors are few)."""
    return 4 * config.weights


def kept_run_bytes(run) -> int:
    """What a run kept in a session takes of the server's memory: its weights if it has a model, and the rest."""
    return (weights_bytes(run.config) if run.model is not None else 0) + KEPT_RUN_BYTES


def whole_number(environ: Mapping[str, str], name: str, low: int, high: int,
                 default: int | None = None) -> int | None:
    """The variable as an integer in [low, high]; default when unset or empty (None: no cap)."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        if default is not None:
            raise SettingsError("error.server.whole_number_default", name=name, low=low, high=high, value=text,
                                default=default)
        raise SettingsError("error.server.whole_number", name=name, low=low, high=high, value=text)
    return value


def switch(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """The variable as on or off; default when unset or empty."""
    text = environ.get(name, "").strip().lower()
    if not text:
        return default
    if text not in YES + NO:
        raise SettingsError("error.server.switch", name=name, accepted=", ".join(YES[1:] + NO[1:]), value=environ[name])
    return text in YES


def from_environment(environ: Mapping[str, str] | None = None) -> ServerSettings:
    """The owner's settings from environ (default: os.environ); SettingsError names the first bad variable."""
    environ = os.environ if environ is None else environ
    return ServerSettings(max_epochs=whole_number(environ, MAX_EPOCHS, *EPOCHS_RANGE),
                          max_runs_per_session=whole_number(environ, MAX_RUNS_PER_SESSION, *RUNS_RANGE),
                          allow_lesson_save=switch(environ, ALLOW_LESSON_SAVE, default=False),
                          max_run_cost=whole_number(environ, MAX_RUN_COST, *COST_RANGE, DEFAULT_MAX_RUN_COST),
                          max_browser_mb=whole_number(environ, MAX_BROWSER_MB, *MB_RANGE, DEFAULT_MAX_BROWSER_MB),
                          max_kept_mb=whole_number(environ, MAX_KEPT_MB, *MB_RANGE, DEFAULT_MAX_KEPT_MB))
