"""A class on a real server, played over its websocket: the lecturer enters the key and switches class mode on, N
students each queue one run, the lecturer presses Start; then students try every lecturer's request they can make.

    python tools/class_targets.py [--students 30] [--epochs 5] [--limit 1800] [--data-dir DIR]

Starts `streamlit run app.py` on a free localhost port with a lecturer key, and prints the issue's targets:
- the lecturer's run: its place when Start is pressed, how many students' runs started after the press and before it
  (0: it started when the first worker freed), and how long it waited against one student's run;
- the board: every student's point seen on the projector (a second lecturer tab polling the board every 0.5 s), and
  each point's delay after its run's end as the students' polls saw it (a lap of polls is the resolution);
- a student's requests: the lecturer's widgets' ids (class mode, clear, save a lesson) and the lecturer's session
  token in the URL, refused; the server's memory (RSS) through the class, and a 500-point board's own size.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPOSITORY))

from app_client import AppSession, running_server  # noqa: E402
from mnistlab.board_plots import board_figure  # noqa: E402
from mnistlab.board import BOARD_POINTS, Board  # noqa: E402
from mnistlab.config import RunConfig  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

KEY = "projector-key-for-this-test"
START, EPOCHS = "Start training", "Epochs"
RUNNING = re.compile(r"Training (\d+)\. ")
PLACE = re.compile(r"is (\d+)(?:st|nd|rd|th) in line")
COUNT = re.compile(r"(\d+) runs? on the board")
CLASS_ON = "Every student's finished run is a point"
# A lap polls the students running or this near the front every lap, the others every FULL_EVERY laps: a run's end is
# then seen within one short lap, which bounds how well a point's delay on the board is measured.
NEAR_PLACES, FULL_EVERY = 3, 8


@dataclass
class Outcome:
    """What the class showed; times in seconds from the students' first press."""
    class_on: bool = False
    wrong_key_refused: bool = False
    lecturer_place: int | None = None  # its place in line when Start was pressed (0: running at once)
    overtaking: int = 0  # students' runs that started after the lecturer's press and before the lecturer's run
    lecturer_waited: float | None = None
    worker_freed: float | None = None  # when the student's run in progress at the press ended, after the press
    student_run_seconds: float | None = None  # one student's run, from the ends of consecutive runs
    points_seen: int = 0
    delays: list[float] = field(default_factory=list)  # board point seen − run end seen, in order of ends
    laps: list[float] = field(default_factory=list)  # each round of polls: the resolution of a run's end
    refused: dict[str, bool] = field(default_factory=dict)  # a student's request → refused
    rss: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def text_state(session: AppSession, label: str, value: str) -> WidgetState:
    return WidgetState(id=session.page.widgets[label].id, string_value=value)


def enter_key(session: AppSession, key: str) -> str:
    """Type the key in the board page's field and submit the form; the page's text."""
    session.run(page="board")
    return session.run([text_state(session, "Lecturer key", key),
                        WidgetState(id=session.page.widgets["I am the lecturer"].id, trigger_value=True)]).text()


def board_count(session: AppSession) -> int:
    found = COUNT.search(session.poll().text())
    return int(found.group(1)) if found else 0


