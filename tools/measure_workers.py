"""Every core at once: the targets of K workers, printed as ratios from one run of this script.

    python tools/measure_workers.py [--runs 4] [--epochs 1] [--workers 1,2] [--lesson-seeds 5] [--lesson-epochs 5]
                                    [--sessions 30] [--session-epochs 5] [--app] [--data-dir DIR]

1. Throughput: --runs one-worker runs of --epochs on queues of each --workers count (the library's embedded cluster),
   wall time against one worker's, and every run's weights and history against its one-worker twin, bit for bit.
2. The lesson (--lesson-seeds × --lesson-epochs, the four variants): wall time with K workers against one.
3. --sessions sessions each queueing one run of --session-epochs at once on the K-worker queue: when the last ends
   against (total compute ÷ K), total compute being the one-worker seconds of those runs.
4. Estimates, on the K-worker queue of 2 and 3 (its pace measured by 1): a queued run's start as said when it was
   queued, and a run's time left at 25 % of its steps, each against what happened.
With --app, then tools/load_test.py with --sessions visitors pressing Start once (--session-epochs), and the server's
memory after its first page. The machine's load changes every figure: say what else ran.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from mnistlab import jobs  # noqa: E402
from mnistlab.config import preset  # noqa: E402
from mnistlab.cpu import leave_cores_to_training, usable_cores  # noqa: E402
from mnistlab.data import load_dataset  # noqa: E402
from mnistlab.engine import Engine, worker_count  # noqa: E402
from mnistlab.lesson.fanout import run_lesson_on_queue  # noqa: E402
from mnistlab.lesson.plan import LessonPlan  # noqa: E402


class Watch:
    """What a queue's jobs said and did: the start each was promised when queued, its time left at 25 %."""

    def __init__(self):
        self.promised: dict[int, float] = {}  # job id → seconds to its start, said when queued
        self.queued: dict[int, float] = {}
        self.at_quarter: dict[int, tuple[float, float]] = {}  # job id → (when, seconds left said then)

    def submitted(self, job: jobs.Job) -> None:
        self.queued[job.id] = time.time()
        if job.state == jobs.QUEUED and job.starts_in is not None:
            self.promised[job.id] = job.starts_in

    def poll(self, all_jobs: list[jobs.Job]) -> None:
        for job in all_jobs:
            progress = job.progress
            if job.id not in self.at_quarter and job.state == jobs.RUNNING and progress is not None \
                    and progress.step >= progress.steps / 4:
                self.at_quarter[job.id] = (time.time(), job.remaining_seconds)

    def errors(self, all_jobs: list[jobs.Job]) -> tuple[list[float], list[float]]:
        """(start errors, time-left errors), each (said − happened) ÷ happened."""
        starts = [(self.promised[j.id] - (j.started - self.queued[j.id])) / max(j.started - self.queued[j.id], 1e-9)
                  for j in all_jobs if j.id in self.promised and j.started]
        lefts = [(left - (j.finished - when)) / max(j.finished - when, 1e-9)
                 for j in all_jobs if j.id in self.at_quarter and j.finished
                 for when, left in [self.at_quarter[j.id]] if left is not None]
        return starts, lefts


def run_all(queue: jobs.JobQueue, configs, data, watch: Watch | None = None, owners=None) -> tuple[float, list]:
    start = time.perf_counter()
    handed = []
    for index, config in enumerate(configs):
        handed.append(jobs.submit_training(config, data, f"run {index}", queue,
                                           owner=owners[index] if owners else None))
        if watch:
            watch.submitted(handed[-1])
    while not all(job.wait(0.1) for job in handed):
        if watch:
            watch.poll(handed)
    return time.perf_counter() - start, handed


def same_bits(one, other) -> bool:
    untimed = [[{k: v for k, v in row.items() if k != "seconds"} for row in run.history] for run in (one, other)]
    weights = zip(one.model.state_dict().values(), other.model.state_dict().values())
    return untimed[0] == untimed[1] and all(torch.equal(a, b) for a, b in weights)


