"""The app's Streamlit glue, one module per concern: data_cache (the data set, the upload panel), sessions (runs and
jobs), kept_sessions (kept across a reload, per browser), caps (the owner's caps for this browser), session_keys (the
names of a session's values), widgets (settings form, shared widgets), live (progress fragments), frame (navigation)."""
