"""What the server keeps of each session across a reload, per browser: its values, its lock, its private link.

A reload starts a new Streamlit session with an empty session_state. The URL's ?session=… names the values this server
keeps for the tab; they are given back only to the browser that made them (a link projected or pasted elsewhere says
whose they are and gives nothing). A new tab of the browser on the plain URL joins its latest session: a browser is
one owner however many tabs it opens, for the queue's turns and the owner's caps. Its private link (?restore=…, shown
on Compare) gives them back in any browser, after a restart too, while the server keeps them.
Tabs of one session share its runs and jobs, and change them only under the session's lock.
"""
from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import streamlit as st

from mnistlab import jobs, server_settings

from .language import current, t
from .session_keys import (JOBS, LAST_FINISHED, LESSON_NOTICE, LESSON_PLAN, LESSON_SHOWN, RUNS, SETTINGS, SWEEP_DONE,
                           SWEEP_JOBS, SWEEP_PLAN, SWEEP_SHOWN)

SESSION_PARAM, SESSION_TOKEN, SESSION_LOCK = "session", "session.token", "session.lock"
RESTORE_PARAM, SESSION_BROWSER, SESSION_NOTICE = "restore", "session.browser", "session.notice"
CLEARED_NOTICE = "session.cleared"  # set when this browser's runs from earlier were cleared to make room
KEPT_KEYS = (RUNS, JOBS, SETTINGS, LAST_FINISHED, LESSON_PLAN, LESSON_SHOWN, LESSON_NOTICE, SWEEP_PLAN, SWEEP_JOBS,
             SWEEP_DONE, SWEEP_SHOWN)
SHARED_KEYS = (RUNS, JOBS)  # one object for every tab of the session, changed under its lock; the others are copied
KEEP_FOR = 12 * 3600.0  # seconds a closed or reloaded tab's values stay after its last rerun: a day of lectures
# What the server keeps is bounded by size (server_settings: MNISTLAB_MAX_KEPT_MB for all, MNISTLAB_MAX_BROWSER_MB per
# browser); past the first, the browser holding the most gives up its least recently seen session first.
KEEP_AT_MOST = 1000  # sessions kept, runs or not: their settings are small, but a soak of visitors must not pile up
REMEMBER_CLEARED = 4096  # tokens of cleared sessions remembered, to tell a returning browser why its runs are gone
# Streamlit's XSRF cookie, one token per browser (on by default: server.enableXsrfProtection). Without it no session
# is restored: a reload starts afresh rather than let a URL alone open someone else's runs.
BROWSER_COOKIE = "_streamlit_xsrf"


@dataclass
class Kept:
    """What the server keeps of one session: the browser it belongs to, its lock, when it was last seen, its values,
    and the key of its private link."""
    browser: str | None
    lock: threading.RLock = field(default_factory=threading.RLock)
    seen: float = field(default_factory=time.monotonic)
    values: dict = field(default_factory=dict)
    link_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    runs_seen: int = 0  # how many runs it held when last remembered: more now is growth

    def held_bytes(self) -> int:
        """The server's memory its runs take, the weights its queued runs will keep, and its sweeps."""
        runs = self.values.get(RUNS) or {}
        return (sum(server_settings.kept_run_bytes(run) for run in list(runs.values()))
                + sum(entry.keeps for entry in list(self.values.get(JOBS) or ()) if entry.job.state != jobs.DONE)
                + sum((self.values.get(key) or {}).get("bytes", 0) for key in (SWEEP_DONE, SWEEP_SHOWN)))

    def stop_jobs(self) -> None:
        """No work outlives the session that asked for it: its running and waiting jobs are stopped."""
        for entry in list(self.values.get(JOBS) or ()):
            entry.job.stop()


_kept: dict[str, Kept] = {}  # token → the session's kept values
_links: dict[str, str] = {}  # private link key → token
_cleared: OrderedDict[str, str | None] = OrderedDict()  # token of a session cleared to make room → its browser
_kept_lock = threading.Lock()


