"""A class pressing Start together: N visitors of a real server each queue runs at once, and what they see.

    python tools/load_test.py [--sessions 30] [--runs 2] [--epochs 1] [--poll 2] [--limit 1200] [--data-dir DIR]
                              [--one-run-seconds S]

Starts `streamlit run app.py` on a free localhost port and opens --sessions visitors (tools/app_client.AppSession: one
websocket each, no browser). In --runs rounds, every visitor sets Epochs to --epochs and presses Start training (real
app runs on MNIST). Then each polls as a browser tab does (its live fragment, every --poll seconds; a browser polls
every 0.5 s) until every run has finished or --limit seconds have passed; a visitor whose runs have all ended polls no
more, as a page with nothing live sends nothing. Reports: every run finished; the order fair
(the places the page shows, and the order runs finished in: no visitor's run k+1 before every visitor's run k);
the server's RSS (start, first page, peak, end); errors in the server's log.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPOSITORY))

from app_client import AppSession, running_server  # noqa: E402

START, EPOCHS = "Start training", "Epochs"
PLACE = re.compile(r"\*\*(\d+)\. [^*]+\*\* is (\d+)(?:st|nd|rd|th) in line")
RUNNING = re.compile(r"Training (\d+)\. ")


def states(page_text: str) -> dict[int, str]:
    """Run number → 'waiting N' or 'running', for the session's jobs on its Train page."""
    found = {int(n): f"waiting {place}" for n, place in PLACE.findall(page_text)}
    found.update({int(n): "running" for n in RUNNING.findall(page_text)})
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30, help="visitors (default 30)")
    parser.add_argument("--runs", type=int, default=2, help="runs each visitor queues, one per round (default 2)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per run (default 1)")
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between a visitor's polls (default 2)")
    parser.add_argument("--limit", type=float, default=1200, help="seconds before giving up (default 1200)")
    parser.add_argument("--one-run-seconds", type=float, default=None,
                        help="one run's seconds alone (tools/measure_workers.py passes it): the last result is then "
                             "set against total compute ÷ K, K the server's workers (this machine's usable cores)")
    parser.add_argument("--data-dir", default=os.environ.get("MNISTLAB_DATA_DIR") or str(REPOSITORY / "data"),
                        help="data folder holding MNIST (default: $MNISTLAB_DATA_DIR, else the shipped data/)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="mnistlab-load-") as scratch, \
            running_server(args.data_dir, Path(scratch) / "server.log") as server:
        rss = {"start": server.rss}
        visitors = [AppSession(server.url) for _ in range(args.sessions)]
        visitors[0].run()
        rss["first page"] = server.rss
        for visitor in visitors[1:]:
            visitor.run()
        rss["sessions open"] = server.rss
        begun = time.monotonic()
        for _ in range(args.runs):  # round by round, every visitor presses Start
            for visitor in visitors:
                visitor.press(START, [visitor.number(EPOCHS, args.epochs)])
        pressed = time.monotonic() - begun
        places = [states(visitor.poll().text()) for visitor in visitors]  # one snapshot, as close in time as can be
        finished: dict[tuple[int, int], float] = {}  # (visitor, run number) → when its end was first seen
        peak, longest_lap = server.rss, 0.0
        while len(finished) < args.sessions * args.runs and time.monotonic() - begun < args.limit:
            lap = time.monotonic()
            for i, visitor in enumerate(visitors):
                if all((i, run) in finished for run in range(1, args.runs + 1)):
                    continue  # its page has nothing live: a browser sends nothing more
                shown = states(visitor.poll().text())
                for run in range(1, args.runs + 1):
                    if run not in shown and (i, run) not in finished:
                        finished[(i, run)] = time.monotonic() - begun
            peak, longest_lap = max(peak, server.rss), max(longest_lap, time.monotonic() - lap)
            time.sleep(max(0.0, args.poll - (time.monotonic() - lap)))
        elapsed = time.monotonic() - begun
        kept = []
        for visitor in visitors:
            page = visitor.run(page="results")
            picker = page.widgets.get("Run")
            kept.append(picker.options if picker else [])
            if "completed" not in page.text():
                kept[-1] = kept[-1] + ["(last run not completed)"]
        rss["peak"], rss["end"] = peak, server.rss
        problems = server.log_problems()

    total = args.sessions * args.runs
    all_kept = sum(len(options) == args.runs and not any("not completed" in o for o in options) for options in kept)
    print(f"{args.sessions} sessions × {args.runs} runs of {args.epochs} epoch(s): all pressed in {pressed:.0f} s, "
          f"{len(finished)}/{total} finished in {elapsed:.0f} s ({elapsed / max(len(finished), 1):.1f} s per run)")
    print(f"sessions holding all their runs, last one completed: {all_kept}/{args.sessions}")
    if args.one_run_seconds:
        from mnistlab.engine import worker_count
        compute = args.one_run_seconds * total / worker_count()
        print(f"last result after {max(finished.values(), default=elapsed):.0f} s vs total compute ÷ K "
              f"{compute:.0f} s (K = {worker_count()}) → ×{max(finished.values(), default=elapsed) / compute:.2f} "
              "(target ≤ 1.2)")
    # Places shown once every run was queued: each run k waits behind every visitor's run k-1 still waiting.
    by_round = {run: [int(s.split()[1]) for p in places for n, s in p.items() if n == run and s.startswith("waiting")]
                for run in range(1, args.runs + 1)}
    fair_places = all(max(by_round[k], default=0) < min(by_round[k + 1], default=10**9) for k in range(1, args.runs))
    print("places shown after queueing: " + ", ".join(
        f"run {k}: {min(v, default='-')}–{max(v, default='-')}" for k, v in by_round.items()) +
          f" → {'fair' if fair_places else 'NOT fair'}")
    ends = {k: [t for (_, run), t in finished.items() if run == k] for k in range(1, args.runs + 1)}
    # A run's end is seen at its visitor's next poll: a round of polls (longest_lap) is the resolution.
    resolution = max(longest_lap, args.poll)
    overtaken = sum(t < max(ends[k], default=0) - resolution for k in range(1, args.runs) for t in ends[k + 1])
    print(f"finishing order: {overtaken} run(s) seen finished before the previous round's last, by more than the "
          f"polls' resolution ({resolution:.1f} s) → {'fair' if overtaken == 0 else 'NOT fair'}")
    print("server RSS MB: " + " · ".join(f"{name} {mb:.0f}" for name, mb in rss.items()))
    print("errors in the server's log: " + ("none" if not problems else "\n  " + "\n  ".join(problems[:20])))


if __name__ == "__main__":
    main()
