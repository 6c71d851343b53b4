"""Data: sample images with their labels, images per class, and the split sizes the settings give."""
import torch
import streamlit as st

from mnistlab import digit_plots
from mnistlab.data import class_names, split_sizes
from ui import data_cache, frame, widgets
from ui.language import current, number, t

SAMPLES_PER_CLASS = 3

frame.served_by_app()
st.title(t("data.title"))
left, right = st.columns(2)
with left:
    name = widgets.dataset_choice("data")
with right:
    val_fraction = widgets.val_fraction_choice("data")
st.caption(t("data.shared_settings"))
data = data_cache.require_dataset(name)
classes = class_names(data.name, current())

train_size, val_size = split_sizes(len(data.train_y), val_fraction)
columns = st.columns(3)
columns[0].metric(t("data.train_images"), number(train_size, 0))
columns[1].metric(t("data.val_images"), number(val_size, 0))
columns[2].metric(t("data.test_images"), number(len(data.test_y), 0))
st.caption(t("data.split_note", total=number(len(data.train_y), 0)))

st.subheader(t("data.samples"))
first_of_each = [(data.train_y == c).nonzero().flatten()[:SAMPLES_PER_CLASS] for c in range(10)]
picks = [int(indices[row]) for row in range(SAMPLES_PER_CLASS) for indices in first_of_each]  # one class per column
widgets.chart(digit_plots.digit_grid(data.images("train", picks), [classes[int(data.train_y[i])] for i in picks],
                                     columns=10), key="samples")
st.subheader(t("data.per_class"))
widgets.chart(digit_plots.class_counts_figure(torch.bincount(data.train_y, minlength=10).tolist(),
                                              torch.bincount(data.test_y, minlength=10).tolist(), classes, current()),
              key="counts")
