"""The server's memory as visitors come and go: RSS of a real `streamlit run app.py`, driven by websocket visitors.

    python tools/measure_server.py [--sessions 100] [--runs 4] [--soak 5] [--soak-sessions 40] [--data-dir DIR]

Prints the server's resident memory (MB, /proc/<pid>/status VmRSS) after: its start, the first page (MNIST loaded),
--sessions visitors on the Train page, each of them holding --runs kept runs (uploaded on Results: real run files,
weights and test results, as a trained run is kept), those visitors gone (after Streamlit's disconnectedSessionTTL,
when only the app's own store of closed tabs holds their runs), and --soak rounds of --soak-sessions more visitors
coming with --runs runs each and leaving. Visitors are tools/app_client.AppSession: one websocket each, no browser,
so the figures are the server's alone. Localhost only; the server is started and stopped here.
"""
from __future__ import annotations

import argparse
import os
import copy
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_client import AppSession, running_server  # noqa: E402

UPLOAD_LABEL = "Open a saved run (.zip downloaded from this app)"
DISCONNECTED_TTL = 120  # Streamlit's server.disconnectedSessionTTL default: a closed tab's session lingers this long


def run_files(count: int, data_dir: str) -> list[bytes]:
    """count distinct run .zips of one real 1-epoch MNIST run (each its own creation time, so each is kept)."""
    from mnistlab.config import RunConfig
    from mnistlab.data import load_dataset
    from mnistlab.runs import run_to_zip
    from mnistlab.training import train

    run = train(RunConfig(epochs=1), load_dataset("mnist", data_dir, download=False))
    files = []
    for i in range(count):
        variant = copy.copy(run)
        variant.created = f"2026-01-01T00:00:{i:02d}"
        files.append(run_to_zip(variant))
    return files


def visitor_with_runs(url: str, files: list[bytes]) -> AppSession:
    """A visitor who opens the app, then puts these runs in its session on Results."""
    visitor = AppSession(url)
    visitor.run()
    if files:
        visitor.run(page="results")
        for i, content in enumerate(files):
            page = visitor.upload(UPLOAD_LABEL, f"run-{i}.zip", content)
            if "cannot be opened" in page.text():
                raise RuntimeError(f"the upload was refused: {page.text()}")
    return visitor


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100, help="visitors at once (default 100)")
    parser.add_argument("--runs", type=int, default=4, help="runs each visitor keeps (default 4)")
    parser.add_argument("--soak", type=int, default=5, help="rounds of visitors coming and going (default 5)")
    parser.add_argument("--soak-sessions", type=int, default=40, help="visitors per soak round (default 40)")
    parser.add_argument("--linger", type=float, default=DISCONNECTED_TTL + 15,
                        help="seconds to wait for closed sessions to go (default: Streamlit's TTL + 15)")
    parser.add_argument("--data-dir", default=os.environ.get("MNISTLAB_DATA_DIR") or str(REPOSITORY / "data"),
                        help="data folder holding MNIST (default: $MNISTLAB_DATA_DIR, else the shipped data/)")
    args = parser.parse_args(argv)
    files = run_files(args.runs, args.data_dir)
    stages: list[tuple[str, float]] = []

    with tempfile.TemporaryDirectory(prefix="mnistlab-measure-") as scratch, \
            running_server(args.data_dir, Path(scratch) / "server.log") as server:
        def note(name: str) -> None:
            stages.append((name, server.rss))
            print(f"{name:<52} {server.rss:8.0f} MB", flush=True)

        note("server started (no page yet)")
        first = AppSession(server.url)
        first.run()
        note("first page (Train, MNIST loaded)")
        visitors = [AppSession(server.url) for _ in range(args.sessions - 1)]
        for visitor in visitors:
            visitor.run()
        visitors.append(first)
        note(f"{args.sessions} sessions on the Train page")
        start = time.monotonic()
        for visitor in visitors:
            visitor.run(page="results")
            for i, content in enumerate(files):
                visitor.upload(UPLOAD_LABEL, f"run-{i}.zip", content)
        note(f"{args.sessions} sessions × {args.runs} runs kept ({time.monotonic() - start:.0f} s)")
        for visitor in visitors:
            visitor.close()
        time.sleep(args.linger)
        AppSession(server.url).run()  # a newcomer: the app clears past its bound when a session opens
        note(f"all closed, {args.linger:.0f} s later (+1 newcomer)")
        for round_ in range(1, args.soak + 1):
            leaving = [visitor_with_runs(server.url, files) for _ in range(args.soak_sessions)]
            for visitor in leaving:
                visitor.close()
            note(f"soak round {round_}: {args.soak_sessions} more came with {args.runs} runs, left")
        time.sleep(args.linger)
        AppSession(server.url).run()
        note(f"soak over, {args.linger:.0f} s later (+1 newcomer)")
        problems = server.log_problems()

    by_name = dict(stages)
    names = [name for name, _ in stages]
    sessions_cost = (by_name[names[2]] - by_name[names[1]]) / max(args.sessions - 1, 1)
    runs_cost = (by_name[names[3]] - by_name[names[2]]) / max(args.sessions * args.runs, 1)
    print(f"per session: {sessions_cost:.2f} MB · per kept run: {runs_cost:.2f} MB")
    print(f"soak: {by_name[names[5]]:.0f} → {by_name[names[-2]]:.0f} MB over rounds 1 to {args.soak}")
    print("errors in the server's log: " + ("none" if not problems else "\n  " + "\n  ".join(problems[:20])))


if __name__ == "__main__":
    main()
