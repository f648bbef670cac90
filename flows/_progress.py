"""Progress of a running cycle, for whoever shows it (the CLI's progress display).

A plain hook rather than Prefect logs: an embedded run keeps Prefect's logging at WARNING so a
coordinator's terminal shows one live line per stage, not the engine's chatter.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    _listeners.append(listener)


def forget(listener: Listener) -> None:
    _listeners.remove(listener)


def report(message: str) -> None:
    for listener in _listeners:
        listener(message)
