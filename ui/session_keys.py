"""The names of a session's values in st.session_state: its runs and jobs, settings, lesson and sweep.
One place for them, as the registry fills them, the pages read them and the kept sessions keep them across a reload."""
from __future__ import annotations

RUNS, JOBS, SETTINGS, LAST_FINISHED = "runs", "jobs", "settings", "last_finished"
LESSON_PLAN, LESSON_SHOWN, LESSON_NOTICE = "lesson.plan", "lesson.shown", "lesson.notice"
# the lesson notice: (kind, key of mnistlab/strings, values), said in the language the page is read in
# A sweep: its plan and jobs while it runs; the sweep it became, and a sweep file opened ({"sweep", "source", "bytes"})
SWEEP_PLAN, SWEEP_JOBS, SWEEP_DONE, SWEEP_SHOWN = "sweep.plan", "sweep.jobs", "sweep.done", "sweep.shown"
