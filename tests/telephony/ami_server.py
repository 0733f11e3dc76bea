"""A small Asterisk manager (AMI) server on 127.0.0.1 for tests.

It speaks the protocol as Asterisk's manager documentation describes it: a banner line,
``Key: Value`` messages ended by an empty line, ``Login`` answered with
"Authentication accepted", ``Originate`` (Async) answered with "Originate successfully
queued" and later an ``OriginateResponse`` event carrying the same ActionID, a ``Reason``
code and a ``Uniqueid``; ``Logoff`` answered with ``Goodbye``. It records what it received
(with monotonic timestamps) so tests can check what really went over the wire, and it can
drop a connection in the middle of a campaign.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Reason codes as Asterisk reports them (last control frame): 4 answered, 5 busy, 3 no answer,
# 8 congestion, 0 failed.
DEFAULT_REASONS = {"1": 4, "2": 5, "3": 3, "4": 8, "5": 0}


@dataclass
class Received:
    at: float
    connection: int
    headers: list[tuple[str, str]]

    def get(self, key: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == key.lower():
                return v
        return None

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == key.lower()]


@dataclass
class AmiServerState:
    username: str = "ccdw"
    secret: str = "s3cret"
    event_delay: float = 0.05
    # Close the connection (without answering) when this many Originates have arrived in total.
    drop_on_originate: int | None = None
    refuse_after_drop: bool = False
    # Send the OriginateResponse event before the action's own Response (allowed by the
    # protocol: events and responses interleave).
    event_first: bool = False
    # Channels the server refuses outright with "Response: Error".
    reject_channels: tuple[str, ...] = ()
    reason_for: Callable[[str], int] = lambda channel: DEFAULT_REASONS.get(
        channel.split("@")[0][-1], 4
    )
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    inflight: int = 0
    max_inflight: int = 0
    dropped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def originates(self) -> list[Received]:
        return [r for r in self.received if (r.get("Action") or "").lower() == "originate"]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _write(self, lines: list[str]) -> None:
        data = "".join(f"{line}\r\n" for line in lines) + "\r\n"
        with self.write_lock:
            try:
                self.wfile.write(data.encode())
                self.wfile.flush()
            except OSError:
                pass

    def handle(self) -> None:
        state = self.server.state
        with state.lock:
            if state.dropped and state.refuse_after_drop:
                return
            state.connections += 1
            conn_no = state.connections
        self.write_lock = threading.Lock()
        self.wfile.write(b"Asterisk Call Manager/9.0.0\r\n")
        self.wfile.flush()
        logged_in = False
        uniq = 0
        while True:
            headers: list[tuple[str, str]] = []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\r\n")
                if not line:
                    break
                key, _, value = line.partition(":")
                headers.append((key.strip(), value.strip()))
            if not headers:
                continue
            message = Received(time.monotonic(), conn_no, headers)
            with state.lock:
                state.received.append(message)
            action = (message.get("Action") or "").lower()
            action_id = message.get("ActionID") or ""
            if action == "login":
                if message.get("Username") == state.username and message.get("Secret") == state.secret:
                    logged_in = True
                    self._write(["Response: Success", f"ActionID: {action_id}",
                                 "Message: Authentication accepted"])
                    self._write(["Event: FullyBooted", "Privilege: system,all", "Status: Fully Booted"])
                else:
                    self._write(["Response: Error", f"ActionID: {action_id}",
                                 "Message: Authentication failed"])
            elif action == "logoff":
                self._write(["Response: Goodbye", f"ActionID: {action_id}",
                             "Message: Thanks for all the fish."])
                return
            elif action == "originate":
                if not logged_in:
                    self._write(["Response: Error", f"ActionID: {action_id}",
                                 "Message: Permission denied"])
                    continue
                with state.lock:
                    total = len(state.originates())
                    drop = state.drop_on_originate is not None and total == state.drop_on_originate
                    if drop:
                        state.dropped = True
                if drop:
                    return  # the connection closes: no response, no event
                if (message.get("Channel") or "") in state.reject_channels:
                    self._write(["Response: Error", f"ActionID: {action_id}",
                                 "Message: Extension does not exist."])
                    continue
                uniq += 1
                uniqueid = f"17000000{conn_no:02d}.{uniq}"
                if state.event_first:
                    with state.lock:
                        state.inflight += 1
                    self._originate_response(message, action_id,
                                             state.reason_for(message.get("Channel") or ""),
                                             uniqueid)
                    self._write(["Response: Success", f"ActionID: {action_id}",
                                 "Message: Originate successfully queued"])
                    continue
                self._write(["Response: Success", f"ActionID: {action_id}",
                             "Message: Originate successfully queued"])
                with state.lock:
                    state.inflight += 1
                    state.max_inflight = max(state.max_inflight, state.inflight)
                reason = state.reason_for(message.get("Channel") or "")
                timer = threading.Timer(
                    state.event_delay, self._originate_response,
                    args=(message, action_id, reason, uniqueid),
                )
                timer.daemon = True
                timer.start()
            else:
                self._write(["Response: Error", f"ActionID: {action_id}",
                             "Message: Invalid/unknown command"])

    def _originate_response(self, message: Received, action_id: str, reason: int,
                            uniqueid: str) -> None:
        state = self.server.state
        with state.lock:
            state.inflight -= 1
        self._write([
            "Event: OriginateResponse",
            "Privilege: call,all",
            f"ActionID: {action_id}",
            f"Response: {'Success' if reason == 4 else 'Failure'}",
            f"Channel: {message.get('Channel')}",
            f"Context: {message.get('Context') or ''}",
            f"Exten: {message.get('Exten') or ''}",
            f"Reason: {reason}",
            f"Uniqueid: {uniqueid}",
            "CallerIDNum: <unknown>",
            "CallerIDName: <unknown>",
        ])


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, state: AmiServerState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class AmiTestServer:
    def __init__(self, state: AmiServerState | None = None) -> None:
        self.state = state or AmiServerState()
        self._server = _Server(self.state)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> AmiTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
