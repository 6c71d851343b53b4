"""Results: one run's test accuracy, confusion matrix and its worst mistakes; download or upload a run."""
import streamlit as st

from mnistlab import digit_plots, inside, plots
from mnistlab.data import class_names
from mnistlab.runs import MAX_ZIP_BYTES, RunFileError, download_name, run_from_zip, run_identity, run_to_zip
from mnistlab.lesson.summary import same_setting, val_loss_spread
from mnistlab.lesson.verdicts import retrain_sentence
from ui import caps, data_cache, frame, language, saved_lessons, session_keys, sessions, widgets
from ui.language import t

GALLERY_SIZE = 24
ALREADY_HERE = "results.already-here"  # the label of a run uploaded again, said once after the rerun that shows it

frame.served_by_app()
lang = language.current()
title, picker = st.columns([1, 2], vertical_alignment="bottom")  # the picker beside the title: a row less
title.title(t("results.title"))
with picker:
    picked = widgets.run_picker()
if picked is not None:
    label, run = picked
    # the matrix beside the run's numbers and sentences: all of it in a projector's first screen, whatever their length
    summary, matrix = st.columns([5, 6], gap="large")
    with summary:
        widgets.run_summary(label, run, per_row=2)
        saved = same_setting(run.config, saved_lessons.loaded())  # this setting's seeds in a saved lesson, if any
        if run.status != "diverged":  # a blown-up last epoch is no sign of overfitting, nor of its absence
            start = inside.overfitting_epoch(run.history)
            spread = None if saved is None or start is None else val_loss_spread(saved[1], start)
            st.markdown(inside.overfitting_sentence(run.history, lang, spread))
        twin = None if saved is None else next((r for r in saved[1] if r.seed == run.config.seed), None)
        if twin is not None and run.test_accuracy is not None:
            st.caption(widgets.markdown_escaped(  # it names the processor the run's file says
                retrain_sentence(run.test_accuracy, run.trained_on, twin, saved[1], lang)))
    with st.expander(t("results.curves"), expanded=run.status != "completed"):  # open where they say why it ended
        widgets.chart(plots.training_curves(run.history, epochs=run.config.epochs, diverged=run.status == "diverged",
                                            lang=lang), key="results-curves")
    evaluation = run.evaluation
    if evaluation is None:
        matrix.info(t("results.no_test"))
    else:
        data = data_cache.dataset(run.config.dataset)
        classes = class_names(run.config.dataset, lang)
        left, right = st.columns([3, 2], gap="large")
        with right:  # drawn first: the matrix shows the cell these choose
            st.subheader(t("results.which_mistakes"))
            true_class, predicted_class = widgets.confusion_filter(classes)
        with left:
            st.subheader(t("results.per_class"))
            widgets.chart(digit_plots.per_class_figure(evaluation.per_class_accuracy, classes, lang), key="per-class")
        with matrix:
            st.subheader(t("results.confusion"))
            st.caption(t("results.confusion.caption"))
            selected = None if true_class is None or predicted_class is None else (true_class, predicted_class)
            widgets.chart(digit_plots.confusion_figure(evaluation.confusion, classes, selected, lang),
                          key=widgets.CONFUSION_KEY, on_select=widgets.pick_confusion_cell, selection_mode="points")
        mistakes = [m for m in evaluation.misclassified
                    if (true_class is None or m["true"] == true_class)
                    and (predicted_class is None or m["predicted"] == predicted_class)]
        mistakes.sort(key=lambda m: -m["probability"])  # the order the titles show: most confidently wrong first
        # the heading counts what the gallery shows; a run made on another test set may name images this server's
        # set does not have: those are not drawn
        shown = [m for m in mistakes if m["index"] < len(data.test_y)][:GALLERY_SIZE] if data is not None else []
        st.subheader(t("results.mistakes_shown", shown=language.number(len(shown), 0),
                       matching=language.number(len(mistakes), 0)) +
                     ("" if len(mistakes) == len(evaluation.misclassified) else
                      t("results.mistakes_in_all", total=language.number(len(evaluation.misclassified), 0))))
        if true_class is not None and true_class == predicted_class:
            st.info(t("results.diagonal", name=classes[true_class]))
        elif not mistakes:
            st.info(t("results.no_such_mistake"))
        elif data is not None:
            titles = [f"{classes[m['true']]}→{classes[m['predicted']]} {language.percent(100 * m['probability'], 0)}"
                      for m in shown]
            if shown:
                st.caption(t("results.gallery.caption"))
                widgets.chart(digit_plots.digit_grid(data.images("test", [m["index"] for m in shown]), titles),
                              key="gallery")
    st.download_button(t("results.download"),
                       data=lambda: run_to_zip(run), file_name=download_name(run),
                       mime="application/zip", on_click="ignore")

st.divider()
opened = widgets.opened_file(t("results.upload"), "zip", "upload-run", run_from_zip, RunFileError, MAX_ZIP_BYTES)
if ALREADY_HERE in st.session_state:
    st.info(t("results.already_here", label=st.session_state.pop(ALREADY_HERE)))
if opened is not None:
    uploaded, _ = opened
    identity = run_identity(uploaded)  # the same file uploaded twice (or a run of this session) is kept once
    same = next((name for name, run in sessions.session_runs().items() if run_identity(run) == identity), None)
    too_much = caps.refused_keeping(uploaded) if same is None else None  # the owner's memory cap per browser
    if too_much is not None:
        st.warning(too_much)
    else:
        if same is None:
            same = sessions.add_run(uploaded, t("results.uploaded", name=plots.describe(uploaded.config, lang)))
        else:
            st.session_state[ALREADY_HERE] = same
        st.session_state[session_keys.LAST_FINISHED] = same
        st.rerun()
