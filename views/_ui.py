"""The app's only Streamlit glue: the cached data set, each session's runs and jobs, shared widgets, live progress."""
from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Callable

import streamlit as st

from mnistlab import jobs, plots
from mnistlab.config import DATASETS, PRESETS, SLIPS, ConfigError, RunConfig, preset
from mnistlab.data import RAW_FILES, Dataset, DataError, data_dir, load_dataset, raw_folder
from mnistlab.runs import Run, write_atomic
from mnistlab.training import Progress, leave_cores_to_training, resolve_device

LIVE_REFRESH = 0.5  # seconds between redraws of a live run: curves move at least once a second
STATUS_REFRESH = 1.0  # seconds between checks of the one-line status shown on the other pages
MAX_WAITING = 4  # runs one session may have waiting, so one browser cannot fill the shared queue
# A run nobody has polled for this long (its tab was closed) stops, so it does not hold the queue. Polling goes on,
# if slowly (about once a minute), in a browser tab left in the background.
ABANDON_AFTER = 600.0
LESSON_JOB, LESSON_PLAN, LESSON_SHOWN, LESSON_NOTICE = "lesson.job", "lesson.plan", "lesson.shown", "lesson.notice"
# A reload starts a new Streamlit session with an empty session_state. The URL's ?session=… names the tab's kept
# values on this server, so that a reload (or the same link in another tab) finds its runs, jobs and settings again.
SESSION_PARAM, SESSION_TOKEN = "session", "session.token"
KEPT_KEYS = ("runs", "training_jobs", "settings", "last_finished", LESSON_JOB, LESSON_PLAN, LESSON_SHOWN, LESSON_NOTICE)
KEEP_FOR = 12 * 3600.0  # seconds a closed or reloaded tab's values stay after its last rerun: a day of lectures
KEEP_AT_MOST = 64  # tabs whose values are kept, the most recently seen: bounds what closed tabs hold in memory
DATASET_NAMES = {"mnist": "MNIST (digits)", "fashion-mnist": "Fashion-MNIST (clothes)"}
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
WEIGHT_DECAYS = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
STATUS_BOX = {"completed": st.success, "stopped": st.warning, "diverged": st.error, "failed": st.error}

leave_cores_to_training()  # once per process, at the first page's import: the pages' own torch work is small


# ---- data ----------------------------------------------------------------------------------------------------

@st.cache_resource(show_spinner="Loading the data set…", max_entries=2)
def _cached_dataset(name: str, folder: str) -> Dataset:
    """One read-only copy per process and folder, shared by every session (errors are not cached).

    folder, data_dir() when called, keys the cache; load_dataset finds it again, so that its messages point at
    MNISTLAB_DATA_DIR, the app's way to choose it."""
    return load_dataset(name, download=False)


def dataset(name: str = "mnist") -> Dataset | None:
    """The data set; when it is missing or damaged, says what to do, offers an upload and returns None."""
    try:
        return _cached_dataset(name, str(data_dir()))
    except DataError as error:
        missing_data(name, error)
        return None


def require_dataset(name: str = "mnist") -> Dataset:
    """The data set, or the missing-data panel and the end of this page's script."""
    data = dataset(name)
    if data is None:
        st.stop()
    return data


def class_names(data: Dataset) -> list[str]:
    """Digits as '0'…'9'; Fashion-MNIST's clothes by name."""
    return [str(i) for i in range(10)] if data.name == "mnist" else list(data.classes)


