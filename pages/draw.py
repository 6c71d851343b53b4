"""Draw: a digit drawn with the mouse, or a photo, read by every run of the session, side by side."""
import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas  # here, not in ui/: it can only be imported inside a running app

from mnistlab import digit_plots
from mnistlab.data import IMAGE_SIDE
from mnistlab.digits import BlankImageError, ImageFileError, ink_from_canvas, ink_from_photo, model_image, read_runs
from ui import frame, sessions, widgets
from ui.language import current, t

CANVAS_SIDE = 280  # px: ten screen pixels per pixel of the 28 × 28 image
STROKE = 20  # px on CANVAS_SIDE: a pen as thick, relative to the digit, as MNIST's
SEEN_ZOOM = 7  # screen pixels per pixel of the 28 × 28 image the runs read, shown without smoothing
CANVAS, PHOTO = "canvas", "photo"
DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
MOST_COLUMNS = 4  # runs side by side; more wrap onto a second row

frame.served_by_app()
# The widgets' own words at the page's size (Streamlit draws them at 7/8 of it): read from the back of a lecture hall.
st.html("<style>[data-testid='stMain'] :is(label, button, [data-testid='stFileUploaderDropzoneInstructions']) "
        ":is(p, span:not([data-testid='stIconMaterial'])) {font-size: 1rem;}</style>")
lang = current()
st.title(t("draw.title"))
runs = sessions.session_runs()
if not runs:
    st.info(t("draw.no_runs"))
    st.page_link("pages/train.py", label=t("draw.link.train"), icon=":material/play_circle:")
    st.page_link("pages/results.py", label=t("draw.link.results"), icon=":material/grid_on:")
    st.stop()

datasets = sorted({run.config.dataset for run in runs.values()}, key=list(DATASET_TITLES).index)
intro_column, input_column = st.columns([3, 2], vertical_alignment="center")
intro_column.markdown(t("draw.intro"))
inputs = {m: t(f"draw.input.{m}") for m in (CANVAS, PHOTO)}
mode = input_column.radio(t("draw.input"), list(inputs), index=0 if "mnist" in datasets else 1, horizontal=True,
                          format_func=inputs.get, key="draw.input", label_visibility="collapsed")
if mode == CANVAS:
    st.space("medium")  # room for the canvas's toolbar, which shows above it on hover
source_column, seen_column, bars_column = st.columns([360, 250, 690], gap="medium")

images, problem = {}, None
with source_column:
    if mode == CANVAS:
        version = st.session_state.setdefault("draw.canvas_version", 0)  # Clear: a new key is an empty canvas
        drawn = st_canvas(stroke_width=STROKE, stroke_color="#FFFFFF", background_color="#000000",
                          height=CANVAS_SIDE, width=CANVAS_SIDE, return_image_data=True,
                          key=f"draw.canvas.{version}")
        if st.button(t("draw.clear"), icon=":material/ink_eraser:"):
            st.session_state["draw.canvas_version"] = version + 1
            st.rerun()
        st.markdown(t("draw.canvas"))
        try:
            images = {"mnist": model_image(ink_from_canvas(drawn.image_data, lang), "mnist", lang)}
        except BlankImageError as error:
            problem = st.info, str(error)
    else:
        photo = st.file_uploader(t("draw.photo"), type=["png", "jpg", "jpeg"], key="draw.photo",
                                 help=t("draw.photo.help"))
        if photo is None:
            problem = st.info, t("draw.photo.waiting")
        else:
            try:
                ink = ink_from_photo(photo.getvalue(), lang)
                images = {dataset: model_image(ink, dataset, lang) for dataset in datasets}
            except BlankImageError as error:
                problem = st.info, str(error)
            except ImageFileError as error:
                problem = st.error, str(error)

with seen_column:
    for dataset in images or ["mnist"]:
        title = t("draw.seen") if len(images) < 2 else t("draw.seen.dataset", dataset=DATASET_TITLES[dataset])
        st.markdown(f"**{title}**")
        pixels = images[dataset].image.numpy() if images else np.zeros((IMAGE_SIDE, IMAGE_SIDE), np.uint8)
        st.image(pixels.repeat(SEEN_ZOOM, 0).repeat(SEEN_ZOOM, 1), width=IMAGE_SIDE * SEEN_ZOOM)

with bars_column:
    if mode == CANVAS and "mnist" not in datasets:
        st.info(t("draw.no_digit_runs"))
    elif problem is not None:
        show, message = problem
        show(message)
    else:
        readings = read_runs(runs, images, lang)
        read = [reading for reading in readings if reading.probabilities is not None]
        if read:
            widgets.chart(digit_plots.probability_bars(read, min(len(read), MOST_COLUMNS), lang), key="draw.bars")
        else:
            st.info(t("draw.none_read"))
        for reading in readings:
            if reading.probabilities is None and not (mode == CANVAS and reading.dataset != "mnist"):
                st.markdown(t("draw.skipped", label=reading.label, reason=reading.skipped))
    if mode == CANVAS and len(datasets) > 1:
        st.info(t("draw.fashion_photo_only"))
