"""The class in the app: the lecturer's key field and switches, the live class board, and a sweep that fills the same
board from one person's runs. The rules themselves (who may change what) are mnistlab.classroom's."""
from __future__ import annotations

import functools

import streamlit as st

from mnistlab import board_plots, classroom
from mnistlab.board import SETTINGS, Point, points_of
from mnistlab.config import ConfigError, RunConfig
from mnistlab.sweep import MAX_SEEDS, MAX_VALUES, RANGES, SweepPlan

from . import caps, session_keys, sessions, sweep_files
from .language import current, labels, message, t
from .widgets import chart

# Seconds between redraws of the board: the projector's at least once every 2 s, as a run's point is due; the
# students' (200 of them on one server) every 2 s, which halves what the board costs the server.
LECTURER_REFRESH, STUDENT_REFRESH = 1.0, 2.0
OWN_SETTING, SWEEP_SETTING = "board.own_setting", "sweep.setting"
SETTING_CHOICES = "[data-testid='stRadio'] label p"  # Streamlit draws a radio's options a size smaller than text
BOARD_HEIGHT = 470  # pixels: the board's figure whole below the title at 1366 × 768
# pixels the lines saying where an opened sweep file comes from take above the figure (three lines in French), so
# that the figure stays whole at 1366 × 768
OPENED_LINES_HEIGHT = 100


def room() -> classroom.Classroom:
    return classroom.default_classroom()


def is_lecturer() -> bool:
    return room().is_lecturer(caps.owner())


def lecturer_panel() -> None:
    """The key field for a student (the key never goes in the URL); the lecturer's switches for the lecturer."""
    if not is_lecturer():
        with st.expander(t("class.lecturer"), icon=":material/key:"):
            with st.form("class.key.form", clear_on_submit=True, border=False):
                entered = st.text_input(t("class.key"), type="password", help=t("class.key.help"))
                if st.form_submit_button(t("class.enter")):
                    if room().admit(caps.owner(), entered):  # a wrong key waits WRONG_KEY_DELAY first
                        st.rerun()
                    st.error(t("class.wrong_key"))
        return
    if classroom.lecturer_key() is None:  # a laptop: the one user is the lecturer, and there is no class to hold
        return
    left, middle, right = st.columns([4, 2, 2], vertical_alignment="center")
    left.markdown(f":material/school: {t('class.you_are_lecturer')}")
    on = middle.toggle(t("class.mode"), value=room().on, help=t("class.mode.help"))
    if on != room().on:
        room().switch(caps.owner(), on)
        st.rerun()
    right.button(t("class.leave"), on_click=room().dismiss, args=(caps.owner(),))


def caps_note() -> None:
    """Class mode's caps, said to a student on the Train page before Start is pressed."""
    if room().on and not is_lecturer():
        st.caption(room().caps.summary(current()))


def setting_picker() -> str:
    """The setting on the board: the lecturer's choice in class mode (students read it), else this session's own."""
    names = labels("board.setting.")
    if room().on:
        if not is_lecturer():
            st.markdown(t("board.setting_is", name=t("board.setting"), value=names(room().setting)))
            return room().setting
        chosen = st.radio(t("board.setting"), SETTINGS, index=SETTINGS.index(room().setting), format_func=names)
        if chosen != room().setting:
            room().pick(caps.owner(), chosen)
        return chosen
    # kept by hand, not by a widget key: a change of language relabels the radio, and Streamlit would reset a keyed one
    chosen = st.radio(t("board.setting"), SETTINGS, index=SETTINGS.index(st.session_state.get(OWN_SETTING, "lr")),
                      format_func=names)
    st.session_state[OWN_SETTING] = chosen
    return chosen


