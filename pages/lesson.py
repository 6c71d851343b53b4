"""Lesson: the course's four variants over several seeds, their spread, and its slips measured side by side."""
import time

import streamlit as st

from mnistlab import jobs, plots
from mnistlab.config import SLIPS, ConfigError
from mnistlab.lesson import (COURSE, CORRECTED, DEFAULT_SEEDS, GRAPH_NOTE, JOINT_NOTE, LESSONS_DIR, MAX_SEEDS,
                             VARIANT_NAMES, Lesson, LessonFileError, LessonPlan, LessonProgress, default_lesson_seconds,
                             duration_text, file_name, gap_note, lesson_from_bytes, lesson_to_bytes, load_lesson,
                             save_lesson, saved_lessons, size_text, slip_effects, summarize, table, verdict,
                             verdict_rule)
from ui import data_cache, frame, live, sessions, widgets
from ui.language import current, t

SLIP_SWITCHES = {"no-eval": "No model.eval()", "shared-bn": "bn1 used twice", "loss-graph": "loss_train += loss"}
ARM_TITLES = {COURSE: "As in the course (slips on)", CORRECTED: "Corrected"}
PLAN, SHOWN, NOTICE = sessions.LESSON_PLAN, sessions.LESSON_SHOWN, sessions.LESSON_NOTICE


def plan_form() -> LessonPlan | None:
    """Seeds, epochs and the slip switches; the plan they make, or None after saying what is wrong."""
    left, right = st.columns(2)
    # without bounds, as on the Train page: a value out of range gets LessonPlan's message
    seeds = left.number_input("Seeds per variant", value=DEFAULT_SEEDS, step=1, key="lesson.seeds",
                              help=f"Each variant is trained once per seed (0, 1, 2…, up to {MAX_SEEDS}): the spread "
                                   "is chance.")
    epochs = right.number_input("Epochs per run", value=5, step=1, key="lesson.epochs")
    st.markdown("**The course's slips.** Each one switched on trains the variants *as in the course* beside the "
                "corrected code, with the same seeds, so its effect is measured:")
    slips = []
    for slip, title in SLIP_SWITCHES.items():
        if st.toggle(title, key=f"lesson.slip.{slip}"):
            slips.append(slip)
        st.caption(SLIPS[slip][0].upper() + SLIPS[slip][1:] + ".")
    try:
        plan = LessonPlan(int(seeds), int(epochs), tuple(slips))
    except ConfigError as error:
        st.error(f"This lesson cannot be run: {error}.")
        return None
    st.caption(f"{widgets.count(len(plan.tasks()), 'training run')} of {widgets.count(plan.epochs, 'epoch')} each, "
               "one after another.")
    return plan


def default_duration() -> str:
    """How long the default lesson takes on this server, from the times its saved lessons recorded."""
    seconds, default = default_lesson_seconds(), LessonPlan()
    if seconds is None:
        return t("lesson.default_unmeasured")
    return t("lesson.default_takes", seeds=default.seeds, epochs=default.epochs, runs=len(default.tasks()),
             duration=duration_text(seconds, current()))


def progress_line(job: jobs.Job) -> tuple[float, str]:
    """The share of the lesson done and where it stands."""
    progress: LessonProgress | None = job.progress
    if progress is None:
        return 0.0, "Starting…"
    epoch = "" if progress.train is None else f", epoch {progress.train.epoch + 1}/{progress.train.epochs}"
    elapsed = time.time() - (job.started or time.time())
    seconds_left = elapsed / max(progress.fraction, 1e-9) * (1 - progress.fraction)
    left = "" if progress.fraction < 0.02 else (f" · about {seconds_left / 60:.0f} min left" if seconds_left >= 90
                                                else f" · about {seconds_left:.0f} s left")
    return progress.fraction, (f"Run {progress.run + 1} of {progress.runs}: {VARIANT_NAMES[progress.variant]}, "
                               f"{ARM_TITLES[progress.arm].lower()}, seed {progress.seed}{epoch} · "
                               f"{progress.fraction:.0%}{left}")


