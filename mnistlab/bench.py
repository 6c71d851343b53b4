"""`python -m mnistlab.bench`: the course's loop, the mnistlab engine and the arithmetic floor, timed in one process.

Prints seconds per epoch (median), test accuracy per seed, peak memory, the app path's overhead, then a last line
`speedup_vs_course_loop=X.XX floor_ratio=Y.YY accuracy_delta=Z.ZZ` (see BENCHMARKS.md).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, TypeVar

import torch
from torch.nn import functional as F

from .cli import add_data_arguments
from .config import ConfigError, RunConfig
from .cpu import cpu_settings, leave_cores_to_training, thread_count
from .data import RAW_FILES, DataError, data_dir, load_dataset, raw_folder
from .jobs import JobQueue, submit_training
from .models import build_model
from .sampling import split_indices
from .training import PROGRESS_INTERVAL, resolve_device, train

try:  # the course's loop, timed here, reads MNIST through torchvision; the app does not need it
    from .course import course_loop
except ModuleNotFoundError:
    course_loop = None
NEEDS_TORCHVISION = ("mnistlab.bench: error: the bench times the course's own loop, which reads MNIST through "
                     "torchvision, not installed here: pip install -r requirements-dev.txt")

Result = TypeVar("Result")
LOOPS = ("course", "engine", "app", "floor")
LABELS = {"course": "course loop (torchvision, as written)", "engine": "mnistlab engine (train)",
          "app": "engine on the app's path (jobs)", "floor": "floor (forward+backward by autograd)"}


def engine_loop(data, config: RunConfig) -> dict:
    """mnistlab.training.train called directly, as the CLI does."""
    run = train(config, data)
    return {"seconds": [row["seconds"] for row in run.history], "accuracy": run.test_accuracy, "run": run}


def app_loop(data, config: RunConfig) -> dict:
    """train() on the app's path: a jobs worker thread, progress snapshots under a lock every PROGRESS_INTERVAL, stop
    checks."""
    job = submit_training(config, data, "bench", queue=JobQueue())
    job.wait()
    if job.failed:
        raise RuntimeError(job.error)
    run = job.result
    return {"seconds": [row["seconds"] for row in run.history], "accuracy": run.test_accuracy, "run": run}


def floor_loop(data, config: RunConfig, passes: int) -> dict:
    """Forward + backward of the engine's MLP over as many rows as its training split, in its batches, on the thread
    count train() would choose now: the model's forward, cross-entropy and autograd's backward, the gradients computed
    and dropped; no optimizer, shuffling, gathering, validation."""
    device = torch.device(config.device)
    generator = torch.Generator().manual_seed(config.seed)
    samples = len(split_indices(len(data.train_y), config.val_fraction, generator)[0])
    model = build_model(config, generator).to(device)
    parameters = list(model.parameters())

    batches = list(zip(data.train_x[:samples].to(device).split(config.batch_size),
                       data.train_y[:samples].to(device).split(config.batch_size)))
    seconds = []
    with cpu_settings(thread_count()):
        for _ in range(passes):
            start = time.perf_counter()
            for images, labels in batches:
                torch.autograd.grad(F.cross_entropy(model(images), labels), parameters)
            synchronize(device)
            seconds.append(time.perf_counter() - start)
    return {"seconds": seconds}


def in_own_thread(loop: Callable[[], Result]) -> Result:
    """Run loop in a thread of its own, whose OpenMP threads end with it: those that one loop left in a thread still
    alive would slow the next loop's second thread (cpu.leave_cores_to_training)."""
    outcome = {}

    def target():
        try:
            outcome["result"] = loop()
        except BaseException as error:  # re-raised in the caller
            outcome["error"] = error

    thread = threading.Thread(target=target, name="mnistlab-bench")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a pass is timed whole."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def rss_mib(field: str) -> float | None:
    """VmRSS or VmHWM (peak) of this process in MiB; None where /proc is missing (macOS, Windows)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@contextmanager
def peak_memory(record: dict):
    """Store in record the peak RSS reached inside the block and its rise over the RSS at the start (MiB)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)
    except OSError:
        record.update(peak=None, rise=None)
        yield
        return
    start = rss_mib("VmRSS")
    yield
    peak = rss_mib("VmHWM")
    record.update(peak=peak, rise=None if peak is None or start is None else peak - start)