def browser_id() -> str | None:
    """A digest of this browser's XSRF token: the same in every tab of one browser, None when there is no cookie.

    The cookie reads 2|mask|token xor mask|time (Tornado's format, kept by Streamlit): the mask changes at each page
    load, the token stays with the browser. Another format is used whole: a reload then starts a fresh session.
    """
    cookie = st.context.cookies.get(BROWSER_COOKIE)
    if not isinstance(cookie, str) or not cookie:  # AppTest's sessions have no cookies
        return None
    token = cookie.encode()
    parts = cookie.split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            mask = masked = b""
        if mask and masked:
            token = bytes(byte ^ mask[i % len(mask)] for i, byte in enumerate(masked))
    return hashlib.sha256(token).hexdigest()


def keep_across_reloads() -> None:
    """Give a new session the kept values its URL names, if this browser made them (or its private link is given);
    on the plain URL, its browser's latest session; else a new token, saying at once why a link found nothing.

    Called first on every rerun: changing page clears the URL's parameters, so the token is written back each time.
    remember_session() keeps the values, after every page run and poll.
    """
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:  # a new session: a first visit, a new tab, a reload, or a link carrying a token
        asked, restore = st.query_params.get(SESSION_PARAM), st.query_params.get(RESTORE_PARAM)
        browser, now = browser_id(), time.monotonic()
        with _kept_lock:
            token, kept, notice = _find_kept(asked, restore, browser)
            if kept is None:
                token = secrets.token_urlsafe(16)
                kept = _kept[token] = Kept(browser)
                _links[kept.link_key] = token
                _forget_stale(now, token)
            kept.seen = now
        with kept.lock:
            restored = {key: value if key in SHARED_KEYS else copy.copy(value) for key, value in kept.values.items()}
        st.session_state.update(restored)
        st.session_state[SESSION_TOKEN], st.session_state[SESSION_LOCK] = token, kept.lock
        st.session_state[SESSION_BROWSER] = browser
        if notice is not None:
            st.session_state[SESSION_NOTICE] = notice
    if RESTORE_PARAM in st.query_params:  # the private link is not left in the address bar, where it could be seen
        del st.query_params[RESTORE_PARAM]
    if st.query_params.get(SESSION_PARAM) != token:
        st.query_params[SESSION_PARAM] = token
    _say_notice()


def _find_kept(asked: str | None, restore: str | None, browser: str | None) -> tuple[str | None, Kept | None,
                                                                                       str | None]:
    """(token, kept values, notice key) for a new session: what its private link, its URL's token or its browser
    names; (None, None, why) when nothing may be given back (caller holds _kept_lock)."""
    if restore:
        token = _links.get(restore)
        if token in _kept:
            kept = _kept[token]
            kept.browser = browser if browser is not None else kept.browser  # the link's owner, in a new browser
            return token, kept, None
        return None, None, "session.link_gone"
    if asked:
        kept = _kept.get(asked)
        if kept is not None and browser is not None and kept.browser == browser:
            return asked, kept, None
        if kept is not None:
            return None, None, "session.other_browser"
        return None, None, CLEARED_NOTICE if asked in _cleared else "session.unknown_link"
    mine = [token for token, kept in _kept.items() if browser is not None and kept.browser == browser]
    if mine:  # a new tab of this browser: its runs are here too
        token = max(mine, key=lambda token: _kept[token].seen)
        return token, _kept[token], ("session.elsewhere" if _kept[token].values.get(RUNS) else None)
    return None, None, None


def _say_notice() -> None:
    """The one line a session's first page says about its link, until the session has runs of its own."""
    notice = st.session_state.get(SESSION_NOTICE) or (CLEARED_NOTICE if st.session_state.get(CLEARED_NOTICE) else None)
    if notice is None:
        return
    if notice == "session.elsewhere":
        st.session_state.pop(SESSION_NOTICE)
        st.toast(t(notice), icon=":material/tab:")
    elif st.session_state.get(RUNS):  # a run of its own: the notice has been read
        st.session_state.pop(SESSION_NOTICE, None)
        st.session_state.pop(CLEARED_NOTICE, None)
    elif notice == CLEARED_NOTICE:
        st.warning(f"{t('session.cleared.1')} {t('session.cleared.2')}", icon=":material/delete_sweep:")
    else:
        st.warning(t(notice), icon=":material/link_off:")