def missing_data(name: str, error: DataError) -> None:
    """The error, the folder and files it needs, an uploader for them and a download attempt."""
    folder = raw_folder(name)
    st.error(f"**{DATASET_NAMES[name]} is not available.** {error}")
    st.markdown(f"Put these four files in `{folder.resolve()}`:\n\n" + "\n".join(f"- `{f}.gz`" for f in RAW_FILES))
    key = f"upload-data-{name}"
    uploads = st.file_uploader(f"…or upload the four .gz files of {DATASET_NAMES[name]} here", type=["gz"],
                               accept_multiple_files=True, key=key)
    batch = tuple(upload.file_id for upload in uploads or ())
    if batch and st.session_state.get(f"{key}.saved") != batch:  # each upload once: a bad file must not loop
        st.session_state[f"{key}.saved"] = batch
        expected = {f + ".gz" for f in RAW_FILES}
        wrong = [u.name for u in uploads if u.name not in expected]
        if wrong:
            st.error(f"Not one of the four expected files: {', '.join(wrong)}. "
                     f"Expected: {', '.join(sorted(expected))}.")
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for upload in uploads:
                write_atomic(folder / upload.name, upload.getvalue())
                # the old decompressed copy goes: it is decompressed again from the new file
                (folder / upload.name.removesuffix(".gz")).unlink(missing_ok=True)
        except OSError as write_error:
            st.error(f"The files cannot be written into {folder}: {write_error}. Copy them there by hand.")
            return
        missing = sorted(expected - {p.name for p in folder.glob("*.gz")} - {p.name + ".gz" for p in folder.iterdir()})
        if missing:
            st.info(f"Saved. Still missing: {', '.join(missing)}.")
            return
        _cached_dataset.clear()
        st.rerun()
    if st.button(f"Try to download {DATASET_NAMES[name]} (about 12 MB)", key=f"download-data-{name}"):
        with st.spinner("Downloading…"):
            try:
                load_dataset(name, download=True)
            except DataError as download_error:
                st.error(f"The download failed: {download_error}")
                return
        _cached_dataset.clear()
        st.rerun()


# ---- this session's runs and training jobs --------------------------------------------------------------------

_kept: dict[str, tuple[float, dict]] = {}  # token → (time of the tab's last rerun, its KEPT_KEYS values)
_kept_lock = threading.Lock()


def keep_across_reloads() -> None:
    """Give a new session the kept values its URL's token names, else a new token; put the token in the URL.

    Called first on every rerun: changing page clears the URL's parameters, so the token is written back each time.
    remember_session() keeps the values, after every page run and poll.
    """
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:  # a new session: a first visit, a reload, or a link carrying a token
        token = st.query_params.get(SESSION_PARAM)
        with _kept_lock:
            kept = _kept.get(token)
        if kept is None:
            token = secrets.token_urlsafe(16)
        else:
            st.session_state.update(kept[1])
        st.session_state[SESSION_TOKEN] = token
    if st.query_params.get(SESSION_PARAM) != token:
        st.query_params[SESSION_PARAM] = token


def remember_session() -> None:
    """Keep this session's values under its token (the same objects, so later changes to them are kept too)."""
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:
        return
    now = time.monotonic()
    values = {key: st.session_state[key] for key in KEPT_KEYS if key in st.session_state}
    with _kept_lock:
        if token not in _kept:  # a new tab: forget the tabs unseen for KEEP_FOR, and the oldest past KEEP_AT_MOST
            by_age = sorted(_kept, key=lambda t: _kept[t][0])
            too_many = len(by_age) + 1 - KEEP_AT_MOST
            for stale in by_age[:max(too_many, 0)] + [t for t in by_age if now - _kept[t][0] > KEEP_FOR]:
                _kept.pop(stale, None)
        _kept[token] = (now, values)


def session_runs() -> dict[str, Run]:
    """This session's runs by label, oldest first; finished training jobs are collected first."""
    collect_finished()
    return st.session_state.setdefault("runs", {})


def add_run(run: Run, name: str | None = None) -> str:
    """Keep a run (trained, uploaded or loaded) in this session; returns its label."""
    label = _next_label(name or plots.describe(run.config))
    st.session_state.setdefault("runs", {})[label] = run
    return label


def _next_label(name: str) -> str:
    """'N. name', N one above every number the session's runs and jobs carry, so that no label is given twice."""
    labels = [*st.session_state.get("runs", {}), *(job.label for job in training_jobs())]
    numbers = [int(head) for head, _, _ in (label.partition(". ") for label in labels) if head.isdigit()]
    return f"{max(numbers, default=0) + 1}. {name}"


def training_jobs() -> list[jobs.Job]:
    """This session's training jobs not yet collected into its runs."""
    return st.session_state.setdefault("training_jobs", [])


def start_training(config: RunConfig, data: Dataset) -> jobs.Job | None:
    """Queue a training run for this session; None (with a message) when it already has too many waiting."""
    if sum(job.state == jobs.QUEUED for job in training_jobs()) >= MAX_WAITING:
        st.warning(f"You already have {MAX_WAITING} runs waiting: let one finish or cancel one first.")
        return None
    job = jobs.submit_training(config, data, _next_label(plots.describe(config)), abandon_after=ABANDON_AFTER)
    training_jobs().append(job)
    return job


