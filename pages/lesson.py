"""Lesson: the course's four variants over several seeds, their spread, and its slips measured side by side."""
import time

import streamlit as st

from ui import data_cache, frame, language, lesson_form, lesson_live, lesson_results, live, session_keys, sessions
from ui.language import t

SHOWN, NOTICE = session_keys.LESSON_SHOWN, session_keys.LESSON_NOTICE

frame.served_by_app()
st.title(t("lesson.title"))
st.caption(t("lesson.intro"))
st.caption(lesson_form.default_duration())
run_column, lecture_column = st.columns([3, 2], gap="large")
with lecture_column:  # first: a lesson loaded here folds the run form away in this same rerun
    lesson_form.lecture_mode()
job = sessions.lesson_job()
with run_column, st.expander(t("lesson.run_a_lesson"), expanded=SHOWN not in st.session_state):
    plan = lesson_form.plan_form()
    data = data_cache.dataset("mnist") if plan is not None and job is None else None
    if st.button(t("lesson.run"), type="primary", disabled=data is None or job is not None):
        label = t("lesson.label", seeds=language.count(plan.seeds, "seed"), epochs=language.count(plan.epochs, "epoch"))
        if sessions.start_lesson(plan, data, label):
            st.rerun()
if NOTICE in st.session_state:
    kind, key, values = st.session_state[NOTICE]
    getattr(st, kind)(t(key, **values))
if job is not None:
    live.live_job(job, lesson_live.draw_job)
shown = st.session_state.get(SHOWN)
if shown is not None:
    with st.container(key="lesson-results"):
        lesson_results.draw_lesson(shown["lesson"], shown["source"])
    if st.session_state.pop(lesson_form.SCROLL, False):  # lecture mode's results begin below the fold: shown once
        st.html("<script>setTimeout(() => { const results = document.querySelector('.st-key-lesson-results');"
                " if (results) { results.style.scrollMarginTop = '4.5rem';"  # below the fixed top bar
                f" results.scrollIntoView({{behavior: 'smooth'}}); }} }}, 300); /* {time.time()} */</script>",
                unsafe_allow_javascript=True)
elif job is None:
    st.info(t("lesson.press_run"))