def _forget_stale(now: float, current: str) -> None:
    """Forget the sessions unseen for KEEP_FOR; then, while more than KEEP_AT_MOST sessions or MNISTLAB_MAX_KEPT_MB of
    runs are kept, the least recently seen session of the browser holding the most (sessions, or bytes), remembering
    that its runs were cleared so that its owner is told. Never `current`; a forgotten session's jobs are stopped
    (caller holds _kept_lock)."""
    for stale in [token for token, kept in _kept.items() if now - kept.seen > KEEP_FOR and token != current]:
        _drop(stale, cleared=False)
    try:
        most_bytes = server_settings.from_environment().max_kept_mb * 1_000_000
    except server_settings.SettingsError:
        most_bytes = server_settings.DEFAULT_MAX_KEPT_MB * 1_000_000
    held = {token: kept.held_bytes() for token, kept in _kept.items()}
    while len(_kept) > KEEP_AT_MOST or sum(held.values()) > most_bytes:
        by_count = len(_kept) > KEEP_AT_MOST
        owners: dict = {}
        for token, kept in _kept.items():
            if token != current:
                owners.setdefault(kept.browser or token, []).append(token)
        if not owners:
            break
        largest = max(owners.values(), key=lambda tokens: len(tokens) if by_count else sum(held[t] for t in tokens))
        oldest = min(largest, key=lambda token: _kept[token].seen)
        _drop(oldest, cleared=True)
        held.pop(oldest)


def _drop(token: str, cleared: bool) -> None:
    """Forget a kept session and stop its jobs; when cleared to make room and it held runs, remember it to say so."""
    kept = _kept.pop(token)
    _links.pop(kept.link_key, None)
    kept.stop_jobs()
    if cleared and kept.values.get(RUNS):
        _cleared[token] = kept.browser
        _cleared.move_to_end(token)
        if len(_cleared) > REMEMBER_CLEARED:
            _cleared.popitem(last=False)


def kept_totals() -> tuple[int, int]:
    """(sessions, runs) the server keeps for reloads and closed tabs."""
    with _kept_lock:
        return len(_kept), sum(len(kept.values.get(RUNS, ())) for kept in _kept.values())


def held_by_this_browser() -> int:
    """The bytes of runs (kept and queued) that this session's browser holds in all its sessions."""
    browser, token = st.session_state.get(SESSION_BROWSER), st.session_state.get(SESSION_TOKEN)
    with _kept_lock:
        mine = [kept for key, kept in _kept.items() if key == token or (browser is not None and kept.browser == browser)]
        return sum(kept.held_bytes() for kept in mine)


def private_link() -> str | None:
    """This session's private link (the page's address with ?restore=… and the language), or None before it is kept."""
    with _kept_lock:
        kept = _kept.get(st.session_state.get(SESSION_TOKEN))
        key = None if kept is None else kept.link_key
    if key is None:
        return None
    base = (st.context.url or "").split("?")[0]
    return f"{base}?lang={current()}&{RESTORE_PARAM}={key}"  # it opens in the language it was read in


def private_link_panel() -> None:
    """The private link, folded away (it is a secret: a projector shows what is open), with what it does."""
    link = private_link()
    if link is None:
        return
    with st.expander(t("session.link.title"), icon=":material/key:"):
        st.caption(t("session.link.body"))
        st.code(link, language=None)


def remember_session() -> None:
    """Keep this session's values under its token (runs and jobs are the same objects, so later changes are kept)."""
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:
        return
    with session_lock():
        values = {key: st.session_state[key] for key in KEPT_KEYS if key in st.session_state}
    with _kept_lock:
        kept = _kept.get(token)
        if kept is None:  # cleared (KEEP_AT_MOST, MNISTLAB_MAX_KEPT_MB) while its tab stayed open: kept again
            kept = _kept[token] = Kept(st.session_state.get(SESSION_BROWSER), session_lock())
            _links[kept.link_key] = token
        runs = values.get(RUNS) or {}
        # the runs dict is the tab's own object: its count when last remembered tells growth, not the dict itself
        grew, kept.runs_seen = len(runs) > kept.runs_seen, len(runs)
        kept.seen, kept.values = time.monotonic(), values
        if grew:  # a new run may take the total past MNISTLAB_MAX_KEPT_MB: the largest holder makes room
            _forget_stale(kept.seen, token)


def session_lock() -> threading.RLock:
    """The lock of this session's runs and jobs, shared by its tabs."""
    return st.session_state.setdefault(SESSION_LOCK, threading.RLock())