def play(url: str, students: int, epochs: int, limit: float, rss=lambda: 0.0) -> Outcome:
    """The class on the server at url (see the module's docstring)."""
    outcome = Outcome()
    lecturer, projector = AppSession(url), AppSession(url)
    for session in (lecturer, projector):
        session.run()
    intruder = AppSession(url)
    intruder.run()
    outcome.wrong_key_refused = "This is not the lecturer's key" in enter_key(intruder, KEY[:-1])
    enter_key(lecturer, KEY)
    outcome.class_on = CLASS_ON in lecturer.run([WidgetState(id=lecturer.page.widgets["Class mode"].id,
                                                             bool_value=True)]).text()
    enter_key(projector, KEY)
    projector.run(page="board")
    outcome.rss["class on"] = rss()

    pupils = [AppSession(url) for _ in range(students)]
    begun = time.monotonic()
    for pupil in pupils:
        pupil.run()
        pupil.press(START, [pupil.number(EPOCHS, epochs)])
    lecturer.run(page="train")
    running_at_press = {i for i, pupil in enumerate(pupils) if RUNNING.search(pupil.poll().text())}
    pressed = time.monotonic()
    text = lecturer.press(START, [lecturer.number(EPOCHS, epochs)]).text()
    place = PLACE.search(text)
    outcome.lecturer_place = int(place.group(1)) if place else (0 if RUNNING.search(text) else None)

    ends: dict[int, float] = {}
    counts: list[float] = []  # when the board's count reached 1, 2, …
    lecturer_started = None
    started_before_lecturer: set[int] = set(running_at_press)
    near: set[int] = set(range(students))  # running or next in line: polled every lap, the others every FULL_EVERY
    laps = 0
    while (len(ends) < students or len(counts) < students) and time.monotonic() - begun < limit:
        lap, laps = time.monotonic(), laps + 1
        if lecturer_started is None:
            shown = lecturer.poll().text()
            if RUNNING.search(shown) or not PLACE.search(shown):  # running, or already ended between two polls
                lecturer_started = time.monotonic()
        for i, pupil in enumerate(pupils):
            if i in ends or (i not in near and laps % FULL_EVERY):
                continue
            shown = pupil.poll().text()
            if RUNNING.search(shown) and lecturer_started is None:
                started_before_lecturer.add(i)
            place = PLACE.search(shown)
            if not RUNNING.search(shown) and not place:
                ends[i] = time.monotonic()
            elif RUNNING.search(shown) or int(place.group(1)) <= NEAR_PLACES:
                near.add(i)
            else:
                near.discard(i)
        count = board_count(projector)
        counts += [time.monotonic()] * (count - len(counts))
        outcome.laps.append(time.monotonic() - lap)
        time.sleep(max(0.0, 0.5 - (time.monotonic() - lap)))
    outcome.overtaking = len(started_before_lecturer - running_at_press)
    outcome.lecturer_waited = None if lecturer_started is None else lecturer_started - pressed
    freed = [ends[i] - pressed for i in running_at_press if i in ends]
    outcome.worker_freed = min(freed) if freed else None
    ended = sorted(ends.values())
    outcome.student_run_seconds = (ended[-1] - ended[0]) / (len(ended) - 1) if len(ended) > 1 else None
    outcome.points_seen = len(counts)
    outcome.delays = [seen - end for seen, end in zip(counts, ended)]
    outcome.rss["runs done"] = rss()
    outcome.refused = student_requests(url, pupils[0], lecturer, projector)
    return outcome


def student_requests(url: str, student: AppSession, lecturer: AppSession, projector: AppSession) -> dict[str, bool]:
    """A student sends what the lecturer's page would: each answer, True when the server refused it."""
    refused = {}
    projector.run(page="board")
    before = board_count(projector)
    lecturer.run(page="board")
    switch, clear = lecturer.page.widgets["Class mode"].id, lecturer.page.widgets["Clear the board"].id
    student.run(page="board")
    student.run([WidgetState(id=switch, bool_value=False), WidgetState(id=clear, trigger_value=True)])
    refused["switch class mode off"] = CLASS_ON in projector.run(page="board").text()
    refused["clear the board"] = board_count(projector) == before > 0
    saved = sorted((REPOSITORY / "runs" / "lessons").glob("*.json"))
    lecturer.run(page="lesson")
    lecturer.press("Show these results")
    save = lecturer.page.widgets.get("Save them in runs/lessons/ for lecture mode")
    student.run(page="lesson")
    student.press("Show these results")
    attempt = [WidgetState(id=save.id, trigger_value=True)] if save else []
    answer = student.run(attempt).text()
    refused["save a lesson"] = save is not None and "Saved as" not in answer and \
        sorted((REPOSITORY / "runs" / "lessons").glob("*.json")) == saved
    # another session's token in a student's URL: a session of its own, neither the lecturer's role nor anyone's runs
    for whose, session in (("the lecturer's session", lecturer), ("another student's runs", student)):
        token = session_token(session)
        impostor = AppSession(url)
        impostor.query_string = f"session={token}"
        impostor.run()
        impostor.run(page="board")
        impostor.run([WidgetState(id=switch, bool_value=False)])
        impostor.run(page="results")
        refused[f"{whose} by its URL"] = token is not None and session_token(impostor) != token and \
            "Run" not in impostor.page.widgets and CLASS_ON in projector.run(page="board").text()
    return refused


