"""The training loop: fit a config's model on a data set, validate each epoch, evaluate on test at the end."""
from __future__ import annotations

import functools
import itertools
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import torch

from .config import ConfigError, RunConfig
from .data import Dataset, course_shuffle, split_indices
from .evaluation import EVAL_BATCH, evaluate, logits_of, loss_and_accuracy, percent
from .memory import release_graph
from .models import SeededDropout, build_model
from .runs import Run

PROGRESS_INTERVAL = 0.25  # seconds between progress events: the app redraws at about this rate
# Adam bounds each step, so a too-high learning rate rarely reaches inf: it explodes the loss instead.
# No sane run of a 10-class cross-entropy (≈2.3 at the start) ever sees a batch loss this high.
DIVERGED_LOSS = 1e3


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


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' → cuda, then mps, then cpu; otherwise the named device."""
    available = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if name == "auto":
        name = next(device for device, there in available.items() if there)
    if not available.get(name, False):
        raise ConfigError(f"device {name} is not available on this machine: use auto or cpu")
    return torch.device(name)


class FusedAdam:
    """Adam as torch.optim.Adam(fused=True) computes it, bit for bit (the same kernel), minus its per-step bookkeeping.

    That bookkeeping (hooks, profiler records, state lookups, one step counter per tensor, zero_grad) costs ~150 µs
    of a ~1.3 ms CPU step (BENCHMARKS.md). The gradients come as an argument, not in .grad: the model's
    forward_backward returns them. weight_decay is Adam's L2: added to the gradient.
    """

    def __init__(self, parameters, lr: float, weight_decay: float = 0.0, betas=(0.9, 0.999), eps: float = 1e-8):
        self.parameters = list(parameters)
        self.exp_avgs = [torch.zeros_like(p) for p in self.parameters]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.parameters]
        self.steps = torch.zeros((), device=self.parameters[0].device)  # float32, where the kernel reads it
        self.options = {"lr": lr, "beta1": betas[0], "beta2": betas[1], "weight_decay": weight_decay, "eps": eps}

    @torch.no_grad()
    def step(self, gradients: list[torch.Tensor]) -> None:
        """Update every parameter from its gradient (a list in the parameters' order)."""
        self.steps += 1
        torch._fused_adam_(self.parameters, gradients, self.exp_avgs, self.exp_avg_sqs, [],
                           [self.steps] * len(self.parameters), amsgrad=False, maximize=False, **self.options)


@contextmanager
def cpu_settings():
    """This thread's CPU settings while it trains: subnormal floats flushed to zero; thread count restored after.

    Flushing: Adam's first moment decays into subnormals (< 1.2e-38) within an epoch for weights whose input is
    nearly always 0 (MNIST's border pixels); x86 computes on them ~35x slower; flushing them changes no weight.
    The thread count inside is the ThreadPicker's to change.
    """
    threads, flushing = torch.get_num_threads(), torch.tensor([1e-39]).mul(1.0).item() == 0.0
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # this thread's setting; false (a no-op) where the CPU cannot
    try:
        yield
    finally:
        torch.set_flush_denormal(flushing)
        torch.set_num_threads(threads)


