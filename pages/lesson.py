"""Lesson: the course's four variants over several seeds, their spread, and its slips measured side by side."""
import time

import streamlit as st

from mnistlab import jobs, plots
from mnistlab.config import ConfigError
from mnistlab.lesson import (COURSE, CORRECTED, DEFAULT_SEEDS, LESSONS_DIR, MAX_SEEDS, Lesson, LessonFileError,
                             LessonPlan, LessonProgress, default_lesson_seconds, duration_text, file_name, gap_note,
                             lesson_from_bytes, lesson_to_bytes, load_lesson,
                             message_in, save_lesson, saved_lessons, size_text, slip_effects, summarize, table,
                             verdict, verdict_rule)
from mnistlab.upload_checks import UploadRefused, path_inside
from ui import data_cache, frame, language, live, sessions, widgets
from ui.language import current, message, number, t

SLIP_SWITCHES = {"no-eval": "lesson.switch.no-eval", "shared-bn": "lesson.switch.shared-bn",
                 "loss-graph": "lesson.switch.loss-graph"}  # keys of mnistlab/strings
ARM_TITLES = {COURSE: "lesson.arm_title.course", CORRECTED: "lesson.arm_title.corrected"}
PLAN, SHOWN, NOTICE = sessions.LESSON_PLAN, sessions.LESSON_SHOWN, sessions.LESSON_NOTICE


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


def progress_line(job: jobs.Job) -> tuple[float, str]:
    """The share of the lesson done and where it stands."""
    progress: LessonProgress | None = job.progress
    if progress is None:
        return 0.0, t("lesson.starting")
    epoch = "" if progress.train is None else t("lesson.progress.epoch", epoch=progress.train.epoch + 1,
                                                   epochs=progress.train.epochs)
    elapsed = time.time() - (job.started or time.time())
    seconds_left = elapsed / max(progress.fraction, 1e-9) * (1 - progress.fraction)
    left = "" if progress.fraction < 0.02 else (t("lesson.progress.minutes", n=f"{seconds_left / 60:.0f}")
                                                if seconds_left >= 90 else
                                                t("lesson.progress.seconds", n=f"{seconds_left:.0f}"))
    return progress.fraction, t("lesson.progress", run=progress.run + 1, runs=progress.runs,
                                variant=t(f"variant.{progress.variant}"), arm=t(ARM_TITLES[progress.arm]).lower(),
                                seed=progress.seed, epoch=epoch, done=language.percent(100 * progress.fraction, 0),
                                left=left)


def draw_job(job: jobs.Job) -> None:
    """A lesson under way: queue position, or progress, Stop and the curves of the runs finished so far."""
    job.touch()
    if job.state == jobs.QUEUED:
        st.info(live.waiting_line(job))
        st.button(t("lesson.cancel"), key=f"lesson-cancel-{job.id}", on_click=job.stop)
        return
    fraction, line = progress_line(job)
    st.progress(min(fraction, 1.0), text=t("lesson.stopping") if job.stopped else line)
    st.button(t("lesson.stop"), key=f"lesson-stop-{job.id}", on_click=job.stop, disabled=job.stopped,
              help=t("lesson.stop.help"))
    if job.progress is not None and job.progress.finished:
        draw_bands(Lesson(st.session_state[PLAN], "mnist", list(job.progress.finished)), key=f"live-{job.id}")


def draw_bands(lesson: Lesson, key: str) -> None:
    """Validation loss of every variant, mean and min–max band over seeds; course and corrected side by side."""
    summaries = summarize(lesson)
    lows = [v for arms in summaries.values() for s in arms.values() for v in s.val_loss_min]
    highs = [v for arms in summaries.values() for s in arms.values() for v in s.val_loss_max]
    if not lows:
        st.info(t("lesson.no_curves") if lesson.status == "stopped" else t("lesson.no_curves_yet"))
        return
    margin = (max(highs) - min(lows)) * 0.05 or 0.01
    y_range = (min(lows) - margin, max(highs) + margin)  # one scale for both arms, so they compare by eye
    columns = st.columns(len(lesson.plan.arms))
    for column, arm in zip(columns, sorted(lesson.plan.arms, key=list(ARM_TITLES).index)):
        with column:
            if len(columns) > 1:
                st.markdown(f"##### {t(ARM_TITLES[arm])}")
            drawn = {v: arms[arm] for v, arms in summaries.items() if arms[arm].val_loss_mean}
            if drawn:
                widgets.chart(plots.seed_bands(drawn, y_range, current()), key=f"{key}-{arm}")
            else:
                st.caption(t("lesson.side_unfinished"))
    st.caption(t("lesson.bands.caption"))


