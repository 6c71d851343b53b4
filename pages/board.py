"""Class board: every student's finished run as a point on the projector (class mode), or one's own runs and sweeps;
a sweep file reopened onto one's own board."""
import streamlit as st

from ui import classroom, data_cache, frame
from ui.language import t

frame.served_by_app()
st.title(t("board.title"))
classroom.lecturer_panel()
room = classroom.room()
st.caption(t("board.intro.class") if room.on else t("board.intro.own"))
classroom.board()
classroom.opened_sweep_in_class()
if not room.on or classroom.is_lecturer():
    classroom.sweep_form(data_cache.dataset("mnist"))
classroom.sweep_file()
