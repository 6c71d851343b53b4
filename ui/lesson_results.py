"""The Lesson page's results: the validation-loss bands, the table, the verdicts, the slips' measured effects, save
and download."""
from __future__ import annotations

import streamlit as st

from mnistlab import i18n, plots
from mnistlab.inside import overfitting_over_seeds
from mnistlab.lesson import files as lesson_files
from mnistlab.lesson.files import file_name, lesson_to_bytes, save_lesson
from mnistlab.lesson.plan import CORRECTED, COURSE, Lesson
from mnistlab.lesson.summary import baseline_verdicts, course_numbers_note, slip_effects, summarize, table
from mnistlab.lesson.verdicts import elsewhere_sentence, gap_note, verdict_rule
from mnistlab.messages import said
from mnistlab.upload_checks import UploadRefused, path_inside

from . import frame, language, saved_lessons, sessions, widgets
from .language import current, message, number, t

SLIP_SWITCHES = {"no-eval": "lesson.switch.no-eval", "shared-bn": "lesson.switch.shared-bn",
                 "loss-graph": "lesson.switch.loss-graph"}  # keys of mnistlab/strings
ARM_TITLES = {COURSE: "lesson.arm_title.course", CORRECTED: "lesson.arm_title.corrected"}


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
    st.info(t("lesson.showing", source=escaped(source), created=escaped(i18n.date(lesson.created, current())),
              device=escaped(str(lesson.device).upper()), seeds=language.count(plan.seeds, "seed"),
              epochs=language.count(plan.epochs, "epoch"),
              variants=", ".join(t(f"variant.{v}") for v in plan.variants), dataset=lesson.dataset, slips=slips,
              minutes=number(lesson.seconds / 60, 1)))
    elsewhere = elsewhere_sentence(lesson.trained_on, saved_lessons.here(), plan.epochs, current())
    if elsewhere:
        st.caption(escaped(elsewhere))  # it names the processor the file says
    if lesson.status == "stopped":
        st.warning(t("lesson.stopped_note", message=escaped(said(lesson.message, current()))))
    draw_bands(lesson, key="lesson")
    widgets.table(table(summaries, current()))
    st.caption(f"{t('lesson.table_note')} {t('lesson.vs_note')} {gap_note(current())}")
    st.caption(course_numbers_note(current()))
    if "baseline" in summaries:
        judged, colon = baseline_verdicts(summaries, CORRECTED), " :" if current() == "fr" else ":"
        st.markdown(t("lesson.verdicts") + "\n" + "\n".join(
            f"- **{t('variant.' + v)}**{colon} {judged[v].sentence(t('verdict.baseline'), current())}" for v in judged))
        st.caption(verdict_rule(current(), max(1, max((j.family for j in judged.values()), default=1))))
    colon = " :" if current() == "fr" else ":"
    st.markdown(t("lesson.overfitting") + "\n" + "\n".join(
        f"- **{t('variant.' + v)}**{colon} " + overfitting_over_seeds(
            [r.history for r in lesson.runs if (r.variant, r.arm, r.status) == (v, CORRECTED, "completed")], current())
        for v in plan.variants))
    if plan.slips:
        draw_slip_effects(lesson, summaries)
    left, right = st.columns(2)
    left.download_button(t("lesson.download"), data=lambda: lesson_to_bytes(lesson),
                         file_name=file_name(lesson), mime="application/json", on_click="ignore")
    if not frame.lesson_saving_allowed():  # runs/lessons/ feeds every visitor's lecture mode
        right.caption(t("lesson.saving_off", switch=frame.ALLOW_LESSON_SAVE))
    elif right.button(t("lesson.save")):
        try:
            # the folder read at the click, not at import: a test or an owner may point it elsewhere
            path = save_lesson(lesson, path_inside(lesson_files.LESSONS_DIR, file_name(lesson)))
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
                    else i18n.signed(e.val_loss_difference, current(), 4)}
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
            column.metric(t(f"variant.{effect.variant}"), i18n.size(effect.graph_bytes, current()), nodes,
                          delta_color="off", delta_arrow="off")
        st.caption(t("lesson.graph_note"))

