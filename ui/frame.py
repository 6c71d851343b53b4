"""The frame every page shares: the app's navigation, the guard that sends a page served without it there, the style,
and what the server's owner switched on."""
from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st

from mnistlab import server_settings

ROOT = Path(__file__).parent.parent
IN_APP = "app.page"  # set by app.py while it runs a page: a page run without it was served straight from pages/
# The server's owner lets visitors save lessons into runs/lessons/ (every visitor's lecture mode) with this set to 1.
ALLOW_LESSON_SAVE = server_settings.ALLOW_LESSON_SAVE


def navigation() -> st.Page:
    """The app's pages in its top bar; returns the one to run."""
    pages = [
        st.Page(ROOT / "pages/train.py", title="Train", icon=":material/play_circle:", default=True),
        st.Page(ROOT / "pages/results.py", title="Results", icon=":material/grid_on:"),
        st.Page(ROOT / "pages/compare.py", title="Compare", icon=":material/stacked_line_chart:"),
        st.Page(ROOT / "pages/data.py", title="Data", icon=":material/image:"),
        st.Page(ROOT / "pages/lesson.py", title="Lesson", icon=":material/school:"),
    ]
    return st.navigation(pages, position="top")


def served_by_app() -> None:
    """Called first by every page: a page Streamlit served on its own runs inside app.py instead, on the same page.

    Before any session of a fresh server has called st.navigation, Streamlit serves a link to /lesson straight from
    pages/ (its older multipage mode, with a sidebar listing the files). app.py's st.navigation takes over and ends that
    mode for the process; running app.py here rather than rerunning keeps the widget event that started this run.
    """
    if not st.session_state.get(IN_APP):
        runpy.run_path(str(ROOT / "app.py"))
        st.stop()


def page_style() -> None:
    """Less empty space above each page's title: the projector's height is precious."""
    st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 4rem;}</style>")


def lesson_saving_allowed() -> bool:
    """Whether visitors may save lessons into runs/lessons/: off unless the server's owner switched ALLOW_LESSON_SAVE
    on; off too when the owner's settings cannot be read (sessions.refused says so where a run is started)."""
    try:
        return server_settings.from_environment().allow_lesson_save
    except server_settings.SettingsError:
        return False
