"""A small, synchronous Asterisk Manager Interface client (the part the dialer needs).

Protocol (Asterisk manager docs): on connect the server sends one banner line
``Asterisk Call Manager/<version>``; then both sides exchange messages made of
``Key: Value`` lines ended by an empty line (CRLF line ends). A client sends actions
(``Action: ...``, with an ``ActionID`` we choose); the server answers each with a message
carrying ``Response: Success|Error`` and the same ``ActionID``, and sends ``Event: ...``
messages whenever it likes, interleaved with responses. ``Originate`` with ``Async: true``
is answered at once ("Originate successfully queued"); the call's outcome comes later as an
``OriginateResponse`` event with the same ActionID and a ``Reason`` code.

Why not a library: the maintained Python options are asyncio frameworks (panoramisk) whose
event-loop model adds more than the ~200 lines of protocol handled here; this client is
synchronous so that each attempt can be committed to DuckDB before its bytes are sent.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ccdw.errors import CcdwError
from telephony_adapter.safety import check_header

log = logging.getLogger(__name__)

BANNER_PREFIX = "Asterisk Call Manager/"

# OriginateResponse Reason: the last control frame Asterisk saw on the channel
# (include/asterisk/frame.h: AST_CONTROL_HANGUP=1, RINGING=3, ANSWER=4, BUSY=5, CONGESTION=8;
# 0 = the channel could not be created at all).
REASON_STATUS: dict[int, str] = {
    0: "failed",
    1: "failed",
    3: "no answer",
    4: "answered",
    5: "busy",
    8: "congestion",
}


def reason_to_status(reason: int | None) -> str:
    if reason is None:
        return "failed"
    return REASON_STATUS.get(reason, "failed")


class AmiError(CcdwError):
    """The manager answered with an error we cannot continue after (e.g. bad login)."""


class AmiDisconnected(ConnectionError):
    """The TCP connection to the manager dropped (or never came up)."""


@dataclass
class AmiMessage:
    headers: dict[str, str]
    # Repeated keys (e.g. several ``Variable`` lines) keep every value here.
    multi: dict[str, list[str]] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key.lower(), default)

    @property
    def is_event(self) -> bool:
        return "event" in self.headers

    @property
    def action_id(self) -> str | None:
        return self.get("actionid")


def encode_action(fields: Iterable[tuple[str, str]]) -> bytes:
    """Serialise one action; every key and value is checked for line breaks first."""
    lines = []
    for key, value in fields:
        check_header(key, value)
        lines.append(f"{key}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


def parse_message(lines: list[str]) -> AmiMessage:
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if not sep:
            continue  # e.g. the body of a Command response; not used here
        k = key.strip().lower()
        v = value.strip()
        headers.setdefault(k, v)
        multi.setdefault(k, []).append(v)
    return AmiMessage(headers, multi)


class AmiConnection:
    """One TCP session: banner, login, actions, events, logoff."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._pending: deque[AmiMessage] = deque()
        self.banner = ""

    # -- transport ----------------------------------------------------------------------
    def open(self) -> str:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise AmiDisconnected(f"cannot connect to AMI at {self.host}:{self.port}: {exc}") from exc
        self._buffer = b""
        self.banner = self._read_line(self.timeout)
        if not self.banner.startswith(BANNER_PREFIX):
            self.close()
            raise AmiError(
                f"{self.host}:{self.port} is not an Asterisk manager (banner {self.banner[:60]!r})"
            )
        return self.banner

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def _recv(self, deadline: float) -> None:
        if self._sock is None:
            raise AmiDisconnected("not connected")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("AMI read timed out")
        self._sock.settimeout(remaining)
        try:
            chunk = self._sock.recv(65536)
        except TimeoutError:
            raise
        except OSError as exc:
            self.close()
            raise AmiDisconnected(f"AMI connection lost: {exc}") from exc
        if not chunk:
            self.close()
            raise AmiDisconnected("AMI server closed the connection")
        self._buffer += chunk

    def _read_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            self._recv(deadline)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def read_message(self, timeout: float) -> AmiMessage:
        """The next complete message (raises ``TimeoutError`` if none arrives in time)."""
        if self._pending:
            return self._pending.popleft()
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._buffer and b"\n\n" not in self._buffer:
            self._recv(deadline)
        cut = self._buffer.find(b"\r\n\r\n")
        sep_len = 4
        alt = self._buffer.find(b"\n\n")
        if cut < 0 or (0 <= alt < cut):
            cut, sep_len = alt, 2
        raw, self._buffer = self._buffer[:cut], self._buffer[cut + sep_len :]
        lines = raw.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
        return parse_message([ln for ln in lines if ln])

    def send(self, fields: Iterable[tuple[str, str]]) -> None:
        payload = encode_action(fields)  # checked before any byte goes out
        if self._sock is None:
            raise AmiDisconnected("not connected")
        try:
            self._sock.sendall(payload)
        except OSError as exc:
            self.close()
            raise AmiDisconnected(f"AMI send failed: {exc}") from exc

    # -- actions ------------------------------------------------------------------------
    def request(
        self,
        fields: list[tuple[str, str]],
        action_id: str,
        *,
        timeout: float,
        on_event: Callable[[AmiMessage], None] | None = None,
    ) -> AmiMessage:
        """Send an action and wait for its response; events met meanwhile go to ``on_event``."""
        self.send([*fields, ("ActionID", action_id)])
        deadline = time.monotonic() + timeout
        while True:
            message = self.read_message(max(0.0, deadline - time.monotonic()) or 0.001)
            if message.is_event or message.action_id != action_id:
                if on_event is not None:
                    on_event(message)
                continue
            return message

    def login(self, username: str, secret: str, *, timeout: float) -> None:
        reply = self.request(
            [("Action", "Login"), ("Username", username), ("Secret", secret), ("Events", "call")],
            "ccdw-login",
            timeout=timeout,
        )
        if (reply.get("response") or "").lower() != "success":
            raise AmiError(f"AMI login as {username!r} refused: {reply.get('message') or 'no reason'}")

    def logoff(self, *, timeout: float = 2.0) -> None:
        if not self.is_open:
            return
        try:
            self.request([("Action", "Logoff")], "ccdw-logoff", timeout=timeout)
        except (AmiDisconnected, TimeoutError):
            pass  # the server may close first: "Goodbye" is optional for us
        finally:
            self.close()
