"""A fake SendGrid v3 mail/send endpoint that checks what the real one checks.

In a test:

    with FakeSendGrid(api_key="SG.test") as fake:
        ...point FEEDBACK_SENDGRID_HOST at fake.url...
        fake.fail_next(1, status=429, reset_in=2)
        assert fake.recipients() == [...]

As a process (multi-process tests, bench): `python -m tests.fakes.sendgrid_server --port 0
--record FILE [--api-key KEY]` prints `listening on http://127.0.0.1:PORT` when ready and appends
one JSON line per accepted recipient to FILE (flushed after every request).

Only accepted requests (202) are recorded, and they are recorded before the answer is written:
like the real service, a message accepted is sent even if the client never reads the 202.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import signal
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_SUBSTITUTION_BYTES = 10_000
MAX_BODY_BYTES = 30 * 1024 * 1024
# Headers SendGrid refuses in `headers` (docs: "reserved headers").
RESERVED_HEADERS = {
    "x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
    "content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc",
}  # fmt: skip
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+$")
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"


@dataclass
class _Scripted:
    status: int | None  # None: answer normally (after the delay)
    delay: float = 0.0
    retry_after: float | None = None
    reset_in: float | None = None
    hold: float = 0.0  # accept and record the body, then wait this long before answering


class BadRequest(Exception):
    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class FakeSendGrid:
    """Threaded HTTP server on 127.0.0.1 (random port unless given)."""

    def __init__(self, api_key: str = "SG.fake-key", port: int = 0, record: Path | None = None):
        self.api_key = api_key
        self._lock = threading.Lock()
        self._script: deque[_Scripted] = deque()
        self._outage: tuple[float, Iterator[int], Callable[[], float], float] | None = None
        self.accepted: list[dict[str, Any]] = []  # one per accepted recipient
        self.requests: list[dict[str, Any]] = []  # one per request: status, personalizations
        self._record_path = record
        self._record_file: IO[str] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeSendGrid:
        if self._record_path is not None:
            self._record_file = open(self._record_path, "a", encoding="utf-8")
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            if self._record_file is not None:
                self._record_file.close()
                self._record_file = None

    def __enter__(self) -> FakeSendGrid:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ----------------------------------------------------------------------------
    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: float | None = None,
        reset_in: float | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next `n` requests answer `status`; a 429 carries X-RateLimit-Reset = now +
        `reset_in` (default 1 s) and, if given, Retry-After."""
        if status == 429 and reset_in is None and retry_after is None:
            reset_in = 1.0
        with self._lock:
            self._script.extend(_Scripted(status, delay, retry_after, reset_in) for _ in range(n))

    def fail_for(
        self,
        seconds: float,
        statuses: tuple[int, ...] = (429, 500),
        *,
        clock: Callable[[], float] = time.time,
        reset_in: float = 1.0,
    ) -> None:
        """An outage: for `seconds` of `clock` from now, every request answers the next of
        `statuses` in turn (a 429 with X-RateLimit-Reset in `reset_in` s). A test passes its
        own clock to live through a minute without waiting for it."""
        with self._lock:
            self._outage = (clock() + seconds, itertools.cycle(statuses), clock, reset_in)

    def delay_next(self, n: int, seconds: float) -> None:
        """The next `n` requests are answered normally, but only after `seconds`."""
        with self._lock:
            self._script.extend(_Scripted(None, seconds) for _ in range(n))

    def hold_next(self, n: int, seconds: float, *, after: int = 0) -> None:
        """After `after` normal requests, the next `n` are accepted and recorded at once but
        answered only after `seconds`: the moment to kill a client (the 202 never read)."""
        with self._lock:
            self._script.extend(_Scripted(None) for _ in range(after))
            self._script.extend(_Scripted(None, hold=seconds) for _ in range(n))

    # -- what happened ------------------------------------------------------------------------
    def recipients(self) -> list[str]:
        with self._lock:
            return [r["email"] for r in self.accepted]

    def outbox_ids(self) -> list[str]:
        with self._lock:
            return [r["outbox_id"] for r in self.accepted]

    def accepted_requests(self) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r["status"] == 202)

    def reset(self) -> None:
        with self._lock:
            self.accepted.clear()
            self.requests.clear()
            self._script.clear()

    # -- the endpoint -------------------------------------------------------------------------
    def _outage_script(self) -> _Scripted | None:
        with self._lock:
            if self._outage is None:
                return None
            until, statuses, clock, reset_in = self._outage
            if clock() >= until:
                self._outage = None
                return None
            return _Scripted(next(statuses), reset_in=reset_in)

    def _next_script(self) -> _Scripted | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], Any]:
        if handler.path.split("?")[0] != "/v3/mail/send":
            return 404, {}, _errors("resource not found", None)
        if handler.command != "POST":
            return 405, {}, _errors("method not allowed", None)
        if handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            message = "The provided authorization grant is invalid, expired, or revoked"
            return 401, {}, {"errors": [{"message": message, "field": None, "help": None}]}
        length = int(handler.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return 413, {}, _errors("Payload too large", None)
        raw = handler.rfile.read(length)

        script = self._outage_script() or self._next_script()
        if script is not None and script.delay:
            time.sleep(script.delay)
        if script is not None and script.status is not None:
            headers: dict[str, str] = {}
            if script.status == 429:
                headers["X-RateLimit-Limit"] = "600"
                headers["X-RateLimit-Remaining"] = "0"
                reset = time.time() + (script.reset_in or 0)
                headers["X-RateLimit-Reset"] = str(int(reset + 0.999))
                if script.retry_after is not None:
                    headers["Retry-After"] = str(int(script.retry_after))
                body = _errors("too many requests", None)
            else:
                body = _errors("Internal server error", None)
            self._log_request(script.status, 0)
            return script.status, headers, body

        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, {}, _errors("Bad Request", None)
        try:
            recipients = check_mail_send(payload)
        except BadRequest as exc:
            self._log_request(400, 0)
            return 400, {}, _errors(exc.message, exc.field)
        message_id = uuid.uuid4().hex[:22]
        with self._lock:
            for r in recipients:
                r["message_id"] = message_id
            self.accepted.extend(recipients)
            self.requests.append({"status": 202, "personalizations": len(recipients)})
            if self._record_file is not None:
                self._record_file.writelines(json.dumps(r) + "\n" for r in recipients)
                self._record_file.flush()
        if script is not None and script.hold:
            time.sleep(script.hold)
        return 202, {"X-Message-Id": message_id}, None

    def _log_request(self, status: int, personalizations: int) -> None:
        with self._lock:
            self.requests.append({"status": status, "personalizations": personalizations})


def _errors(message: str, field: str | None) -> dict[str, Any]:
    return {"errors": [{"message": message, "field": field, "help": HELP}]}


def check_mail_send(payload: Any) -> list[dict[str, Any]]:
    """Validate a /v3/mail/send body as SendGrid does; return one record per recipient."""
    if not isinstance(payload, dict):
        raise BadRequest("Bad Request", None)
    personalizations = payload.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        raise BadRequest(
            "The personalizations field is required and must have at least one personalization.",
            "personalizations",
        )
    if len(personalizations) > MAX_PERSONALIZATIONS:
        raise BadRequest(
            "The personalizations field must have 1000 or fewer personalizations.",
            "personalizations",
        )
    sender = payload.get("from")
    if not isinstance(sender, dict) or not sender.get("email"):
        raise BadRequest("The from object must be provided for every email send. "
                         "It is an object that requires an email parameter.", "from")  # fmt: skip
    if not EMAIL_RE.match(str(sender["email"])):
        raise BadRequest("The from email does not contain a valid address.", "from.email")
    reply_to = payload.get("reply_to")
    if reply_to is not None and (not isinstance(reply_to, dict) or not reply_to.get("email")):
        raise BadRequest("The reply_to email does not contain a valid address.", "reply_to.email")

    top_subject = payload.get("subject")
    _check_content(payload.get("content"))
    _check_headers(payload.get("headers"), "headers")

    recipients: list[dict[str, Any]] = []
    total = 0
    for i, item in enumerate(personalizations):
        field = f"personalizations.{i}"
        if not isinstance(item, dict):
            raise BadRequest("Bad Request", field)
        to = item.get("to")
        if not isinstance(to, list) or not to:
            raise BadRequest("The to array is required for all personalization objects, and "
                             "must have at least one email object with a valid email address.",
                             f"{field}.to")  # fmt: skip
        for j, address in enumerate(to):
            email = address.get("email") if isinstance(address, dict) else None
            if not isinstance(email, str) or not EMAIL_RE.match(email):
                raise BadRequest("Does not contain a valid address.", f"{field}.to.{j}.email")
        total += len(to) + len(item.get("cc") or []) + len(item.get("bcc") or [])
        if total > MAX_RECIPIENTS:
            raise BadRequest("The total number of recipients must be less than 1000. This "
                             "includes all recipients defined within the to, cc, and bcc "
                             "parameters, across each object that you include in the "
                             "personalizations array.", "personalizations")  # fmt: skip
        subject = item.get("subject", top_subject)
        if not isinstance(subject, str) or not subject:
            raise BadRequest("The subject is required. You can get around this requirement if "
                             "you use a template with a subject defined or if every single "
                             "personalization has a subject defined.", "subject")  # fmt: skip
        substitutions = item.get("substitutions") or {}
        if not isinstance(substitutions, dict):
            raise BadRequest("Substitutions must be an object.", f"{field}.substitutions")
        size = 0
        for key, value in substitutions.items():
            if not isinstance(value, str):
                raise BadRequest("Substitutions must be strings.", f"{field}.substitutions")
            size += len(key.encode()) + len(value.encode())
        if size > MAX_SUBSTITUTION_BYTES:
            raise BadRequest("The total size of your substitutions must be less than 10000 "
                             "bytes per personalization object.",
                             f"{field}.substitutions")  # fmt: skip
        _check_headers(item.get("headers"), f"{field}.headers")
        custom_args = item.get("custom_args") or {}
        if not isinstance(custom_args, dict) or any(
            not isinstance(v, str) for v in custom_args.values()
        ):
            raise BadRequest("Custom args must be strings.", f"{field}.custom_args")
        for address in to:
            recipients.append({
                "email": address["email"],
                "name": address.get("name"),
                "outbox_id": custom_args.get("outbox_id"),
                "subject": subject,
                "substitutions": substitutions,
                "headers": item.get("headers") or {},
            })  # fmt: skip
    return recipients


def _check_content(content: Any) -> None:
    if not isinstance(content, list) or not content:
        raise BadRequest("Unless a valid template_id is provided, the content parameter is "
                         "required. There must be at least one defined content block.",
                         "content")  # fmt: skip
    types = []
    for i, block in enumerate(content):
        if not isinstance(block, dict) or not block.get("type"):
            raise BadRequest("Content type is required.", f"content.{i}.type")
        if not isinstance(block.get("value"), str) or not block["value"]:
            raise BadRequest("The content value must be a string at least one character in "
                             "length.", f"content.{i}.value")  # fmt: skip
        types.append(block["type"])
    if "text/plain" in types and types.index("text/plain") != 0:
        raise BadRequest("If present, text/plain must be first, followed by text/html, "
                         "followed by any other content.", "content")  # fmt: skip
    if "text/html" in types:
        expected = 1 if "text/plain" in types else 0
        if types.index("text/html") != expected:
            raise BadRequest("If present, text/plain must be first, followed by text/html, "
                             "followed by any other content.", "content")  # fmt: skip


def _check_headers(headers: Any, field: str) -> None:
    if headers is None:
        return
    if not isinstance(headers, dict):
        raise BadRequest("Headers must be an object.", field)
    for name, value in headers.items():
        if name.lower() in RESERVED_HEADERS:
            raise BadRequest(f"The header {name!r} is reserved and cannot be set.", field)
        if not isinstance(value, str):
            raise BadRequest("Header values must be strings.", field)


def _handler_for(fake: FakeSendGrid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            status, headers, body = fake.handle(self)
            data = b"" if body is None else json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (timed out or was killed); what was accepted stays
            self.close_connection = True

        do_POST = _answer
        do_GET = _answer
        do_PUT = _answer
        do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", type=Path, required=True, help="JSONL of accepted recipients")
    parser.add_argument("--api-key", default="SG.fake-key")
    args = parser.parse_args(argv)
    fake = FakeSendGrid(api_key=args.api_key, port=args.port, record=args.record)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    fake.start()
    print(f"listening on {fake.url}", flush=True)
    stopping.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
