"""The training loop: fit a config's model on a data set, validate each epoch, evaluate on test at the end.

train_one_epoch is the course's loop; what the app adds around its step (stop, divergence, progress) is in StepHooks.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch.nn import functional as F

from .config import ConfigError, RunConfig
from .cpu import cpu_settings, thread_count
from .data import Dataset
from .evaluation import EVAL_BATCH, evaluate, logits_of, loss_and_accuracy, percent
from .fingerprint import this_machine
from .i18n import Phrase
from .inside import PROBE_ROWS, STEP_WINDOW, StepLosses, epoch_figures
from .memory import release_graph
from .messages import divergence_message, stopped_during
from .models import SeededDropout, build_model
from .runs import Run
from .sampling import course_shuffle, split_indices

PROGRESS_INTERVAL = 0.25  # seconds between progress events: the app redraws at about this rate
# A batch loss above this has diverged: a 10-class cross-entropy starts near 2.3, and Adam's bounded steps make a
# too-high learning rate explode the loss rather than reach inf.
DIVERGED_LOSS = 1e3


def train_one_epoch(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batches, hooks: StepHooks) -> None:
    """One pass over the epoch's (images, targets) batches, the course's step on each; a hook may end it (RunEnded)."""
    model.train()  # validation leaves the model in eval mode
    for images, targets in batches:
        hooks.check_stop()
        logits = model(images)
        loss = F.cross_entropy(logits, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        hooks.check_divergence(loss)
        hooks.record(logits, loss)


def train(config: RunConfig, data: Dataset, on_progress: Callable[[Progress], None] | None = None,
          should_stop: Callable[[], bool] | None = None, progress_interval: float = PROGRESS_INTERVAL) -> Run:
    """Train, validating every epoch; stops early on should_stop() or a diverged loss. Returns the Run."""
    device = resolve_device(config.device)
    with cpu_settings(thread_count()):
        return fit(device, config, data, on_progress, should_stop, progress_interval)


def fit(device: torch.device, config: RunConfig, data: Dataset, on_progress, should_stop,
        progress_interval: float) -> Run:
    """train()'s epochs, under the CPU settings it chose: split, model and optimizer from the run's seed, then each
    epoch trained, validated and recorded; the test set evaluated at the end."""
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
    hooks = StepHooks(config, len(train_idx), on_progress, should_stop, progress_interval)
    status, message = "completed", None
    for epoch in range(config.epochs):
        epoch_start = time.perf_counter()
        finite_weights = {k: v.clone() for k, v in model.state_dict().items()}
        order = train_idx[course_shuffle(len(train_idx), generator)].to(device)
        targets = y[order]
        hooks.start_epoch(epoch, targets)
        batches = ((x.index_select(0, rows), batch_targets)  # a plain row gather: faster on CPU than x[rows]
                   for rows, batch_targets in zip(order.split(config.batch_size), targets.split(config.batch_size)))
        try:
            train_one_epoch(model, optimizer, batches, hooks)
        except RunEnded as ended:
            status, message = ended.status, ended.message
        if status == "diverged" and not all(p.isfinite().all() for p in model.parameters()):
            model.load_state_dict(finite_weights)
        if hooks.seen:  # a stopped or diverged epoch still keeps the part it did
            val_loss, val_acc = loss_and_accuracy(logits_of(model, x_val, eval_mode, eval_batch), y_val)
            seconds = time.perf_counter() - epoch_start
            hooks.end_epoch({"val_loss": val_loss, "val_accuracy": val_acc, "seconds": seconds,
                             **epoch_figures(model, x_val[:PROBE_ROWS], y_val[:PROBE_ROWS], config.batch_size)})
        if status != "completed":
            break
    model.eval()
    evaluation = evaluate(model, data.test_x.to(device), data.test_y.to(device), eval_mode, eval_batch)
    return Run(config, hooks.history, status, message, evaluation, model.cpu(), str(device), hooks.elapsed(),
               trained_on=this_machine(str(device)))


class RunEnded(Exception):
    """Raised by a hook to end the run before its last epoch: how it ended ('stopped', 'diverged') and why."""

    def __init__(self, status: str, message: Phrase):
        super().__init__(str(message))
        self.status, self.message = status, message


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


class StepHooks:
    """What the app adds around the course's step: a stop request, the divergence check, the epoch's tally (loss,
    accuracy, the loss curve within it) and progress at most every progress_interval seconds."""

    def __init__(self, config: RunConfig, rows_per_epoch: int, on_progress, should_stop, progress_interval: float):
        self.config, self.rows_per_epoch = config, rows_per_epoch
        self.on_progress, self.should_stop, self.progress_interval = on_progress, should_stop, progress_interval
        self.keep_graphs = "loss-graph" in config.slips  # the course's `loss_train += loss`
        self.steps = config.epochs * math.ceil(rows_per_epoch / config.batch_size)
        self.step_losses = StepLosses(rows_per_epoch)  # a point every STEP_WINDOW steps
        self.history: list[dict] = []
        self.step = 0
        self.start = self.last_report = time.perf_counter()

    def start_epoch(self, epoch: int, targets: torch.Tensor) -> None:
        """A new epoch whose batches' targets, in order, are `targets`."""
        self.epoch, self.targets, self.loss_sum, self.seen = epoch, targets, 0.0, 0
        self.predicted = torch.empty_like(targets)  # argmax into it: one op a step

    def check_stop(self) -> None:
        """A stop request ends the run before the next step."""
        if self.should_stop is not None and self.should_stop():
            raise RunEnded("stopped", stopped_during(self.epoch + 1))

    def check_divergence(self, loss: torch.Tensor) -> None:
        """A loss that is not finite or above DIVERGED_LOSS ends the run: its step is the last, left out of the tally;
        weights it made non-finite are replaced by the epoch's first (fit)."""
        value = loss.item()
        if not math.isfinite(value) or value > DIVERGED_LOSS:
            raise RunEnded("diverged", divergence_message(value, self.epoch, self.step, self.config.lr))

    def record(self, logits: torch.Tensor, loss: torch.Tensor) -> None:
        """A step's loss and predictions into the epoch's tally; progress when progress_interval has passed."""
        rows = len(logits)
        torch.argmax(logits.detach(), 1, out=self.predicted[self.seen:self.seen + rows])
        self.loss_sum = self.loss_sum + (loss if self.keep_graphs else loss.item()) * rows
        self.seen, self.step = self.seen + rows, self.step + 1
        if self.step % STEP_WINDOW == 0:
            self.step_losses.add(self.epoch, self.loss_sum, self.seen)
        if time.perf_counter() - self.last_report >= self.progress_interval:
            self.report_progress(mean_of(self.loss_sum, self.seen), tuple(self.step_losses.points))

    def end_epoch(self, figures: dict) -> None:
        """The epoch's history row, its tally and `figures` (validation's, the Inside page's); then progress."""
        seen = self.seen
        correct = int((self.predicted[:seen] == self.targets[:seen]).sum())
        self.history.append({"epoch": round(self.epoch + seen / self.rows_per_epoch, 4),
                             "train_loss": mean_of(self.loss_sum, seen), "train_accuracy": percent(correct, seen),
                             **figures, **release_graph(self.loss_sum),  # measured, then freed as the course's reset
                             "step_losses": self.step_losses.take()})  # what the Inside page draws (mnistlab.inside)
        self.report_progress(self.history[-1]["train_loss"], ())

    def report_progress(self, running_loss: float, step_losses: tuple) -> None:
        if self.on_progress is None:
            return
        self.last_report = time.perf_counter()
        elapsed = self.elapsed()
        eta = elapsed / max(self.step, 1) * (self.steps - self.step)  # 0 only once all is done
        self.on_progress(Progress(self.epoch, self.config.epochs, self.step, self.steps, running_loss, elapsed, eta,
                                  tuple(self.history), step_losses))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' → cuda, then mps, then cpu; otherwise the named device."""
    available = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if name == "auto":
        name = next(device for device, there in available.items() if there)
    if not available.get(name, False):
        raise ConfigError("error.config.device_unavailable", name=name)
    return torch.device(name)


def optimizer_for(model: torch.nn.Module, config: RunConfig, device: torch.device) -> torch.optim.Adam:
    """The course's torch.optim.Adam; its fused kernel (one pass over each tensor) where the device has one."""
    try:
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
    except RuntimeError:  # a device without the fused kernel: torch's default implementation
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def check_last_batch(config: RunConfig, rows: int) -> None:
    """Refuse, before any training, a BatchNorm run whose epochs would end on a batch of one row (which BatchNorm cannot
    normalise): said at the start, not after an epoch's wait, with the nearest batch size that works."""
    if config.batchnorm and rows % config.batch_size == 1:
        if rows == 1:  # every batch size leaves that one row
            raise ConfigError("error.config.batchnorm_one_image")
        works = next(size for size in itertools.count(config.batch_size + 1) if rows % size != 1)  # at most `rows`
        raise ConfigError("error.config.batchnorm_last_row", rows=rows, batch_size=config.batch_size, works=works)


def mean_of(loss_sum, seen: int) -> float:
    """The mean loss per sample; loss_sum is a tensor with a graph under the loss-graph slip."""
    return float(torch.as_tensor(loss_sum).detach()) / seen