def collect_finished() -> list[str]:
    """Move finished training jobs' runs into the session's runs; returns the labels of the jobs that ended.

    Called on every rerun and poll, it also tells the session's other jobs that someone still waits for them, and
    keeps the session's values for a reload.
    """
    for job in [*training_jobs(), *filter(None, [active_lesson()])]:
        job.touch()
    ended = [job for job in training_jobs() if job.state == jobs.DONE]
    for job in ended:
        training_jobs().remove(job)
        if job.result is not None:  # None: cancelled while waiting, nothing was trained
            st.session_state.setdefault("runs", {})[job.label] = job.result
            st.session_state["last_finished"] = job.label
    remember_session()
    return [job.label for job in ended]


def opened_file(label: str, kind: str, key: str, parse: Callable[[bytes, str], Any],
                errors: type[Exception]) -> tuple[Any, str] | None:
    """An uploader whose file is parsed once: (what parse made, file name) the first time, else None.

    A file that cannot be parsed says why for as long as it stays in the uploader.
    """
    upload = st.file_uploader(label, type=[kind], key=key)
    if upload is None or st.session_state.get(f"{key}.opened") == upload.file_id:
        return None
    try:
        value = parse(upload.getvalue(), upload.name)
    except errors as error:
        st.error(f"This file cannot be opened: {error}")
        return None
    st.session_state[f"{key}.opened"] = upload.file_id
    return value, upload.name


def active_lesson() -> jobs.Job | None:
    """The Lesson page's job while it runs or waits: every page keeps it alive, as it does training jobs."""
    job = st.session_state.get(LESSON_JOB)
    return job if job is not None and job.state != jobs.DONE else None


def active_jobs() -> list[jobs.Job]:
    """This session's training jobs that are running or waiting."""
    return [job for job in training_jobs() if job.state != jobs.DONE]


# ---- widgets -------------------------------------------------------------------------------------------------

def settings() -> dict:
    """The Train settings as last chosen (they outlive the widgets when the user changes page)."""
    defaults = _preset_values("baseline") | {"variant": "baseline", "dataset": "mnist"}
    return st.session_state.setdefault("settings", defaults)


def _preset_values(name: str) -> dict:
    config = preset(name)
    return {"epochs": config.epochs, "lr": config.lr, "weight_decay": config.weight_decay, "dropout": config.dropout,
            "batchnorm": config.batchnorm, "batch_size": config.batch_size, "seed": config.seed,
            "val_fraction": config.val_fraction, "hidden": ", ".join(map(str, config.hidden)), "slips": []}


def _apply_preset(key: str) -> None:
    """Fill every setting from the chosen course variant."""
    values = _preset_values(st.session_state[f"{key}.variant"])
    settings().update(values)
    for name, value in values.items():
        st.session_state[f"{key}.{name}"] = value


def setting(name: str, widget: Callable, label: str, key: str = "train", **options) -> Any:
    """One settings widget bound to settings()[name]: its value survives page changes."""
    widget_key = f"{key}.{name}"
    if widget_key not in st.session_state:
        st.session_state[widget_key] = settings()[name]
    value = widget(label, key=widget_key, **options)
    settings()[name] = value
    return value


def dataset_choice(key: str = "train") -> str:
    return setting("dataset", st.selectbox, "Data set", key, options=DATASETS, format_func=DATASET_NAMES.get)


def val_fraction_choice(key: str = "train") -> float:
    return setting("val_fraction", st.slider, "Validation fraction", key, min_value=0.05, max_value=0.5, step=0.05,
                   help="Share of the 60 000 training images held out to validate each epoch.")


