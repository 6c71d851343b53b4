"""The headless commands: `python -m mnistlab train ...` and `python -m mnistlab course ...`.

torch, torchvision and the modules that need them are imported inside the commands, after the arguments are read:
`--help` and a usage error answer at once rather than after the seconds torch takes to import.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .config import DEFAULT_SEEDS, MAX_SEEDS, PRESETS, SLIPS, ConfigError, RunConfig, check, preset

if TYPE_CHECKING:
    from .lesson.plan import LessonProgress
    from .runs import Run
    from .training import Progress


class UsageError(Exception):
    """A bad command-line argument; the message says the allowed range."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m mnistlab", description="Train the course's MLPs on MNIST without the app.")
    commands = parser.add_subparsers(dest="command", title="commands", parser_class=Parser)
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
    run.add_argument("--save", metavar="DIR", type=path, help="save run.json and weights.pt into DIR")
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of a summary")
    course = commands.add_parser("course", help="the four course variants over several seeds, slips side by side")
    course.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                        help=f"seeds per variant, 1 to {MAX_SEEDS} (default {DEFAULT_SEEDS})")
    course.add_argument("--epochs", type=int, default=5, help="epochs per run (default 5, as the course)")
    course.add_argument("--slip", action="append", default=[], choices=list(SLIPS),
                        help="reproduce a course slip in a 'course' arm beside the corrected one (repeatable)")
    course.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    add_data_arguments(course)
    course.add_argument("--save", metavar="FILE", type=path,
                        help="save the lesson as JSON, e.g. runs/lessons/NAME.json")
    course.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of a table")
    return parser


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=path, help="data folder: the data root (holding MNIST/raw), MNIST/ or the "
                        "folder of the four files (default: $MNISTLAB_DATA_DIR, else the repository's data/)")
    parser.add_argument("--no-download", action="store_true", help="never try to download missing files")


def path(text: str) -> str:
    """A path argument: an empty one is refused rather than taken for no path."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    return text


def kind_of(path_text: str) -> str | None:
    """'folder', 'file' or None (nothing there) for --save; a path that cannot be looked at is a usage error."""
    try:
        target = Path(path_text)
        return "folder" if target.is_dir() else "file" if target.exists() else None
    except OSError as error:  # a name too long, a folder it may not enter
        raise UsageError(f"--save {path_text}: {error.strerror or error}") from error


SETTINGS = ("epochs", "lr", "weight_decay", "dropout", "batchnorm", "batch_size", "val_fraction", "seed", "device",
            "dataset")  # the train options that override the variant's preset, named as RunConfig names them


def config_from(args) -> RunConfig:
    """The variant's preset with the settings given on the command line."""
    changes = {name: getattr(args, name) for name in SETTINGS if getattr(args, name) is not None}
    return preset(args.variant, **changes)


def check_ranges(args) -> None:
    """The settings' ranges (RunConfig's and LessonPlan's rules), checked before torch's import takes seconds."""
    if args.command == "train":
        config_from(args)
    else:
        check([(1 <= args.seeds <= MAX_SEEDS, "error.lesson.seeds", {"most": MAX_SEEDS, "value": args.seeds})],
              ConfigError)
        preset("batchnorm", epochs=args.epochs, slips=tuple(args.slip), device=args.device)


def status_line(text: str) -> None:
    """Redraw the one line of progress on stderr. It is a courtesy: a closed or full stderr must not end the
    training and lose what it did."""
    try:
        print(f"\r{text}", end="", file=sys.stderr, flush=True)
    except OSError:
        pass


def progress_bar(progress: Progress) -> None:
    """A run's epoch, bar, share done, running loss and time left."""
    done = progress.step / progress.steps
    status_line(f"epoch {progress.epoch + 1}/{progress.epochs} [{'#' * int(done * 30):<30}] {done:5.1%} "
                f"loss {progress.running_loss:.4f} eta {progress.eta:4.0f}s")


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


