"""The training loop: fit a config's model on a data set, validate each epoch, evaluate on test at the end."""
from __future__ import annotations

import itertools
import math
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch.nn import functional as F

from .config import ConfigError, RunConfig
from .data import Dataset, course_shuffle, split_indices
from .i18n import text
from .evaluation import EVAL_BATCH, evaluate, logits_of, loss_and_accuracy, percent
from .fingerprint import this_machine
from .inside import PROBE_ROWS, STEP_WINDOW, StepLosses, epoch_figures
from .memory import release_graph
from .models import SeededDropout, build_model
from .runs import Run

PROGRESS_INTERVAL = 0.25  # seconds between progress events: the app redraws at about this rate
# Adam bounds each step, so a too-high learning rate rarely reaches inf: it explodes the loss instead.
# No sane run of a 10-class cross-entropy (≈2.3 at the start) ever sees a batch loss this high.
DIVERGED_LOSS = 1e3
# Cores a process must be allowed before its runs take a second thread: the run's two, one for the browser or
# the page, one for another busy process (BENCHMARKS.md, "Threads").
TWO_THREADS_FROM_CORES = 4


@dataclass(frozen=True)
class Progress:
    """A snapshot of a run in progress, handed to on_progress."""

    epoch: int  # the epoch under way, 0-based
    epochs: int
    step: int  # optimizer steps done in the whole run
    steps: int
    running_loss: float  # mean training loss so far in this epoch
    elapsed: float
    eta: float
    history: tuple  # rows of the epochs finished so far
    step_losses: tuple = ()  # the epoch under way's smoothed training loss: (fractional epoch, loss) points


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' → cuda, then mps, then cpu; otherwise the named device."""
    available = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if name == "auto":
        name = next(device for device, there in available.items() if there)
    if not available.get(name, False):
        raise ConfigError(f"device {name} is not available on this machine: use auto or cpu")
    return torch.device(name)


