"""English: every word the app shows, by key. A key is 'where.what'; {name} marks a value filled in."""
STRINGS = {
    # --- app frame
    "app.language": "Language",
    # --- draw page
    # --- inside page
    # --- results, compare, lesson (verdicts and charts)
    # --- queue and server
    # --- queue, caps, kept sessions, missing data (issue 18)
    "train.intro.1": "Train a small neural network to read handwritten digits and watch it learn:",
    "train.intro.2": "choose the settings, then press **{button}**.",
    "train.curves_here": "The loss and accuracy curves appear here while the model learns.",
    "queue.waiting": "**{label}** is {place} in line — {when}.",
    "queue.turns": "The server trains one run at a time, taking turns between users.",
    "queue.starting": "**{label}** is starting…",
    "queue.starts_in": "starts in {time}",
    "queue.start_unknown": "start time unknown until a run of this size has started",
    "queue.about_seconds": "about {n} s",
    "queue.about_minutes": "about {n} min",
    "server.settings_wrong": "This server's settings cannot be read, so no run can start: {error}.",
    "session.cleared.1": "Your runs from earlier were cleared to make room for other users.",
    "session.cleared.2": "Download the runs you want to keep (Results page, **Download**).",
    "data.missing": "**{dataset} is not available**: {missing} missing in `{folder}`.",
    "data.not_a_folder.1": "**{dataset} is not available**: the data folder `{folder}` is a file, not a folder.",
    "data.not_a_folder.2": "Set MNISTLAB_DATA_DIR to a folder (or unset it), then restart the app.",
    "data.ways_out.1": "Three ways out: upload the files below; download them (needs internet);",
    "data.ways_out.2": "or put them in that folder (or point MNISTLAB_DATA_DIR at a folder that has them) and reload.",
    "data.upload_label": "Upload {dataset}'s .gz files",
    "data.kept": "Kept: {files}.",
    "data.refused": "**{file}** was not kept: {problem}",
    "data.cannot_write.1": "The files cannot be written into `{folder}` ({error}).",
    "data.cannot_write.2": "Copy them there by hand, or set MNISTLAB_DATA_DIR to a folder you may write to.",
    "data.download": "Download {dataset} (about 12 MB)",
    "data.downloading": "Downloading…",
    "data.download_failed.1": "The download failed (no internet, or the mirrors did not answer):",
    "data.download_failed.2": "upload the files instead, or put them in the folder above.",
    "data.load_failed": "{dataset}'s four files are there but cannot be loaded: {error}",
    "upload.wrong_name": "it is not one of the four files ({expected}).",
    "upload.not_gzip": "it is not a gzip file, or it is cut short: download it again.",
    "upload.too_large": "it is larger than any {dataset} file once decompressed.",
    "upload.not_idx": "it is not an IDX {kind} file (another file's content, or cut short): upload the original.",
    "upload.wrong_images": "it holds {shape} images, not 28×28: it is not {dataset}.",
    "upload.bad_labels": "it has labels outside 0–9: it is not {dataset}.",
    "upload.other_file": "its content is {other_dataset}'s {other_file}: upload {dataset}'s {file}.",
    "upload.kind_image": "image",
    "upload.kind_label": "label",
}
