"""The lessons saved in runs/lessons/, parsed once per change of their files and shared read-only by every session;
and where this server would train a run (its fingerprint), to tell whether a retrain here gives their numbers."""
from __future__ import annotations

import streamlit as st

from mnistlab.fingerprint import this_machine
from mnistlab.lesson.files import load_lesson, saved_lessons
from mnistlab.lesson.plan import Lesson, LessonFileError
from mnistlab.training import thread_count


@st.cache_resource(show_spinner=False, max_entries=2)
def _parsed(files: tuple[tuple[str, float], ...]) -> tuple[Lesson, ...]:
    lessons = []
    for path, _ in files:
        try:
            lessons.append(load_lesson(path))
        except LessonFileError:  # the Lesson page names a damaged file where it lists them
            continue
    return tuple(lessons)


def loaded() -> list[Lesson]:
    """The saved lessons (not to be changed: every session shares them), the default one first."""
    return list(_parsed(tuple((str(path), path.stat().st_mtime) for path in saved_lessons())))


def here() -> dict:
    """This server's fingerprint for a run it trains on CPU: the threads its runs take, not this thread's."""
    return {**this_machine(), "threads": thread_count()}
