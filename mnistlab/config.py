"""A run's whole configuration, validated, and the course's four presets."""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

from .i18n import KeyedError, short, text

DATASETS = ("mnist", "fashion-mnist")
IN_FEATURES, CLASSES = 28 * 28, 10  # both data sets: 28 × 28 grey images, 10 classes
# Training keeps 16 bytes per weight (the weight, its gradient, Adam's two moments): 400 MB at this limit, so that one
# run cannot take a shared server's memory. The course's MLP has 0.27 million, 4096 × 4096 hidden layers 20 million.
MAX_WEIGHTS = 25_000_000
# A plain ReLU MLP stops learning well before this depth at the course's init and lr (BENCHMARKS.md, "Limits"), so
# deeper shows nothing more, and a typo cannot make 500.
MAX_HIDDEN_LAYERS = 32
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_SEEDS = 10  # seeds per variant of a lesson: 4 variants × 10 seeds × 2 arms is already 80 runs
# A lesson's default seeds per variant: 4 is the fewest with which the exact test can reach 1 in 20 at all (only
# complete separation: 1 in 35); 5 also allows one overlapping seed (1 in 63), so that an effect a few seed-spreads
# large, as Dropout's, is called real in far more lessons (BENCHMARKS.md, "Limits").
DEFAULT_SEEDS = 5
# The course's slips, reproducible on purpose (see mnistlab.training and mnistlab.models).
SLIPS = {
    "no-eval": "validate and test without model.eval(): dropout stays on, BatchNorm uses batch statistics",
    "shared-bn": "one BatchNorm layer (bn1) applied to both hidden layers",
    "loss-graph": "sum the loss tensors (loss_train += loss) instead of their values: a chain of autograd nodes, "
                  "a dozen per batch, stays alive until the epoch ends",
}


class ConfigError(KeyedError, ValueError):
    """A setting outside its allowed range; the message (a key of mnistlab/strings) says the range."""


def check(conditions: list[tuple], error: type[Exception] = ValueError) -> None:
    """Raise error with the message of the first condition that does not hold: (holds, message) or, for a
    KeyedError, (holds, key, values)."""
    for holds, message, *values in conditions:
        if not holds:
            raise error(message, **(values[0] if values else {}))