def share(errors: list[float]) -> str:
    if not errors:
        return "none measured"
    inside = sum(abs(e) <= 0.25 for e in errors)
    return (f"{inside}/{len(errors)} within ±25 % (median {statistics.median(errors):+.0%}, "
            f"worst {max(errors, key=abs):+.0%})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--workers", default=f"1,{worker_count()}", help="worker counts to compare (first: baseline)")
    parser.add_argument("--lesson-seeds", type=int, default=5)
    parser.add_argument("--lesson-epochs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--session-epochs", type=int, default=5)
    parser.add_argument("--app", action="store_true", help="also run tools/load_test.py (a real server)")
    parser.add_argument("--data-dir", default=os.environ.get("MNISTLAB_DATA_DIR") or str(REPOSITORY / "data"))
    args = parser.parse_args(argv)
    leave_cores_to_training()
    data = load_dataset("mnist", args.data_dir, download=False)
    counts = [int(k) for k in args.workers.split(",")]
    print(f"usable cores {usable_cores()}, load average {os.getloadavg()[0]:.1f} at the start, "
          f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s) a run")

    configs = [preset("baseline", epochs=args.epochs, seed=seed) for seed in range(args.runs)]
    queues, walls, results = {}, {}, {}
    for k in counts:
        queues[k] = jobs.JobQueue(Engine(workers=k))
        walls[k], handed = run_all(queues[k], configs, data)
        results[k] = [job.result for job in handed]
    one, top = counts[0], counts[-1]
    per_run = walls[one] / args.runs / args.epochs  # one worker's seconds per run-epoch
    for k in counts[1:]:
        same = sum(same_bits(a, b) for a, b in zip(results[one], results[k]))
        print(f"throughput, {args.runs} runs of {args.epochs} epoch(s): K={k} {walls[k]:.1f} s vs K={one} "
              f"{walls[one]:.1f} s → ×{walls[one] / walls[k]:.2f} (target ≥ 1.8 at K=2); bit-identical to the "
              f"one-worker twin: {same}/{args.runs}")

    plan = LessonPlan(seeds=args.lesson_seeds, epochs=args.lesson_epochs)
    lesson_walls, run_seconds = {}, {}
    for k in (one, top):
        start = time.perf_counter()
        lesson = run_lesson_on_queue(plan, data, queue=queues[k])
        lesson_walls[k] = time.perf_counter() - start
        run_seconds[k] = sum(run.seconds for run in lesson.runs)
    print(f"lesson {plan.seeds} seeds × {plan.epochs} epochs ({len(plan.tasks())} runs): K={top} "
          f"{lesson_walls[top]:.0f} s vs K={one} {lesson_walls[one]:.0f} s → "
          f"×{lesson_walls[top] / lesson_walls[one]:.2f} of the one-worker time (target ≤ 0.55)")
    # A run's own seconds grow when others train beside it on the same cores (memory and caches shared, not the
    # queue's doing): with them, the best K workers can give is (seconds at K ÷ seconds at one) ÷ K.
    slower = run_seconds[top] / run_seconds[one]
    print(f"  its runs' own seconds: K={top} {run_seconds[top]:.0f} s vs K={one} {run_seconds[one]:.0f} s → each ×"
          f"{slower:.2f} beside the others; the best K={top} can give here: ×{slower / top * one:.2f}; the queue's "
          f"wall time over its runs' seconds ÷ K: ×{lesson_walls[top] / (run_seconds[top] / top):.2f}")

    sessions = [preset("baseline", epochs=args.session_epochs, seed=seed) for seed in range(args.sessions)]
    watch = Watch()
    wall, handed = run_all(queues[top], sessions, data, watch, owners=list(range(args.sessions)))
    compute = per_run * args.session_epochs * args.sessions
    kept = sum(job.result is not None and job.result.status == "completed" for job in handed)
    print(f"{args.sessions} sessions × 1 run of {args.session_epochs} epochs: last result after {wall:.0f} s vs "
          f"total compute ÷ K {compute / top:.0f} s → ×{wall / (compute / top):.2f} (target ≤ 1.2); "
          f"completed {kept}/{args.sessions}")
    starts, lefts = watch.errors(handed)
    print(f"estimates, queued starts: {share(starts)}")
    print(f"estimates, time left at 25 %: {share(lefts)}")
    for queue in queues.values():
        queue.engine.close()
    if args.app:
        subprocess.run([sys.executable, str(REPOSITORY / "tools" / "load_test.py"), "--sessions", str(args.sessions),
                        "--runs", "1", "--epochs", str(args.session_epochs), "--data-dir", args.data_dir,
                        "--one-run-seconds", str(per_run * args.session_epochs)], check=False)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
