"""Starting a Gradio app on this machine for a test or a benchmark: a free loopback port, the app's own launch settings."""
import socket


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(demo, port=None, **options):
    """Launch `demo` (a gr.Blocks) in this process on loopback `port` (None or 0: a free one), without blocking;
    returns its URL.

    options: demo/app.py's launch settings (`launch_options`); host and port are this machine's.
    """
    demo.launch(prevent_thread_lock=True, quiet=True, **{**options, "server_name": "127.0.0.1",
                                                          "server_port": port or free_port()})
    return demo.local_url
