"""This session's runs and jobs: one registry for training and lesson jobs, kept across a reload in the same browser.

A reload starts a new Streamlit session with an empty session_state. The URL's ?session=… names the values this server
keeps for the tab; they are given back only to the browser that made them (a link pasted elsewhere starts afresh).
Tabs of one browser on one session share its runs and jobs, and change them only under the session's lock.
"""
from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import streamlit as st

from mnistlab import classroom, i18n, jobs, plots, server_settings
from mnistlab.config import ConfigError, RunConfig
from mnistlab.data import Dataset
from mnistlab.lesson.fanout import LessonJob, submit_lesson
from mnistlab.lesson.plan import Lesson, LessonPlan
from mnistlab.runs import Run
from mnistlab.cpu import leave_cores_to_training

from .language import current, message, t

# A job nobody has polled for this long (its tab was closed) stops, so it does not hold the queue. Polling goes on,
# if slowly (about once a minute), in a browser tab left in the background.
ABANDON_AFTER = 600.0
TRAINING, LESSON = "training", "lesson"  # what a finished job becomes: a run, or the lesson shown
RUNS, JOBS, SETTINGS, LAST_FINISHED = "runs", "jobs", "settings", "last_finished"
LESSON_PLAN, LESSON_SHOWN, LESSON_NOTICE = "lesson.plan", "lesson.shown", "lesson.notice"
SESSION_PARAM, SESSION_TOKEN, SESSION_LOCK = "session", "session.token", "session.lock"
# the lesson notice: (kind, key of mnistlab/strings, values), said in the language the page is read in
TRAINED_HERE = "the lesson trained in this session"  # the source of a lesson shown where it was trained (said by key)
CLEARED_NOTICE = "session.cleared"  # set when this browser's runs from earlier were cleared to make room
KEPT_KEYS = (RUNS, JOBS, SETTINGS, LAST_FINISHED, LESSON_PLAN, LESSON_SHOWN, LESSON_NOTICE)
SHARED_KEYS = (RUNS, JOBS)  # one object for every tab of the session, changed under its lock; the others are copied
KEEP_FOR = 12 * 3600.0  # seconds a closed or reloaded tab's values stay after its last rerun: a day of lectures
# What closed tabs may hold in memory: a kept run (weights, test results) is ~1.7 MB of the server's RSS
# (BENCHMARKS.md), so at most KEEP_RUNS_AT_MOST runs in all; past it the least recently seen sessions are cleared first.
KEEP_RUNS_AT_MOST = 200
KEEP_AT_MOST = 1000  # sessions kept, runs or not: their settings are small, but a soak of visitors must not pile up
REMEMBER_CLEARED = 4096  # tokens of cleared sessions remembered, to tell a returning browser why its runs are gone
# Streamlit's XSRF cookie, one token per browser (on by default: server.enableXsrfProtection). Without it no session
# is restored: a reload starts afresh rather than let a URL alone open someone else's runs.
BROWSER_COOKIE = "_streamlit_xsrf"

leave_cores_to_training()  # once per process, at the first page's import: the pages' own torch work is small


@dataclass
class Kept:
    """What the server keeps of one session: the browser it belongs to, its lock, when it was last seen, its values."""
    browser: str | None
    lock: threading.RLock = field(default_factory=threading.RLock)
    seen: float = field(default_factory=time.monotonic)
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SessionJob:
    """A job of this session and what it becomes when it ends (TRAINING: a run; LESSON: the lesson shown)."""
    kind: str
    job: jobs.Job | LessonJob


_kept: dict[str, Kept] = {}  # token → the session's kept values
_cleared: OrderedDict[str, str | None] = OrderedDict()  # token of a session cleared to make room → its browser
_kept_lock = threading.Lock()


