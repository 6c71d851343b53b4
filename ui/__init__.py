"""The app's Streamlit glue, one module per concern: data_cache (the data set, the upload panel), sessions (runs and
jobs, kept across a reload), widgets (settings form, shared widgets), live (progress fragments), frame (navigation)."""
