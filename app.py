"""mnistlab's Streamlit app: `streamlit run app.py`. The frame every page shares, and the navigation to pages/."""
import streamlit as st

from ui import frame, kept_sessions, language, live, sessions

st.set_page_config(page_title="mnistlab", page_icon="🔢", layout="wide")
language.keep_in_url()
page = frame.navigation()
frame.page_style()
language.switch()
kept_sessions.keep_across_reloads()
sessions.collect_finished()
live.status_line(frame.page_name(page))
st.session_state[frame.IN_APP] = True
try:
    page.run()
finally:  # what the page changed is what a reload must find; st.rerun() and st.stop() end here too
    st.session_state.pop(frame.IN_APP, None)
    kept_sessions.remember_session()
