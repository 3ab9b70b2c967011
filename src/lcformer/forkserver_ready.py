"""Imported last by the fork server of ``prepare --jobs`` (:func:`lcformer.workers.
map_in_order`): it was started with Ctrl-C blocked, so that a Ctrl-C while it imports lcformer
prints no traceback of its own; its imports done, Ctrl-C is unblocked again, so that the
processes it forks (lcformer's workers, which ignore it, and any other of this process's
forkserver processes) see the signal as usual. A Ctrl-C that came meanwhile is dropped (the
server ignores SIGINT from here on; the parent has it too, and stops)."""

import signal

if hasattr(signal, "pthread_sigmask"):
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)  # ignored: a pending one is dropped
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, handler)