def draw_job(job: jobs.Job) -> None:
    """A lesson under way: queue position, or progress, Stop and the curves of the runs finished so far."""
    job.touch()
    if job.state == jobs.QUEUED:
        st.info(live.waiting_line(job))
        st.button("Cancel", key=f"lesson-cancel-{job.id}", on_click=job.stop)
        return
    fraction, line = progress_line(job)
    st.progress(min(fraction, 1.0), text="Stopping…" if job.stopped else line)
    st.button("Stop the lesson", key=f"lesson-stop-{job.id}", on_click=job.stop, disabled=job.stopped,
              help="Ends the run under way within a second; the runs already finished are kept and shown.")
    if job.progress is not None and job.progress.finished:
        draw_bands(Lesson(st.session_state[PLAN], "mnist", list(job.progress.finished)), key=f"live-{job.id}")


def draw_bands(lesson: Lesson, key: str) -> None:
    """Validation loss of every variant, mean and min–max band over seeds; course and corrected side by side."""
    summaries = summarize(lesson)
    lows = [v for arms in summaries.values() for s in arms.values() for v in s.val_loss_min]
    highs = [v for arms in summaries.values() for s in arms.values() for v in s.val_loss_max]
    if not lows:
        st.info("No run of this lesson finished: there are no curves." if lesson.status == "stopped" else
                "No run has finished yet: the curves appear as soon as one has.")
        return
    margin = (max(highs) - min(lows)) * 0.05 or 0.01
    y_range = (min(lows) - margin, max(highs) + margin)  # one scale for both arms, so they compare by eye
    columns = st.columns(len(lesson.plan.arms))
    for column, arm in zip(columns, sorted(lesson.plan.arms, key=list(ARM_TITLES).index)):
        with column:
            if len(columns) > 1:
                st.markdown(f"##### {ARM_TITLES[arm]}")
            drawn = {v: arms[arm] for v, arms in summaries.items() if arms[arm].val_loss_mean}
            if drawn:
                widgets.chart(plots.seed_bands(drawn, y_range), key=f"{key}-{arm}")
            else:
                st.caption("No run of this side has finished yet.")
    st.caption("Line: the mean validation loss over seeds; band: from the lowest to the highest seed.")


def draw_lesson(lesson: Lesson, source: str) -> None:
    """The results: what is loaded, curves, table, verdicts, the slips' measured effects, save and download."""
    plan, summaries = lesson.plan, summarize(lesson)
    slips = ", ".join(plan.slips) or "none"
    st.subheader("Results")
    st.info(f"Showing **{source}**, made **{lesson.created.replace('T', ' ')}** on {lesson.device}: "
            f"{widgets.count(plan.seeds, 'seed')} × {widgets.count(plan.epochs, 'epoch')} of "
            f"{', '.join(VARIANT_NAMES[v] for v in plan.variants)} on {lesson.dataset}, slips: {slips}; "
            f"training took {lesson.seconds / 60:.1f} min.")
    if lesson.status == "stopped":
        st.warning(f"{lesson.message} The curves and the table count the finished runs only.")
    draw_bands(lesson, key="lesson")
    widgets.table(table(summaries, current()))
    st.caption(f"{t('lesson.table_note')} {t('lesson.vs_note')} {gap_note(current())}")
    if "baseline" in summaries:
        baseline = summaries["baseline"][CORRECTED]
        st.markdown(t("lesson.verdicts") + "\n" + "\n".join(
            f"- **{VARIANT_NAMES[v]}**: {verdict(arms[CORRECTED], baseline).sentence(t('verdict.baseline'), current())}"
            for v, arms in summaries.items() if v != "baseline"))
        st.caption(verdict_rule(current()))
    if plan.slips:
        draw_slip_effects(lesson, summaries)
    left, right = st.columns(2)
    left.download_button("Download these results (.json)", data=lambda: lesson_to_bytes(lesson),
                         file_name=file_name(lesson), mime="application/json", on_click="ignore")
    if not frame.lesson_saving_allowed():  # runs/lessons/ feeds every visitor's lecture mode
        right.caption(f"Saving into runs/lessons/ is off on this server: download the results instead (its owner "
                      f"can turn saving on with {frame.ALLOW_LESSON_SAVE}=1).")
    elif right.button("Save them in runs/lessons/ for lecture mode"):
        try:
            path = save_lesson(lesson, LESSONS_DIR / file_name(lesson))
        except OSError as error:
            st.error(f"The results could not be saved: {error}. Download them instead.")
        else:
            st.success(f"Saved as {path.name}.")


