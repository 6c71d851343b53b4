"""mnistlab's Streamlit app: `streamlit run app.py`. Routes to the pages in views/ (not pages/: Streamlit would serve a
file there directly at its own URL, without this navigation, on a reload or a link to it)."""
from pathlib import Path

import streamlit as st

from views import _ui

HERE = Path(__file__).parent

st.set_page_config(page_title="mnistlab", page_icon="🔢", layout="wide")
pages = [
    st.Page(HERE / "views/train.py", title="Train", icon=":material/play_circle:", default=True),
    st.Page(HERE / "views/results.py", title="Results", icon=":material/grid_on:"),
    st.Page(HERE / "views/compare.py", title="Compare", icon=":material/stacked_line_chart:"),
    st.Page(HERE / "views/data.py", title="Data", icon=":material/image:"),
]
# The Lesson page comes from its own issue; the app runs with or without it.
if (HERE / "views/lesson.py").exists():
    pages.append(st.Page(HERE / "views/lesson.py", title="Lesson", icon=":material/school:"))
page = st.navigation(pages, position="top")
_ui.page_style()
_ui.keep_across_reloads()
_ui.collect_finished()
_ui.status_line(page.title)
try:
    page.run()
finally:  # what the page changed is what a reload must find; st.rerun() and st.stop() end here too
    _ui.remember_session()
