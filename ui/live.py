"""Live progress: fragments that redraw this session's jobs while they run, and the status line on other pages."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from mnistlab import i18n, jobs, plots
from mnistlab.training import Progress

from .language import current, duration, percent, t
from .main_action import SHOWN
from .sessions import active_jobs, active_lesson, collect_finished, training_jobs
from .widgets import chart

LIVE_REFRESH = 0.5  # seconds between redraws of a live run: curves move at least once a second
# seconds between redraws while all of a session's runs wait: a place in the queue changes slowly, and a class's
# waiting pages, redrawn at the live rate, would take the server's cores from the runs they wait for
WAITING_REFRESH = 2.0
CURVES_HEIGHT = 330  # pixels: the Train page's curves fit the first screen at 1366×768 under the run's progress
STATUS_REFRESH = 1.0  # seconds between checks of the one-line status shown on the other pages


def progress_line(progress: Progress | None, left: float | None = None) -> tuple[float, str]:
    """The fraction done and a one-line account (epoch, percent, time left) of a training Progress; left: the job's
    estimate of its time left (jobs: the run's eta and its shape's measured whole-run pace), else the run's eta."""
    if progress is None:
        return 0.0, t("lesson.starting")
    done = progress.step / progress.steps
    return done, t("live.progress", epoch=progress.epoch + 1, epochs=progress.epochs, done=percent(100 * done, 0),
                   elapsed=i18n.seconds(progress.elapsed, current()),
                   left=duration(progress.eta if left is None else left))


def waiting_line(job: jobs.Job) -> str:
    """Where a queued job stands: its place in the queue's turns and when it should start, as things stand now."""
    place = job.position
    if place is None:  # ended between the check and this line: the next redraw shows it
        return t("queue.starting", label=job.label)
    seconds = job.starts_in
    when = t("queue.start_unknown") if seconds is None else t("queue.starts_in", time=duration(seconds))
    return t("queue.waiting", label=job.label, place=i18n.ordinal(place, current()), when=when)


def draw_training_job(job: jobs.Job) -> None:
    """A training job: queue position while it waits; progress bar, live curves and Stop while it runs."""
    # its own keyed container: a bar drawn where an ended job's bar was would slide from that one's value
    with st.container(key=f"training-job-{job.id}"):
        if job.state == jobs.QUEUED:
            st.info(waiting_line(job))
            if st.session_state.get(SHOWN) != job.id:
                st.button(t("lesson.cancel"), key=f"cancel-{job.id}", on_click=job.stop)
            return
        progress = job.progress
        fraction, line = progress_line(progress, job.remaining_seconds)
        said = t("lesson.stopping") if job.stopped else line
        st.progress(fraction, text=f"{t('live.training', label=job.label)} · {said}")  # one line: room for curves
        # before the first report: the empty axes, where the curves will be drawn (not a blank column)
        chart(plots.training_curves([], epochs=1, lang=current(), height=CURVES_HEIGHT) if progress is None else
              plots.training_curves(list(progress.history), plots.live_point(progress), progress.epochs,
                                    diverged=plots.blew_up(progress.history), steps=progress.step_losses,
                                    lang=current(), height=CURVES_HEIGHT),
              key=f"live-curves-{job.id}")
        if st.session_state.get(SHOWN) != job.id:  # else the Start button above, become Stop, is this run's
            st.button(t("live.stop"), key=f"stop-{job.id}", on_click=job.stop, type="primary", disabled=job.stopped,
                      help=t("live.stop.help"))


def live_job(job: jobs.Job, draw: Callable[[jobs.Job], None]) -> None:
    """Redraw a job every LIVE_REFRESH seconds with draw(job) until it ends, then rerun the whole page once."""
    if job.state == jobs.DONE:
        return

    @st.fragment(run_every=LIVE_REFRESH)
    def poll():
        if job.state == jobs.DONE:
            st.rerun()
        draw(job)

    poll()


def live_training() -> None:
    """This session's training jobs, redrawn until each ends; then the whole page reruns to show its run."""
    if any(job.state == jobs.RUNNING for job in training_jobs()):
        _training_fragment()
    elif training_jobs():
        _waiting_fragment()


@st.fragment(run_every=LIVE_REFRESH)
def _training_fragment() -> None:
    if collect_finished():
        st.rerun()
    _draw_training_jobs()


@st.fragment(run_every=WAITING_REFRESH)
def _waiting_fragment() -> None:
    if collect_finished() or any(job.state != jobs.QUEUED for job in training_jobs()):
        st.rerun()  # a run started or ended: the page redraws it at the live rate
    _draw_training_jobs()


def _draw_training_jobs() -> None:
    waiting = False
    for job in training_jobs():
        draw_training_job(job)
        waiting |= job.state == jobs.QUEUED
    if waiting:  # said once, below the waiting runs
        st.caption(t("queue.turns_workers", workers=jobs.default_queue().workers()))


def status_line(page: str) -> None:
    """One line about this session's training and lesson on the pages that do not show them, polled while they last.

    The Train and Lesson pages poll (and keep alive) their own jobs; this keeps alive the ones they do not show.
    """
    if (active_jobs() and page != "Train") or (active_lesson() and page != "Lesson"):
        _status_fragment(page)


@st.fragment(run_every=STATUS_REFRESH)
def _status_fragment(page: str) -> None:
    if collect_finished() or not (active_jobs() or active_lesson()):
        st.rerun()
    if active_lesson() and page != "Lesson":
        st.info(t("live.lesson_training"))
    if not active_jobs() or page == "Train":
        return
    job = active_jobs()[0]
    if job.state == jobs.QUEUED:
        st.info(waiting_line(job))
    else:
        fraction, line = progress_line(job.progress, job.remaining_seconds)
        st.progress(fraction, text=f"{t('live.training', label=job.label)} · {line}")
