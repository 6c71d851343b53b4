"""What the Inside page's recordings cost a run (BENCHMARKS.md): `python tests/time_inside.py [--epochs 1]
[--rounds 3] [--data-dir DIR]`. Trains the course's variants on real MNIST with the recordings and without them
(mnistlab.inside's per-epoch figures and step curve switched off), interleaved, and prints each run's seconds and the
ratio of the medians; then the recordings alone, timed on each variant's trained model, against its epoch's time (the
steadier figure on a loaded machine)."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))  # the mnistlab package, when run as a script
import torch

from mnistlab import training
from mnistlab.inside import PROBE_ROWS, STEP_WINDOW, StepLosses
from mnistlab.config import preset
from mnistlab.data import data_dir, load_dataset
from mnistlab.cpu import cpu_settings, leave_cores_to_training, thread_count
from mnistlab.training import train

RECORDINGS = {"with": (training.epoch_figures, training.STEP_WINDOW),
              "without": (lambda *args: {}, 10 ** 12)}  # no figures; a step window no run reaches


def seconds(config, data, recordings: str) -> float:
    training.epoch_figures, training.STEP_WINDOW = RECORDINGS[recordings]
    try:
        return train(config, data).seconds
    finally:
        training.epoch_figures, training.STEP_WINDOW = RECORDINGS["with"]


def recording_seconds(model, data, batch_size: int, steps: int, repeats: int = 15) -> float:
    """The median time of one epoch's recordings: its figures on the probe rows, and its step-curve points."""
    x, y = data.train_x[:PROBE_ROWS], data.train_y[:PROBE_ROWS]
    times = []
    for _ in range(repeats):
        start, curve = time.perf_counter(), StepLosses(48_000)
        RECORDINGS["with"][0](model, x, y, batch_size)
        for step in range(STEP_WINDOW, steps + 1, STEP_WINDOW):
            curve.add(0, torch.tensor(0.3 * step * batch_size), step * batch_size)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/time_inside.py", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", help="data folder (default: $MNISTLAB_DATA_DIR, else ./data)")
    args = parser.parse_args(argv)
    leave_cores_to_training()
    data = load_dataset("mnist", data_dir(args.data_dir), download=False)
    times = {}
    for round_ in range(args.rounds):
        for variant in ("baseline", "dropout", "batchnorm"):
            order = ("with", "without") if round_ % 2 == 0 else ("without", "with")
            for recordings in order:
                value = seconds(preset(variant, epochs=args.epochs, device="cpu"), data, recordings)
                times.setdefault((variant, recordings), []).append(value)
                print(f"round {round_ + 1} {variant:<9} {recordings:<7} recordings {value:6.2f} s", flush=True)
    ratios, shares = [], []
    for variant in ("baseline", "dropout", "batchnorm"):
        with_, without = (statistics.median(times[variant, r]) for r in ("with", "without"))
        ratios.append(with_ / without)
        print(f"{variant:<9} median with {with_:6.2f} s, without {without:6.2f} s: ratio {with_ / without:.3f}")
        config = preset(variant, epochs=1, device="cpu")
        run = train(config, data)
        with cpu_settings(thread_count()):
            alone = recording_seconds(run.model, data, config.batch_size, 750)
        shares.append(alone * args.epochs / without)
        print(f"{variant:<9} one epoch's recordings alone {1000 * alone:6.1f} ms: {100 * shares[-1]:.2f} % of the run")
    print(f"mean ratio with / without recordings: {statistics.mean(ratios):.3f}; recordings alone: "
          f"{100 * statistics.mean(shares):.2f} % of a run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
