"""The Lesson page's choices: the plan form (seeds, epochs, slips), how long the default lesson takes here, and
lecture mode (a saved or uploaded lesson shown at once)."""
from __future__ import annotations

import streamlit as st

from mnistlab.config import DEFAULT_SEEDS, MAX_SEEDS, ConfigError
from mnistlab.lesson.files import MAX_LESSON_BYTES, lesson_from_bytes, load_lesson, saved_lessons
from mnistlab.lesson.plan import LessonFileError, LessonPlan
from mnistlab import i18n, jobs
from mnistlab.data import DataError
from mnistlab.lesson.fanout import lesson_seconds

from . import data_cache, language, sessions, widgets
from .language import current, message, t
from .lesson_results import SLIP_SWITCHES

SCROLL = "lesson.scroll"  # set when lecture mode shows a lesson: the page's next run brings its results into view

def plan_form() -> LessonPlan | None:
    """Seeds, epochs and the slip switches; the plan they make, or None after saying what is wrong."""
    left, right = st.columns(2)
    # without bounds, as on the Train page: a value out of range gets LessonPlan's message
    seeds = left.number_input(t("lesson.seeds"), value=DEFAULT_SEEDS, step=1, key="lesson.seeds",
                              help=t("lesson.seeds.help", most=MAX_SEEDS))
    epochs = right.number_input(t("lesson.epochs"), value=5, step=1, key="lesson.epochs")
    st.markdown(t("lesson.slips_intro"))
    slips = []
    for slip, title in SLIP_SWITCHES.items():
        if st.toggle(t(title), key=f"lesson.slip.{slip}"):
            slips.append(slip)
        words = t(f"slip.{slip}")
        st.caption(words[0].upper() + words[1:] + ".")
    try:
        plan = LessonPlan(int(seeds), int(epochs), tuple(slips))
    except ConfigError as error:
        st.error(t("lesson.cannot_run", error=message(error)))
        return None
    st.caption(t("lesson.plan_size_spread", runs=language.count(len(plan.tasks()), "run"),
                 epochs=language.count(plan.epochs, "epoch")))
    return plan


def default_duration() -> str:
    """How long the default lesson takes on this server: its runs at the pace measured here, on its K workers."""
    default = LessonPlan()
    try:
        data = data_cache.cached_dataset("mnist")
    except DataError:  # the Run form below says what to do
        data = None
    seconds = None if data is None else lesson_seconds(default, data)
    if seconds is None:
        return t("lesson.default_unmeasured_here")
    return t("lesson.default_takes_here", seeds=default.seeds, epochs=default.epochs, runs=len(default.tasks()),
             duration=t("duration.about", time=i18n.duration(seconds, current(), "long")),
             workers=jobs.default_queue().workers())


def lecture_mode() -> None:
    """Saved results, shown at once: from runs/lessons/ or an uploaded file."""
    st.markdown(t("lesson.lecture_mode"))
    files = saved_lessons()
    if files:
        chosen = st.selectbox(t("lesson.saved_lessons"), files, format_func=lambda path: path.name,
                              key="lesson.file")
        if st.button(t("lesson.show"), key="lesson.load"):
            try:
                sessions.show_lesson(load_lesson(chosen), chosen.name)
                st.session_state[SCROLL] = True
            except LessonFileError as error:
                st.error(t("files.cannot_open", error=message(error)))
    else:
        st.info(t("lesson.no_saved"))
    opened = widgets.opened_file(t("lesson.upload"), "json", "lesson.upload", lesson_from_bytes, LessonFileError,
                                  MAX_LESSON_BYTES)
    if opened is not None:
        uploaded, name = opened
        sessions.show_lesson(uploaded, t("results.uploaded", name=name))
        st.session_state[SCROLL] = True
