"""A local HTTP server on 127.0.0.1 (ephemeral port, in a thread) that replays recorded responses.

Used by tests/test_fetch.py. Routes:

* UN Comtrade recordings: the ``files[].url`` of a recorded snapshot's ``manifest.json`` are served
  from their files, byte for byte, at the same path and query on this host. Like the public preview,
  an answer is cut to ``maxRecords`` (``count`` then says how many records it holds), and a
  ``partnerCode`` list filters the records (the JSON is then re-serialised).
* Static files: ``add_file(path_and_query, bytes)``.
* Scripted answers: ``script(path_prefix, [(status, headers, body), ...])`` answers the next requests
  whose path and query start with ``path_prefix`` in that order, before any route.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from pathlib import Path

_IGNORED = {"maxRecords", "partnerCode"}


def _key(path: str, query: str) -> tuple[str, frozenset]:
    items = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return path, frozenset((k, v) for k, v in items if k not in _IGNORED)


class Replay:
    """The server's routes, scripts and request log."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, frozenset], bytes] = {}
        self.files: dict[str, tuple[bytes, dict]] = {}
        self.scripts: list[tuple[str, list]] = []
        self.log: list[str] = []
        self.headers: list[dict] = []
        self.lock = threading.Lock()

    def add_recordings(self, folder: Path, years: set[int] | None = None) -> int:
        """Serve the recorded Comtrade answers of ``folder/manifest.json`` (only ``years`` if given)."""
        meta = json.loads((folder / "manifest.json").read_text("utf-8"))
        n = 0
        for f in meta["files"]:
            if years is not None and int(f["year"]) not in years:
                continue
            parts = urllib.parse.urlsplit(f["url"])
            self.routes[_key(parts.path, parts.query)] = (folder / f["file"]).read_bytes()
            n += 1
        return n

    def add_file(self, target: str, body: bytes, headers: dict | None = None) -> None:
        self.files[target] = (body, headers or {})

    def script(self, prefix: str, answers: list[tuple[int, dict, bytes]]) -> None:
        self.scripts.append((prefix, list(answers)))

    def answer(self, target: str) -> tuple[int, dict, bytes]:
        with self.lock:
            self.log.append(target)
            for prefix, answers in self.scripts:
                if target.startswith(prefix) and answers:
                    return answers.pop(0)
        if target in self.files:
            body, headers = self.files[target]
            return 200, headers, body
        parts = urllib.parse.urlsplit(target)
        body = self.routes.get(_key(parts.path, parts.query))
        if body is None:
            return 404, {"Content-Type": "application/json"}, b'{"statusCode": 404, "message": "no route"}'
        q = dict(urllib.parse.parse_qsl(parts.query))
        obj = json.loads(body)
        data = obj["data"]
        if "partnerCode" in q:
            want = {int(x) for x in q["partnerCode"].split(",")}
            data = [r for r in data if int(r["partnerCode"]) in want]
        cap = int(q.get("maxRecords", 10**9))
        data = data[:cap]
        if len(data) != len(obj["data"]):
            obj = {**obj, "count": len(data), "data": data}
            body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        return 200, {"Content-Type": "application/json"}, body


class _Handler(http.server.BaseHTTPRequestHandler):
    replay: Replay

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.replay.headers.append(dict(self.headers))  # type: ignore[attr-defined]
        status, headers, body = self.server.replay.answer(self.path)  # type: ignore[attr-defined]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


class ReplayServer:
    """Context manager: ``with ReplayServer() as srv: srv.base, srv.replay``."""

    def __init__(self) -> None:
        self.replay = Replay()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.replay = self.replay  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
