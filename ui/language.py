"""The session's language: ?lang= in the URL (a lecturer's link keeps it), else the browser's, else English."""
from __future__ import annotations

import streamlit as st

from mnistlab import i18n

LANG_PARAM, LANG_KEY = "lang", "language"


def current() -> str:
    """This session's language, chosen once and kept in its state (never process-wide)."""
    lang = st.session_state.get(LANG_KEY)
    if lang is None:
        lang = i18n.language_of(st.query_params.get(LANG_PARAM), st.context.locale)
        st.session_state[LANG_KEY] = lang
    return lang


def t(key: str, **values) -> str:
    """The string `key` in this session's language (mnistlab/strings), with {values} filled in."""
    return i18n.text(current(), key, **values)


def percent(value: float | None, digits: int = 2) -> str:
    """97.26 % / 97,26 % as this session's language writes it."""
    return i18n.percent(value, current(), digits)


def number(value: float | None, digits: int = 2) -> str:
    """A number as this session's language writes it."""
    return i18n.number(value, current(), digits)