def draw_lesson(lesson: Lesson, source: str) -> None:
    """The results: what is loaded, curves, table, verdicts, the slips' measured effects, save and download."""
    plan, summaries = lesson.plan, summarize(lesson)
    slips = ", ".join(t(SLIP_SWITCHES[slip]) for slip in plan.slips) or t("describe.none")
    st.subheader(t("results.title"))
    source = t("lesson.trained_here") if source == sessions.TRAINED_HERE else source
    escaped = widgets.markdown_escaped  # the file's own words are shown as text, never as Markdown
    st.info(t("lesson.showing", source=escaped(source), created=escaped(lesson.created.replace("T", " ")),
              device=escaped(lesson.device),
              seeds=widgets.count(plan.seeds, "seed"), epochs=widgets.count(plan.epochs, "epoch"),
              variants=", ".join(t(f"variant.{v}") for v in plan.variants), dataset=lesson.dataset, slips=slips,
              minutes=number(lesson.seconds / 60, 1)))
    if lesson.status == "stopped":
        st.warning(t("lesson.stopped_note", message=escaped(message_in(lesson.message, current()))))
    draw_bands(lesson, key="lesson")
    widgets.table(table(summaries, current()))
    st.caption(f"{t('lesson.table_note')} {t('lesson.vs_note')} {gap_note(current())}")
    if "baseline" in summaries:
        baseline = summaries["baseline"][CORRECTED]
        st.markdown(t("lesson.verdicts") + "\n" + "\n".join(
            f"- **{t('variant.' + v)}**{' :' if current() == 'fr' else ':'} "
            f"{verdict(arms[CORRECTED], baseline).sentence(t('verdict.baseline'), current())}"
            for v, arms in summaries.items() if v != "baseline"))
        st.caption(verdict_rule(current()))
    if plan.slips:
        draw_slip_effects(lesson, summaries)
    left, right = st.columns(2)
    left.download_button(t("lesson.download"), data=lambda: lesson_to_bytes(lesson),
                         file_name=file_name(lesson), mime="application/json", on_click="ignore")
    if not frame.lesson_saving_allowed():  # runs/lessons/ feeds every visitor's lecture mode
        right.caption(t("lesson.saving_off", switch=frame.ALLOW_LESSON_SAVE))
    elif right.button(t("lesson.save")):
        try:
            path = save_lesson(lesson, path_inside(LESSONS_DIR, file_name(lesson)))
        except (OSError, UploadRefused) as error:
            st.error(t("lesson.not_saved", error=message(error)))
        else:
            st.success(t("lesson.saved", name=path.name))


def draw_slip_effects(lesson: Lesson, summaries: dict) -> None:
    """The slips' sentences, course minus corrected for every variant they touch, and the loss graph's memory."""
    st.subheader(t("lesson.slips_measured"))
    colon = " :" if current() == "fr" else ":"
    st.markdown("\n".join(f"- **{t(SLIP_SWITCHES[slip])}**{colon} {t('slip.' + slip)}." for slip in lesson.plan.slips))
    effects = slip_effects(lesson, summaries)
    widgets.table([{t("lesson.col.variant"): t(f"variant.{e.variant}"),
                    t("lesson.col.slips"): ", ".join(t(SLIP_SWITCHES[s]) for s in e.slips),
                    t("lesson.col.points"): e.verdict.cell(current()),
                    t("lesson.col.last_val_loss"): None if e.val_loss_difference is None
                    else f"{e.val_loss_difference:+.4f}".replace(".", "," if current() == "fr" else ".")}
                   for e in effects])
    if len(lesson.plan.slips) > 1:
        st.caption(t("lesson.joint_note"))
    held = [e for e in effects if e.graph_nodes is not None]
    if held:
        st.markdown(t("lesson.graph_intro"))
        for column, effect in zip(st.columns(len(held)), held):
            nodes = t("lesson.nodes", n=number(effect.graph_nodes, 0))
            if lesson.batches_per_epoch:
                nodes += t("lesson.per_batch", n=number(effect.graph_nodes / lesson.batches_per_epoch, 0))
            column.metric(t(f"variant.{effect.variant}"), size_text(effect.graph_bytes, current()), nodes,
                          delta_color="off", delta_arrow="off")
        st.caption(t("lesson.graph_note"))


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


frame.served_by_app()
st.title(t("lesson.title"))
st.caption(t("lesson.intro"))
st.caption(default_duration())
run_column, lecture_column = st.columns([3, 2], gap="large")
with lecture_column:  # first: a lesson loaded here folds the run form away in this same rerun
    lecture_mode()
job = sessions.lesson_job()
with run_column, st.expander(t("lesson.run_a_lesson"), expanded=SHOWN not in st.session_state):
    plan = plan_form()
    data = data_cache.dataset("mnist") if plan is not None and job is None else None
    if st.button(t("lesson.run"), type="primary", disabled=data is None or job is not None):
        label = t("lesson.label", seeds=widgets.count(plan.seeds, "seed"), epochs=widgets.count(plan.epochs, "epoch"))
        if sessions.start_lesson(plan, data, label):
            st.rerun()
if NOTICE in st.session_state:
    kind, key, values = st.session_state[NOTICE]
    getattr(st, kind)(t(key, **values))
if job is not None:
    live.live_job(job, draw_job)
shown = st.session_state.get(SHOWN)
if shown is not None:
    draw_lesson(shown["lesson"], shown["source"])
elif job is None:
    st.info(t("lesson.press_run"))
