"""A run stopped by a signal says so, and expected conditions are logged without a traceback.

``spotprices run`` owns its process's signals: SIGTERM (a cron timeout, a service manager)
and SIGINT (Ctrl-C) stop the run with :class:`RunStopped`, which the run log records as
``stopped`` (``stopped by SIGTERM``) and the command reports with exit code 128 + the signal's
number, as a shell does. Prefect installs its own SIGTERM handler while a flow runs; the flow
puts this one back for its body (:func:`noting_signals`) when the command owns the signals, so
that a signal landing inside a DuckDB query, which DuckDB turns into ``RuntimeError: Query
interrupted`` and so loses, is still known. A flow run started by Prefect's runner (``spotprices
serve``) keeps Prefect's handler, through which the runner cancels a run.

Prefect logs every exception that ends a task or flow run with its traceback. For the
conditions an operator expects (:class:`Expected`: another run holds the lock, the run was
stopped) the traceback says nothing a one-line message does not, so :func:`quiet_expected`
strips it from those records: the run is still marked failed, with the message.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from contextlib import contextmanager

#: The signals ``spotprices run`` stops on.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

#: The signals received since :func:`cli_owns_signals` began, first first.
_received: list[int] = []
_owned = False


class Expected(Exception):
    """A condition the operator expects and a one-line message explains: no traceback."""


class RunStopped(Expected):
    """The run was stopped by a signal."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process ended by it."""
        return 128 + self.signum


def _stop(signum: int, frame) -> None:
    _received.append(signum)
    raise RunStopped(signum)


def received() -> int | None:
    """The first stop signal received while the command owned the signals, if any."""
    return _received[0] if _received else None


def raise_if_received() -> None:
    """Raise :class:`RunStopped` for a stop signal already received whose exception was lost:
    a handler runs wherever the interpreter is, and an exception raised inside a weakref
    callback or ``__del__`` is printed and ignored ("Exception ignored in ..."), so the run
    went on and published. Called between the flow's steps, before anything is published."""
    signum = received()
    if signum is not None:
        raise RunStopped(signum)


def as_stopped(err: BaseException) -> BaseException:
    """``err``, or :class:`RunStopped` when a stop signal came first: the error a signal
    caused (DuckDB's ``Query interrupted``, a task's failure) is the signal's doing."""
    signum = received()
    if signum is None or isinstance(err, RunStopped):
        return err
    stopped = RunStopped(signum)
    stopped.__cause__ = err
    return stopped


def _unraisable(hook):
    """``sys.unraisablehook`` that passes over :class:`RunStopped`: a signal handled inside a
    weakref callback or ``__del__`` cannot raise there, and Python printed its traceback on
    stderr ("Exception ignored in ..."). It is not lost: :func:`raise_if_received` raises it
    at the run's next step. Anything else goes to ``hook``."""

    def passing_stops(unraisable) -> None:
        if not isinstance(unraisable.exc_value, RunStopped):
            hook(unraisable)

    return passing_stops


@contextmanager
def cli_owns_signals():
    """For ``spotprices run``: SIGTERM and SIGINT raise :class:`RunStopped` in this process
    until the block ends, inside the flow too (:func:`noting_signals`)."""
    global _owned
    previous = {signum: signal.signal(signum, _stop) for signum in STOP_SIGNALS}
    hook, sys.unraisablehook = sys.unraisablehook, _unraisable(sys.unraisablehook)
    _received.clear()
    _owned = True
    try:
        yield
    finally:
        _owned = False
        _received.clear()
        sys.unraisablehook = hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def noting_signals():
    """In the flow's body: when the command owns the signals, stop on them as it does
    (Prefect's SIGTERM handler, installed for the flow run, would let DuckDB lose them);
    Prefect's handler is back when the block ends."""
    if not _owned or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _StripExpected(logging.Filter):
    """Drop the traceback from a record logging an expected condition, or an error a stop
    signal caused; the message (which names the exception) stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and (isinstance(error, Expected) or received() is not None):
            record.exc_info = None
            record.exc_text = None
        return True


_FILTER = _StripExpected()


def quiet_expected() -> None:
    """Log expected conditions in Prefect's flow and task run logs without a traceback."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
