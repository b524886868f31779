"""A stop signal is honoured even where its exception is lost."""

from __future__ import annotations

import os
import signal
import weakref

import pytest

from flows import stop


class _Collected:
    """An object whose weakref callback runs when it is collected."""


# Python hands the exception a callback could not raise to sys.unraisablehook, which printed
# "Exception ignored in ..." and its traceback on the run's stderr (a CI run under load, the
# signal landing in a weakref callback): the stop is honoured below, so it is not printed.
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_stop_whose_exception_a_callback_swallowed_is_still_honoured(capfd):
    # The handler raises wherever the interpreter is; inside a weakref callback Python prints
    # "Exception ignored in ..." and goes on, and the nightly run went on to publish (seen in
    # CI: SIGTERM during a build, exit 0).
    def callback(_ref) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, in the callback
        for _ in range(1000):  # bytecode after the kill: where the handler runs
            pass

    with stop.cli_owns_signals():
        collected = _Collected()
        ref = weakref.ref(collected, callback)
        del collected  # the callback runs, the handler raises in it, Python ignores it
        assert ref() is None and stop.received() == signal.SIGTERM
        with pytest.raises(stop.RunStopped, match="stopped by SIGTERM") as stopped:
            stop.raise_if_received()
    assert stopped.value.exit_code == 143
    stop.raise_if_received()  # the command's block is over: nothing received any more
    assert "Traceback" not in capfd.readouterr().err