def draw_slip_effects(lesson: Lesson, summaries: dict) -> None:
    """The slips' sentences, course minus corrected for every variant they touch, and the loss graph's memory."""
    st.subheader("The course's slips, measured (course − corrected, same seeds)")
    st.markdown("\n".join(f"- **{SLIP_SWITCHES[slip]}**: {SLIPS[slip]}." for slip in lesson.plan.slips))
    effects = slip_effects(lesson, summaries)
    widgets.table([{"variant": VARIANT_NAMES[e.variant], "slips on": ", ".join(e.slips),
                    "test accuracy (points)": e.verdict.cell(current()),
                    "validation loss, last epoch": None if e.val_loss_difference is None
                    else f"{e.val_loss_difference:+.4f}"} for e in effects])
    if len(lesson.plan.slips) > 1:
        st.caption(JOINT_NOTE)
    held = [e for e in effects if e.graph_nodes is not None]
    if held:
        st.markdown("**loss_train += loss**: what the summed loss keeps alive at each epoch's end "
                    "(mean over seeds and epochs):")
        for column, effect in zip(st.columns(len(held)), held):
            nodes = f"{effect.graph_nodes:,.0f} autograd nodes"
            if lesson.batches_per_epoch:
                nodes += f", {effect.graph_nodes / lesson.batches_per_epoch:.0f} per batch"
            column.metric(VARIANT_NAMES[effect.variant], size_text(effect.graph_bytes), nodes, delta_color="off",
                          delta_arrow="off")
        st.caption(GRAPH_NOTE)


def lecture_mode() -> None:
    """Saved results, shown at once: from runs/lessons/ or an uploaded file."""
    st.markdown("**Lecture mode**: show results trained beforehand, at once.")
    files = saved_lessons()
    if files:
        chosen = st.selectbox("Saved lessons (runs/lessons/)", files, format_func=lambda path: path.name,
                              key="lesson.file")
        if st.button("Show these results", key="lesson.load"):
            try:
                sessions.show_lesson(load_lesson(chosen), chosen.name)
            except LessonFileError as error:
                st.error(f"This file cannot be opened: {error}")
    else:
        st.info("No saved lesson in runs/lessons/ yet: run one here and save it, or upload a file.")
    opened = widgets.opened_file("…or open a lesson file (.json)", "json", "lesson.upload", lesson_from_bytes,
                             LessonFileError)
    if opened is not None:
        uploaded, name = opened
        sessions.show_lesson(uploaded, f"{name} (uploaded)")


frame.served_by_app()
st.title("The course in one click")
st.caption("The course compares its four variants on one run each. Here each is trained on several seeds, so a "
           "difference can be set against what changing the seed alone does.")
st.caption(default_duration())
run_column, lecture_column = st.columns([3, 2], gap="large")
with lecture_column:  # first: a lesson loaded here folds the run form away in this same rerun
    lecture_mode()
job = sessions.lesson_job()
with run_column, st.expander("Run a lesson", expanded=SHOWN not in st.session_state):
    plan = plan_form()
    data = data_cache.dataset("mnist") if plan is not None and job is None else None
    if st.button("Run the lesson", type="primary", disabled=data is None or job is not None):
        label = f"lesson: {widgets.count(plan.seeds, 'seed')} × {widgets.count(plan.epochs, 'epoch')}"
        if sessions.start_lesson(plan, data, label):
            st.rerun()
if NOTICE in st.session_state:
    kind, text = st.session_state[NOTICE]
    getattr(st, kind)(text)
if job is not None:
    live.live_job(job, draw_job)
shown = st.session_state.get(SHOWN)
if shown is not None:
    draw_lesson(shown["lesson"], shown["source"])
elif job is None:
    st.info(t("lesson.press_run"))