def browser_id() -> str | None:
    """A digest of this browser's XSRF token: the same in every tab of one browser, None when there is no cookie.

    The cookie reads 2|mask|token xor mask|time (Tornado's format, kept by Streamlit): the mask changes at each page
    load, the token stays with the browser. Another format is used whole: a reload then starts a fresh session.
    """
    cookie = st.context.cookies.get(BROWSER_COOKIE)
    if not isinstance(cookie, str) or not cookie:  # AppTest's sessions have no cookies
        return None
    token = cookie.encode()
    parts = cookie.split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            mask = masked = b""
        if mask and masked:
            token = bytes(byte ^ mask[i % len(mask)] for i, byte in enumerate(masked))
    return hashlib.sha256(token).hexdigest()


def keep_across_reloads() -> None:
    """Give a new session the kept values its URL's token names, if this browser made them; else a new token.

    Called first on every rerun: changing page clears the URL's parameters, so the token is written back each time.
    remember_session() keeps the values, after every page run and poll.
    """
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:  # a new session: a first visit, a reload, or a link carrying a token
        token, browser, now = st.query_params.get(SESSION_PARAM), browser_id(), time.monotonic()
        with _kept_lock:
            kept = _kept.get(token)
            if kept is None or browser is None or kept.browser != browser:
                if browser is not None and token in _cleared and _cleared[token] == browser:
                    st.session_state[CLEARED_NOTICE] = True
                token = secrets.token_urlsafe(16)
                kept = _kept[token] = Kept(browser)
                _forget_stale(now, token)
            kept.seen = now
        with kept.lock:
            restored = {key: value if key in SHARED_KEYS else copy.copy(value) for key, value in kept.values.items()}
        st.session_state.update(restored)
        st.session_state[SESSION_TOKEN], st.session_state[SESSION_LOCK] = token, kept.lock
    if st.query_params.get(SESSION_PARAM) != token:
        st.query_params[SESSION_PARAM] = token
    if st.session_state.get(CLEARED_NOTICE):
        if st.session_state.get(RUNS):  # a new run: the notice has been read
            st.session_state.pop(CLEARED_NOTICE)
        else:
            st.warning(f"{t('session.cleared.1')} {t('session.cleared.2')}", icon=":material/delete_sweep:")


def _forget_stale(now: float, current: str) -> None:
    """Forget the sessions unseen for KEEP_FOR; then, least recently seen first, those past KEEP_AT_MOST sessions or
    KEEP_RUNS_AT_MOST runs in all, remembering that they were cleared. Never `current` (caller holds _kept_lock)."""
    for stale in [token for token, kept in _kept.items() if now - kept.seen > KEEP_FOR and token != current]:
        del _kept[stale]
    runs = sum(len(kept.values.get(RUNS, ())) for kept in _kept.values())
    for oldest in sorted((token for token in _kept if token != current), key=lambda token: _kept[token].seen):
        if len(_kept) <= KEEP_AT_MOST and runs <= KEEP_RUNS_AT_MOST:
            break
        kept = _kept.pop(oldest)
        held = len(kept.values.get(RUNS, ()))
        runs -= held
        if held:
            _cleared[oldest] = kept.browser
            _cleared.move_to_end(oldest)
            if len(_cleared) > REMEMBER_CLEARED:
                _cleared.popitem(last=False)


def kept_totals() -> tuple[int, int]:
    """(sessions, runs) the server keeps for reloads and closed tabs."""
    with _kept_lock:
        return len(_kept), sum(len(kept.values.get(RUNS, ())) for kept in _kept.values())


def remember_session() -> None:
    """Keep this session's values under its token (runs and jobs are the same objects, so later changes are kept)."""
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:
        return
    with session_lock():
        values = {key: st.session_state[key] for key in KEPT_KEYS if key in st.session_state}
    with _kept_lock:
        kept = _kept.get(token)
        if kept is None:  # cleared (KEEP_AT_MOST, KEEP_RUNS_AT_MOST) while its tab stayed open: kept again
            kept = _kept[token] = Kept(browser_id(), session_lock())
        grew = len(values.get(RUNS, ())) > len(kept.values.get(RUNS, ()))
        kept.seen, kept.values = time.monotonic(), values
        if grew:  # a new run may take the total past KEEP_RUNS_AT_MOST: the oldest sessions make room
            _forget_stale(kept.seen, token)