def thread_choices(config: RunConfig, device: torch.device) -> tuple[int, ...]:
    """The intra-op thread counts a run may switch between: (1, 2) where the CPU has two cores to give and switching
    changes no bit of the result, else (1,). BatchNorm's CPU kernel sums its batch statistics per thread, so a
    BatchNorm run's bits would depend on the count: it keeps one thread."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if device.type != "cpu" or cores < 2 or config.batchnorm or not threads_keep_bits(config.batch_size):
        return (1,)
    return (1, 2)


@functools.cache
def threads_keep_bits(batch_size: int) -> bool:
    """Whether one training step of the MLP gives the same gradients, bit for bit, on 1 and on 2 threads.

    True with MKL in its strict reproducible mode (MKL_CBWR, set in mnistlab/__init__.py); MKL's default splits the
    matrix products' sums by thread count, and other BLAS libraries may. Where it is false, runs keep one thread.
    """
    generator = torch.Generator().manual_seed(0)
    model = build_model(RunConfig(batch_size=batch_size), generator)
    x = torch.rand(batch_size, 784, generator=generator)
    y = torch.randint(0, 10, (batch_size,), generator=generator)
    threads = torch.get_num_threads()

    def gradients(count: int) -> list:
        torch.set_num_threads(count)
        return model.forward_backward(x, y)[2]

    try:
        return all(torch.equal(a, b) for a, b in zip(gradients(1), gradients(2)))
    finally:
        torch.set_num_threads(threads)


def leave_cores_to_training() -> None:
    """One intra-op thread for this process's work outside train(), which sets its own thread's count (ThreadPicker).

    Clients call it first. OpenMP threads that another thread keeps make libgomp stop spinning, so that a run's second
    thread costs more than it brings (1.6x slower); helpers made before train() flushes subnormals never flush them.
    """
    torch.set_num_threads(1)


class ThreadPicker:
    """Switches this thread between intra-op thread counts, keeping the one whose training steps run fastest.

    Measured, not guessed (BENCHMARKS.md): a second thread makes a step ~1.4x faster on an idle 2-core CPU, but
    1.6x slower while another thread of the process keeps OpenMP threads (libgomp then stops spinning), and 4-60x
    slower while another process holds the other core. So tick() compares the mean step of windows, leaves a
    count at once after a run of very slow steps, and tries the count that lost again later, less often each time
    it loses again. Short stalls that hit any count (the app's page reruns holding the GIL) only end a window and
    bring a retry soon. The count never changes a result: see thread_choices.
    """

    WINDOW = 32  # steps timed before choosing again
    RETRY_EVERY = 32  # windows before the count that lost is tried again (~1000 steps); doubled, up to 8x, per loss
    RETRY_SOON = 4  # windows before the count that stalled is tried again
    STALL, STALLED_STEPS = 4.0, 5  # this many steps in a row this much slower than the other count's end a window

    def __init__(self, choices: tuple[int, ...]):
        self.choices, self.seconds_per_step = choices, {}
        self.wait = self.countdown = self.RETRY_EVERY
        self.use(choices[0], trial=True)  # one thread first: a second is kept only once it has proved faster

    def use(self, threads: int, trial: bool = False) -> None:
        """Set the count and start a new window."""
        self.threads, self.trial, self.durations, self.last = threads, trial, [], None
        self.rival = min((s for n, s in self.seconds_per_step.items() if n != threads), default=math.inf)
        torch.set_num_threads(threads)

    def tick(self, now: float) -> None:
        """Call after each training step, with time.perf_counter()."""
        if len(self.choices) == 1:
            return
        if self.last is not None:
            self.durations.append(now - self.last)
        self.last = now
        recent = self.durations[-self.STALLED_STEPS:]
        stalled = len(recent) == self.STALLED_STEPS and min(recent) > self.STALL * self.rival
        if not stalled and len(self.durations) < self.WINDOW:
            return
        # the mean, for throughput, without the slowest step: the one that also holds an epoch's validation
        timed = recent if stalled else sorted(self.durations)[:-1]
        self.seconds_per_step[self.threads] = sum(timed) / len(timed)
        untried = [n for n in self.choices if n not in self.seconds_per_step]
        if untried:
            return self.use(untried[0], trial=True)
        best = min(self.seconds_per_step, key=self.seconds_per_step.get)
        if self.trial:
            self.wait = self.RETRY_EVERY if best == self.threads else min(2 * self.wait, 8 * self.RETRY_EVERY)
            self.countdown = self.wait
        elif stalled:
            self.countdown = min(self.countdown, self.RETRY_SOON)
        self.countdown -= 1
        if self.countdown > 0:
            return self.use(best)
        self.use(next(n for n in self.choices if n != best), trial=True)


@cpu_settings()
def train(config: RunConfig, data: Dataset, on_progress: Callable[[Progress], None] | None = None,
          should_stop: Callable[[], bool] | None = None, progress_interval: float = PROGRESS_INTERVAL) -> Run:
    """Train, validating every epoch; stops early on should_stop() or a non-finite loss. Returns the Run."""
    device = resolve_device(config.device)
    generator = torch.Generator().manual_seed(config.seed)  # split, init and shuffling, drawn as the course draws them
    train_idx, val_idx = split_indices(len(data.train_y), config.val_fraction, generator)
    check_last_batch(config, len(train_idx))
    x, y = data.train_x.to(device), data.train_y.to(device)
    x_val, y_val = x[val_idx.to(device)], y[val_idx.to(device)]
    model = build_model(config, generator).to(device)
    for module in model.modules():
        if isinstance(module, SeededDropout):
            module.generator = torch.Generator(device).manual_seed(config.seed + 1)
    optimizer = FusedAdam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    eval_mode = "no-eval" not in config.slips
    eval_batch = EVAL_BATCH if eval_mode else config.batch_size  # batch statistics make the slip batch-dependent
    keep_graphs = "loss-graph" in config.slips  # the course's `loss_train += loss`
    steps_per_epoch = math.ceil(len(train_idx) / config.batch_size)
    threads = ThreadPicker(thread_choices(config, device))
    history, status, message, step = [], "completed", "", 0
    start = last_report = time.perf_counter()
    for epoch in range(config.epochs):
        epoch_start, loss_sum, seen = time.perf_counter(), 0.0, 0
        finite_weights = {k: v.clone() for k, v in model.state_dict().items()}
        order = train_idx[course_shuffle(len(train_idx), generator)].to(device)
        targets_in_order, predicted = y[order], torch.empty_like(order)  # argmax into predicted: one op a step
        batches = zip(*(t.split(config.batch_size) for t in (order, targets_in_order, predicted)))
        for batch, targets, predictions in batches:
            if should_stop is not None and should_stop():
                status, message = "stopped", f"Stopped by the user during epoch {epoch + 1}."
                break
            # index_select: a plain row gather, ~2.5× faster on CPU than x[batch]'s general indexing;
            # forward_backward: loss.backward()'s gradients, bit for bit, without autograd's cost (6–18 % of a step)
            logits, loss, gradients = model.forward_backward(x.index_select(0, batch), targets, keep_graphs)
            value = loss.item()
            if not math.isfinite(value) or value > DIVERGED_LOSS:
                status, message = "diverged", divergence_message(value, epoch, step, config.lr)
                break
            torch.argmax(logits, 1, out=predictions)  # before Adam's pass over 4 MB moves the logits out of cache
            optimizer.step(gradients)
            loss_sum = loss_sum + (loss if keep_graphs else value) * len(batch)
            seen, step = seen + len(batch), step + 1
            now = time.perf_counter()
            threads.tick(now)
            if on_progress is not None and now - last_report >= progress_interval:
                last_report = now
                eta = (now - start) / step * (config.epochs * steps_per_epoch - step)
                on_progress(Progress(epoch, config.epochs, step, config.epochs * steps_per_epoch,
                                     mean_of(loss_sum, seen), now - start, eta, tuple(history)))
        if status == "diverged" and not all(p.isfinite().all() for p in model.parameters()):
            model.load_state_dict(finite_weights)
        if seen:  # a stopped or diverged epoch still keeps the part it did
            correct = int((predicted[:seen] == targets_in_order[:seen]).sum())
            val_loss, val_acc = loss_and_accuracy(logits_of(model, x_val, eval_mode, eval_batch), y_val)
            history.append({"epoch": round(epoch + seen / len(train_idx), 4), "train_loss": mean_of(loss_sum, seen),
                            "train_accuracy": percent(correct, seen), "val_loss": val_loss,
                            "val_accuracy": val_acc, "seconds": time.perf_counter() - epoch_start,
                            **release_graph(loss_sum)})  # measured, then freed as the course's next-epoch reset would
            if on_progress is not None:
                on_progress(Progress(epoch, config.epochs, step, config.epochs * steps_per_epoch,
                                     history[-1]["train_loss"], time.perf_counter() - start, 0.0, tuple(history)))
        if status != "completed":
            break
    model.eval()
    evaluation = evaluate(model, data.test_x.to(device), data.test_y.to(device), eval_mode, eval_batch)
    return Run(config, history, status, message, evaluation, model.cpu(), str(device), time.perf_counter() - start)


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