def load_average() -> float:
    """The 1-minute load average (nan where the system has none, as on Windows): how shared the cores were."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def measure(args) -> dict:
    """Run the four loops for every seed, in turn, their order reversed every other seed so that drifting background
    load falls on all alike; engine and app path always run back to back, their overhead being the finest figure."""
    root = data_dir(args.data_dir)
    data = load_dataset("mnist", root, download=not args.no_download)  # also decompresses for torchvision
    raw = raw_folder("mnist", root)
    if not all((raw / f).exists() for f in RAW_FILES):  # a read-only folder was decompressed into scratch space
        raise DataError(f"the course loop reads MNIST through torchvision, which needs the four files decompressed in "
                        f"{raw}, and that folder is read-only: decompress them there, or copy the folder elsewhere")
    if raw.parent.name != "MNIST":  # torchvision reads <root>/MNIST/raw only
        raise DataError(f"the course loop reads MNIST through torchvision, which needs its files in a folder "
                        f"MNIST/raw: move {raw}'s four files into <data folder>/MNIST/raw and give that data folder")
    root = raw.parent.parent  # the data root, whichever of the data folder's layouts was given
    results = {loop: [] for loop in LOOPS}
    for i, seed in enumerate(args.seeds):
        config = RunConfig(seed=seed, epochs=args.epochs, device=args.device)
        runs = {"course": lambda: course_loop(root, seed, args.epochs, not args.no_download, args.course_threads),
                "engine": lambda: engine_loop(data, config), "app": lambda: app_loop(data, config),
                "floor": lambda: floor_loop(data, config, args.epochs)}
        for loop in LOOPS if i % 2 == 0 else LOOPS[::-1]:
            record = {"seed": seed}
            with peak_memory(record):
                record.update(in_own_thread(runs[loop]))
            results[loop].append(record)
    return results


def without_times(run) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in run.history]


def report(results: dict, args, load_before: float) -> list[str]:
    """The printed lines; the last one is the machine-readable summary."""
    seconds = {loop: [s for r in results[loop] for s in r["seconds"]] for loop in LOOPS}
    per_epoch = {loop: statistics.median(seconds[loop]) for loop in LOOPS}
    peaks = {loop: [r["peak"] for r in results[loop] if r["peak"] is not None] for loop in LOOPS}
    rises = {loop: [r["rise"] for r in results[loop] if r["rise"] is not None] for loop in LOOPS}
    epochs = f"{args.epochs} epoch{'s' * (args.epochs != 1)}"
    lines = [f"mnistlab bench: MNIST, {epochs} x seeds {' '.join(map(str, args.seeds))}, batch 64, "
             f"Adam lr 1e-3 | torch {torch.__version__}, course loop on {args.course_threads} threads, "
             f"engine and floor on {args.device}"
             f"{f' ({thread_count()} thread(s))' if args.device == 'cpu' else ''} | "
             f"load average {load_before:.2f} before, {load_average():.2f} after",
             f"{'loop':<40} {'s/epoch':>8} {'min':>7} {'max':>7} {'peak RSS MiB':>13} {'rise MiB':>9}"]
    for loop in LOOPS:
        peak = f"{max(peaks[loop]):13.0f}" if peaks[loop] else f"{'n/a':>13}"
        rise = f"{max(rises[loop]):9.0f}" if rises[loop] else f"{'n/a':>9}"
        lines.append(f"{LABELS[loop]:<40} {per_epoch[loop]:8.3f} {min(seconds[loop]):7.3f} {max(seconds[loop]):7.3f} "
                     f"{peak} {rise}")
    lines.append(f"{'seed':>4} {'course test acc %':>18} {'engine test acc %':>18} {'delta':>7}")
    course_acc = [r["accuracy"] for r in results["course"]]
    engine_acc = [r["accuracy"] for r in results["engine"]]
    for seed, c, e in zip(args.seeds, course_acc, engine_acc):
        lines.append(f"{seed:>4} {c:18.2f} {e:18.2f} {e - c:+7.2f}")
    delta = statistics.mean(engine_acc) - statistics.mean(course_acc)
    lines.append(f"{'mean':>4} {statistics.mean(course_acc):18.2f} {statistics.mean(engine_acc):18.2f} {delta:+7.2f}")
    same = all(without_times(a["run"]) == without_times(b["run"]) for a, b in zip(results["engine"], results["app"]))
    overhead = 100 * (per_epoch["app"] / per_epoch["engine"] - 1)
    lines.append(f"app-path overhead: {overhead:+.1f} % (progress every {PROGRESS_INTERVAL} s + stop checks, "
                 f"worker thread); same seed, same history as train(): {'yes' if same else 'NO'}")
    lines.append(f"speedup_vs_course_loop={per_epoch['course'] / per_epoch['engine']:.2f} "
                 f"floor_ratio={per_epoch['engine'] / per_epoch['floor']:.2f} accuracy_delta={delta:.2f}")
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mnistlab.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per run (default 5, as the course)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 for course and engine (default 3)")
    parser.add_argument("--threads", type=int,
                        help="torch intra-op threads of the course loop (default: torch's choice)")
    parser.add_argument("--device", default="cpu",
                        help="device of the engine and the floor: auto, cpu, cuda or mps (default cpu; the course "
                        "loop is CPU)")
    add_data_arguments(parser)
    args = parser.parse_args(argv)
    if args.seeds < 1 or (args.threads is not None and args.threads < 1):
        parser.error("--seeds and --threads must be at least 1")
    try:  # said now, not after the course loop's minutes; the floor needs a real device, not "auto"
        args.device = resolve_device(RunConfig(epochs=args.epochs, device=args.device).device).type
    except ConfigError as error:
        parser.error(str(error))
    args.seeds = list(range(args.seeds))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if course_loop is None:
        print(NEEDS_TORCHVISION, file=sys.stderr)
        return 2
    args.course_threads = args.threads or torch.get_num_threads()
    leave_cores_to_training()
    load_before = load_average()
    try:
        results = measure(args)
    except DataError as error:
        print(f"mnistlab.bench: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nmnistlab.bench: interrupted", file=sys.stderr, flush=True)
        # A loop's thread is still inside torch: the interpreter's normal exit would abort under it (SIGABRT).
        os._exit(130)
    print("\n".join(report(results, args, load_before)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
