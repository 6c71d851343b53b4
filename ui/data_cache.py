"""The data set: one cached, read-only copy per process, and the panel that says what to do when it is missing."""
from __future__ import annotations

import streamlit as st

from mnistlab import data as datasets
from mnistlab import i18n
from mnistlab.data import RAW_FILES, SOURCES, Dataset, DataError, data_dir, load_dataset, raw_folder
from mnistlab.raw_check import check_raw_file
from mnistlab.runs import write_atomic

from .language import current, message, t


@st.cache_resource(show_spinner=False, max_entries=2)  # the spinner is dataset()'s, in the session's language
def _cached_dataset(name: str, folder: str) -> Dataset:
    """One read-only copy per process and folder, shared by every session (errors are not cached).

    folder, data_dir() when called, keys the cache; load_dataset finds it again, so that its messages point at
    MNISTLAB_DATA_DIR, the app's way to choose it."""
    return load_dataset(name, download=False)


def cached_dataset(name: str = "mnist") -> Dataset:
    """The data set, quietly (no spinner, no panel); DataError when it is missing."""
    return _cached_dataset(name, str(data_dir()))


def dataset(name: str = "mnist") -> Dataset | None:
    """The data set; when it is missing or damaged, says what to do, offers an upload and returns None."""
    try:
        with st.spinner(t("data.loading")):
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
    """Digits as '0'…'9'; Fashion-MNIST's clothes by name, in this session's language."""
    return datasets.class_names(data.name, current())


def missing_data(name: str, error: DataError) -> None:
    """One message: what is missing and where it was looked for (absolute), and the three ways out: an uploader that
    checks each file before keeping it, a download, the folder (or MNISTLAB_DATA_DIR)."""
    given = data_dir()
    try:
        if given.exists() and not given.is_dir():  # nowhere to put files: only the setting can be mended
            st.error(f"{t('data.not_a_folder.1', dataset=t('dataset.' + name), folder=given)} "
                     f"{t('data.not_a_folder.2')}")
            return
        folder = raw_folder(name)
        missing = [f + ".gz" for f in RAW_FILES if not ((folder / f).is_file() or (folder / (f + ".gz")).is_file())]
    except OSError:  # a folder the server may not enter: load_dataset's message names it and says what to do
        st.error(t("data.load_failed", dataset=t(f"dataset.{name}"), error=message(error)))
        return
    if missing:
        st.error(t("data.missing", dataset=t(f"dataset.{name}"), missing=", ".join(missing), folder=folder))
        st.markdown(f"{t('data.ways_out.1')} {t('data.ways_out.2')}")
    else:  # all four there, but one is damaged or of another set: load_dataset's message names it
        st.error(t("data.load_failed", dataset=t(f"dataset.{name}"), error=message(error)))
    _upload(name, folder)
    size = i18n.size(SOURCES[name].download_bytes, current())
    if st.button(t("data.download", dataset=t(f"dataset.{name}"), size=size), key=f"download-data-{name}"):
        with st.spinner(t("data.downloading")):
            try:
                load_dataset(name, download=True)
            except DataError:
                st.error(f"{t('data.download_failed.1')} {t('data.download_failed.2')}")
                return
        _cached_dataset.clear()
        st.rerun()


def _upload(name: str, folder) -> None:
    """The uploader: each new file checked on its own; the good ones kept at once, each bad one said why, for as long
    as it stays in the uploader. Once the four are there, the page reruns and loads them."""
    key = f"upload-data-{name}"
    uploads = st.file_uploader(t("data.upload_label", dataset=t(f"dataset.{name}")), type=["gz"],
                               accept_multiple_files=True, key=key) or []
    outcomes = st.session_state.setdefault(f"{key}.outcomes", {})  # file_id → None (kept) or why it was refused
    kept_one = False
    for upload in uploads:
        if upload.file_id in outcomes:  # each upload once: a bad file must not loop
            continue
        problem = check_raw_file(name, upload.name, upload.getvalue(), current())
        if problem is None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                write_atomic(folder / upload.name, upload.getvalue())
                # the old decompressed copy goes: it is decompressed again from the new file
                (folder / upload.name.removesuffix(".gz")).unlink(missing_ok=True)
            except OSError as write_error:
                st.error(f"{t('data.cannot_write.1', folder=folder, error=write_error.strerror or write_error)} "
                         f"{t('data.cannot_write.2')}")
                return
            kept_one = True
        outcomes[upload.file_id] = problem
    if kept_one:
        _cached_dataset.clear()
        st.rerun()
    kept = [upload.name for upload in uploads if upload.file_id in outcomes and outcomes[upload.file_id] is None]
    if kept:
        st.success(t("data.kept", files=", ".join(kept)))
    for upload in uploads:
        if outcomes.get(upload.file_id):
            st.error(t("data.refused", file=upload.name, problem=outcomes[upload.file_id]))
