"""The Lesson page's choices: the plan form (seeds, epochs, slips), how long the default lesson takes here, and
lecture mode (a saved or uploaded lesson shown at once)."""
from __future__ import annotations

import streamlit as st

from mnistlab.config import DEFAULT_SEEDS, MAX_SEEDS, ConfigError
from mnistlab.lesson.files import lesson_from_bytes, load_lesson, saved_lessons
from mnistlab.lesson.plan import LessonFileError, LessonPlan
from mnistlab.lesson.summary import default_lesson_seconds, duration_text

from . import sessions, widgets
from .language import current, message, t
from .lesson_results import SLIP_SWITCHES

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
    st.caption(t("lesson.plan_size", runs=widgets.count(len(plan.tasks()), "run"),
                 epochs=widgets.count(plan.epochs, "epoch")))
    return plan


@st.cache_data(show_spinner=False, max_entries=4)
def saved_lessons_seconds(files: tuple[tuple[str, float], ...]) -> float | None:
    """default_lesson_seconds, read again only when the saved lessons' files (paths, times) change: it parses them."""
    return default_lesson_seconds()


def default_duration() -> str:
    """How long the default lesson takes on this server, from the times its saved lessons recorded."""
    files = tuple((str(path), path.stat().st_mtime) for path in saved_lessons())
    seconds, default = saved_lessons_seconds(files), LessonPlan()
    if seconds is None:
        return t("lesson.default_unmeasured")
    return t("lesson.default_takes", seeds=default.seeds, epochs=default.epochs, runs=len(default.tasks()),
             duration=duration_text(seconds, current()))


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
            except LessonFileError as error:
                st.error(t("files.cannot_open", error=message(error)))
    else:
        st.info(t("lesson.no_saved"))
    opened = widgets.opened_file(t("lesson.upload"), "json", "lesson.upload", lesson_from_bytes, LessonFileError)
    if opened is not None:
        uploaded, name = opened
        sessions.show_lesson(uploaded, t("results.uploaded", name=name))
