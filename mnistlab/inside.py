"""What a network holds inside, recorded while it trains: each layer's weight norm, its dead ReLU units, BatchNorm's
running statistics, validation accuracy in train and in eval mode, the training loss every few dozen steps; and the
overfitting read-out of a history."""
from __future__ import annotations

import math
import statistics
from contextlib import contextmanager

import torch
from torch.nn import functional as F

from . import i18n
from .evaluation import percent
from .models import MLP, SeededDropout

# The first validation rows: dead units and both modes' accuracy are measured on these, the same rows every epoch.
# 2 000 rather than all 12 000: the train-mode pass runs in the run's own (small) batches, and must cost little.
PROBE_ROWS = 2000
STEP_WINDOW = 25  # training steps per point of the smoothed loss curve: its mean over those steps
# A validation loss counts as risen when it is above its best by more than this share: an epoch's 0.5 % wobble is
# not called overfitting in front of a class.
OVERFIT_RISE = 0.02
# A rise is told from chance only beyond twice the seed-to-seed spread (one run) or twice the standard error of the mean
# (over seeds): the saved lesson's baseline seeds spread their last validation loss by ±5 %, more than OVERFIT_RISE.
NOISE_SIZED = 2


@torch.no_grad()
def hidden_activations(model: MLP, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Each hidden layer's ReLU output and the logits, in eval mode: MLP.forward, layer by layer."""
    was_training = model.training
    model.eval()
    activations, h = [], x.flatten(1)
    for i, linear in enumerate(model.hidden):
        h = linear(h)
        if model.norms:
            h = model.norms[model.norm_index(i)](h)
        h = F.relu(h)
        activations.append(h)
    logits = model.out(h)
    model.train(was_training)
    return activations, logits


@contextmanager
def leaving_no_trace(model: MLP):
    """Run the model in train mode without changing its run: BatchNorm's running statistics and the dropout masks'
    generator are put back after, so that the same seed still trains the same weights."""
    buffers = {name: buffer.clone() for name, buffer in model.named_buffers()}
    generators = [(m.generator, m.generator.get_state()) for m in model.modules()
                  if isinstance(m, SeededDropout) and m.generator is not None]
    was_training = model.training
    try:
        yield
    finally:
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                buffer.copy_(buffers[name])
        for generator, state in generators:
            generator.set_state(state)
        model.train(was_training)


@torch.no_grad()
def epoch_figures(model: MLP, x_probe: torch.Tensor, y_probe: torch.Tensor, batch_size: int) -> dict:
    """One epoch's figures for its history row: weight norms (hidden layers, then the output layer), dead units per
    hidden layer (%, never above 0 on the probe rows), probe accuracy in eval and in train mode (%), and with
    BatchNorm the mean over units of each normalised layer's running mean and running variance."""
    activations, logits = hidden_activations(model, x_probe)
    row = {"weight_norms": [float(linear.weight.norm()) for linear in (*model.hidden, model.out)],
           "dead_units": [percent(int((a.amax(0) <= 0).sum()), a.shape[1]) for a in activations]}
    if model.norms:
        row["bn_running_mean"] = [float(norm.running_mean.mean()) for norm in model.norms]
        row["bn_running_var"] = [float(norm.running_var.mean()) for norm in model.norms]
    rows = len(x_probe) - (1 if model.norms and len(x_probe) % batch_size == 1 else 0)  # BatchNorm needs 2 rows
    row["val_accuracy_eval_probe"] = accuracy(logits[:rows], y_probe[:rows])
    with leaving_no_trace(model):
        model.train()  # dropout on, BatchNorm on each batch's statistics: the course's missing model.eval()
        train_logits = torch.cat([model(chunk) for chunk in x_probe[:rows].split(batch_size)]) if rows else logits[:0]
    row["val_accuracy_train_probe"] = accuracy(train_logits, y_probe[:rows])
    return row


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float | None:
    return percent(int((logits.argmax(1) == y).sum()), len(y)) if len(y) else None


class StepLosses:
    """The training loss every STEP_WINDOW steps, each point the mean over the steps since the last one, from the
    epoch's running sums: [fractional epoch, loss] points, taken once per epoch into its history row."""

    def __init__(self, rows_per_epoch: int):
        self.rows_per_epoch, self.points, self.loss_sum, self.seen = rows_per_epoch, [], 0.0, 0

    def add(self, epoch: int, loss_sum, seen: int) -> None:
        """A point from the epoch's running loss sum (a tensor under the loss-graph slip) and rows seen so far."""
        total = float(torch.as_tensor(loss_sum).detach())
        self.points.append([round(epoch + seen / self.rows_per_epoch, 4), (total - self.loss_sum) / (seen - self.seen)])
        self.loss_sum, self.seen = total, seen

    def take(self) -> list[list[float]]:
        """The epoch's points; the next epoch starts afresh."""
        points, self.points, self.loss_sum, self.seen = self.points, [], 0.0, 0
        return points


def has_figures(history: list[dict]) -> bool:
    """Whether a history was recorded with these figures (runs saved before them were not)."""
    return any("weight_norms" in row for row in history)


def series(history: list[dict], key: str) -> tuple[list[float], list[list[float]]]:
    """The epochs holding `key` and its values there, a list per row (a number becomes a list of one)."""
    rows = [row for row in history if row.get(key) is not None]
    return [row["epoch"] for row in rows], [v if isinstance(v := row[key], list) else [v] for row in rows]


def step_curve(history: list[dict], current: tuple | list = ()) -> list[list[float]]:
    """The smoothed training loss of the finished epochs and of the epoch under way, as [epoch, loss] points."""
    return [point for row in history for point in row.get("step_losses") or ()] + [list(p) for p in current]


def best_epoch(history: list[dict]) -> float | None:
    """The epoch of the lowest validation loss (the first, on a tie); None without a finite one."""
    rows = [row for row in history if math.isfinite(row["val_loss"])]
    return min(rows, key=lambda row: row["val_loss"])["epoch"] if rows else None


def overfitting_epoch(history: list[dict], rise: float = OVERFIT_RISE) -> float | None:
    """The epoch from which the run overfits: the first after the best validation epoch whose validation loss is above
    the best by more than `rise` (a share of it) while its training loss is below the best epoch's. None when none is:
    the best is the last epoch, validation loss stayed within `rise` of it, or training loss rose too (divergence)."""
    best = best_epoch(history)
    if best is None:
        return None
    at_best = next(row for row in history if row["epoch"] == best)
    for row in history:
        if (row["epoch"] > best and row["val_loss"] > at_best["val_loss"] * (1 + rise)
                and row["train_loss"] < at_best["train_loss"]):
            return row["epoch"]
    return None


def overfitting_sentence(history: list[dict], lang: str = "en", spread: tuple[float, int] | None = None) -> str:
    """Whether the run started to overfit and from which epoch, with the numbers that say so; that one run's rise can
    be its seed's (noise-sized where `spread`, this setting's seed-to-seed standard deviation of the validation loss
    at the rise's epoch and its seed count, says so); and the course's own criterion, the gap."""
    best = best_epoch(history)
    if best is None:
        return i18n.text(lang, "inside.overfit.none_yet")
    at_best = next(row for row in history if row["epoch"] == best)
    start = overfitting_epoch(history)
    values = {"best": epoch_text(best, lang), "best_loss": i18n.number(at_best["val_loss"], lang, 4),
              "rise": i18n.percent(100 * OVERFIT_RISE, lang, 0)}
    if start is None:
        last = best == max(row["epoch"] for row in history if math.isfinite(row["val_loss"]))
        said = [i18n.text(lang, "inside.overfit.still_falling" if last else "inside.overfit.no", **values)]
    else:
        row = next(row for row in history if row["epoch"] == start)
        said = [i18n.text(lang, "inside.overfit.yes", start=epoch_text(start, lang),
                          loss=i18n.number(row["val_loss"], lang, 4),
                          above=i18n.percent(100 * (row["val_loss"] / at_best["val_loss"] - 1), lang, 0), **values)]
        rise = row["val_loss"] - at_best["val_loss"]
        if spread is not None and rise < NOISE_SIZED * spread[0]:
            said.append(i18n.text(lang, "inside.overfit.noise_sized", rise=i18n.number(rise, lang, 4),
                                  spread=i18n.number(spread[0], lang, 4), n=spread[1]))
        else:
            said.append(i18n.text(lang, "inside.overfit.one_run"))
    said.append(gap_sentence([history], lang))
    return " ".join(said)


def gap_sentence(histories: list[list[dict]], lang: str = "en") -> str:
    """The course's criterion ("training loss below validation loss: slight overfitting") over these runs' last
    finite epochs: in how many it holds, and the gaps."""
    gaps = [row["val_loss"] - row["train_loss"] for history in histories
            for row in [next((r for r in reversed(history) if math.isfinite(r["val_loss"])
                              and math.isfinite(r["train_loss"])), None)] if row is not None]
    if not gaps:
        return ""
    above = sum(gap > 0 for gap in gaps)
    spread = (i18n.number(min(gaps), lang, 4) if len(gaps) == 1 else
              i18n.text(lang, "inside.overfit.range", low=i18n.number(min(gaps), lang, 4),
                        high=i18n.number(max(gaps), lang, 4)))
    if len(gaps) == 1:
        return i18n.text(lang, "inside.overfit.gap_one" if above else "inside.overfit.no_gap_one", gap=spread)
    return i18n.text(lang, "inside.overfit.gap_seeds", k=above, n=len(gaps), gap=spread)


def overfitting_over_seeds(histories: list[list[dict]], lang: str = "en") -> str:
    """Overfitting judged where it is robust: the mean validation loss over the seeds, whose rise after its best epoch
    counts only beyond NOISE_SIZED standard errors of its last epoch; then the course's criterion over the seeds."""
    histories = [h for h in histories if h and all(math.isfinite(r["val_loss"]) for r in h)]
    epochs = min((len(h) for h in histories), default=0)
    if not epochs:
        return i18n.text(lang, "inside.overfit.none_yet")
    n = len(histories)
    mean = [statistics.fmean(h[e]["val_loss"] for h in histories) for e in range(epochs)]
    best = min(range(epochs), key=mean.__getitem__)
    last = epochs - 1
    values = {"n": n, "best": best + 1, "last": last + 1, "rise": i18n.number(mean[last] - mean[best], lang, 4)}
    if best == last:
        said = i18n.text(lang, "inside.overfit.seeds_falling", **values)
    elif n < 2:
        said = i18n.text(lang, "inside.overfit.seeds_one", **values)
    else:
        error = statistics.stdev(h[last]["val_loss"] for h in histories) / math.sqrt(n)
        risen = mean[last] - mean[best] > NOISE_SIZED * error
        said = i18n.text(lang, "inside.overfit.seeds_rise" if risen else "inside.overfit.seeds_noise",
                         error=i18n.number(error, lang, 4), **values)
    return f"{said} {gap_sentence(histories, lang)}"


def epoch_text(epoch: float, lang: str) -> str:
    return str(int(epoch)) if float(epoch).is_integer() else i18n.number(epoch, lang, 2)
