"""The library's share of a server's memory: RSS after each thing a server holds, in one fresh process.

    python tools/measure_memory.py [--epochs 1] [--runs 16] [--data-dir DIR]

Prints resident memory (MB) after: the interpreter alone, `import torch`, the rest of the library (plots pull in
Plotly; the app does not import torchvision), the MNIST data set loaded, one run trained, and that run kept --runs
times over (deep copies: a kept run's weights and test results, as a session holds them). The app's own figures (a
server after its first page, per session, after N sessions) come from the app-side script. Figures vary with the
allocator and the machine: compare them within one run of this script.
"""
from __future__ import annotations

import argparse
import copy
import gc
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the run trained (default 1)")
    parser.add_argument("--runs", type=int, default=100,
                        help="copies of that run kept (default 100: enough to outgrow the memory training freed)")
    parser.add_argument("--data-dir", help="data folder (default: $MNISTLAB_DATA_DIR, else ./data)")
    args = parser.parse_args(argv)
    stages: list[tuple[str, float]] = [("python", rss_mb())]

    import torch  # noqa: F401  (each import is a stage)
    stages.append(("import torch", rss_mb()))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from mnistlab import jobs, plots  # noqa: F401
    from mnistlab.config import RunConfig
    from mnistlab.data import load_dataset
    from mnistlab.training import train
    stages.append(("import mnistlab (+ plotly)", rss_mb()))

    data = load_dataset("mnist", args.data_dir, download=False)
    stages.append(("MNIST loaded", rss_mb()))
    start = time.perf_counter()
    run = train(RunConfig(epochs=args.epochs), data)
    seconds = time.perf_counter() - start
    gc.collect()
    stages.append((f"1 run trained ({args.epochs} epoch(s), {seconds:.0f} s)", rss_mb()))
    kept = [copy.deepcopy(run) for _ in range(args.runs)]
    gc.collect()
    stages.append((f"{args.runs} more runs kept", rss_mb()))

    print(f"{'after':<40} {'RSS MB':>8} {'+MB':>8}")
    for (name, mb), (_, before) in zip(stages, [stages[0]] + stages):
        print(f"{name:<40} {mb:8.0f} {mb - before:8.0f}")
    per_run = (stages[-1][1] - stages[-2][1]) / max(len(kept), 1)
    weights = sum(p.numel() * p.element_size() for p in run.model.state_dict().values()) / 2**20
    print(f"per kept run: {per_run:.2f} MB ({per_run / weights:.1f}× its {weights:.2f} MB of weights)")


if __name__ == "__main__":
    main()
