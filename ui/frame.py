"""The frame every page shares: the app's navigation, the guard that sends a page served without it there, the style,
and what the server's owner switched on."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import streamlit as st

from mnistlab import classroom, i18n, server_settings

from .language import current, t
from .caps import owner

ROOT = Path(__file__).parent.parent
IN_APP = "app.page"  # set by app.py while it runs a page: a page run without it was served straight from pages/
# The server's owner lets visitors save lessons into runs/lessons/ (every visitor's lecture mode) with this set to 1.
ALLOW_LESSON_SAVE = server_settings.ALLOW_LESSON_SAVE


def navigation() -> st.Page:
    """The app's pages in its top bar; returns the one to run."""
    pages = [
        st.Page(ROOT / "pages/train.py", title=t("nav.train"), icon=":material/play_circle:", default=True),
        st.Page(ROOT / "pages/results.py", title=t("nav.results"), icon=":material/grid_on:"),
        st.Page(ROOT / "pages/compare.py", title=t("nav.compare"), icon=":material/stacked_line_chart:"),
        st.Page(ROOT / "pages/draw.py", title=t("nav.draw"), icon=":material/draw:"),
        st.Page(ROOT / "pages/data.py", title=t("nav.data"), icon=":material/image:"),
        st.Page(ROOT / "pages/lesson.py", title=t("nav.lesson"), icon=":material/school:"),
        st.Page(ROOT / "pages/inside.py", title=t("nav.inside"), icon=":material/neurology:"),
        st.Page(ROOT / "pages/board.py", title=t("nav.board"), icon=":material/scatter_plot:"),
    ]
    return st.navigation(pages, position="top")


def page_name(page: st.Page) -> str:
    """The page's English title whatever the session's language (the status line tells pages apart by it)."""
    return i18n.text(i18n.DEFAULT, f"nav.{page.url_path or 'train'}")


def served_by_app() -> None:
    """Called first by every page: a page Streamlit served on its own runs inside app.py instead, on the same page.

    Before any session of a fresh server has called st.navigation, Streamlit serves a link to /lesson straight from
    pages/ (its older multipage mode, with a sidebar listing the files). app.py's st.navigation takes over and ends that
    mode for the process; running app.py here rather than rerunning keeps the widget event that started this run.
    """
    if not st.session_state.get(IN_APP):
        runpy.run_path(str(ROOT / "app.py"))
        st.stop()


# What a lecturer points at reads at the body's size (theme.baseFontSize, 18 px) from the back of a room: Streamlit
# draws captions, tables, metric and widget labels, inputs' and sliders' values, buttons and links a size smaller, and
# no theme option sets them.
PROJECTOR_TEXT = ", ".join((
    "[data-testid='stCaptionContainer']", "[data-testid='stTable'] th", "[data-testid='stTable'] td",
    "[data-testid='stMetricLabel'] p", "[data-testid='stMetricDelta'] div", "[data-testid='stWidgetLabel'] p",
    "[data-testid='stSliderThumbValue'] p", "[data-testid='stSliderTickBar'] p", "[data-testid='stSelectbox'] input",
    "[data-testid='stNumberInput'] input", "[data-testid='stTextInput'] input", "[data-testid='stTopNav'] p",
    "[data-testid='stPageLink-NavLink'] *", "button [data-testid='stMarkdownContainer'] p",
    "summary [data-testid='stMarkdownContainer'] p", "[data-testid='stProgress'] p",
    "[data-testid='stFileUploaderDropzoneInstructions'] *",
    "[data-testid='stSelectboxVirtualDropdown'] [role='option']",
    "[role='listbox'] [role='option']", "[data-testid='stTooltipContent']", "[data-testid='stTooltipContent'] p",
    "[data-testid='stMultiSelectTagsContainer'] span", "[data-testid='stCode'] *"))

# A metric's note ("stopped in epoch 2") wraps under its value instead of ending in "…".
WRAPPED = "[data-testid='stMetricDelta'] p"


def page_style() -> None:
    """Less empty space above each page's title (the projector's height is precious), no text below 18 px, and the
    uploaders' own English words ("Upload", "200MB per file") replaced by the app's in the reader's language."""
    st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 3.5rem;} "
            f"{PROJECTOR_TEXT} {{font-size: 1rem;}} {WRAPPED} {{white-space: normal;}} {uploader_words()}</style>")


UPLOAD_BUTTON = "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p"
UPLOAD_NOTE = "[data-testid='stFileUploaderDropzoneInstructions']"


def uploader_words() -> str:
    """CSS that hides Streamlit's words in a file uploader and shows the app's instead (no option sets them)."""
    button = _css_string(t("files.choose"))
    note = _css_string(t("files.most", size=i18n.size(st.get_option("server.maxUploadSize") * 1e6, current())))
    return (f"{UPLOAD_BUTTON}, {UPLOAD_NOTE} span {{font-size: 0;}} "
            f"{UPLOAD_BUTTON}::after {{content: {button}; font-size: 1rem;}} "
            f"{UPLOAD_NOTE}::after {{content: {note}; font-size: 1rem;}}")


def uploader_note(key: str, most_bytes: int) -> None:
    """Under the uploader of this key, the largest file it takes, in place of the server-wide size page_style says."""
    css_class = "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())  # as Streamlit's frontend names it
    note = _css_string(t("files.most", size=i18n.size(most_bytes, current())))
    st.html(f"<style>.{css_class} {UPLOAD_NOTE}::after {{content: {note};}}</style>")


def _css_string(words: str) -> str:
    return '"' + words.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'



def lesson_saving_allowed() -> bool:
    """Whether this session may save lessons into runs/lessons/: with a lecturer key set, only the lecturer's; else
    off unless the server's owner switched ALLOW_LESSON_SAVE on, and off when the owner's settings cannot be read."""
    if classroom.lecturer_key() is not None:
        return classroom.default_classroom().is_lecturer(owner())
    try:
        return server_settings.from_environment().allow_lesson_save
    except server_settings.SettingsError:
        return False
