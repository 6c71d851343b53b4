"""A class on one server: the lecturer (who holds the owner's key), class mode and its caps for students, and the
class board (mnistlab.board) where every student's finished run is an anonymous point.

Every privileged change (class mode, the board's setting, clearing it) takes the session's token and is refused here
unless that session is the lecturer's: the pages only hide the buttons, this is what a request cannot get around.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import os
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Hashable, Mapping

from . import i18n
from .board import BOARD_POINTS, SETTINGS, Board
from .config import RunConfig
from .i18n import KeyedError

LECTURER_KEY = "MNISTLAB_LECTURER_KEY"
# A wrong key costs this many seconds before its answer, one wrong key at a time for the whole server (many tabs
# guessing at once wait in turn): guessing a key by trying many takes days, not minutes.
WRONG_KEY_DELAY = 2.0
pause = time.sleep  # how a wrong key waits: one place, so that a test can count the waits instead of sleeping them
# Sessions remembered as the lecturer's (a lecturer with a laptop and a phone, a reload): the oldest are forgotten.
LECTURER_SESSIONS = 16


_wrong_keys = threading.Lock()


class NotLecturer(KeyedError, PermissionError):
    """A change only the lecturer's session may make, asked by another session."""


def lecturer_key(environ: Mapping[str, str] | None = None) -> str | None:
    """The owner's lecturer key (environment, or a Community Cloud secret copied into it); None when unset."""
    key = (os.environ if environ is None else environ).get(LECTURER_KEY, "").strip()
    return key or None


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def key_matches(entered: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether entered is the lecturer key; False when none is set (the caller says the same for both)."""
    key = lecturer_key(environ)
    return key is not None and hmac.compare_digest(_digest(entered.strip()), _digest(key))


@dataclass(frozen=True)
class ClassCaps:
    """What a student may queue while class mode is on (the owner's MNISTLAB_MAX_* still apply on top).

    One run at a time: the room's runs take turns anyway, so a second queued run would only push every classmate's
    point later. At most 10 epochs: twice the course's 5, enough to see overfitting begin, and a run short enough that
    30 students' runs fill the board within the lecture. Lessons and sweeps (tens of runs each) are the lecturer's.
    """

    max_epochs: int = 10
    max_runs_at_once: int = 1

    def refuse_run(self, config: RunConfig, active_runs: int, lang: str = "en") -> str | None:
        """Why a student with active_runs running or waiting may not queue this run now; None when they may."""
        if config.epochs > self.max_epochs:
            return i18n.text(lang, "class.cap.epochs", most=self.max_epochs, asked=config.epochs)
        if active_runs >= self.max_runs_at_once:
            return i18n.text(lang, "class.cap.runs", most=self.max_runs_at_once)
        return None

    def summary(self, lang: str = "en") -> str:
        return i18n.text(lang, "class.caps", epochs=self.max_epochs, runs=self.max_runs_at_once)


@dataclass
class _Watched:
    job: Any  # a jobs.Job (or anything with .state, .result in the Future-like way jobs gives them)
    owner: Hashable
    label: str


class Classroom:
    """The server's class: who is the lecturer, whether class mode is on, the board's setting and points."""

    def __init__(self, caps: ClassCaps = ClassCaps(), board_size: int = BOARD_POINTS):
        self._lock = threading.Lock()
        self._lecturers: OrderedDict[Hashable, bytes] = OrderedDict()  # session token → digest of the key it gave
        self._on = False
        self._setting = "lr"
        self._watched: deque[_Watched] = deque()
        self.caps = caps
        self.board = Board(board_size)

    # --- who is the lecturer
    def admit(self, token: Hashable, entered: str, environ: Mapping[str, str] | None = None) -> bool:
        """Make token's session the lecturer's when entered is the key; after WRONG_KEY_DELAY, False when not (the
        same whether a key is set or not)."""
        if not key_matches(entered, environ):
            with _wrong_keys:
                pause(WRONG_KEY_DELAY)
            return False
        with self._lock:
            self._lecturers[token] = _digest(lecturer_key(environ))
            self._lecturers.move_to_end(token)
            while len(self._lecturers) > LECTURER_SESSIONS:
                self._lecturers.popitem(last=False)
        return True

    def dismiss(self, token: Hashable) -> None:
        with self._lock:
            self._lecturers.pop(token, None)

    def is_lecturer(self, token: Hashable, environ: Mapping[str, str] | None = None) -> bool:
        """With no key set (a laptop), every session is, as before classes existed; with one, the session that gave it
        (and gave the key still set)."""
        key = lecturer_key(environ)
        if key is None:
            return True
        with self._lock:
            given = self._lecturers.get(token)
        return given is not None and hmac.compare_digest(given, _digest(key))

    def goes_first(self, token: Hashable, environ: Mapping[str, str] | None = None) -> bool:
        """Whether token's jobs go before every student's: only a lecturer named by a key (with none, all are alike)."""
        return lecturer_key(environ) is not None and self.is_lecturer(token, environ)

    def _require(self, token: Hashable, environ: Mapping[str, str] | None) -> None:
        if not self.is_lecturer(token, environ):
            raise NotLecturer("error.class.not_lecturer")

    # --- class mode and the board, the lecturer's to change
    @property
    def on(self) -> bool:
        """Class mode: only possible with a lecturer key set (without one the server cannot tell a student)."""
        return self._on and lecturer_key() is not None

    @property
    def setting(self) -> str:
        return self._setting

    def switch(self, token: Hashable, on: bool, environ: Mapping[str, str] | None = None) -> None:
        self._require(token, environ)
        if on and lecturer_key(environ) is None:
            raise NotLecturer("error.class.no_class_without_key")
        with self._lock:
            self._on = bool(on)

    def pick(self, token: Hashable, setting: str, environ: Mapping[str, str] | None = None) -> None:
        self._require(token, environ)
        if setting not in SETTINGS:
            raise ValueError(f"unknown setting {setting!r}: one of {', '.join(SETTINGS)}")
        with self._lock:
            self._setting = setting

    def clear(self, token: Hashable, environ: Mapping[str, str] | None = None) -> None:
        self._require(token, environ)
        with self._lock:
            self._watched.clear()
        self.board.clear()

    # --- students' runs
    def refuse_run(self, config: RunConfig, active_runs: int, token: Hashable, lang: str = "en") -> str | None:
        """Class mode's caps for a student's run; None for the lecturer or outside class mode."""
        if not self.on or self.is_lecturer(token):
            return None
        return self.caps.refuse_run(config, active_runs, lang)

    def refuse_many(self, token: Hashable, lang: str = "en") -> str | None:
        """Why a student may not start a lesson or a sweep now (class mode: tens of runs would hold the room)."""
        if not self.on or self.is_lecturer(token):
            return None
        return i18n.text(lang, "class.cap.many")

    def watch(self, job: Any, token: Hashable, label: str) -> None:
        """A student's run queued in class mode: on the board once it completes (see collect)."""
        if self.on and not self.is_lecturer(token):
            with self._lock:
                self._watched.append(_Watched(job, token, label))

    def collect(self) -> int:
        """Put the watched runs that completed on the board (others, stopped or failed, are dropped); how many."""
        with self._lock:
            ended = [entry for entry in self._watched if entry.job.state == "done"]
            for entry in ended:
                self._watched.remove(entry)
        added = 0
        for entry in ended:
            if entry.job.cancelled:  # stopped while it waited: nothing was trained
                continue
            run = entry.job.result
            accuracy = getattr(run, "test_accuracy", None)
            if run is not None and run.status == "completed" and accuracy is not None and math.isfinite(accuracy):
                self.board.add(run.config, accuracy, entry.owner, entry.label)
                added += 1
        return added


_default = Classroom()  # made at import: it holds no more than a lock and empty collections


def default_classroom() -> Classroom:
    """The server's one class."""
    return _default
