"""How a run tells its user where it is. The flow calls `report`; the CLI installs a listener that
draws a progress bar. Scheduled runs have none, and reporting costs nothing."""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, int, int], None]
_listeners: list[Listener] = []


def report(stage: str, done: int = 0, total: int = 0) -> None:
    for listener in list(_listeners):
        listener(stage, done, total)


def listen(listener: Listener) -> Callable[[], None]:
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None
