"""A cap on every request's body, before any of it is parsed: the one limit Gradio leaves to the app.

Gradio caps uploaded files (launch's max_file_size) but reads any JSON body whole, however large, before
a callback sees it; a script could send a gigabyte as one "drawing". Every body here is bounded: uploads
(/gradio_api/upload) by Gradio's own cap, everything else by MAX_JSON_BYTES, which is several times the
largest drawing the caps admit. Over it, 413 and a short sentence, from the Content-Length header when
there is one, or as soon as the bytes received pass it.
"""
import json

MAX_JSON_BYTES = 2_000_000
UPLOAD_PATH = "/gradio_api/upload"


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware (give it to FastAPI's `middleware=`, e.g. through launch(app_kwargs=...))."""

    def __init__(self, app, max_bytes=MAX_JSON_BYTES):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").endswith(UPLOAD_PATH):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        started = False

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"error": f"The request is larger than {self.max_bytes // 1_000_000} MB."}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
