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
EPOCHS_RANGE = (1, 100)  # RunConfig's own range: a cap above it would cap nothing
RUNS_RANGE = (1, 1000)
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingsError(KeyedError, ValueError):
    """An owner's setting that cannot be read; the message (a key of mnistlab/strings) names the variable and what it
    accepts."""


@dataclass(frozen=True)
class ServerSettings:
    """What the owner allows on this server. None: no cap."""

    max_epochs: int | None = None
    max_runs_per_session: int | None = None  # running and waiting together
    allow_lesson_save: bool = False

    def refuse_run(self, config: RunConfig, active_runs: int, lang: str = "en") -> str | None:
        """Why a session that has active_runs running or waiting may not queue this run, said in lang so that the
        visitor knows what to do; None when it may."""
        if self.max_epochs is not None and config.epochs > self.max_epochs:
            return i18n.text(lang, "server.max_epochs", most=self.max_epochs, asked=config.epochs)
        if self.max_runs_per_session is not None and active_runs >= self.max_runs_per_session:
            return i18n.plural(lang, "server.max_runs", self.max_runs_per_session, most=self.max_runs_per_session)
        return None


def whole_number(environ: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    """The variable as an integer in [low, high]; None when unset or empty (no cap)."""
    text = environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
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
                          allow_lesson_save=switch(environ, ALLOW_LESSON_SAVE, default=False))