@contextmanager
def stop_on_interrupt() -> Iterator[Callable[[], bool]]:
    """Ctrl-C stops the training as the app's Stop button does: what it did is kept, summarised and saved. A second
    Ctrl-C quits at once. Yields the should_stop to pass to the training."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread receives signals
        yield lambda: False
        return
    asked = threading.Event()

    def on_interrupt(signum, frame):
        if asked.is_set():
            raise SystemExit(130)  # the shell's code for an interrupt, without a traceback
        asked.set()
        print("\nStopping after this batch; Ctrl-C again quits at once.", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield asked.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


def finish(text: str, save: Callable[[], object] | None, what: str, target: str | None) -> bool:
    """Save, print text, then say if saving failed: saved first, so that a closed stdout cannot lose the work, and
    printed either way, so that work which cannot be written is still seen. True when saved (or nothing to save)."""
    failure = None
    if save is not None:
        try:
            save()
        except OSError as error:
            failure = error
    print(text)
    if failure is not None:
        print(f"mnistlab: error: the {what} could not be saved to {target}: {failure}", file=sys.stderr)
    return failure is None


def command_train(args) -> int:
    from .data import load_dataset
    from .runs import save_run
    from .training import resolve_device, train

    config = config_from(args)
    resolve_device(config.device)  # before the data's seconds
    if args.save and kind_of(args.save) == "file":
        raise UsageError(f"--save wants a folder, and {args.save} is a file")
    data = load_dataset(config.dataset, args.data_dir, download=not args.no_download)
    with stop_on_interrupt() as should_stop:
        run = train(config, data, on_progress=None if args.json else progress_bar, should_stop=should_stop)
    if not args.json:
        status_line("\n")
    text = json.dumps(run_json(run)) if args.json else summary(run)
    saved = finish(text, (lambda: save_run(run, args.save)) if args.save else None, "run", args.save)
    return 0 if saved and run.status in ("completed", "stopped") else 1


def run_json(run: Run) -> dict:
    """The run as the saved run.json holds it, without the evaluation's bulk; a whole epoch is written 1, not 1.0."""
    values = {k: v for k, v in run.to_dict().items() if k != "evaluation"}
    values["history"] = [row | {"epoch": _whole(row["epoch"])} for row in values["history"]]
    return values | {"per_class_accuracy": run.evaluation.per_class_accuracy}


def _whole(epoch: float) -> float | int:
    return int(epoch) if float(epoch).is_integer() else epoch


def lesson_progress_bar(progress: LessonProgress) -> None:
    """Which run, the whole lesson's share done."""
    epoch = "" if progress.train is None else f"epoch {progress.train.epoch + 1}/{progress.train.epochs}"
    status_line(f"run {progress.run + 1}/{progress.runs} {progress.variant:<9} {progress.arm:<9} seed {progress.seed} "
                f"{epoch:<11} [{'#' * int(progress.fraction * 30):<30}] {progress.fraction:6.1%}")


def command_course(args) -> int:
    from .data import load_dataset
    from .lesson.files import save_lesson
    from .lesson.plan import LessonPlan, run_lesson
    from .lesson.report import lesson_report
    from .lesson.summary import summarize, variants_json
    from .training import resolve_device

    plan = LessonPlan(args.seeds, args.epochs, tuple(args.slip), args.device)
    resolve_device(plan.device)  # before the data's seconds
    if args.save and kind_of(args.save) == "folder":
        raise UsageError(f"--save wants a file name, and {args.save} is a folder")
    data = load_dataset("mnist", args.data_dir, download=not args.no_download)
    with stop_on_interrupt() as should_stop:
        lesson = run_lesson(plan, data, on_progress=lesson_progress_bar, should_stop=should_stop)
    status_line("\n")
    text = (json.dumps({**variants_json(summarize(lesson)), "trained_on": lesson.trained_on}) if args.json
            else lesson_report(lesson))
    return 0 if finish(text, (lambda: save_lesson(lesson, args.save)) if args.save else None, "lesson",
                       args.save) else 1  # stopped by the user is not a failure, as for train


COMMANDS = {"train": command_train, "course": command_course}


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print(f"mnistlab: error: {error}", file=sys.stderr)
        return 2
    if args.command is None:  # no command: what there is to choose from, as argparse's help lists it
        print(parser.format_help(), end="", file=sys.stderr)
        return 2
    try:
        check_ranges(args)
    except ConfigError as error:
        print(f"mnistlab: error: {error}", file=sys.stderr)
        return 2
    from .data import DataError  # imports torch: after the arguments, so that --help and usage errors answer at once
    from .cpu import leave_cores_to_training

    leave_cores_to_training()
    try:
        return COMMANDS[args.command](args)
    except (UsageError, ConfigError) as error:
        print(f"mnistlab: error: {error}", file=sys.stderr)
        return 2
    except DataError as error:
        print(f"mnistlab: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # outside training (loading data, say), where Ctrl-C has nothing to keep
        print("\nmnistlab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed (| head): the work is saved; silence Python's own flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