def config_form(key: str = "train") -> RunConfig | None:
    """The run settings as widgets; the RunConfig they make, or None after showing what is wrong."""
    left, right = st.columns(2)
    with left:
        dataset_name = dataset_choice(key)
    with right:
        setting("variant", st.selectbox, "Course variant", key, options=list(PRESETS),
                format_func=lambda v: {"l2": "L2", "batchnorm": "BatchNorm"}.get(v, v.capitalize()),
                on_change=_apply_preset, args=(key,),
                help="Choosing a variant fills every setting with the course's values for it.")
    left, right = st.columns(2)
    with left:
        # number inputs without bounds: a value out of range gets RunConfig's message (Start disabled); with bounds,
        # Streamlit keeps showing it in red while a run would take the last valid value
        epochs = setting("epochs", st.number_input, "Epochs", key, step=1)
        lr = setting("lr", st.select_slider, "Learning rate (Adam)", key, options=LEARNING_RATES,
                     format_func=lambda v: f"{v:g}")
        dropout = setting("dropout", st.slider, "Dropout p", key, min_value=0.0, max_value=0.9, step=0.05)
        batch_size = setting("batch_size", st.select_slider, "Batch size", key, options=BATCH_SIZES)
    with right:
        weight_decay = setting("weight_decay", st.select_slider, "Weight decay (L2)", key, options=WEIGHT_DECAYS,
                               format_func=lambda v: f"{v:g}")
        batchnorm = setting("batchnorm", st.toggle, "BatchNorm", key)
        seed = setting("seed", st.number_input, "Seed", key, step=1)
        val_fraction = val_fraction_choice(key)
    with st.expander("More: hidden layers, the course's slips"):
        hidden_text = setting("hidden", st.text_input, "Hidden layer sizes", key,
                              help="Comma-separated widths, e.g. 256, 256 (the course's MLP is 784-256-256-10).")
        slips = setting("slips", st.multiselect, "Reproduce the course's slips", key, options=list(SLIPS),
                        format_func=lambda s: f"{s}: {SLIPS[s]}")
    try:
        hidden = tuple(int(part) for part in hidden_text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        st.error(f"Hidden layer sizes must be whole numbers separated by commas, like 256, 256 (got {hidden_text!r}).")
        return None
    try:
        config = RunConfig(dataset=dataset_name, hidden=hidden, dropout=float(dropout), batchnorm=bool(batchnorm),
                           weight_decay=float(weight_decay), lr=float(lr), epochs=int(epochs),
                           batch_size=int(batch_size), val_fraction=float(val_fraction), seed=int(seed),
                           slips=tuple(slips))
    except ConfigError as error:
        st.error(f"This setting cannot be used: {error}.")
        return None
    st.caption(f"Device: **{resolve_device(config.device)}** · run name: **{plots.describe(config)}**")
    return config


def run_picker(label: str = "Run", key: str = "run-picker") -> tuple[str, Run] | None:
    """A choice among the session's runs, the latest finished by default; None (with a hint) when there are none."""
    runs = session_runs()
    if not runs:
        st.info("No runs yet: train one on the **Train** page, or upload a saved run below.")
        return None
    labels = list(runs)
    last = st.session_state.get("last_finished")
    if last in runs and st.session_state.get(f"{key}.shown") != last:  # a new run: show it
        st.session_state[key] = st.session_state[f"{key}.shown"] = last
    if st.session_state.get(key) not in runs:
        st.session_state[key] = labels[-1]
    chosen = st.selectbox(label, labels, key=key)
    return chosen, runs[chosen]


CONFUSION_KEY = "confusion"


def confusion_filter(classes: list[str]) -> tuple[int | None, int | None]:
    """A true/predicted class pair to filter mistakes by (None: any); a click on the confusion matrix sets it."""
    options = [None, *range(len(classes))]
    describe = lambda i: "any" if i is None else classes[i]  # noqa: E731
    true_column, predicted_column = st.columns(2)
    true_class = true_column.selectbox("True class", options, format_func=describe, key="filter.true")
    predicted = predicted_column.selectbox("Predicted as", options, format_func=describe, key="filter.predicted")
    return true_class, predicted


def pick_confusion_cell() -> None:
    """on_select of the confusion matrix: the clicked cell becomes the true/predicted filter."""
    points = st.session_state[CONFUSION_KEY].selection.points
    if points and points[0].get("customdata"):
        st.session_state["filter.true"], st.session_state["filter.predicted"] = map(int, points[0]["customdata"])


def run_summary(label: str, run: Run) -> None:
    """How a run ended (its message says what to change) and its headline numbers."""
    ended = {"completed": "completed", "stopped": "stopped early", "diverged": "diverged",
             "failed": "failed"}[run.status]
    STATUS_BOX[run.status](f"**{label}** {ended}"
                           + (f": {run.message}" if run.message else f" in {run.seconds:.0f} s."))
    columns = st.columns(4)
    columns[0].metric("Test accuracy", "—" if run.test_accuracy is None else f"{run.test_accuracy:.2f} %")
    best = f"{min(r['val_loss'] for r in run.history):.4g}" if run.history else "—"  # a diverged run's is huge
    columns[1].metric("Best validation loss", best)
    columns[2].metric("Epochs done", f"{run.history[-1]['epoch']:g}" if run.history else "0")
    columns[3].metric("Training time", f"{run.seconds:.1f} s")


def chart(figure, key: str | None = None, **options):
    """A Plotly figure as mnistlab.plots styled it (large type), without the mode bar's clutter."""
    # Streamlit remounts a Plotly chart whose figure changed, and shows it hidden for one frame when its layout has
    # no width: a blink at every live redraw. Any width avoids that; Streamlit replaces it with the column's own.
    figure.update_layout(width=figure.layout.width or 800)
    return st.plotly_chart(figure, key=key, theme=None, height=figure.layout.height,
                           config={"displaylogo": False, "displayModeBar": False}, **options)


def count(n: int, noun: str) -> str:
    """'1 epoch', '5 epochs'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def page_style() -> None:
    """Less empty space above each page's title: the projector's height is precious."""
    st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 4rem;}</style>")


# ---- live progress -------------------------------------------------------------------------------------------

def progress_line(progress: Progress | None) -> tuple[float, str]:
    """The fraction done and a one-line account (epoch, percent, time left) of a training Progress."""
    if progress is None:
        return 0.0, "Starting…"
    done = progress.step / progress.steps
    return done, (f"Epoch {progress.epoch + 1}/{progress.epochs} · {done:.0%} · {progress.elapsed:.0f} s elapsed · "
                  f"about {progress.eta:.0f} s left")


def waiting_line(job: jobs.Job) -> str:
    """Where a queued job stands."""
    ahead = job.position or 0  # the running job and those waiting in front
    return (f"**{job.label}** is waiting: the server trains one run at a time and "
            f"{ahead} {'job is' if ahead == 1 else 'jobs are'} ahead of it (yours or other users').")


def draw_training_job(job: jobs.Job) -> None:
    """A training job: queue position while it waits; progress bar, live curves and Stop while it runs."""
    # its own keyed container: a bar drawn where an ended job's bar was would slide from that one's value
    with st.container(key=f"training-job-{job.id}"):
        if job.state == jobs.QUEUED:
            st.info(waiting_line(job))
            st.button("Cancel", key=f"cancel-{job.id}", on_click=job.stop)
            return
        progress = job.progress
        fraction, line = progress_line(progress)
        st.markdown(f"#### Training {job.label}")
        st.progress(fraction, text="Stopping…" if job.stopped else line)
        if progress is not None:
            chart(plots.training_curves(list(progress.history), plots.live_point(progress), progress.epochs),
                  key=f"live-curves-{job.id}")
        st.button("Stop", key=f"stop-{job.id}", on_click=job.stop, type="primary", disabled=job.stopped,
                  help="Ends the run at its next batch, then tests it; what it learnt so far is kept.")


def live_job(job: jobs.Job, draw: Callable[[jobs.Job], None]) -> None:
    """Redraw a job every LIVE_REFRESH seconds with draw(job) until it ends, then rerun the whole page once."""
    if job.state == jobs.DONE:
        return

    @st.fragment(run_every=LIVE_REFRESH)
    def poll():
        if job.state == jobs.DONE:
            st.rerun()
        draw(job)

    poll()


def live_training() -> None:
    """This session's training jobs, redrawn until each ends; then the whole page reruns to show its run."""
    if training_jobs():
        _training_fragment()


@st.fragment(run_every=LIVE_REFRESH)
def _training_fragment() -> None:
    if collect_finished():
        st.rerun()
    for job in training_jobs():
        draw_training_job(job)


def status_line(page: str) -> None:
    """One line about this session's training and lesson on the pages that do not show them, polled while they last.

    The Train and Lesson pages poll (and keep alive) their own jobs; this keeps alive the ones they do not show.
    """
    if (active_jobs() and page != "Train") or (active_lesson() and page != "Lesson"):
        _status_fragment(page)


@st.fragment(run_every=STATUS_REFRESH)
def _status_fragment(page: str) -> None:
    if collect_finished() or not (active_jobs() or active_lesson()):
        st.rerun()
    if active_lesson() and page != "Lesson":
        st.info("A lesson is training: the Lesson page shows its progress.")
    if not active_jobs() or page == "Train":
        return
    job = active_jobs()[0]
    if job.state == jobs.QUEUED:
        st.info(waiting_line(job))
    else:
        fraction, line = progress_line(job.progress)
        st.progress(fraction, text=f"Training {job.label} · {line}")
