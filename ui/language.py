"""The session's language: ?lang= in the URL (a lecturer's link keeps it), else the browser's, else English."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from mnistlab import i18n

LANG_PARAM, LANG_KEY, SWITCH_KEY = "lang", "language", "language.switch"


def current() -> str:
    """This session's language, chosen once and kept in its state (never process-wide)."""
    lang = st.session_state.get(LANG_KEY)
    if lang is None:
        lang = i18n.language_of(st.query_params.get(LANG_PARAM), st.context.locale)
        st.session_state[LANG_KEY] = lang
    return lang


def keep_in_url() -> None:
    """Write the session's language into the URL's ?lang= on every rerun: changing page clears the URL's parameters,
    and a link copied from the address bar then opens in the language it was shown in."""
    if st.query_params.get(LANG_PARAM) != current():
        st.query_params[LANG_PARAM] = current()


def switch() -> None:
    """EN | FR at the top right of every page; a click changes this session's language only (its runs stay)."""
    st.session_state[SWITCH_KEY] = current()
    with st.container(key="language-switch"):
        st.segmented_control(t("app.language"), list(i18n.LANGUAGES), key=SWITCH_KEY, required=True,
                             format_func=str.upper, label_visibility="collapsed", on_change=_switched)
        # the page's <html lang> follows (screen readers, hyphenation, the browser's translate offer): Streamlit
        # writes lang="en" whatever the words; here, in a fixed box, the script takes no room on the page
        st.html(f"<script>document.documentElement.lang = {current()!r};</script>", unsafe_allow_javascript=True)
    # over the top bar, left of Streamlit's menu: it takes no height from the page
    st.html("<style>.st-key-language-switch {position: fixed; top: 0.55rem; right: 4.5rem; z-index: 999991; "
            "width: auto;}</style>")


def _switched() -> None:
    st.session_state[LANG_KEY] = st.session_state[SWITCH_KEY]


def t(key: str, **values) -> str:
    """The string `key` in this session's language (mnistlab/strings), with {values} filled in."""
    return i18n.text(current(), key, **values)


def message(error: Exception) -> str:
    """An error's message in this session's language: a keyed error (mnistlab.i18n.KeyedError) is said in it, any
    other as it reads."""
    return error.in_language(current()) if isinstance(error, i18n.KeyedError) else str(error)


def labels(prefix: str) -> Callable[[object], str]:
    """A widget's format_func: an option's words, the key prefix + option, in this session's language.

    The language is read now, not when called: Streamlit may call a format_func outside the session (AppTest does).
    """
    lang = current()
    return lambda option: i18n.text(lang, f"{prefix}{option}")


def compact() -> Callable[[float], str]:
    """A widget's format_func: a setting's value as short as it goes (1e-05, 0.001), with this session's decimal
    mark (the language read now, as labels())."""
    lang = current()
    return lambda value: i18n.short(value, lang)


def percent(value: float | None, digits: int = 2) -> str:
    """97.26 % / 97,26 % as this session's language writes it."""
    return i18n.percent(value, current(), digits)


def number(value: float | None, digits: int = 2) -> str:
    """A number as this session's language writes it."""
    return i18n.number(value, current(), digits)


def count(n: int, noun: str) -> str:
    """'1 epoch', '0 époque' (CLDR's plural rules): noun is a key of count.<noun>.one / .other."""
    return i18n.count(n, noun, current())


def duration(seconds: float | None) -> str:
    """An estimate rounded as one, in this session's language: '40 s', '3 min'."""
    return i18n.duration(seconds, current())
