"""A minimal Streamlit client over the websocket protocol, for load tests.

It does what a browser tab does, without drawing anything: fetch the page (so
a cookie-sticky proxy can pin it to one replica), open ``/_stcore/stream``,
ask for a script run of one page with a query string, read the ForwardMsgs
(protobufs shipped in the ``streamlit`` package) until ``script_finished``,
remember the sliders the page drew, then rerun with one slider moved, the way
the frontend reports a widget change (a ``rerun_script`` BackMsg whose
ClientState carries the widget state, and the fragment id when the slider sits
in an ``st.fragment``). Images the run produced are fetched over HTTP as the
browser would.

The client blocks; under Locust's gevent monkey-patching the socket calls
yield, so one process simulates many students.
"""

from __future__ import annotations

import random
import time
import urllib.parse
from dataclasses import dataclass, field

import requests
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

__all__ = ["Slider", "RunResult", "StreamlitClient", "ProtocolError"]

FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class ProtocolError(RuntimeError):
    """The server answered something a healthy page never sends (exception, page not found)."""


@dataclass(frozen=True)
class Slider:
    """A slider or select slider the page drew.

    Parameters
    ----------
    id : str
        Streamlit's widget id.
    label : str
        Its label, for reports.
    values : tuple
        Every value it can take: numbers on its step grid (``st.slider``) or the
        formatted option strings (``st.select_slider``).
    current : object
        The value it shows.
    fragment_id : str
        Non-empty when the slider lives in an ``st.fragment`` (a change reruns
        only that fragment).
    """

    id: str
    label: str
    values: tuple
    current: object
    fragment_id: str = ""


@dataclass
class RunResult:
    """What one script run sent back."""

    seconds: float
    messages: int
    nbytes: int
    media_urls: list[str] = field(default_factory=list)
    status: int = ForwardMsg.FINISHED_SUCCESSFULLY


def _slider_from(element, fragment_id: str) -> Slider | None:
    s = element.slider
    if s.disabled or s.form_id:
        return None
    if s.options:  # st.select_slider: values are the formatted options
        values = tuple(s.options)
        if s.raw_value:
            current = s.raw_value[0]
        else:
            current = values[int(s.value[0] if s.value else s.default[0])]
    else:
        if len(s.default) != 1 or s.step <= 0:
            return None  # range sliders are not moved by the simulated students
        n = int(round((s.max - s.min) / s.step))
        if n > 10_000:
            return None
        is_int = s.data_type == s.INT
        values = tuple((int(round(s.min + i * s.step)) if is_int
                        else round(s.min + i * s.step, 10)) for i in range(n + 1))
        current = s.value[0] if s.value else s.default[0]
    return Slider(s.id, s.label, values, current, fragment_id)


class StreamlitClient:
    """One browser tab on one page of a Streamlit app.

    Parameters
    ----------
    base_url : str
        ``http://host:port`` of the app (or of the proxy in front of it).
    page : str
        URL path of the page without the slash (``"thresholding"``; ``""`` for home).
    query : str
        Query string of the link that opened the tab, without ``?``.
    timeout : float
        Seconds to wait for any one message before giving up.
    fetch_media : bool
        Fetch the images a run produced, as a browser does.
    """

    def __init__(self, base_url: str, page: str = "", query: str = "", *,
                 timeout: float = 60.0, fetch_media: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.page = page
        self.query = query
        self.timeout = timeout
        self.fetch_media = fetch_media
        self.http = requests.Session()
        self.ws: websocket.WebSocket | None = None
        self.page_script_hash = ""
        self.sliders: dict[str, Slider] = {}
        self.widget_states: dict[str, object] = {}
        self.navigation_sections: list[str] = []

    # ------------------------------------------------------------------ connection
    def connect(self) -> RunResult:
        """Load the page over HTTP, open the websocket and run the page once."""
        self.http.get(f"{self.base_url}/{self.page}", timeout=self.timeout).raise_for_status()
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.ws = websocket.create_connection(ws_url, subprotocols=["streamlit"],
                                              cookie=cookie or None, timeout=self.timeout)
        return self._run()

    def close(self) -> None:
        """Close the websocket (the server keeps the session for its disconnect TTL)."""
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        self.http.close()

    # ------------------------------------------------------------------ reruns
    def move_random_slider(self, rng: random.Random) -> tuple[Slider, RunResult]:
        """Move one slider the page shows to another of its values, as a student would."""
        if not self.sliders:
            raise ProtocolError(f"/{self.page} shows no slider to move")
        slider = rng.choice(sorted(self.sliders.values(), key=lambda s: s.id))
        others = [v for v in slider.values if v != slider.current]
        value = rng.choice(others) if others else slider.current
        return slider, self.set_slider(slider, value)

    def set_slider(self, slider: Slider, value) -> RunResult:
        """Rerun with ``slider`` at ``value`` (the fragment only, if it lives in one)."""
        self.widget_states[slider.id] = value
        return self._run(fragment_id=slider.fragment_id)

    def _client_state(self, fragment_id: str):
        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.page_name = self.page if not self.page_script_hash else ""
        state.fragment_id = fragment_id
        for widget_id, value in self.widget_states.items():
            ws = state.widget_states.widgets.add()
            ws.id = widget_id
            if isinstance(value, str):
                ws.string_array_value.data.append(value)
            else:
                ws.double_array_value.data.append(float(value))
        return back

    def _run(self, fragment_id: str = "") -> RunResult:
        assert self.ws is not None, "connect() first"
        start = time.perf_counter()
        self.ws.send_binary(self._client_state(fragment_id).SerializeToString())
        found: dict[str, Slider] = {}
        media: list[str] = []
        messages = nbytes = 0
        while True:
            data = self.ws.recv()
            if isinstance(data, str):
                raise ProtocolError("text frame from the server")
            messages += 1
            nbytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._read_delta(msg.delta, found, media)
            elif kind == "navigation":
                self.page_script_hash = msg.navigation.page_script_hash
                self.navigation_sections = list(msg.navigation.sections)
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                raise ProtocolError(f"page not found: /{self.page}")
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status not in FINISHED_OK:
                    raise ProtocolError(f"script finished with status {status}")
                break
        seconds = time.perf_counter() - start
        if fragment_id:
            self.sliders = {k: s for k, s in self.sliders.items() if s.fragment_id != fragment_id}
            self.sliders.update(found)
        else:
            self.sliders = found
        self.widget_states = {k: v for k, v in self.widget_states.items() if k in self.sliders}
        result = RunResult(seconds, messages, nbytes, media)
        if self.fetch_media:
            self._fetch(media)
        return result

    def _read_delta(self, delta, found: dict[str, Slider], media: list[str]) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise ProtocolError(f"exception on /{self.page}: {element.exception.message[:200]}")
        if kind == "slider":
            slider = _slider_from(element, delta.fragment_id)
            if slider is not None:
                known = self.widget_states.get(slider.id)
                if known is not None:
                    slider = Slider(slider.id, slider.label, slider.values, known,
                                    slider.fragment_id)
                found[slider.id] = slider
        elif kind == "imgs":
            media.extend(img.url for img in element.imgs.imgs if img.url.startswith("/media/"))

    def _fetch(self, urls: list[str]) -> None:
        for url in urls:
            full = self.base_url + urllib.parse.quote(url)
            self.http.get(full, timeout=self.timeout).raise_for_status()
