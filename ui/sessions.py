"""This session's runs and jobs: one registry for training and lesson jobs, and where a finished job becomes a run.
Tabs of one session share it (kept_sessions keeps it across a reload), and change it only under the session's lock."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from mnistlab import classroom, i18n, jobs, plots, server_settings
from mnistlab.config import ConfigError, RunConfig
from mnistlab.data import Dataset
from mnistlab.lesson.fanout import LessonJob, submit_lesson
from mnistlab.lesson.plan import Lesson, LessonPlan
from mnistlab.runs import Run
from mnistlab.cpu import leave_cores_to_training

from .caps import owner, refused, refused_lesson
from .kept_sessions import remember_session, session_lock
from .language import current, message
from .session_keys import JOBS, LAST_FINISHED, LESSON_NOTICE, LESSON_PLAN, LESSON_SHOWN, RUNS

# A job nobody has polled for this long (its tab was closed) stops, so it does not hold the queue. Polling goes on,
# if slowly (about once a minute), in a browser tab left in the background.
ABANDON_AFTER = 600.0
TRAINING, LESSON = "training", "lesson"  # what a finished job becomes: a run, or the lesson shown
TRAINED_HERE = "the lesson trained in this session"  # the source of a lesson shown where it was trained (said by key)

leave_cores_to_training()  # once per process, at the first page's import: the pages' own torch work is small


@dataclass(frozen=True)
class SessionJob:
    """A job of this session and what it becomes when it ends (TRAINING: a run; LESSON: the lesson shown); keeps: the
    bytes the run it makes will take."""
    kind: str
    job: jobs.Job | LessonJob
    keeps: int = 0


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
        keeps = server_settings.weights_bytes(config) + server_settings.KEPT_RUN_BYTES
        _jobs().append(SessionJob(TRAINING, job, keeps))
        room.watch(job, owner(), job.label)  # in class mode, a student's run goes on the board when it completes
    return job


def start_lesson(plan: LessonPlan, data: Dataset, label: str) -> LessonJob | None:
    """Queue a lesson for this session; None when one is already under way or the server's caps refuse it: a lesson
    counts as its runs, each held to the caps of one run."""
    with session_lock():
        if lesson_job() is not None:
            return None
        reason = refused_lesson([plan.config(variant, arm, seed) for variant, arm, seed in plan.tasks()])
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
