"""The HTTP requests the app's page makes, as Gradio's JS client in Chromium sends them (httpx, asyncio).

Checked against a real page (Chromium, Playwright logging every request; tests/test_class_benchmarks.py
does it again): the page reads its config inlined in GET / (window.gradio_config); runs its load events
through the queue (POST /gradio_api/queue/join?lang=en, then GET /gradio_api/queue/data?session_hash=... as
server-sent events until each completes); the pad's change event (queue=False) is
    POST /gradio_api/run/predict?lang=en
    {"data": [PAD_JSON_TEXT], "fn_index": N, "trigger_id": ID, "session_hash": "..."}
(Gradio's client sends the page's own query string with each call; the app's page always has ?lang=.)
with the header x-gradio-user: app (no event_data key: the JS client leaves it undefined); and a keypad tap
joins the queue with event_data {"digit": d}, after which the pad is cleared ("" through /predict).
Session hashes are what the JS client makes: Math.random().toString(36).substring(2), 10-11 characters.

Not gradio_client: it adds ~40 ms per call and other requests than the page's.
"""
import json
import random
import re
import string
import time
from dataclasses import dataclass, field

import httpx

API = "/gradio_api"
HEADERS = {"x-gradio-user": "app", "content-type": "application/json"}
CONFIG_IN_PAGE = re.compile(r"window\.gradio_config\s*=\s*(\{.*?\});\s*</script>", re.S)


def session_hash(rng=random):
    """A session hash like the JS client's (base 36, 11 characters)."""
    return "".join(rng.choice(string.digits + string.ascii_lowercase) for _ in range(11))


def config_from_page(html):
    """The config the page's HTML carries (window.gradio_config), as a dict."""
    found = CONFIG_IN_PAGE.search(html)
    if not found:
        raise ValueError("no window.gradio_config in the page")
    return json.loads(found.group(1))


@dataclass
class PageEvents:
    """The page's events, found in an app's config (fn_index = the dependency's id)."""

    predict_fn: int = None  # the pad's change -> /predict, queue=False
    predict_trigger: int = None  # the pad's component id
    load: list = field(default_factory=list)  # [(fn_index, trigger_id)] of the page's load events with a backend
    keypad_fn: int = None  # a tap on the keypad (#keypad click), queued; None when the app has no keypad
    keypad_trigger: int = None
    relay_fn: int = None  # the inside view's relay (hidden textbox change), queued, fired once at the first stroke
    relay_trigger: int = None
    relay_inputs: int = 0

    @classmethod
    def from_config(cls, config):
        components = {component["id"]: component for component in config["components"]}
        elem_ids = {component["id"]: component.get("props", {}).get("elem_id") for component in config["components"]}
        events = cls()
        for dependency in config["dependencies"]:
            targets = [tuple(target) for target in dependency["targets"]]
            if dependency.get("api_name") == "predict":
                events.predict_fn, events.predict_trigger = dependency["id"], targets[0][0]
            if not dependency.get("backend_fn"):
                continue
            for target_id, trigger in targets:
                if trigger == "load":
                    events.load.append((dependency["id"], target_id))
                elif trigger == "click" and elem_ids.get(target_id) == "keypad":
                    events.keypad_fn, events.keypad_trigger = dependency["id"], target_id
                elif (trigger == "change" and events.relay_fn is None
                      and components.get(target_id, {}).get("type") == "textbox"
                      and components[target_id].get("props", {}).get("visible") is False
                      and "why-not" in [elem_ids.get(i) for i in dependency["inputs"]]):
                    events.relay_fn, events.relay_trigger = dependency["id"], target_id
                    events.relay_inputs = len(dependency["inputs"])
        if events.predict_fn is None:
            raise ValueError("the app has no event with api_name 'predict'")
        return events


class Counters:
    """Requests and failures of one load, by kind."""

    def __init__(self):
        self.requests = 0
        self.failures = []  # (kind, what)

    def fail(self, kind, what):
        self.failures.append((kind, str(what)[:200]))

    @property
    def errors(self):
        return len(self.failures)

    def summary(self):
        kinds = {}
        for kind, _ in self.failures:
            kinds[kind] = kinds.get(kind, 0) + 1
        return ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())) or "none"


