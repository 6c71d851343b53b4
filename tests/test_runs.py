import io
import json
import re
import tracemalloc
import zipfile

import pytest
import torch

from conftest import zipped
from mnistlab.config import MAX_WEIGHTS, RunConfig, preset
from mnistlab.runs import (MAX_ZIP_BYTES, Run, RunFileError, download_name, load_run, run_from_zip, run_identity,
                           run_to_zip, save_run)
from mnistlab.training import train


@pytest.fixture(scope="module")
def run(tiny_data):
    return train(preset("batchnorm", epochs=1, batch_size=32, hidden=(16, 16)), tiny_data)


def predictions(model, data):
    with torch.no_grad():
        return model.eval()(data.test_x)


def test_save_and_load_give_back_the_same_run(run, tiny_data, tmp_path):
    folder = save_run(run, tmp_path / "run")
    assert sorted(p.name for p in folder.iterdir()) == ["run.json", "weights.pt"]  # no temporary file left
    assert (folder / "run.json").stat().st_mode & 0o044 == 0o044  # readable by others, as any saved file
    state = torch.load(folder / "weights.pt", weights_only=True)
    assert "norms.1.running_mean" in state
    loaded = load_run(folder)
    assert loaded.config == run.config and loaded.history == run.history and loaded.status == run.status
    assert loaded.evaluation == run.evaluation
    assert torch.equal(predictions(loaded.model, tiny_data), predictions(run.model, tiny_data))
    assert json.loads((folder / "run.json").read_text())["test_accuracy"] == run.test_accuracy
    assert loaded.trained_on == run.trained_on and run.trained_on["threads"] >= 1  # where it trained (fingerprint)


def test_a_run_saved_before_fingerprints_loads_as_trained_somewhere_unknown(run):
    old = {k: v for k, v in run.to_dict().items() if k != "trained_on"}
    assert run_from_zip(zipped(old)).trained_on is None


def test_zip_round_trip(run, tiny_data):
    loaded = run_from_zip(run_to_zip(run))
    assert loaded.config == run.config and loaded.created == run.created
    assert torch.equal(predictions(loaded.model, tiny_data), predictions(run.model, tiny_data))


def test_a_file_that_is_not_a_run_gives_a_clear_error(run):
    with pytest.raises(RunFileError, match="notes.txt is not a saved mnistlab run"):
        run_from_zip(b"hello", "notes.txt")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.json", json.dumps({**run.to_dict(), "config": {"lr": -1}}))
    with pytest.raises(RunFileError, match="learning rate must be in"):
        run_from_zip(buffer.getvalue(), "edited.zip")


def edited(run, path: str, value):
    """run.to_dict() with the value at a dotted path (list indices as numbers) replaced."""
    values = json.loads(json.dumps(run.to_dict()))
    *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
    target = values
    for key in parents:
        target = target[key]
    target[last] = value
    return values


# Each was accepted, then crashed every page that drew the run (the session's other runs with it).
@pytest.mark.parametrize("path, value, reason", [
    ("history", "abc", "each history row needs the numbers epoch, train_loss"),
    ("history.0.val_loss", None, "each history row needs the numbers"),
    ("history.0.seconds", "x", "each history row needs the numbers"),
    ("history", [], "a completed run has no epoch in its history"),
    ("status", "lost", "unknown status 'lost'"),
    ("seconds", "12", "seconds is not a number"),
    ("created", 5, "message, device and created must be text"),
    ("evaluation.accuracy", "high", "the test loss and accuracy must be numbers"),
    ("evaluation.per_class_accuracy", "all", "per_class_accuracy must be 10 numbers"),
    ("evaluation.confusion", [[1, 0], [0, 1]], "the confusion matrix must be 10 rows of 10 counts"),
    ("evaluation.misclassified.0.index", 10**9, "each misclassified digit needs an index among the test images"),
    ("evaluation.misclassified.0.true", 42, "each misclassified digit needs"),
    ("evaluation.misclassified.0.predicted", "7", "each misclassified digit needs"),
    ("config.hidden", [float("inf")], "cannot convert float infinity to integer"),
    ("trained_on", ["AMD"], "trained_on must be an object of text and counts"),
    ("trained_on.threads", [2], "trained_on must be an object of text and counts"),
])
def test_a_run_file_with_a_bad_value_is_refused_with_its_reason(run, path, value, reason):
    assert run.evaluation.misclassified and run.status == "completed"  # the paths below exist
    with pytest.raises(RunFileError, match=f"^edited.zip does not hold a valid mnistlab run: {re.escape(reason)}"):
        run_from_zip(zipped(edited(run, path, value)), "edited.zip")


