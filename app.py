"""mnistlab's Streamlit app: `streamlit run app.py`. The frame every page shares, and the navigation to pages/."""
import streamlit as st

from ui import frame, live, sessions

st.set_page_config(page_title="mnistlab", page_icon="🔢", layout="wide")
page = frame.navigation()
frame.page_style()
sessions.keep_across_reloads()
sessions.collect_finished()
live.status_line(page.title)
st.session_state[frame.IN_APP] = True
try:
    page.run()
finally:  # what the page changed is what a reload must find; st.rerun() and st.stop() end here too
    st.session_state.pop(frame.IN_APP, None)
    sessions.remember_session()