def board() -> None:
    """The board, redrawn live: the class's points in class mode, else this session's own runs; beside it, the
    setting it plots against, the best value, the count, and the lecturer's or the student's buttons."""
    refresh = LECTURER_REFRESH if is_lecturer() else STUDENT_REFRESH
    st.html(f"<style>{SETTING_CHOICES} {{font-size: 1rem;}}</style>")  # the projector's 18 px, as ui/frame's text

    @st.fragment(run_every=refresh)
    def live() -> None:
        room().collect()
        sweep_files.collect_ended()
        figure_column, side = st.columns([3, 1], gap="medium")
        with side:
            setting = setting_picker()
        if room().on:
            _class_board(setting, figure_column, side)
        else:
            _own_board(setting, figure_column, side)

    live()


@functools.lru_cache(maxsize=8)
def _room_figure(board_id: int, version: int, setting: str, lang: str):
    """The class board's figure, built once per change of the board, not at every redraw of every session."""
    return board_plots.board_figure(room().board.points(), setting, lang, height=BOARD_HEIGHT)


@functools.lru_cache(maxsize=64)
def _figure(board_id: int, version: int, setting: str, lang: str, mine: frozenset[int]):
    """The room's figure, with a student's own points over it when they have some."""
    figure = _room_figure(board_id, version, setting, lang)
    if not mine:
        return figure
    return board_plots.highlighted(figure, [p for p in room().board.points() if p.id in mine], setting, lang)


def _class_board(setting: str, figure_column, side) -> None:
    points = room().board.points()
    mine = {} if is_lecturer() else room().board.mine(caps.owner())
    with figure_column:
        if is_lecturer():
            _sweep_status()
        if points:
            chart(_figure(id(room().board), room().board.version, setting, current(), frozenset(mine)),
                  key=f"board-chart-{setting}-{current()}")
        else:
            st.info(t("board.empty.class"))
    with side:
        _best_and_count(points, setting)
        if mine:
            st.markdown(t("board.mine", runs=", ".join(f"**{label}**" for label in mine.values())))
            st.button(t("board.withdraw"), on_click=_withdraw, args=(tuple(mine),), key="board.withdraw")
        if is_lecturer():
            st.button(t("board.clear"), on_click=room().clear, args=(caps.owner(),), key="board.clear",
                      disabled=not points)
            if not sweep_files.running():
                sweep_files.download()
        else:
            st.caption(t("board.read_only"))


def _best_and_count(points: list[Point], setting: str) -> None:
    """Beside a board: its best setting so far and how many points it holds (nothing while it is empty)."""
    if points:
        st.markdown(board_plots.best_line(points, setting, current()))
        st.caption(board_plots.count_line(points, current()))


def _withdraw(point_ids: tuple[int, ...]) -> None:
    for point_id in point_ids:
        room().board.withdraw(point_id, caps.owner())


def own_points() -> list[Point]:
    """This session's completed runs as the board's points."""
    return points_of(sessions.session_runs().values())


def _own_board(setting: str, figure_column, side) -> None:
    """This session's runs; or, while one is open, a sweep file's (said above the figure, with its Close button)."""
    opened = sweep_files.shown()
    points = opened["sweep"].points() if opened else own_points()
    with figure_column:
        _sweep_status()
        if opened:
            sweep_files.describe(opened)
        if points:
            height = BOARD_HEIGHT - OPENED_LINES_HEIGHT if opened else BOARD_HEIGHT
            chart(board_plots.board_figure(points, setting, current(), height=height),
                  key=f"own-board-chart-{setting}-{current()}")
        elif not opened:  # a file of a sweep stopped before any run completed says so itself
            st.info(t("board.empty.own"))
    with side:
        _best_and_count(points, setting)
        if opened:
            sweep_files.close_button()
        if not sweep_files.running():
            sweep_files.download()


