"""The headless commands: `python -m mnistlab train ...` (and the commands later issues add)."""
from __future__ import annotations

import argparse
import json
import sys

from .config import PRESETS, ConfigError, preset
from .data import DataError, load_dataset
from .runs import Run, save_run
from .training import Progress, train


class UsageError(Exception):
    """A bad command-line argument; the message says the allowed range."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m mnistlab", description="Train the course's MLPs on MNIST without the app.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run = commands.add_parser("train", help="train one variant and print its summary")
    run.add_argument("--variant", default="baseline", help=f"course preset: {', '.join(PRESETS)}")
    run.add_argument("--epochs", type=int)
    run.add_argument("--lr", type=float, help="learning rate of Adam")
    run.add_argument("--weight-decay", type=float, help="L2 coefficient (weight_decay of Adam)")
    run.add_argument("--dropout", type=float, help="dropout probability p, 0 for none")
    run.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=None)
    run.add_argument("--batch-size", type=int)
    run.add_argument("--val-fraction", type=float, help="share of the 60k training images kept for validation")
    run.add_argument("--seed", type=int)
    run.add_argument("--device", help="auto, cpu, cuda or mps")
    run.add_argument("--dataset", help="mnist or fashion-mnist")
    add_data_arguments(run)
    run.add_argument("--save", metavar="DIR", help="save run.json and weights.pt into DIR")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of a summary")
    return parser


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data folder (default: $MNISTLAB_DATA_DIR, else ./data)")
    parser.add_argument("--no-download", action="store_true", help="never try to download missing files")


def config_from(args) -> "RunConfig":
    names = {"epochs": "epochs", "lr": "lr", "weight_decay": "weight_decay", "dropout": "dropout",
             "batchnorm": "batchnorm", "batch_size": "batch_size", "val_fraction": "val_fraction",
             "seed": "seed", "device": "device", "dataset": "dataset"}
    changes = {field: getattr(args, arg) for arg, field in names.items() if getattr(args, arg) is not None}
    return preset(args.variant, **changes)


def progress_bar(progress: Progress) -> None:
    """One line on stderr, redrawn in place."""
    done = progress.step / progress.steps
    bar = "#" * int(done * 30)
    print(f"\repoch {progress.epoch + 1}/{progress.epochs} [{bar:<30}] {done:5.1%} "
          f"loss {progress.running_loss:.4f} eta {progress.eta:4.0f}s", end="", file=sys.stderr, flush=True)


def summary(run: Run) -> str:
    """A readable account of a run."""
    lines = [f"{run.config.dataset} | hidden {list(run.config.hidden)} | dropout {run.config.dropout} | "
             f"batchnorm {run.config.batchnorm} | weight_decay {run.config.weight_decay:g} | lr {run.config.lr:g} | "
             f"seed {run.config.seed} | device {run.device}",
             f"{'epoch':>6} {'train loss':>11} {'val loss':>9} {'train acc':>10} {'val acc':>8} {'seconds':>8}"]
    lines += [f"{row['epoch']:>6g} {row['train_loss']:>11.4f} {row['val_loss']:>9.4f} {row['train_accuracy']:>9.2f}% "
              f"{row['val_accuracy']:>7.2f}% {row['seconds']:>8.2f}" for row in run.history]
    lines.append(f"status: {run.status}" + (f" — {run.message}" if run.message else ""))
    lines.append(f"test accuracy: {run.test_accuracy:.2f}%")
    return "\n".join(lines)


def command_train(args) -> int:
    config = config_from(args)
    data = load_dataset(config.dataset, args.data_dir, download=not args.no_download)
    run = train(config, data, on_progress=None if args.json else progress_bar)
    if not args.json:
        print(file=sys.stderr)
    if args.save:
        save_run(run, args.save)
    print(json.dumps({k: v for k, v in run.to_dict().items() if k != "evaluation"} | {
        "per_class_accuracy": run.evaluation.per_class_accuracy}) if args.json else summary(run))
    return 0 if run.status in ("completed", "stopped") else 1


COMMANDS = {"train": command_train}


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError) as error:
        print(f"mnistlab: error: {error}", file=sys.stderr)
        return 2
    except DataError as error:
        print(f"mnistlab: error: {error}", file=sys.stderr)
        return 1
