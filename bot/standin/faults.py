"""Faults the stand-in can inject into REST routes: 429s, 403s, 5xx and added latency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Fault:
    route: str  # a route as registered, e.g. "POST /interactions/{id}/{token}/callback"; "*" for all
    status: int
    times: int
    retry_after: float = 0.05


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self.latency: float = 0.0
        self.injected = 0

    def rate_limit(self, route: str, *, times: int = 1, retry_after: float = 0.05) -> None:
        self._pending.append(Fault(route, 429, times, retry_after))

    def server_error(self, route: str, *, times: int = 1, status: int = 500) -> None:
        self._pending.append(Fault(route, status, times))

    def forbidden(self, route: str, *, times: int = 1) -> None:
        """Missing Access: as when the bot lacks a permission the route needs."""
        self._pending.append(Fault(route, 403, times))

    def clear(self) -> None:
        self._pending.clear()
        self.latency = 0.0

    def take(self, route_key: str) -> Fault | None:
        for fault in self._pending:
            if fault.times > 0 and fault.route in ("*", route_key):
                fault.times -= 1
                self.injected += 1
                return fault
        return None