def sweep_form(data) -> None:
    """One setting over a range, a few seeds each: its runs queued as this session's (caps and turns as any run)."""
    st.subheader(t("sweep.title"))
    st.markdown(t("sweep.intro"))
    refused = room().refuse_many(caps.owner(), current())
    if refused:
        st.info(refused)
        return
    columns = st.columns([2, 1, 1]) + st.columns(3)
    setting = columns[0].selectbox(t("sweep.setting"), SETTINGS, format_func=labels("board.setting."),
                                   index=SETTINGS.index(st.session_state.get(SWEEP_SETTING, "weight_decay")))
    st.session_state[SWEEP_SETTING] = setting  # by hand, as the board's setting: a keyed one keeps its old words
    lowest, highest, log, whole = RANGES[setting]
    default_low, default_high = {"lr": (1e-4, 1e-1), "weight_decay": (1e-6, 1e-1), "hidden": (16, 1024),
                                 "epochs": (1, 10)}.get(setting, (lowest, highest))
    step = 1.0 if whole else None
    low = columns[1].number_input(t("sweep.low"), value=float(default_low), step=step, format="%g",
                                  key=f"sweep.low.{setting}")
    high = columns[2].number_input(t("sweep.high"), value=float(default_high), step=step, format="%g",
                                   key=f"sweep.high.{setting}")
    values = columns[3].number_input(t("sweep.values"), value=4, step=1, key="sweep.values",
                                     help=f"1–{MAX_VALUES}")
    seeds = columns[4].number_input(t("sweep.seeds"), value=2, step=1, key="sweep.seeds", help=f"1–{MAX_SEEDS}")
    epochs = columns[5].number_input(t("sweep.epochs"), value=3, step=1, key="sweep.epochs")
    try:
        base = RunConfig(epochs=int(epochs))
        plan = SweepPlan(setting, float(low), float(high), int(values), int(seeds), base)
    except ConfigError as error:
        st.error(t("sweep.cannot", error=message(error)))
        return
    configs = plan.configs()
    st.caption(t("sweep.size", runs=len(configs),
                 values=", ".join(board_plots.value_text(v, setting, current()) for v in plan.points())))
    reason = _refused(configs)
    if reason:
        st.warning(reason)
    if st.button(t("sweep.start"), type="primary", disabled=data is None or bool(reason) or bool(sweep_files.running())):
        jobs = [sessions.start_training(config, data) for config in configs]
        st.session_state[session_keys.SWEEP_JOBS] = [job for job in jobs if job is not None]
        st.session_state[session_keys.SWEEP_PLAN] = plan
        st.session_state.pop(session_keys.SWEEP_DONE, None)  # its download was the last sweep's
        st.session_state[OWN_SETTING] = setting  # the board shows what the sweep measures
        st.rerun()


def _refused(configs: list[RunConfig]) -> str | None:
    """The owner's caps over the whole sweep: a sweep cut short by a cap half way would say less than none."""
    return caps.refused_work(configs) if configs else None


def _sweep_status() -> None:
    """The sweep under way: how far, and Stop (its waiting runs are cancelled, the running one ends its epoch)."""
    everything = st.session_state.get(session_keys.SWEEP_JOBS, [])
    running = sweep_files.running()
    if not running:
        return
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.info(t("sweep.running", done=len(everything) - len(running), runs=len(everything)))
    right.button(t("sweep.stop"), on_click=lambda: [job.stop() for job in running], key="sweep.stop")


def sweep_file() -> None:
    """The sweep file uploader; an opened file goes on this visitor's own board (its setting chosen), or below the
    class board in class mode, never onto the class's."""
    if sweep_files.uploader():
        st.session_state[OWN_SETTING] = sweep_files.shown()["sweep"].plan.setting
        st.rerun()  # the board above was drawn before the file was read


def opened_sweep_in_class() -> None:
    """In class mode, a sweep file opened by this visitor: below the class board, for this visitor alone."""
    opened = sweep_files.shown()
    if opened is None or not room().on:
        return
    setting, points = opened["sweep"].plan.setting, opened["sweep"].points()
    st.subheader(t("sweep.shown.title"))
    figure_column, side = st.columns([3, 1], gap="medium")
    with figure_column:
        sweep_files.describe(opened)
        if points:
            chart(board_plots.board_figure(points, setting, current(), height=BOARD_HEIGHT),
                  key=f"opened-sweep-chart-{setting}-{current()}")
    with side:
        st.markdown(t("sweep.shown.yours"))
        if points:
            st.markdown(board_plots.best_line(points, setting, current()))
        sweep_files.close_button()