def session_token(session: AppSession) -> str | None:
    return dict(part.split("=", 1) for part in session.query_string.split("&") if "=" in part).get("session")


def report(outcome: Outcome, students: int) -> list[str]:
    nan = float("nan")
    worst = max(outcome.delays, default=nan)
    median = sorted(outcome.delays)[len(outcome.delays) // 2] if outcome.delays else nan
    laps = sorted(outcome.laps) or [nan]
    median_lap = laps[len(laps) // 2]
    return [
        f"class mode switched on by the lecturer: {outcome.class_on}; a wrong key refused: {outcome.wrong_key_refused}",
        f"lecturer's run: {outcome.lecturer_place}. in line when pressed, behind {students} queued students' runs; "
        f"{outcome.overtaking} student run(s) started before it; it waited "
        f"{nan if outcome.lecturer_waited is None else outcome.lecturer_waited:.1f} s, the run in progress at the press "
        f"ended {nan if outcome.worker_freed is None else outcome.worker_freed:.1f} s after it (one student's run: "
        f"{outcome.student_run_seconds or nan:.1f} s on average)",
        f"board: {outcome.points_seen}/{students} points seen on the projector; delay after each run's end "
        f"seen: at most {worst:.1f} s, median {median:.1f} s "
        f"(a run's end is seen within one lap of polls: median {median_lap:.1f} s, longest {max(laps):.1f} s)",
        "a student's requests refused: " + ", ".join(f"{what}: {'yes' if ok else 'NO'}"
                                                     for what, ok in outcome.refused.items()),
        "server RSS MB: " + " · ".join(f"{name} {mb:.0f}" for name, mb in outcome.rss.items()),
        f"a 500-point board holds {board_size_kb(500):.0f} kB (tracemalloc), its figure built and written as JSON "
        f"in {figure_ms(500):.0f} ms; the board keeps at most {BOARD_POINTS} points",
        "errors in the server's log: " + ("none" if not outcome.problems else "; ".join(outcome.problems[:10])),
    ]


def figure_ms(points: int) -> float:
    """Milliseconds to build a board's figure of that many points and write it as the JSON a browser receives."""
    board = Board()
    for i in range(points):
        board.add(RunConfig(lr=1e-4 * (1 + i % 50), dropout=(i % 9) / 10), 90.0 + i % 9, f"student {i}")
    start = time.perf_counter()
    board_figure(board.points(), "lr", "fr").to_json()
    return (time.perf_counter() - start) * 1000


def board_size_kb(points: int) -> float:
    tracemalloc.start()
    board = Board()
    for i in range(points):
        board.add(RunConfig(lr=1e-4 * (1 + i % 50)), 90.0 + i % 9, f"student {i}", f"{i}. lr")
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30, help="students (default 30)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per run (default 5)")
    parser.add_argument("--limit", type=float, default=1800, help="seconds before giving up (default 1800)")
    parser.add_argument("--data-dir", default=os.environ.get("MNISTLAB_DATA_DIR") or str(REPOSITORY / "data"),
                        help="data folder holding MNIST (default: $MNISTLAB_DATA_DIR, else the shipped data/)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mnistlab-class-") as scratch, \
            running_server(args.data_dir, Path(scratch) / "server.log", {"MNISTLAB_LECTURER_KEY": KEY}) as server:
        outcome = play(server.url, args.students, args.epochs, args.limit, lambda: server.rss)
        outcome.problems = server.log_problems()
    print("\n".join(report(outcome, args.students)))


if __name__ == "__main__":
    main()
