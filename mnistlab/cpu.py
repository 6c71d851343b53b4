"""The CPU rules of a run: its intra-op thread count, read from the machine alone, and its settings while it trains."""
from __future__ import annotations

import math
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import torch

# Runs in progress in this process, and the thread count before the first began. The intra-op thread count is partly
# process-wide (torch's parallel loops read one shared count), so it is set when the first run starts and restored
# when the last ends: a run ending never changes the count another run is computing with.
_runs_lock = threading.Lock()
_runs_in_progress = {"count": 0, "threads_before": 1}


@contextmanager
def cpu_settings(threads: int = 1):
    """This thread's CPU settings while it trains: `threads` intra-op threads (the same for every run of a process:
    the machine's), subnormal floats flushed to zero; both restored after.

    Flushing: Adam's first moment decays into subnormals (< 1.2e-38) within an epoch for weights whose input is
    nearly always 0 (MNIST's border pixels); x86 computes slowly on them; flushing them changes no weight.
    """
    flushing = torch.tensor([1e-39]).mul(1.0).item() == 0.0
    with _runs_lock:
        if _runs_in_progress["count"] == 0:
            _runs_in_progress["threads_before"] = torch.get_num_threads()
        _runs_in_progress["count"] += 1
        torch.set_num_threads(threads)
    torch.set_flush_denormal(True)  # this thread's setting; false (a no-op) where the CPU cannot
    try:
        yield
    finally:
        torch.set_flush_denormal(flushing)
        with _runs_lock:
            _runs_in_progress["count"] -= 1
            if _runs_in_progress["count"] == 0:
                torch.set_num_threads(_runs_in_progress["threads_before"])


def cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The CPU quota of this container in cores (cgroup v2 cpu.max, else v1 cfs_quota/cfs_period); None if unlimited
    or unknown. os.cpu_count() and the affinity mask do not see it: a 1-core container on a 16-core host shows 16."""
    candidates = [(root / "cpu.max", None)] + [(root / group / "cpu.cfs_quota_us", root / group / "cpu.cfs_period_us")
                                               for group in ("cpu", "cpu,cpuacct")]
    for quota_file, period_file in candidates:
        try:
            if period_file is None:  # v2: "max 100000" or "150000 100000"
                quota, period = quota_file.read_text().split()[:2]
            else:  # v1: a quota of -1 means none
                quota, period = quota_file.read_text().strip(), period_file.read_text().strip()
            if quota in ("max", "-1"):
                return None
            return int(quota) / int(period) if int(quota) > 0 and int(period) > 0 else None
        except (OSError, ValueError):  # no such file, or one that says nothing usable: try the next
            continue
    return None


def usable_cores(root: Path = Path("/sys/fs/cgroup")) -> int:
    """The cores this process may keep busy: its affinity mask, capped by the container's quota rounded down.

    Down: under a quota of 1.5 cores two threads in lock step use it up in two thirds of each period and are then
    both stopped for the rest, while one thread never reaches it."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cgroup_cpu_quota(root)
    return max(1, min(cores, math.floor(quota))) if quota is not None else cores


def thread_count(cores: int | None = None) -> int:
    """The intra-op threads of every run: one, whatever the machine (cores is accepted and ignored).

    The other cores train other runs at once (engine.worker_count), which gains more than a run's second thread (a
    step waits for it); and a run's bits never depend on the machine's load or on how many run beside it (1 and 2
    threads round differently: MKL splits a product's sums by thread count). BENCHMARKS.md, "Workers".
    """
    return 1


def leave_cores_to_training() -> None:
    """One intra-op thread for this process's work outside train(), which sets its own thread's count.

    Clients call it first. OpenMP threads that another thread keeps make libgomp stop spinning, so that a run's second
    thread costs more than it brings; helpers made before train() flushes subnormals never flush them.
    """
    torch.set_num_threads(1)
