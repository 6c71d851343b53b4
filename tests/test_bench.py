import re

import pytest
import torch

from mnistlab import bench

LAST_LINE = re.compile(r"speedup_vs_course_loop=\d+\.\d\d floor_ratio=\d+\.\d\d accuracy_delta=-?\d+\.\d\d")


def test_the_benchmark_runs_all_loops_and_ends_with_the_summary_line(tiny_root, capsys):
    assert bench.main(["--epochs", "1", "--seeds", "2", "--data-dir", str(tiny_root), "--no-download"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("mnistlab bench: MNIST, 1 epoch x seeds 0 1,"), lines[0]
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    for label in bench.LABELS.values():
        assert any(line.startswith(label) for line in lines)
    assert sum(line.split()[0] in ("0", "1") for line in lines) == 2  # one accuracy row per seed
    assert any("app-path overhead" in line and "same history as train(): yes" in line for line in lines)


def test_missing_data_exits_1(tmp_path, capsys):
    assert bench.main(["--epochs", "1", "--seeds", "1", "--data-dir", str(tmp_path), "--no-download"]) == 1
    assert str(tmp_path / "MNIST" / "raw") in capsys.readouterr().err


def test_a_read_only_folder_of_gz_files_says_what_the_course_loop_needs(tiny_root, capsys, monkeypatch):
    monkeypatch.setattr("mnistlab.data.os.access", lambda path, mode: False)  # as for a user other than its owner
    assert bench.main(["--epochs", "1", "--seeds", "1", "--data-dir", str(tiny_root), "--no-download"]) == 1
    assert "which needs the four files decompressed in" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, words", [
    (["--epochs", "0"], "epochs must be an integer from 1 to 100 (got 0)"),
    (["--epochs", "101"], "epochs must be an integer from 1 to 100 (got 101)"),
    (["--seeds", "0"], "--seeds and --threads must be at least 1"),
    (["--threads", "-2"], "--seeds and --threads must be at least 1"),
    (["--device", "tpu"], "device must be one of auto, cpu, cuda, mps (got 'tpu')"),
    (["--device", "mps" if not torch.backends.mps.is_available() else "cuda"], "is not available on this machine"),
])
def test_bad_arguments_are_refused_before_any_loop_runs(arguments, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(arguments)
    assert exit_info.value.code == 2 and words in capsys.readouterr().err


def test_auto_picks_a_real_device_for_the_floor():
    assert bench.parse_args(["--device", "auto"]).device in ("cpu", "cuda", "mps")


def test_without_torchvision_the_bench_says_what_it_needs():
    import subprocess
    import sys

    check = "import sys; sys.modules['torchvision'] = None; from mnistlab import bench; sys.exit(bench.main([]))"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "pip install -r requirements-dev.txt" in done.stderr
    assert "Traceback" not in done.stderr
