"""What each public speed switch of the engine buys, and what a second thread does idle and beside a busy process
(BENCHMARKS.md): `python tests/time_engine.py [--steps 1500] [--rounds 2] [--data-dir DIR]`. Trains the course's MLP
on real MNIST rows for --steps steps of 64 per measurement, the variants interleaved, and prints the median seconds."""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).parent.parent))  # the mnistlab package, when run as a script
from mnistlab.config import RunConfig
from mnistlab.data import data_dir, load_dataset
from mnistlab.models import build_model
from mnistlab.cpu import cpu_settings, leave_cores_to_training, usable_cores

# name → (Adam's implementation, batch gather, subnormals flushed); each row adds one switch to the row above
STAGES = {
    "course: torch's default Adam, x[batch], subnormals kept": ("default", "index", False),
    "+ subnormals flushed (torch.set_flush_denormal)": ("default", "index", True),
    "+ torch.optim.Adam(fused=True)": ("fused", "index", True),
    "+ x.index_select(0, batch): the engine's step": ("fused", "index_select", True),
}


def steps_seconds(x, y, steps: int, threads: int, adam: str, gather: str, flush: bool) -> tuple[float, list]:
    """Seconds for `steps` training steps on `threads` threads, and the weights they end on."""
    model = build_model(RunConfig(), torch.Generator().manual_seed(0))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **({"fused": True} if adam == "fused" else {}))
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(1)).repeat(1 + 64 * steps // len(y))
    with cpu_settings(threads):
        torch.set_flush_denormal(flush)
        start = time.perf_counter()
        for batch in order[:64 * steps].split(64):
            images = x.index_select(0, batch) if gather == "index_select" else x[batch]
            loss = F.cross_entropy(model(images), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start, [p.detach().clone() for p in model.parameters()]


def median_seconds(runs: dict, rounds: int) -> dict:
    """Each named run `rounds` times, interleaved: name → median seconds."""
    seconds = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seconds[name].append(run()[0])
    return {name: statistics.median(values) for name, values in seconds.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/time_engine.py", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500, help="steps per measurement (750 are one epoch)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data-dir", help="data folder (default: $MNISTLAB_DATA_DIR, else ./data)")
    args = parser.parse_args(argv)
    leave_cores_to_training()
    data = load_dataset("mnist", data_dir(args.data_dir), download=False)
    x, y = data.train_x, data.train_y
    print(f"torch {torch.__version__}, usable cores {usable_cores()}, {args.steps} steps x {args.rounds} rounds")
    stages = median_seconds({name: lambda s=s: steps_seconds(x, y, args.steps, 1, *s) for name, s in STAGES.items()},
                            args.rounds)
    first = next(iter(stages.values()))
    for name, seconds in stages.items():
        print(f"1 thread  {name:<58} {seconds:7.2f} s  {first / seconds:5.2f}x the first row")
    engine_name = "+ x.index_select(0, batch): the engine's step"
    engine, idle_seconds = STAGES[engine_name], stages[engine_name]
    same = all(torch.equal(a, b) for a, b in zip(steps_seconds(x, y, 50, 1, *engine)[1],
                                                 steps_seconds(x, y, 50, 2, *engine)[1]))
    print(f"same weights after 50 steps on 1 and on 2 threads: {'yes' if same else 'no'}")
    for load in ("load as found", "+ one busy process"):
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load != "load as found" else None
        try:
            threads = median_seconds({n: lambda n=n: steps_seconds(x, y, args.steps, n, *engine) for n in (1, 2)},
                                     args.rounds)
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        print(f"{load:<18} the engine's step: 1 thread {threads[1]:.2f} s, 2 threads {threads[2]:.2f} s "
              f"(2 / 1 = {threads[2] / threads[1]:.2f}); over the 1-thread row above: "
              f"1 thread {threads[1] / idle_seconds:.2f}, 2 threads {threads[2] / idle_seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