def session_lock() -> threading.RLock:
    """The lock of this session's runs and jobs, shared by its tabs."""
    return st.session_state.setdefault(SESSION_LOCK, threading.RLock())


def _runs() -> dict[str, Run]:
    return st.session_state.setdefault(RUNS, {})


def _jobs() -> list[SessionJob]:
    return st.session_state.setdefault(JOBS, [])


def session_runs() -> dict[str, Run]:
    """A copy of this session's runs by label, oldest first, the labels the app made in this session's language;
    finished jobs are collected first."""
    collect_finished()
    with session_lock():
        _relabel(current())
        return dict(_runs())


def _relabel(lang: str) -> None:
    """The runs' app-made labels said in lang: a run named in French stays named after a switch to English (the
    caller holds the session's lock)."""
    runs = _runs()
    renamed = {label: label_in(label, run, lang) for label, run in runs.items()}
    if renamed == {label: label for label in runs} or len(set(renamed.values())) < len(renamed):
        return
    kept = list(runs.items())
    runs.clear()
    runs.update((renamed[label], run) for label, run in kept)
    if st.session_state.get(LAST_FINISHED) in renamed:
        st.session_state[LAST_FINISHED] = renamed[st.session_state[LAST_FINISHED]]


def label_in(label: str, run: Run, lang: str) -> str:
    """'3. dropout 0,2' as '3. dropout 0.2' in English: a label the app made from the run's settings (uploaded or
    not), in lang's words; any other label as it is."""
    number, _, name = label.partition(". ")
    if number.isdigit():
        for made in i18n.LANGUAGES:
            described = plots.describe(run.config, made)
            if name == described:
                return f"{number}. {plots.describe(run.config, lang)}"
            if name == i18n.text(made, "results.uploaded", name=described):
                return f"{number}. {i18n.text(lang, 'results.uploaded', name=plots.describe(run.config, lang))}"
    return label


def add_run(run: Run, name: str | None = None) -> str:
    """Keep a run (uploaded or loaded) in this session; returns its label."""
    with session_lock():
        label = _next_label(name or plots.describe(run.config, current()))
        _runs()[label] = run
    return label


def remove_runs(labels: list[str]) -> None:
    with session_lock():
        for label in labels:
            _runs().pop(label, None)


def _next_label(name: str) -> str:
    """'N. name', N one above every number the session's runs and jobs carry (caller holds the session's lock)."""
    labels = [*_runs(), *(entry.job.label for entry in _jobs())]
    numbers = [int(head) for head, _, _ in (label.partition(". ") for label in labels) if head.isdigit()]
    return f"{max(numbers, default=0) + 1}. {name}"


def training_jobs() -> list[jobs.Job]:
    """This session's training jobs not yet collected into its runs."""
    with session_lock():
        return [entry.job for entry in _jobs() if entry.kind == TRAINING]


def lesson_job() -> LessonJob | None:
    """This session's lesson job not yet collected, if any."""
    with session_lock():
        return next((entry.job for entry in _jobs() if entry.kind == LESSON), None)


def active_jobs() -> list[jobs.Job]:
    """This session's training jobs that are running or waiting."""
    return [job for job in training_jobs() if job.state != jobs.DONE]


def active_lesson() -> LessonJob | None:
    """The lesson job while it runs or waits."""
    job = lesson_job()
    return job if job is not None and job.state != jobs.DONE else None


def owner() -> str | None:
    """Whom the queue takes turns between: this session's token, shared by its tabs (see keep_across_reloads)."""
    return st.session_state.get(SESSION_TOKEN)


