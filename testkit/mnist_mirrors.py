"""A local HTTP server that plays MNIST's mirrors, the good and the broken, for the downloader's tests.

    with MirrorServer(files) as server:          # files: {name: bytes}
        server.base("dead"), server.base("good") # base URLs, each ending in '/'

Every base URL serves the same names, each in its own way (the path's first part):
    good       the file, with its Content-Length
    dead       403 Forbidden (LeCun's page since 2024)
    missing    404 Not Found
    corrupt    the right size, one byte changed
    truncated  the full Content-Length announced, half the bytes sent, then the connection closed
    flaky      503 on the first request for each file, then the file
Only 127.0.0.1 is ever served. `requests` lists (behaviour, name) of every request, in order.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BEHAVIOURS = ("good", "dead", "missing", "corrupt", "truncated", "flaky")


class MirrorServer:
    def __init__(self, files):
        self.files = dict(files)
        self.requests = []
        self._seen = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def base(self, behaviour):
        return f"http://127.0.0.1:{self.server.server_port}/{behaviour}/"

    def _handler(self):
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the tests read mirror.requests instead
                pass

            def do_GET(self):
                behaviour, _, name = self.path.lstrip("/").partition("/")
                with mirror._lock:
                    mirror.requests.append((behaviour, name))
                    first = (behaviour, name) not in mirror._seen
                    mirror._seen.add((behaviour, name))
                body = mirror.files.get(name)
                if behaviour not in BEHAVIOURS or body is None or behaviour == "missing":
                    return self.send_error(404)
                if behaviour == "dead":
                    return self.send_error(403)
                if behaviour == "flaky" and first:
                    return self.send_error(503)
                if behaviour == "corrupt":
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2] if behaviour == "truncated" else body)
                if behaviour == "truncated":
                    self.close_connection = True

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
