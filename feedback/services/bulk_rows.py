"""Writing a page of rows while the caller decides the next page.

A dispatch run writes each page of invitations, outbox emails and thread turns (thousands of
rows) and then decides the next page, pure Python that needs no database. On PostgreSQL the
page's COPYs run in a thread meanwhile: the server checks foreign keys and fills indexes on
its own core while this process plans. psycopg lets one operation at a time use a connection,
so a query the caller makes meanwhile waits for the COPYs to end; `wait()` joins the thread
and raises its error, and the caller calls it before its transaction ends. The rows go in the
caller's transaction either way. SQLite writes at once, in the caller's thread.

While a page is being written the interpreter hands the GIL over every 0.5 ms instead of 5 ms
(`sys.setswitchinterval`, process-wide, put back when the last write in flight ends). The
writing thread wakes up for each chunk the server has taken and then waited up to the whole
interval for the planning thread to let go, so the server sat idle (bench/dispatch.py, 50,000
contacts: dispatch 11.2 s -> 8.9 s when psycopg still made the COPY text in the thread; 2-10 %
since dialects.copy_text makes it beforehand, on a loaded machine). It changes only how often
threads take turns, never what they do.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from feedback.services import dialects

#: The GIL's switch interval while a page is written (see the module docstring).
SWITCH_INTERVAL = 0.0005

_turns = threading.Lock()
_writing = 0  # writes in flight in this process
_usual_interval = sys.getswitchinterval()


def _begin_quick_turns() -> None:
    global _writing, _usual_interval
    with _turns:
        if _writing == 0:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, SWITCH_INTERVAL))
        _writing += 1


def _end_quick_turns() -> None:
    global _writing
    with _turns:
        _writing -= 1
        if _writing == 0:
            sys.setswitchinterval(_usual_interval)


class RowWriter:
    """Writes pages of rows, table after table, one page at a time (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[tuple[Table, list[dict[str, Any]]]] = []
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Note rows for the page start() writes: tables in the order they are added."""
        if rows:
            self._pending.append((table, rows))

    def start(self) -> None:
        """Start writing the noted rows (once the previous page is in)."""
        self.wait()
        pages, self._pending = self._pending, []
        if not dialects.is_postgresql(self.session):
            for table, rows in pages:
                dialects.insert_rows(self.session, table, rows)
            return
        copies = [dialects.prepare_copy(self.session, table, rows) for table, rows in pages]
        driver = self.session.connection().connection.driver_connection
        self._thread = threading.Thread(
            target=self._run, args=(driver, copies), name="bulk-rows", daemon=True
        )
        _begin_quick_turns()
        try:
            self._thread.start()
        except BaseException:
            _end_quick_turns()
            raise

    def _run(self, driver: Any, copies: list[dialects.PreparedCopy]) -> None:
        try:
            for copy in copies:
                copy.run(driver)
        except BaseException as exc:  # handed to the caller's thread by wait()
            self._error = exc
        finally:
            _end_quick_turns()

    def wait(self) -> None:
        """Block until the page being written is in; raise what went wrong writing it."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
