"""A term of visitors: Gradio keeps a bounded number of sessions' page state, and an evicted visitor who comes back is served."""
import json

import gradio as gr
from gradio_client import Client

from demo.app import SESSIONS_KEPT, Config, build_app, launch_options
from testkit import servers
from testkit.pad_digits import pad_value


def test_a_visitor_whose_session_was_evicted_labels_on_as_before(tmp_path):
    app = build_app(Config(drawings_db=str(tmp_path / "drawings.sqlite")))
    url = servers.launch(app.demo, **{**launch_options(), "state_session_capacity": 2})
    try:
        returning = Client(url, verbose=False)
        assert "You have labelled 1;" in returning.predict(json.dumps(pad_value(3)), 3, api_name="/label")
        held = app.demo.state_holder.session_data
        assert returning.session_hash in held
        for _ in range(3):  # three other visitors: the first one's page state is dropped
            Client(url, verbose=False).predict(json.dumps(pad_value(5)), api_name="/predict")
        assert returning.session_hash not in held and len(held) <= 2
        reply = returning.predict(json.dumps(pad_value(4)), 4, api_name="/label")
        assert "Saved as a 4. You have labelled 2;" in reply  # counted from the database, not from memory
        mlp, lenet, *_ = returning.predict(json.dumps(pad_value(7)), api_name="/predict")
        assert lenet["label"] == "7"
    finally:
        app.demo.close()


def test_the_app_bounds_the_sessions_gradio_keeps():
    assert launch_options()["state_session_capacity"] == SESSIONS_KEPT <= 500


def test_an_idle_server_polls_its_queue_every_20_ms_not_every_millisecond():
    from demo import app
    from demo.app import QUEUE_POLL_SECONDS

    assert "sleep_when_free" in vars(gr.Blocks().queue()._queue)  # Gradio's private attribute still exists
    assert app.demo._queue.sleep_when_free == QUEUE_POLL_SECONDS == 0.02
    assert launch_options()["run_history"] is False