class PageSession:
    """One browser tab: its own session hash and its own HTTP connection (an httpx.AsyncClient)."""

    def __init__(self, url, events=None, rng=random, timeout=30.0, counters=None, query="?lang=en"):
        self.url = url.rstrip("/")
        self.query = query  # the page's query string, which the page sends with every call
        self.events = events
        self.session_hash = session_hash(rng)
        self.counters = counters or Counters()
        self.client = httpx.AsyncClient(base_url=self.url, timeout=timeout,
                                        limits=httpx.Limits(max_connections=2, max_keepalive_connections=2))

    async def close(self):
        await self.client.aclose()

    async def open_page(self, theme=True):
        """GET / (the config comes inlined) and the theme's CSS, as the page does (static assets: cached)."""
        response = await self.client.get("/")
        self.counters.requests += 1
        response.raise_for_status()
        config = config_from_page(response.text)
        self.events = PageEvents.from_config(config)
        if theme and config.get("theme_hash"):  # the page's script loads it: /theme.css?v=HASH
            theme_response = await self.client.get("/theme.css", params={"v": config["theme_hash"]})
            self.counters.requests += 1
            theme_response.raise_for_status()
        return config

    async def predict(self, pad_text):
        """POST /gradio_api/run/predict as the page sends it -> (status, seconds, the response's JSON or None).
        An answer other than 200 is counted as a failure."""
        body = {"data": [pad_text], "fn_index": self.events.predict_fn, "trigger_id": self.events.predict_trigger,
                "session_hash": self.session_hash}
        started = time.perf_counter()
        response = await self.client.post(f"{API}/run/predict{self.query}", content=json.dumps(body), headers=HEADERS)
        seconds = time.perf_counter() - started
        self.counters.requests += 1
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code != 200:
            error = answer.get("error") if isinstance(answer, dict) else answer
            self.counters.fail(f"HTTP {response.status_code}", error)
        return response.status_code, seconds, answer

    async def join(self, fn_index, trigger_id, data, event_data=None):
        """POST /gradio_api/queue/join -> the event id."""
        body = {"data": data, "event_data": event_data, "fn_index": fn_index, "trigger_id": trigger_id,
                "session_hash": self.session_hash}
        response = await self.client.post(f"{API}/queue/join{self.query}", content=json.dumps(body), headers=HEADERS)
        self.counters.requests += 1
        response.raise_for_status()
        return response.json()["event_id"]

    async def queued(self, calls):
        """Join the queue for each (fn_index, trigger_id, data, event_data) and read the session's event
        stream until every one completed -> {event_id: process_completed message}. Failures are counted."""
        event_ids = [await self.join(*call) for call in calls]
        waiting, results = set(event_ids), {}
        async with self.client.stream("GET", f"{API}/queue/data", params={"session_hash": self.session_hash},
                                      headers={"accept": "text/event-stream", "content-type": "application/json"}) as stream:
            self.counters.requests += 1
            stream.raise_for_status()
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed" and message.get("event_id") in waiting:
                    waiting.discard(message["event_id"])
                    results[message["event_id"]] = message
                    if not message.get("success", False):
                        self.counters.fail("queued event failed", message.get("output"))
                if message.get("msg") == "close_stream" or not waiting:
                    break
        for event_id in waiting:
            self.counters.fail("queued event never completed", event_id)
        return results

    async def load_events(self):
        """The page's load events, through the queue, as the page runs them after GET /."""
        if self.events.load:
            await self.queued([(fn_index, trigger_id, [], None) for fn_index, trigger_id in self.events.load])

    async def first_stroke_relay(self):
        """What the page also sends at its first stroke: the inside view's relay change, queued, with no value."""
        if self.events.relay_fn is not None:
            await self.queued([(self.events.relay_fn, self.events.relay_trigger,
                                [None] + [""] * (self.events.relay_inputs - 1), None)])

    async def keypad(self, pad_text, digit):
        """A tap on the keypad's `digit`: the label, queued; the page then clears the pad ("" through /predict).
        Returns the thank-you line (or None)."""
        if self.events.keypad_fn is None:
            return None
        results = await self.queued([(self.events.keypad_fn, self.events.keypad_trigger, [pad_text], {"digit": digit})])
        await self.predict("")
        for message in results.values():
            output = message.get("output") or {}
            if message.get("success") and output.get("data"):
                return output["data"][0]
        return None


def final_label(answer, position):
    """A /predict answer's gr.Label at output `position` -> (top label, {label: confidence}) or (None, None)
    when the answer has no such label (an error, or a malformed answer)."""
    try:
        value = answer["data"][position]
    except (KeyError, IndexError, TypeError):
        return None, None
    if not isinstance(value, dict) or "label" not in value:
        return None, None
    confidences = {item["label"]: item["confidence"] for item in value.get("confidences") or []}
    return value["label"], confidences
