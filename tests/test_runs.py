import json
import zipfile
import io

import pytest
import torch

from mnistlab.config import preset
from mnistlab.runs import RunFileError, load_run, run_from_zip, run_to_zip, save_run
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
