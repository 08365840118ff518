"""`StopOnSignal`: Ctrl-C or SIGTERM ends training cleanly after the current step."""

import contextlib
import logging
import signal
import threading

import keras

logger = logging.getLogger(__name__)


class StopOnSignal(keras.callbacks.Callback):
    """Turns SIGINT (Ctrl-C) and SIGTERM into `model.stop_training` at the end
    of the step being trained, so the state a checkpoint then saves is that of
    a whole number of steps. A second signal raises `KeyboardInterrupt` at
    once.

    Use it with its context manager, which installs (and then restores) the
    signal handlers; in a thread other than the main one, it does nothing.

        stop = StopOnSignal()
        with stop.installed():
            gan.fit(..., callbacks=[stop, ...])
        if stop.received:
            ...  # save, then exit

    Args:
        signals: the signals it handles (others keep their handlers).

    Attributes:
        received: the signal number received, or None.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, signals=SIGNALS):
        super().__init__()
        self.signals = tuple(signals)
        self.received = None

    def _handle(self, signum, frame):
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signum
        logger.warning("Received %s: stopping after this step (again to stop now).",
                       signal.Signals(signum).name)

    @contextlib.contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in self.signals}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True