@pytest.mark.parametrize("run_json, weights, reason", [
    ("[1, 2]", None, "it holds no JSON object"),
    ("null", None, "it holds no JSON object"),
    ("[" * 100_000, None, "maximum recursion depth"),
    (None, b"junk bytes, not a pickle", "does not hold a valid mnistlab run"),
    (None, b"", "does not hold a valid mnistlab run"),
])
def test_a_run_file_that_breaks_the_parsers_is_refused(run, run_json, weights, reason):
    with pytest.raises(RunFileError, match=reason):
        run_from_zip(zipped(run.to_dict() if run_json is None else run_json, weights), "upload.zip")


def test_weights_that_do_not_fit_the_config_give_a_clear_error(run, tmp_path):
    folder = save_run(run, tmp_path / "run")
    values = json.loads((folder / "run.json").read_text())
    values["config"]["hidden"] = [8, 8]
    (folder / "run.json").write_text(json.dumps(values))
    with pytest.raises(RunFileError, match="does not hold a valid mnistlab run"):
        load_run(folder)


def test_missing_run_file_gives_a_clear_error(tmp_path):
    with pytest.raises(RunFileError, match="cannot be read as a saved run"):
        load_run(tmp_path)


# ---- uploads too large to open, download names, identity -----------------------------------------------------------

def bomb(run, megabytes: int, extra_files: int = 0) -> bytes:
    """A run .zip whose weights.pt is `megabytes` MB of zeros: ~1000× smaller on the wire."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("run.json", json.dumps(run.to_dict()))
        with archive.open("weights.pt", "w", force_zip64=True) as weights:
            for _ in range(megabytes):
                weights.write(bytes(1_000_000))
        for i in range(extra_files):
            archive.writestr(f"notes-{i}.txt", "")
    return buffer.getvalue()


@pytest.mark.slow
def test_a_zip_that_would_inflate_to_400_mb_is_refused_before_inflating(run):
    data = bomb(run, 400)
    assert len(data) < 2_000_000
    tracemalloc.start()
    try:
        refused = r"upload.zip is refused: it would inflate to 400 MB, more than the 150 MB"
        with pytest.raises(RunFileError, match=refused):
            run_from_zip(data, "upload.zip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(data)  # nothing inflated


def test_a_zip_packed_beyond_any_real_run_or_with_many_files_is_refused(run):
    with pytest.raises(RunFileError, match=r"weights.pt would inflate \d+-fold, more than the 100-fold"):
        run_from_zip(bomb(run, 20), "upload.zip")
    with pytest.raises(RunFileError, match="it holds 9 files, more than the 8"):
        run_from_zip(bomb(run, 0, extra_files=7), "upload.zip")
    json_refused = r"its run.json would inflate to 20 MB, more than the 16 MB allowed"
    with pytest.raises(RunFileError, match=json_refused) as refused:
        run_from_zip(zipped(" " * 20_000_000), "upload.zip")
    assert "son run.json ferait 20\u202fMo, plus que les 16\u202fMo permis" in refused.value.in_language("fr")


def test_the_zip_limit_is_above_the_largest_run_allowed():
    assert MAX_ZIP_BYTES > 4 * MAX_WEIGHTS * 1.05  # float32 weights, with room for buffers and pickling


def test_a_download_name_carries_the_settings_the_ending_and_the_date():
    made = "2026-11-29T08:12:33"
    assert download_name(Run(preset("dropout", epochs=3), [], "stopped", created=made)) == \
        "mnistlab-dropout-0.2-epochs-3-stopped-2026-11-29-0812.zip"
    assert download_name(Run(RunConfig(hidden=(256,) * 8 + (10,), lr=0.5), [], "completed", created=made)) == \
        "mnistlab-hidden-256x8-10-lr-0.5-2026-11-29-0812.zip"
    assert download_name(Run(RunConfig(), [], "completed", created="")) == "mnistlab-baseline.zip"


def test_the_same_run_has_one_identity_however_often_it_is_zipped(run):
    first, second = run_from_zip(run_to_zip(run)), run_from_zip(run_to_zip(run))
    assert run_identity(first) == run_identity(second) == run_identity(run)
    assert run_identity(Run(run.config.replace(seed=1), run.history, run.status, created=run.created)) != \
        run_identity(run)


def test_the_cpu_model_comes_from_cpuinfo_and_an_architecture_alone_is_unknown(tmp_path, monkeypatch):
    from mnistlab import fingerprint
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14 96-Core Processor\n")
    assert fingerprint.cpu_model.__wrapped__(cpuinfo) == "AMD EPYC 9R14 96-Core Processor"
    monkeypatch.setattr(fingerprint.platform, "system", lambda: "Linux")
    monkeypatch.setattr(fingerprint.platform, "processor", lambda: "x86_64")
    monkeypatch.setattr(fingerprint.platform, "machine", lambda: "x86_64")
    assert fingerprint.cpu_model.__wrapped__(tmp_path / "absent") == "unknown"
    assert not fingerprint.known({"cpu": "unknown", "isa": "AVX2", "torch": "2.14.1", "threads": 1, "device": "cpu"})
