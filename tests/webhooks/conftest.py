"""The webhooks tests' receiver and people, shared by the single-chain and the several-chains tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from workflows.models import Role


class Receiver:
    """A local HTTP receiver: records each POST; answers `fail` times 500 first."""

    def __init__(self):
        self.received: list[dict] = []
        self.fail = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.received.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def people(person, unit, other_unit):
    return {
        "head": person("unit-head", Role.UNIT_HEAD, unit=unit),
        "other_head": person("other-head", Role.UNIT_HEAD, unit=other_unit),
        "officer": person("unit-officer", Role.UNIT_OFFICER, unit=unit),
        "board_head": person("board-head", Role.BOARD_HEAD),
    }
