"""The portal's `application` flow runs in a child process of `assured web`
(`ASSURED_PORTAL_ASSESSOR=process`, the default), so that assessing one turn of applications does
not hold the interpreter that reads, checks and stores the next turn's.

Why: the web process's threads share one interpreter, and a morning's rush keeps it busy — the
requests, the sessions, the commitment letters and the storing. The flow runs (the Prefect
engine and the assessments) were about a quarter of that. In their own process they run on the
machine's other core, beside the requests.

The child is started on the first run (or by `start`, when `assured web` starts) with the web
process's `ASSURED_*` and `PREFECT_*` settings; it is started again when those change (a test's
new registry) or when it has ended. Runs are sent over a socket pair and each runs in a thread of
the child, as they did in the web process; the child tells the parent each chunk's statuses as
soon as they are committed (which the parent hands to `flows.application.stored_listeners`), and
when a run ends. Should the child end during a run, the run fails: its applications stay
submitted — stored, never lost — as when a run fails in the web process. The child ends when the
web process closes its end (or exits), after its runs in progress are over.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import Future
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path

from prefect.context import SyncClientContext
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, get_current_settings, temporary_settings

from flows.application import application_flow, stored_listeners

log = logging.getLogger("assured.portal")
ROOT = Path(__file__).resolve().parent.parent  # the repository: the child imports from it too


class AssessorEnded(RuntimeError):
    """The child process ended (or could not start) before the run did."""


def settings_env() -> dict[str, str]:
    """The settings a child needs: the web process's `ASSURED_*` and `PREFECT_*` variables, and
    the Prefect API it reports to now (set in a context, it may not be in the environment)."""
    env = {k: v for k, v in os.environ.items() if k.startswith(("ASSURED_", "PREFECT_"))}
    api = get_current_settings().api.url
    if api:
        env["PREFECT_API_URL"] = str(api)
    return env


class _Child:
    """One child process, its end of the socket pair, and the runs it has not finished."""

    def __init__(self, env: dict[str, str], on_stored) -> None:
        ours, theirs = socket.socketpair()
        self.env = env
        self.on_stored = on_stored
        self.sending = threading.Lock()
        self.pending: dict[int, Future] = {}
        self.ended = False
        self.retired = False
        paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        with theirs:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "web.assess_process", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env={**os.environ, **env, "PYTHONPATH": os.pathsep.join(paths)},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        self.sock = ours  # kept to shut down: closing a socket another thread reads does not end the read
        self.conn = Connection(os.dup(ours.fileno()))
        self.reader = threading.Thread(target=self._read, name="portal-assessor-reader", daemon=True)
        self.reader.start()

    def run(self, run_id: int, ids: list[int], day: dt.date) -> Future:
        done: Future = Future()
        with self.sending:
            if self.ended:
                done.set_exception(AssessorEnded(f"the assessor process ended (exit code {self.proc.poll()})"))
                return done
            self.pending[run_id] = done
            try:
                self.conn.send(("run", run_id, ids, day))
            except OSError as exc:
                del self.pending[run_id]
                done.set_exception(AssessorEnded(f"the assessor process cannot be reached: {exc}"))
        return done

    def retire(self) -> None:
        """No more runs: the child ends once those in progress are over."""
        with self.sending:
            self.retired = True
            if not self.pending:
                self._close()

    def _close(self) -> None:
        """The child reads the end of its runs, and the reader here the end of the child's messages."""
        self.ended = True
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _read(self) -> None:
        try:
            while True:
                message = self.conn.recv()
                if message[0] == "stored":
                    self.on_stored(message[1])
                elif message[0] == "done":
                    _, run_id, error = message
                    with self.sending:
                        done = self.pending.pop(run_id)
                        if self.retired and not self.pending:
                            self._close()
                    if error is None:
                        done.set_result(None)
                    else:
                        done.set_exception(RuntimeError(error))
        except (EOFError, OSError):
            pass
        with self.sending:
            self.ended = True
            left, self.pending = list(self.pending.values()), {}
        self.conn.close()
        self.sock.close()
        code = self.proc.wait()
        for done in left:
            done.set_exception(AssessorEnded(f"the assessor process ended during the run (exit code {code})"))


class ChildRuns:
    """`application_flow(ids, day)` run in the child process (one child at a time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.child: _Child | None = None
        self.ids = itertools.count(1)

    def start(self) -> None:
        """Start the child now (it takes a second or two to import Prefect), not at the first run."""
        self._child()

    def __call__(self, ids: list[int], day: dt.date) -> None:
        """Run the flow for `ids` in the child and wait for it; raises when it fails or the child ends."""
        self._child().run(next(self.ids), ids, day).result()

    def running(self) -> int:
        """How many runs the child has not finished."""
        with self.lock:
            return 0 if self.child is None else len(self.child.pending)

    def pid(self) -> int | None:
        with self.lock:
            return None if self.child is None or self.child.ended else self.child.proc.pid

    def stop(self) -> None:
        with self.lock:
            child, self.child = self.child, None
        if child is not None:
            child.retire()
            child.proc.wait(30)

    def _child(self) -> _Child:
        env = settings_env()
        with self.lock:
            old = self.child
            if old is not None and not old.ended and old.env == env:
                return old
            if old is not None:
                old.retire()
            self.child = _Child(env, _stored)
            log.info("portal assessor process %s started", self.child.proc.pid)
            return self.child


def _stored(statuses: dict[int, str]) -> None:
    for listener in list(stored_listeners):
        listener(statuses)


def _serve(fd: int) -> None:
    """The child: run each run it is sent in a thread of its own, sharing one Prefect client."""
    conn = Connection(fd)
    sending = threading.Lock()

    def send(*message) -> None:
        with sending:
            conn.send(message)

    def one(run_id: int, ids: list[int], day: dt.date) -> None:
        error = None
        try:
            application_flow(ids, day)
        except Exception as exc:  # the engine or its server: the parent defers the applications
            error = f"{type(exc).__name__}: {exc}"
        with suppress(OSError):
            send("done", run_id, error)

    stored_listeners.append(lambda statuses: send("stored", statuses))
    runs: list[threading.Thread] = []
    # a portal run lasts a fraction of a second: its heartbeat thread would send one beat and then
    # hold the run's end for up to a second, sleeping out its first step (Prefect 3.9 joins it)
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), SyncClientContext.get_or_create():
        while True:
            try:
                _, run_id, ids, day = conn.recv()
            except (EOFError, OSError):
                break
            runs = [t for t in runs if t.is_alive()]
            context = contextvars.copy_context()
            thread = threading.Thread(target=context.run, args=(one, run_id, ids, day), name="portal-flow-run")
            thread.start()
            runs.append(thread)
        for thread in runs:
            thread.join()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    _serve(int(sys.argv[1]))
