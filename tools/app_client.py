"""A visitor of the real server without a browser: one Streamlit session over the app's websocket, as the browser's
frontend speaks to it (BackMsg/ForwardMsg protobufs), for tools/measure_server.py and tools/load_test.py.

It asks the health route once for its own XSRF cookie (a browser of its own), opens the websocket, asks for script
runs with the widget values it sets, and reads back what the page drew: widgets by label, alerts' and Markdown's text.
Uploads go through the server's upload route as the frontend's do. Localhost only: these tools start the server they
drive.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests
from websockets.sync.client import connect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import FileUploaderState, FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

ROOT = Path(__file__).resolve().parent.parent
XSRF_COOKIE = "_streamlit_xsrf"
TEXT_ELEMENTS = ("alert", "markdown", "progress")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def rss(self) -> float:
        return rss_mb(self.process.pid)

    def log_problems(self) -> list[str]:
        """Lines of the server's log that report an error."""
        words = ("Traceback", "Error", "Exception", "exception")
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if any(word in line for word in words)]


@contextmanager
def running_server(data_dir: str, log_path: Path, environ: dict[str, str] | None = None) -> Iterator[Server]:
    """`streamlit run app.py` on a free localhost port; always stopped at the end."""
    port = free_port()
    env = {**os.environ, "MNISTLAB_DATA_DIR": data_dir, **(environ or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                    "--server.address", "127.0.0.1", "--server.port", str(port),
                                    "--browser.gatherUsageStats", "false"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited early: see {log_path}")
                try:
                    if requests.get(server.url + "/_stcore/health", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {server.url}: see {log_path}")
                time.sleep(0.5)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Widget:
    kind: str
    id: str
    label: str
    options: list[str] = field(default_factory=list)  # a selectbox's


@dataclass
class Page:
    """What one script run drew."""
    widgets: dict[str, Widget] = field(default_factory=dict)  # by label
    texts: list[tuple[str, str]] = field(default_factory=list)  # (the fragment that drew it, or "", its text)

    def text(self) -> str:
        return " | ".join(text for _, text in self.texts)


class AppSession:
    """One visitor: its own browser cookie and websocket session."""

    def __init__(self, url: str, timeout: float = 120.0):
        self.url, self.timeout = url, timeout
        self.http = requests.Session()
        # the frontend's first request, which sets this browser's XSRF cookie
        self.http.get(url + "/_stcore/health", timeout=timeout).raise_for_status()
        self.xsrf = self.http.cookies.get(XSRF_COOKIE)
        if self.xsrf is None:
            raise RuntimeError("the server set no XSRF cookie (server.enableXsrfProtection off?)")
        host = urllib.parse.urlsplit(url).netloc
        self.opened = ExitStack()  # websockets ≥ 17.1 wants its connection entered as a context, not just made
        self.ws = self.opened.enter_context(connect(
            f"ws://{host}/_stcore/stream", subprotocols=["streamlit", self.xsrf], max_size=None,
            additional_headers={"Cookie": f"{XSRF_COOKIE}={self.xsrf}", "Origin": url}, open_timeout=timeout))
        self.query_string = ""
        self.session_id: str | None = None
        self.pages: dict[str, str] = {}  # page name (url path) → script hash
        self.page_hash = ""
        self.fragments: set[str] = set()  # fragments the server asks to rerun on a timer (run_every)
        self.page = Page()
        self.uploaded: dict[str, str] = {}  # uploader id → URL to delete the file it holds

    def close(self) -> None:
        self.opened.close()

    def run(self, states: list[WidgetState] = (), page: str | None = None, fragment: str = "") -> Page:
        """Ask for a script run (of a fragment, if given) with these widget values; what the run drew."""
        if page is not None:
            self.page_hash = self.pages[page]
        message = BackMsg(rerun_script=ClientState(
            query_string=self.query_string, widget_states=WidgetStates(widgets=list(states)),
            page_script_hash=self.page_hash, fragment_id=fragment, is_auto_rerun=bool(fragment)))
        self.ws.send(message.SerializeToString())
        if fragment:  # a fragment's run redraws what it drew before
            drawn = Page(self.page.widgets, [(f, text) for f, text in self.page.texts if f != fragment])
        else:  # a full run draws the page anew and registers its fragments anew
            drawn, self.fragments = Page(), set()
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(self.ws.recv(timeout=self.timeout))
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.session_id = msg.new_session.initialize.session_id or self.session_id
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
                self.pages.update({p.url_pathname or p.page_name: p.page_script_hash
                                   for p in msg.new_session.app_pages})
            elif kind == "navigation":
                self.pages.update({p.url_pathname or p.page_name: p.page_script_hash
                                   for p in msg.navigation.app_pages})
                self.page_hash = msg.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.fragments.add(msg.auto_rerun.fragment_id)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._record(msg.delta.new_element, msg.delta.fragment_id, drawn)
            elif kind == "script_finished":
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.page = drawn
                    return drawn
                drawn, self.fragments = Page(), set()  # st.rerun(): the next run draws the page anew

    @staticmethod
    def _record(element, fragment: str, drawn: Page) -> None:
        kind = element.WhichOneof("type")
        inner = getattr(element, kind)
        if kind in TEXT_ELEMENTS:
            drawn.texts.append((fragment, getattr(inner, "body", None) or getattr(inner, "text", "")))
        elif hasattr(inner, "id") and hasattr(inner, "label") and inner.id:
            drawn.widgets[inner.label] = Widget(kind, inner.id, inner.label, list(getattr(inner, "options", [])))

    def poll(self) -> Page:
        """What a browser's timers do: rerun the fragments that asked for it (the live progress), else the page."""
        for fragment in list(self.fragments):
            self.run(fragment=fragment)
        return self.page if self.fragments else self.run()

    def press(self, label: str, also: list[WidgetState] = ()) -> Page:
        return self.run([*also, WidgetState(id=self.page.widgets[label].id, trigger_value=True)])

    def number(self, label: str, value: int) -> WidgetState:
        return WidgetState(id=self.page.widgets[label].id, int_value=value)

    def upload(self, label: str, name: str, content: bytes) -> Page:
        """Put one file in a one-file uploader, as the frontend does: delete the file it held, ask for an upload URL,
        PUT the file, rerun."""
        uploader = self.page.widgets[label]
        if uploader.id in self.uploaded:
            self.http.delete(self._absolute(self.uploaded.pop(uploader.id)), headers={"X-Xsrftoken": self.xsrf},
                             timeout=self.timeout).raise_for_status()
        request = BackMsg(file_urls_request={"request_id": name, "file_names": [name], "session_id": self.session_id})
        self.ws.send(request.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(self.ws.recv(timeout=self.timeout))
            if msg.WhichOneof("type") == "file_urls_response":
                urls = msg.file_urls_response.file_urls[0]
                break
        response = self.http.put(self._absolute(urls.upload_url), files={"file": (name, content)},
                                 headers={"X-Xsrftoken": self.xsrf}, timeout=self.timeout)
        response.raise_for_status()
        info = UploadedFileInfo(name=name, size=len(content), file_id=urls.file_id,
                                file_urls=FileURLs(file_id=urls.file_id, upload_url=urls.upload_url,
                                                   delete_url=urls.delete_url))
        state = WidgetState(id=uploader.id, file_uploader_state_value=FileUploaderState(uploaded_file_info=[info]))
        self.uploaded[uploader.id] = urls.delete_url
        return self.run([state])

    def _absolute(self, url: str) -> str:
        return url if url.startswith("http") else self.url + url
