"""The data set: one cached, read-only copy per process, and the panel that says what to do when it is missing."""
from __future__ import annotations

import streamlit as st

from mnistlab.data import RAW_FILES, Dataset, DataError, data_dir, load_dataset, raw_folder
from mnistlab.runs import write_atomic

DATASET_NAMES = {"mnist": "MNIST (digits)", "fashion-mnist": "Fashion-MNIST (clothes)"}

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
