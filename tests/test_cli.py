import json
import signal
import subprocess
import sys

import pytest
import torch

from mnistlab.cli import main, run_json
from mnistlab.config import preset
from mnistlab.data import data_dir
from mnistlab.training import train


@pytest.mark.parametrize("arguments, words", [
    (["train", "--epochs", "-1"], "epochs must be an integer from 1 to 100"),
    (["train", "--dropout", "1"], "dropout must be in [0, 1)"),
    (["train", "--lr", "0"], "learning rate must be in (0, 10]"),
    (["train", "--variant", "l3"], "variant must be one of baseline, l2, dropout, batchnorm"),
    (["train", "--epochs", "two"], "invalid int value"),
    (["train", "--device", "cuda"] if not torch.cuda.is_available() else ["train", "--device", "tpu"], "device"),
    (["course", "--seeds", "0"], "seeds must be an integer from 1 to 10"),
    (["course", "--epochs", "0"], "epochs must be an integer from 1 to 100"),
    (["course", "--slip", "no-model-eval"], "invalid choice: 'no-model-eval'"),
    (["course", "--seeds", "three"], "invalid int value: 'three'"),
    (["course", "--save", "."], "--save wants a file name"),
    (["train", "--save", __file__], "--save wants a folder"),
    (["train", "--save", ""], "argument --save: an empty path"),
    (["course", "--data-dir", ""], "argument --data-dir: an empty path"),
    (["train", "--save", "x" * 300], "File name too long"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, arguments, words):
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and err.startswith("mnistlab: error:")


def test_no_command_prints_the_usage_line_and_the_commands(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m mnistlab [-h] {train,course} ...")
    assert "train one variant and print its summary" in err and "the four course variants" in err


def test_help_and_usage_errors_answer_without_importing_torch():
    code = ("import runpy, sys\n"
            "for argv in (['--help'], ['train', '--epochs', 'two'], ['course', '--help'], []):\n"
            "    sys.argv = ['mnistlab', *argv]\n"
            "    try:\n"
            "        runpy.run_module('mnistlab', run_name='__main__')\n"
            "    except SystemExit as end:\n"
            "        print('exit', end.code, file=sys.stderr)\n"
            "print([m for m in ('torch', 'torchvision', 'streamlit') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert [line for line in result.stderr.splitlines() if line.startswith("exit")] == ["exit 0", "exit 2", "exit 0",
                                                                                        "exit 2"]
    assert "usage: python -m mnistlab" in result.stdout and result.stdout.splitlines()[-1] == "[]"


def test_a_file_as_the_data_folder_exits_1_saying_it_is_not_a_folder(capsys):
    assert main(["train", "--data-dir", __file__, "--no-download"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{__file__} is not a folder" in err


def test_json_writes_a_whole_epoch_as_1_and_a_stopped_one_as_its_share(capsys, tiny_root, tiny_data):
    assert main(["train", "--epochs", "1", "--data-dir", str(tiny_root), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"epoch": 1,' in out and json.loads(out)["history"][0]["epoch"] == 1
    assert {"weight_norms", "dead_units", "val_accuracy_eval_probe", "val_accuracy_train_probe",
            "step_losses"} <= set(json.loads(out)["history"][0])  # the Inside page's figures (README)
    assert set(json.loads(out)["trained_on"]) == {"cpu", "isa", "torch", "threads", "device"}  # where it trained
    checks = []
    stopped = train(preset("baseline", epochs=1), tiny_data, should_stop=lambda: checks.append(1) or len(checks) > 3)
    assert 0 < run_json(stopped)["history"][0]["epoch"] < 1


def test_course_table_says_which_course_rows_are_the_corrected_runs(capsys, tiny_root):
    assert main(["course", "--seeds", "1", "--epochs", "1", "--slip", "no-eval", "--data-dir", str(tiny_root)]) == 0
    out = capsys.readouterr().out
    assert "Baseline   course* " in out and "L2         course* " in out and "Dropout    course  " in out
    assert "* the corrected runs, not trained again: no-eval changes nothing without Dropout or BatchNorm." in out


def test_missing_data_exits_1_naming_the_folder(capsys, tmp_path):
    assert main(["train", "--data-dir", str(tmp_path), "--no-download"]) == 1
    assert str(tmp_path / "MNIST" / "raw") in capsys.readouterr().err


def test_a_data_folder_that_cannot_be_used_exits_1_with_one_line(capsys):
    assert main(["train", "--data-dir", "x" * 300, "--no-download"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be used: File name too long" in err


@pytest.mark.parametrize("command, save", [(["train"], "run"), (["course", "--seeds", "1"], "lesson.json")])
@pytest.mark.slow
def test_a_closed_stdout_or_a_full_stderr_loses_nothing(tiny_root, tmp_path, command, save):
    """The work is saved though its summary cannot be printed (| head) nor its progress shown (2>/dev/full)."""
    with open("/dev/full", "w") as full:
        child = subprocess.Popen([sys.executable, "-m", "mnistlab", *command, "--epochs", "1", "--data-dir",
                                  str(tiny_root), "--no-download", "--save", str(tmp_path / save)],
                                 stdout=subprocess.PIPE, stderr=full)
        child.stdout.close()  # the reader has gone before the summary is printed
        assert child.wait(timeout=300) == 1
    assert (tmp_path / save).exists()


def test_train_prints_a_summary_and_saves(capsys, tiny_root, tmp_path):
    code = main(["train", "--variant", "dropout", "--epochs", "2", "--batch-size", "32", "--data-dir", str(tiny_root),
                 "--save", str(tmp_path / "saved")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "dropout 0.2" in out and "test accuracy:" in out and "status: completed" in out
    assert "epoch 2/2" in err  # the progress bar
    assert (tmp_path / "saved" / "run.json").exists() and (tmp_path / "saved" / "weights.pt").exists()


def test_a_run_that_cannot_be_saved_is_still_summarised_and_exits_1(capsys, tiny_root, tmp_path):
    (tmp_path / "a-file").write_text("")
    code = main(["train", "--epochs", "1", "--data-dir", str(tiny_root), "--save", str(tmp_path / "a-file" / "run")])
    out, err = capsys.readouterr()
    assert code == 1 and "test accuracy:" in out
    assert f"\nmnistlab: error: the run could not be saved to {tmp_path / 'a-file' / 'run'}: " in err


@pytest.mark.slow
def test_ctrl_c_stops_the_run_and_keeps_what_it_did(tiny_root):
    child = subprocess.Popen([sys.executable, "-m", "mnistlab", "train", "--epochs", "100", "--data-dir",
                              str(tiny_root), "--no-download"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    progress = ""
    while "epoch 2/100" not in progress:  # the progress bar: the run is under way
        chunk = child.stderr.read(64)
        assert chunk, f"the run ended before it could be interrupted: {progress[-300:]}"
        progress += chunk
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err[-500:]
    assert "status: stopped — Stopped by the user during epoch" in out and "test accuracy:" in out


@pytest.mark.slow
def test_json_output_on_real_mnist_reaches_96_percent(mnist):
    result = subprocess.run([sys.executable, "-m", "mnistlab", "train", "--variant", "baseline", "--epochs", "2",
                             "--data-dir", str(data_dir()), "--json"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"config", "history", "status", "test_accuracy"} <= set(report)
    assert report["config"]["epochs"] == 2 and len(report["history"]) == 2
    assert report["status"] == "completed" and report["test_accuracy"] >= 96


@pytest.mark.slow
def test_the_library_never_imports_streamlit():
    code = ("import sys, pkgutil, importlib, mnistlab; "
            "[importlib.import_module('mnistlab.' + m.name) for m in pkgutil.iter_modules(mnistlab.__path__) "
            "if m.name != '__main__']; print('streamlit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("arguments, said", [
    (["train", "--epochs", "0"], "epochs must be an integer from 1 to 100 (got 0)"),
    (["course", "--seeds", "11"], "seeds must be an integer from 1 to 10 (got 11)"),
    (["course", "--epochs", "101"], "epochs must be an integer from 1 to 100 (got 101)")])
def test_a_setting_out_of_range_is_refused_before_torch_is_imported(arguments, said):
    check = ("import sys; from mnistlab.cli import main; code = main(sys.argv[1:]); "
             "print(code, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", check, *arguments], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["2", "False"] and said in done.stderr
