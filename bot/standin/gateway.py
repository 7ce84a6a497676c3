"""The stand-in's gateway: HELLO, IDENTIFY, RESUME, heartbeats, dispatch, RECONNECT.

Events sent while no connection is attached (the bot is reconnecting) are kept and replayed on
RESUME, as Discord does, so a command sent mid-reconnect still arrives.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

HELLO, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = (
    10,
    1,
    2,
    6,
    7,
    9,
    11,
    0,
)


class _Connection:
    def __init__(self, ws: web.WebSocketResponse, compression: str | None) -> None:
        self.ws = ws
        self._lock = asyncio.Lock()
        self._zlib = zlib.compressobj() if compression == "zlib-stream" else None
        self._zstd: Any = None
        if compression == "zstd-stream":
            import zstandard  # type: ignore[import-not-found]  # only when a client asks for it

            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._zstd_flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK

    async def send(self, payload: dict[str, Any]) -> None:
        data = orjson.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                raise ConnectionResetError("gateway connection closed")
            if self._zlib is not None:
                await self.ws.send_bytes(self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
            elif self._zstd is not None:
                await self.ws.send_bytes(self._zstd.compress(data) + self._zstd.flush(self._zstd_flush))
            else:
                await self.ws.send_str(data.decode())


@dataclass
class Session:
    id: str
    seq: int = 0
    # Discord keeps a bounded replay buffer too.
    sent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))
    connection: _Connection | None = None


class Gateway:
    def __init__(
        self,
        *,
        token: str,
        ready_payload: Callable[[Session], dict[str, Any]],
        guild_payloads: Callable[[], list[dict[str, Any]]],
        on_change: Callable[[], Awaitable[None]],
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self._token = token
        self._ready_payload = ready_payload
        self._guild_payloads = guild_payloads
        self._on_change = on_change
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.session: Session | None = None
        self._session_counter = 0
        self.identifies = 0
        self.resumes = 0

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.connection is not None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = _Connection(ws, request.query.get("compress"))
        await conn.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
        try:
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                raw = message.data if isinstance(message.data, str) else message.data.decode()
                await self._receive(conn, orjson.loads(raw))
        finally:
            if self.session is not None and self.session.connection is conn:
                self.session.connection = None
            await self._on_change()
        return ws

    async def _receive(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            if not isinstance(data, dict) or data.get("token") != self._token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identifies += 1
            self._session_counter += 1
            self.session = Session(id=f"standin-session-{self._session_counter}", connection=conn)
            await self.dispatch("READY", self._ready_payload(self.session))
            for guild in self._guild_payloads():
                await self.dispatch("GUILD_CREATE", guild)
        elif op == RESUME:
            session = self.session
            if not isinstance(data, dict) or session is None or data.get("session_id") != session.id:
                await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
                return
            self.resumes += 1
            session.connection = conn
            last_seen = int(data.get("seq") or 0)
            for event in session.sent:
                if event["s"] > last_seen:
                    await conn.send(event)
            await self.dispatch("RESUMED", {})
        await self._on_change()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        session = self.session
        if session is None:
            log.warning("no gateway session; dropping %s", event)
            return
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.sent.append(payload)
        if session.connection is not None:
            try:
                await session.connection.send(payload)
            except (ConnectionResetError, RuntimeError):
                session.connection = None  # replayed on RESUME

    async def force_reconnect(self) -> None:
        """Send op 7; the client closes, reconnects and RESUMEs."""
        if self.session is not None and self.session.connection is not None:
            await self.session.connection.send({"op": RECONNECT, "d": None, "s": None, "t": None})

    async def close_all(self) -> None:
        if self.session is not None and self.session.connection is not None:
            await self.session.connection.ws.close()
