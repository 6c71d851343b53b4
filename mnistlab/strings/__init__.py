"""One table per language: every key in one is in the other (tests/test_i18n.py)."""