def is_number(value) -> bool:
    """A number as JSON gives it: an int or a float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one training run; saved with its results and weights."""

    dataset: str = "mnist"
    hidden: tuple[int, ...] = (256, 256)
    dropout: float = 0.0
    batchnorm: bool = False
    weight_decay: float = 0.0
    lr: float = 1e-3
    epochs: int = 5
    batch_size: int = 64
    val_fraction: float = 0.2
    seed: int = 0
    device: str = "auto"
    slips: tuple[str, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "slips", tuple(sorted(set(self.slips))))
        many = len(self.hidden) > MAX_HIDDEN_LAYERS  # a typo's 500 layers are counted, not listed
        checks = [
            (self.dataset in DATASETS, "error.config.dataset", {"choices": ", ".join(DATASETS), "value": self.dataset}),
            (1 <= len(self.hidden) <= MAX_HIDDEN_LAYERS and all(1 <= h <= 4096 for h in self.hidden),
             "error.config.hidden_count" if many else "error.config.hidden",
             {"most": MAX_HIDDEN_LAYERS, "value": len(self.hidden) if many else list(self.hidden)}),
            (0.0 <= self.dropout < 1.0, "error.config.dropout", {"value": self.dropout}),
            (0.0 <= self.weight_decay <= 1.0, "error.config.weight_decay", {"value": self.weight_decay}),
            (0.0 < self.lr <= 10.0, "error.config.lr", {"value": self.lr}),
            (isinstance(self.epochs, int) and 1 <= self.epochs <= 100, "error.config.epochs", {"value": self.epochs}),
            (isinstance(self.batch_size, int) and 1 <= self.batch_size <= 8192, "error.config.batch_size",
             {"value": self.batch_size}),
            (0.0 < self.val_fraction < 1.0, "error.config.val_fraction", {"value": self.val_fraction}),
            (isinstance(self.seed, int) and 0 <= self.seed < 2**63, "error.config.seed", {"value": self.seed}),
            (self.device in DEVICES, "error.config.device", {"choices": ", ".join(DEVICES), "value": self.device}),
            (set(self.slips) <= set(SLIPS), "error.config.slips",
             {"choices": ", ".join(SLIPS), "value": list(self.slips)}),
            ("shared-bn" not in self.slips or (self.batchnorm and len(set(self.hidden)) == 1),
             "error.config.shared_bn", {}),
            (self.weights <= MAX_WEIGHTS, "error.config.weights",
             {"sizes": ", ".join(map(str, self.hidden)), "millions": self.weights / 1e6,
              "most": MAX_WEIGHTS // 1_000_000}),
            (not self.batchnorm or self.batch_size != 1, "error.config.batchnorm_batch", {}),
        ]
        check(checks, ConfigError)

    @property
    def weights(self) -> int:
        """How many weights and biases the MLP's linear layers hold."""
        sizes = (IN_FEATURES, *self.hidden, CLASSES)
        return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

    def replace(self, **changes) -> "RunConfig":
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "hidden": list(self.hidden), "slips": list(self.slips)}

    @classmethod
    def from_dict(cls, values: dict) -> "RunConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError("error.config.unknown", names=", ".join(sorted(unknown)))
        return cls(**values)


# The course's settings: Adam lr 1e-3, batch 64, 5 epochs, split 0.8/0.2, and one change each.
PRESETS = {
    "baseline": {},
    "l2": {"weight_decay": 1e-5},
    "dropout": {"dropout": 0.2},
    "batchnorm": {"batchnorm": True},
}


def preset(name: str, **changes) -> RunConfig:
    """The course's config for a variant, with optional changes."""
    if name not in PRESETS:
        raise ConfigError("error.config.variant", choices=", ".join(PRESETS), value=name)
    return RunConfig(**{**PRESETS[name], **changes})


# Settings named in a run's label when they differ from the course baseline (dataset, device last).
LABEL_FIELDS = ("hidden", "weight_decay", "dropout", "batchnorm", "lr", "epochs", "batch_size", "val_fraction",
                "seed", "slips", "dataset")


def describe(config: RunConfig, lang: str = "en") -> str:
    """A short name for a config: what it changes from the course's baseline ('baseline' when nothing), in lang."""
    base = RunConfig()
    parts = []
    changed = [name for name in LABEL_FIELDS if getattr(config, name) != getattr(base, name)]
    for name in changed:
        value = getattr(config, name)
        if name == "batchnorm":
            parts.append("BatchNorm" if value else text(lang, "describe.no_batchnorm"))
        elif name == "weight_decay":
            parts.append(f"L2 {short(value, lang)}")
        elif name == "hidden":
            parts.append(text(lang, "describe.hidden", sizes=layer_sizes(value)))
        elif name == "slips":
            parts.append(text(lang, "describe.slips", slips="-".join(value) or text(lang, "describe.none")))
        elif name == "dataset":
            parts.append(value)
        else:
            shown = short(value, lang) if isinstance(value, float) else value
            parts.append(f"{text(lang, 'describe.' + name)} {shown}")
    if changed == ["seed"]:  # 'baseline, seed 1': a seed alone would not say which variant it trained
        parts.insert(0, text(lang, "describe.baseline"))
    return ", ".join(parts) or text(lang, "describe.baseline")


def layer_sizes(hidden: tuple[int, ...]) -> str:
    """Hidden sizes joined by '-', three or more equal ones in a row as 'size×count': (256,) * 8 + (10,) is 256×8-10."""
    runs = [(size, len(list(group))) for size, group in itertools.groupby(hidden)]
    return "-".join(f"{size}×{count}" if count >= 3 else "-".join([str(size)] * count) for size, count in runs)