def optimizer_for(model: torch.nn.Module, config: RunConfig, device: torch.device) -> torch.optim.Adam:
    """The course's torch.optim.Adam; its fused kernel (one pass over each tensor) where the device has one."""
    try:
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
    except RuntimeError:  # a device without the fused kernel: torch's default implementation
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


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
    nearly always 0 (MNIST's border pixels); x86 computes on them many times slower; flushing them changes no weight.
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
    """The intra-op threads of every run of this process, from the machine alone, never from its momentary load:
    2 where the process may use at least TWO_THREADS_FROM_CORES cores, else 1.

    Why not the load: 1 and 2 threads round differently (MKL splits a product's sums by thread count), so a choice
    made from the load would make a run's weights depend on it. Why so many cores: a two-thread step waits for its
    second thread, and another process busy on one core made steps 6–10× slower on 2 cores (BENCHMARKS.md).
    """
    return 2 if (usable_cores() if cores is None else cores) >= TWO_THREADS_FROM_CORES else 1


def leave_cores_to_training() -> None:
    """One intra-op thread for this process's work outside train(), which sets its own thread's count.

    Clients call it first. OpenMP threads that another thread keeps make libgomp stop spinning, so that a run's second
    thread costs more than it brings; helpers made before train() flushes subnormals never flush them.
    """
    torch.set_num_threads(1)


def train(config: RunConfig, data: Dataset, on_progress: Callable[[Progress], None] | None = None,
          should_stop: Callable[[], bool] | None = None, progress_interval: float = PROGRESS_INTERVAL) -> Run:
    """Train, validating every epoch; stops early on should_stop() or a non-finite loss. Returns the Run."""
    device = resolve_device(config.device)
    with cpu_settings(thread_count()):
        return train_on(device, config, data, on_progress, should_stop, progress_interval)


def train_on(device: torch.device, config: RunConfig, data: Dataset, on_progress, should_stop,
             progress_interval: float) -> Run:
    """train()'s loop, under the CPU settings it chose."""
    generator = torch.Generator().manual_seed(config.seed)  # split, init and shuffling, drawn as the course draws them
    train_idx, val_idx = split_indices(len(data.train_y), config.val_fraction, generator)
    check_last_batch(config, len(train_idx))
    x, y = data.train_x.to(device), data.train_y.to(device)
    x_val, y_val = x[val_idx.to(device)], y[val_idx.to(device)]
    model = build_model(config, generator).to(device)
    for module in model.modules():
        if isinstance(module, SeededDropout):
            module.generator = torch.Generator(device).manual_seed(config.seed + 1)
    optimizer = optimizer_for(model, config, device)
    eval_mode = "no-eval" not in config.slips
    eval_batch = EVAL_BATCH if eval_mode else config.batch_size  # batch statistics make the slip batch-dependent
    keep_graphs = "loss-graph" in config.slips  # the course's `loss_train += loss`
    steps_per_epoch = math.ceil(len(train_idx) / config.batch_size)
    step_losses = StepLosses(len(train_idx))  # the loss curve within epochs, a point every STEP_WINDOW steps
    history, status, message, step = [], "completed", "", 0
    start = last_report = time.perf_counter()
    for epoch in range(config.epochs):
        epoch_start, loss_sum, seen = time.perf_counter(), 0.0, 0
        model.train()  # validation leaves the model in eval mode
        finite_weights = {k: v.clone() for k, v in model.state_dict().items()}
        order = train_idx[course_shuffle(len(train_idx), generator)].to(device)
        targets_in_order, predicted = y[order], torch.empty_like(order)  # argmax into predicted: one op a step
        batches = zip(*(t.split(config.batch_size) for t in (order, targets_in_order, predicted)))
        for batch, targets, predictions in batches:
            if should_stop is not None and should_stop():
                status, message = "stopped", f"Stopped by the user during epoch {epoch + 1}."
                break
            images = x.index_select(0, batch)  # a plain row gather: faster on CPU than x[batch]'s general indexing
            logits = model(images)
            loss = F.cross_entropy(logits, targets)
            value = loss.item()
            if not math.isfinite(value) or value > DIVERGED_LOSS:
                status, message = "diverged", divergence_message(value, epoch, step, config.lr)
                break
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            torch.argmax(logits.detach(), 1, out=predictions)
            loss_sum = loss_sum + (loss if keep_graphs else value) * len(batch)
            seen, step = seen + len(batch), step + 1
            if step % STEP_WINDOW == 0:
                step_losses.add(epoch, loss_sum, seen)
            now = time.perf_counter()
            if on_progress is not None and now - last_report >= progress_interval:
                last_report = now
                eta = (now - start) / step * (config.epochs * steps_per_epoch - step)
                on_progress(Progress(epoch, config.epochs, step, config.epochs * steps_per_epoch,
                                     mean_of(loss_sum, seen), now - start, eta, tuple(history),
                                     tuple(step_losses.points)))
        if status == "diverged" and not all(p.isfinite().all() for p in model.parameters()):
            model.load_state_dict(finite_weights)
        if seen:  # a stopped or diverged epoch still keeps the part it did
            correct = int((predicted[:seen] == targets_in_order[:seen]).sum())
            val_loss, val_acc = loss_and_accuracy(logits_of(model, x_val, eval_mode, eval_batch), y_val)
            history.append({"epoch": round(epoch + seen / len(train_idx), 4), "train_loss": mean_of(loss_sum, seen),
                            "train_accuracy": percent(correct, seen), "val_loss": val_loss,
                            "val_accuracy": val_acc, "seconds": time.perf_counter() - epoch_start,
                            **release_graph(loss_sum),  # measured, then freed as the course's next-epoch reset would
                            **epoch_figures(model, x_val[:PROBE_ROWS], y_val[:PROBE_ROWS], config.batch_size),
                            "step_losses": step_losses.take()})  # what the Inside page draws (mnistlab.inside)
            if on_progress is not None:
                elapsed = time.perf_counter() - start
                eta = elapsed / max(step, 1) * (config.epochs * steps_per_epoch - step)  # 0 only once all is done
                on_progress(Progress(epoch, config.epochs, step, config.epochs * steps_per_epoch,
                                     history[-1]["train_loss"], elapsed, eta, tuple(history)))
        if status != "completed":
            break
    model.eval()
    evaluation = evaluate(model, data.test_x.to(device), data.test_y.to(device), eval_mode, eval_batch)
    return Run(config, history, status, message, evaluation, model.cpu(), str(device), time.perf_counter() - start,
               trained_on=this_machine(str(device)))


def check_last_batch(config: RunConfig, rows: int) -> None:
    """Refuse, before any training, a BatchNorm run whose epochs would end on a batch of one row (which BatchNorm cannot
    normalise): said at the start, not after an epoch's wait, with the nearest batch size that works."""
    if config.batchnorm and rows % config.batch_size == 1:
        if rows == 1:  # every batch size leaves that one row
            raise ConfigError("BatchNorm cannot train on a single training image: choose a smaller validation "
                              "fraction")
        works = next(size for size in itertools.count(config.batch_size + 1) if rows % size != 1)  # at most `rows`
        raise ConfigError(f"BatchNorm cannot train on a batch of one row, and {rows} training images in batches of "
                          f"{config.batch_size} leave one over at the end of each epoch: choose another batch size, "
                          f"e.g. {works}")


def mean_of(loss_sum, seen: int) -> float:
    """The mean loss per sample; loss_sum is a tensor with a graph under the loss-graph slip."""
    return float(torch.as_tensor(loss_sum).detach()) / seen


def divergence_message(value: float, epoch: int, step: int, lr: float) -> str:
    """What happened, the loss in words ('grew to 1.2 × 10⁸', 'became NaN'), and a learning rate that trains."""
    if math.isnan(value):
        what = "became NaN (not a number)"
    elif math.isinf(value):
        what = "became infinite"
    else:
        mantissa, power = f"{value:.1e}".split("e")  # 9.96e3 → 1.0e+04: rounded before it is split
        what = f"grew to {mantissa} × 10{str(int(power)).translate(str.maketrans('-0123456789', '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'))}"
    # Every preset trains with the course's Adam rate, 1e-3: point there, not one notch down from a rate that failed.
    advice = "try 1e-3, the course's rate, which trains it" if lr > 1e-3 else f"try {lr / 10:g}"
    return (f"The training loss {what} at epoch {epoch + 1} (step {step + 1}): the run diverged. "
            f"The learning rate {lr:g} is too high for this model: {advice}.")


_STOPPED = re.compile(r"Stopped by the user during epoch (\d+)\.")
_DIVERGED = re.compile(r"The training loss (.+) at epoch (\d+) \(step (\d+)\): the run diverged\. The learning rate "
                       r"(\S+) is too high for this model: try (\S+?)(, the course's rate, which trains it)?\.")
_FAILED = "Training failed: "


def message_in(message: str, lang: str = "en") -> str:
    """A run's message in lang. The run keeps it in English (the CLI's, and saved files' since the first version), so
    that old saved runs still open: the messages this module and jobs write are recognised and said again in lang;
    any other is shown as it reads."""
    if lang == "en" or not message:
        return message
    if stopped := _STOPPED.fullmatch(message):
        return text(lang, "run.stopped_in", epoch=stopped.group(1))
    if diverged := _DIVERGED.fullmatch(message):
        what, epoch, step, lr, rate, course = diverged.groups()
        grew = re.fullmatch(r"grew to (.+)", what)
        what = (text(lang, "run.grew_to", value=grew.group(1).replace(".", ",") if lang == "fr" else grew.group(1))
                if grew else text(lang, "run.became_nan" if "NaN" in what else "run.became_infinite"))
        if lang == "fr":  # decimals as French writes them; 1e-3 has none
            lr, rate = lr.replace(".", ","), rate.replace(".", ",")
        advice = text(lang, "run.try_course" if course else "run.try", lr=rate)
        return text(lang, "run.diverged", what=what, epoch=epoch, step=step, lr=lr, advice=advice)
    if message.startswith(_FAILED):
        return text(lang, "run.failed", reason=message[len(_FAILED):])
    return message
