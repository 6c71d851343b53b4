"""A lesson under way on the Lesson page: its place in the queue, or its progress line, Stop, and the curves of the
runs finished so far."""
from __future__ import annotations

import streamlit as st

from mnistlab import jobs
from mnistlab.lesson.fanout import LessonJob
from mnistlab.lesson.plan import Lesson, LessonProgress

from . import language, live, session_keys
from .language import t
from .lesson_results import ARM_TITLES, draw_bands

PLAN = session_keys.LESSON_PLAN


def lesson_progress(job: LessonJob) -> tuple[float, str]:
    """The share of the lesson done, its earliest run under way, and its time left on this server's workers."""
    progress: LessonProgress | None = job.progress
    if progress is None:
        return 0.0, t("lesson.starting")
    epoch = "" if progress.train is None else t("lesson.progress.epoch", epoch=progress.train.epoch + 1,
                                                   epochs=progress.train.epochs)
    seconds_left = job.remaining_seconds
    left = "" if seconds_left is None else t("lesson.progress.left", time=language.duration(seconds_left))
    return progress.fraction, t("lesson.progress", run=progress.run + 1, runs=progress.runs,
                                variant=t(f"variant.{progress.variant}"), arm=t(ARM_TITLES[progress.arm]).lower(),
                                seed=progress.seed, epoch=epoch, done=language.percent(100 * progress.fraction, 0),
                                left=left)


def draw_job(job: LessonJob) -> None:
    """A lesson under way: queue position, or progress, Stop and the curves of the runs finished so far."""
    job.touch()
    if job.state == jobs.QUEUED:
        st.info(live.waiting_line(job))
        st.button(t("lesson.cancel"), key=f"lesson-cancel-{job.id}", on_click=job.stop)
        return
    fraction, line = lesson_progress(job)
    st.progress(min(fraction, 1.0), text=t("lesson.stopping") if job.stopped else line)
    st.button(t("lesson.stop"), key=f"lesson-stop-{job.id}", on_click=job.stop, disabled=job.stopped,
              help=t("lesson.stop.help"))
    if job.progress is not None and job.progress.finished:
        draw_bands(Lesson(st.session_state[PLAN], "mnist", list(job.progress.finished)), key=f"live-{job.id}")