def refused(config: RunConfig) -> str | None:
    """Why the server's owner does not let this session queue this run (MNISTLAB_MAX_EPOCHS, and
    MNISTLAB_MAX_RUNS_PER_SESSION counting its running and waiting jobs in every tab), in words; None when it may.

    A laptop's server sets no cap: the queue's turns already keep one session's many runs from delaying the others.
    """
    try:
        settings = server_settings.from_environment()
    except server_settings.SettingsError as error:  # the owner's typo: said to every visitor, nothing is queued
        return t("server.settings_wrong", error=message(error))
    active = jobs.default_queue().owned(owner())
    return (settings.refuse_run(config, active, current())
            or classroom.default_classroom().refuse_run(config, active, owner(), current()))  # class mode's caps


def start_training(config: RunConfig, data: Dataset) -> jobs.Job | None:
    """Queue a training run for this session; None (with the owner's reason) when the server's caps refuse it."""
    with session_lock():
        reason = refused(config)
        if reason is not None:
            st.warning(reason)
            return None
        room = classroom.default_classroom()
        job = jobs.submit_training(config, data, _next_label(plots.describe(config, current())),
                                   abandon_after=ABANDON_AFTER, owner=owner(), lecturer=room.goes_first(owner()))
        _jobs().append(SessionJob(TRAINING, job))
        room.watch(job, owner(), job.label)  # in class mode, a student's run goes on the board when it completes
    return job


def start_lesson(plan: LessonPlan, data: Dataset, label: str) -> LessonJob | None:
    """Queue a lesson for this session; None when one is already under way or the server's caps refuse it."""
    with session_lock():
        if lesson_job() is not None:
            return None
        reason = classroom.default_classroom().refuse_many(owner(), current()) or \
            refused(RunConfig(epochs=plan.epochs))  # each of its runs is held to the caps of one run
        if reason is not None:
            st.warning(reason)
            return None
        st.session_state.pop(LESSON_NOTICE, None)
        try:  # each of its runs its own job: they take turns with other sessions' runs, K at once
            job = submit_lesson(plan, data, label, abandon_after=ABANDON_AFTER, owner=owner(),
                                lecturer=classroom.default_classroom().goes_first(owner()))
        except ConfigError as error:  # a run that cannot train on this data set: said before any is queued
            st.session_state[LESSON_NOTICE] = ("error", "lesson.notice.failed", {"error": message(error)})
            return None
        st.session_state[LESSON_PLAN] = plan
        _jobs().append(SessionJob(LESSON, job))
    return job


def show_lesson(lesson: Lesson, source: str) -> None:
    st.session_state[LESSON_SHOWN] = {"lesson": lesson, "source": source}


def collect_finished() -> list[str]:
    """Where a finished job becomes a run, or the lesson shown; returns the labels of the jobs that ended.

    Called on every rerun and poll, it also tells the session's other jobs that someone still waits for them, and
    keeps the session's values for a reload. Under the session's lock: two tabs polling collect a job once.
    """
    with session_lock():
        entries = _jobs()
        for entry in entries:
            entry.job.touch()
        ended = [entry for entry in entries if entry.job.state == jobs.DONE]
        for entry in ended:
            entries.remove(entry)
            if entry.kind == LESSON:
                _lesson_ended(entry.job)
            elif entry.job.result is not None:  # None: cancelled while waiting, nothing was trained
                _runs()[entry.job.label] = entry.job.result
                st.session_state[LAST_FINISHED] = entry.job.label
    remember_session()
    return [entry.job.label for entry in ended]


def _lesson_ended(job: LessonJob) -> None:
    """A finished lesson becomes the lesson shown; one stopped before any run finished, or failed, leaves a notice."""
    lesson = job.result
    if lesson is not None and (lesson.status == "completed" or any(r.status == "completed" for r in lesson.runs)):
        show_lesson(lesson, TRAINED_HERE)
    elif lesson is not None:  # stopped before any run finished: the results shown before (if any) stay
        st.session_state[LESSON_NOTICE] = ("info", "lesson.notice.stopped", {})
    elif job.failed:
        st.session_state[LESSON_NOTICE] = ("error", "lesson.notice.failed", {"error": job.error})
