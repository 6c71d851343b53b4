import copy
import re

import pytest
import torch
from torch.nn import functional as F

from mnistlab import bench
from mnistlab.config import RunConfig
from mnistlab.models import build_model
from mnistlab.training import FusedAdam, cpu_settings

LAST_LINE = re.compile(r"speedup_vs_course_loop=\d+\.\d\d floor_ratio=\d+\.\d\d accuracy_delta=-?\d+\.\d\d")


def test_the_benchmark_runs_all_loops_and_ends_with_the_summary_line(tiny_root, capsys):
    assert bench.main(["--epochs", "1", "--seeds", "2", "--data-dir", str(tiny_root), "--no-download"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    for label in bench.LABELS.values():
        assert any(line.startswith(label) for line in lines)
    assert sum(line.split()[0] in ("0", "1") for line in lines) == 2  # one accuracy row per seed
    assert any("app-path overhead" in line and "same history as train(): yes" in line for line in lines)


def test_missing_data_exits_1(tmp_path, capsys):
    assert bench.main(["--epochs", "1", "--seeds", "1", "--data-dir", str(tmp_path), "--no-download"]) == 1
    assert str(tmp_path / "MNIST" / "raw") in capsys.readouterr().err


def test_bad_counts_are_refused():
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--epochs", "0"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("weight_decay, batchnorm", [(0.0, False), (0.01, True)])
def test_the_engine_optimizer_is_torch_fused_adam_bit_for_bit(weight_decay, batchnorm):
    # The benchmark compares speeds of the same maths: the engine's Adam must be torch's, exactly.
    reference = build_model(RunConfig(hidden=(32, 32), batchnorm=batchnorm), torch.Generator().manual_seed(0))
    ours = copy.deepcopy(reference)
    torch_adam = torch.optim.Adam(reference.parameters(), lr=1e-2, weight_decay=weight_decay, fused=True)
    fused_adam = FusedAdam(ours.parameters(), lr=1e-2, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(1)
    for _ in range(50):
        x, y = torch.rand(16, 784, generator=generator), torch.randint(0, 10, (16,), generator=generator)
        torch_adam.zero_grad()
        F.cross_entropy(reference(x), y).backward()
        torch_adam.step()
        F.cross_entropy(ours(x), y).backward()
        fused_adam.step()
    assert all(torch.equal(a, b) for a, b in zip(reference.state_dict().values(), ours.state_dict().values()))
    assert all(p.grad is None for p in ours.parameters())


def test_cpu_settings_hold_inside_and_are_restored_after():
    threads = torch.get_num_threads()
    subnormal = torch.tensor([1e-39])
    with cpu_settings():
        assert torch.get_num_threads() == 1
        flushed = subnormal.mul(1.0).item()
    assert torch.get_num_threads() == threads
    assert subnormal.mul(1.0).item() != 0.0  # flushing is off again outside
    if torch.set_flush_denormal(False):  # the CPU can flush (x86): inside, subnormals were zero
        assert flushed == 0.0
