"""Discrete-event simulation of the contact center, one local day at a time.

Conventions (the dbt room's marts must reproduce ``truth/queue_daily.csv`` and
``truth/agent_daily.csv`` from the logs these write):

* Simulated time is whole seconds from local midnight, so every queue_log number is exact:
  CONNECT holdtime = connect − entry, COMPLETE* calltime = end − connect, ABANDON /
  EXITWITHTIMEOUT / EXITEMPTY / EXITWITHKEY waittime = exit − entry. RINGNOANSWER and
  RINGCANCELED carry milliseconds (ring seconds × 1000 plus a few ms of jitter).
* An entry's "wait" in the truth is CONNECT's holdtime when answered, else the exit event's
  waittime; ``max_wait_seconds`` is the maximum of those over all entries of the queue/day.
* ``talk`` is the calltime field of the event that ends the answered entry (COMPLETECALLER,
  COMPLETEAGENT, BLINDTRANSFER or ATTENDEDTRANSFER).
* A blind transfer into another queue is a new ENTERQUEUE in that queue at the transfer second,
  with the same callid; it is offered there too. An attended transfer goes to a supervisor
  extension (no new queue entry).
* Agent truth counts an entry's CONNECT (calls_handled, talk, transfers) and its RINGNOANSWERs
  on the local date of the *entry*; rows exist only for agent-days with a CONNECT or a
  RINGNOANSWER.
* A call entering while no member is logged in leaves with EXITEMPTY 1–3 s later; when the last
  member logs off, waiting callers leave with EXITEMPTY.
* A caller who hangs up in the IVR leaves a CDR and no queue_log line.

The day's channels, queue_log rows and CDR legs refer to channels by per-day index; they get
Asterisk uniqueids (``<epoch>.<global counter>``) when the day is materialised, so a pool of
simulated days can be replayed on other dates (``large``) with fresh identifiers.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ccdw.generate.org import AgentSpec, QueueSpec

DAY = 86400
# Events, in tie-break order for equal seconds (lower first).
_AGENT_LOGIN, _UNPAUSE, _RING_END, _CALL_END, _ENTER, _EXIT, _PAUSE_DUE, _SHIFT_END, _DISPATCH = range(9)

P_IVR_HANGUP = 0.04
P_RNA = 0.05
P_BLIND = 0.04
P_ATTENDED = 0.015
P_WRAP_PAUSE = 0.35
P_KEY = 0.03
RING_TIMEOUT = 15

QLOG_COLUMNS = ("t", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5", "bridged")
CDR_COLUMNS = (
    "accountcode", "caller", "src", "dst", "dcontext", "clid_name", "channel", "dstchannel",
    "lastapp", "lastdata", "start", "answer", "end", "disposition", "uniqueid", "linkedid",
)
ENTRY_COLUMNS = (
    "queue", "enter", "outcome", "wait", "talk", "agent_id", "rna", "transferred", "callid",
    "connect", "end", "caller",
)


def diurnal_profile(q: QueueSpec) -> np.ndarray:
    """Share of the day's arrivals per minute (1440 values summing to 1)."""
    m = np.arange(1440) / 60.0
    shape = (
        np.exp(-0.5 * ((m - 10.0) / 1.3) ** 2)
        + 0.85 * np.exp(-0.5 * ((m - 14.7) / 1.6) ** 2)
        + 0.35 * np.exp(-0.5 * ((m - 19.5) / 1.2) ** 2)
    )
    if q.open_s == 0:
        shape = shape + 0.03
    else:
        inside = (m * 3600 >= q.open_s) & (m * 3600 < q.close_s)
        edge = (m * 3600 >= q.open_s - 1800) & (m * 3600 < q.close_s + 1800)
        # A trickle just outside opening hours meets an empty queue (EXITEMPTY).
        shape = np.where(inside, shape + 0.02, np.where(edge, 0.01, 0.0))
    return shape / shape.sum()


WEEKDAY_FACTOR = np.array([1.15, 1.05, 1.0, 1.0, 1.05, 0.6, 0.5])  # Mon..Sun


class _Draws:
    """Random draws served from pre-drawn buffers: a numpy call per draw costs more than the
    event itself. The draw order is fixed, so the day stays deterministic."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._u: list[float] = []
        self._z: list[float] = []
        self._iu = self._iz = 0

    def u(self) -> float:
        if self._iu >= len(self._u):
            self._u, self._iu = self.rng.random(8192).tolist(), 0
        v = self._u[self._iu]
        self._iu += 1
        return v

    def z(self) -> float:
        if self._iz >= len(self._z):
            self._z, self._iz = self.rng.standard_normal(8192).tolist(), 0
        v = self._z[self._iz]
        self._iz += 1
        return v

    def int(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi)."""
        return lo + int(self.u() * (hi - lo))

    def lognormal(self, mu: float, sigma: float) -> float:
        return math.exp(mu + sigma * self.z())


@dataclass
class _Call:
    chan: int
    caller: int
    transferred: bool = False


@dataclass
class _Entry:
    call: _Call
    queue: QueueSpec
    enter: int
    opos: int
    state: str = "wait"  # wait | ringing | connected | empty | done
    agent: _Agent | None = None
    ring_start: int = 0
    ring_token: int = 0
    agent_chan: int = -1
    rna: int = 0
    tried: set[int] = field(default_factory=set)
    connect: int = -1


@dataclass
class _Agent:
    idx: int
    spec: AgentSpec
    state: str = "off"  # off | idle | ringing | busy | paused
    idle_since: int = 0
    avail_after: int = 0
    leaving: bool = False
    pending_pause: tuple[str, int] | None = None
    pause_reason: str = ""
    login_t: int = 0
    login_chan: int = -1


@dataclass
class DayResult:
    """One simulated day: times are seconds from local midnight, channels per-day indexes."""

    chans_t: np.ndarray
    chans_device: np.ndarray
    qlog: pd.DataFrame
    cdr: pd.DataFrame
    entries: pd.DataFrame
    rna: pd.DataFrame  # agent_id, enter


class DaySim:
    def __init__(
        self,
        rng: np.random.Generator,
        queues: list[QueueSpec],
        agents: list[AgentSpec],
        daily_calls: dict[str, float],
        n_callers: int,
        weekday: int,
    ) -> None:
        self.rng = rng
        self.d = _Draws(rng)
        self.queues = queues
        self.by_name = {q.name: q for q in queues}
        self.agents = [_Agent(i, a) for i, a in enumerate(agents)]
        self.members: dict[str, list[_Agent]] = {q.name: [] for q in queues}
        for a in self.agents:
            self.members[a.spec.queue].append(a)
        self.waiting: dict[str, list[_Entry]] = {q.name: [] for q in queues}
        self.logged: dict[str, int] = {q.name: 0 for q in queues}
        self.daily_calls = daily_calls
        self.n_callers = n_callers
        self.weekday = weekday
        self.heap: list[tuple[int, int, int, object, int]] = []
        self.seq = 0
        self.chans_t: list[int] = []
        self.chans_dev: list[str] = []
        self.qlog: list[tuple] = []
        self.cdr: list[tuple] = []
        self.entries: list[tuple] = []
        self.rna: list[tuple[str, int]] = []
        self.bridge_seq = 0

    # -- plumbing ------------------------------------------------------------------------
    def _push(self, t: int, kind: int, obj: object, token: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, kind, self.seq, obj, token))

    def _chan(self, t: int, device: str) -> int:
        self.chans_t.append(t)
        self.chans_dev.append(device)
        return len(self.chans_t) - 1

    def _log(self, t: int, callid: int, queue: str, agent: str, event: str, *data: object,
             bridged: int = -1) -> None:
        d = [str(x) for x in data] + [""] * (5 - len(data))
        self.qlog.append((t, callid, queue, agent, event, d[0], d[1], d[2], d[3], d[4], bridged))

    def _cdr(self, q: QueueSpec | None, caller: int, src: str, dst: str, dcontext: str,
             clid_name: str, channel: int, dstchannel: int, lastapp: str, lastdata: str,
             start: int, answer: int, end: int, disposition: str, uniqueid: int,
             linkedid: int) -> None:
        acc = q.accountcode if q is not None else ""
        self.cdr.append((acc, caller, src, dst, dcontext, clid_name, channel, dstchannel,
                         lastapp, lastdata, start, answer, end, disposition, uniqueid, linkedid))

    # -- set-up --------------------------------------------------------------------------
    def _arrivals(self) -> list[tuple[int, QueueSpec]]:
        out: list[tuple[int, QueueSpec]] = []
        day_noise = self.rng.gamma(40.0, 1 / 40.0)
        for q in self.queues:
            lam = self.daily_calls[q.name] * WEEKDAY_FACTOR[self.weekday] * day_noise
            per_min = self.rng.poisson(lam * diurnal_profile(q))
            minutes = np.repeat(np.arange(1440), per_min)
            secs = minutes * 60 + self.rng.integers(0, 60, len(minutes))
            if q.open_s == 0:  # the 24h hotline always has a few late callers across midnight
                secs = np.append(secs, self.rng.integers(DAY - 330, DAY - 90, 2))
            out.extend((int(s), q) for s in np.sort(secs))
        return out

    def _schedule_agents(self) -> None:
        for a in self.agents:
            s, e = a.spec.shift_start_s, a.spec.shift_end_s
            if self.rng.random() < 0.08:  # day off / absent
                continue
            start = max(0, s + int(self.rng.integers(-300, 240)))
            self._push(start, _AGENT_LOGIN, a)
            self._push(e + int(self.rng.integers(-120, 60)), _SHIFT_END, a)
            length = e - s
            if length >= 6 * 3600:
                lunch = start + length // 2 + int(self.rng.integers(-1800, 1800))
                self._push(lunch, _PAUSE_DUE, a, int(self.rng.integers(1800, 2700)) * 10 + 1)
            for frac in (0.25, 0.8):
                if self.rng.random() < 0.7:
                    when = start + int(length * frac) + int(self.rng.integers(-900, 900))
                    self._push(when, _PAUSE_DUE, a, int(self.rng.integers(480, 900)) * 10 + 2)

    # -- run -----------------------------------------------------------------------------
    def run(self) -> DayResult:
        self._schedule_agents()
        for t0, q in self._arrivals():
            self._arrive(t0, q)
        while self.heap:
            t, kind, _, obj, token = heapq.heappop(self.heap)
            if kind == _ENTER:
                self._enter(t, obj, token)  # type: ignore[arg-type]
            elif kind == _EXIT:
                self._exit(t, obj, token)  # type: ignore[arg-type]
            elif kind == _RING_END:
                self._ring_end(t, obj, token)  # type: ignore[arg-type]
            elif kind == _CALL_END:
                self._call_end(t, obj)  # type: ignore[arg-type]
            elif kind == _AGENT_LOGIN:
                self._login(t, obj)  # type: ignore[arg-type]
            elif kind == _SHIFT_END:
                self._shift_end(t, obj)  # type: ignore[arg-type]
            elif kind == _PAUSE_DUE:
                self._pause_due(t, obj, token)  # type: ignore[arg-type]
            elif kind == _UNPAUSE:
                self._unpause(t, obj)  # type: ignore[arg-type]
            elif kind == _DISPATCH:
                self._dispatch(t, obj)  # type: ignore[arg-type]
        self._outbound()
        return DayResult(
            chans_t=np.array(self.chans_t, dtype=np.int64),
            chans_device=np.array(self.chans_dev, dtype=object),
            qlog=pd.DataFrame(self.qlog, columns=list(QLOG_COLUMNS)),
            cdr=pd.DataFrame(self.cdr, columns=list(CDR_COLUMNS)),
            entries=pd.DataFrame(self.entries, columns=list(ENTRY_COLUMNS)),
            rna=pd.DataFrame(self.rna, columns=["agent_id", "enter"]),
        )

    def _outbound(self) -> None:
        """Agents' outbound calls (callbacks, follow-ups): CDRs only, no queue_log."""
        n = max(3, int(sum(self.daily_calls.values()) * 0.03))
        dispositions = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
        probs = (0.55, 0.25, 0.1, 0.05, 0.05)
        for _ in range(n):
            a = self.agents[int(self.rng.integers(0, len(self.agents)))]
            t = int(self.rng.integers(9 * 3600, 20 * 3600))
            callee = int(self.rng.integers(0, self.n_callers))
            disp = dispositions[int(self.rng.choice(5, p=probs))]
            chan = self._chan(t, a.spec.device)
            ext = a.spec.device.split("/")[1]
            if disp == "ANSWERED":
                ring = int(self.rng.integers(3, 20))
                end = t + ring + int(self.rng.lognormal(4.5, 0.7))
                peer, answer = self._chan(t, "PJSIP/trunk"), t + ring
            elif disp in ("NO ANSWER", "BUSY"):
                end = t + (int(self.rng.integers(20, 45)) if disp == "NO ANSWER" else 2)
                peer, answer = self._chan(t, "PJSIP/trunk"), -1
            else:
                end, peer, answer = t, -1, -1
            self._cdr(None, callee, ext, "@", "from-internal", a.spec.name, chan, peer, "Dial",
                      "PJSIP/@@trunk,45", t, answer, end, disp, chan, chan)

    # -- callers -------------------------------------------------------------------------
    def _arrive(self, t0: int, q: QueueSpec) -> None:
        caller = self.d.int(0, self.n_callers)
        chan = self._chan(t0, "PJSIP/trunk")
        call = _Call(chan, caller)
        ivr = self.d.int(8, 45)
        if self.d.u() < P_IVR_HANGUP:
            self._cdr(q, caller, "", "95519", "from-pstn", "", chan, -1, "BackGround",
                      "ivr/welcome", t0, t0, t0 + ivr // 2, "ANSWERED", chan, chan)
            return
        self._cdr(q, caller, "", "95519", "from-pstn", "", chan, -1, "BackGround",
                  "ivr/welcome", t0, t0, t0 + ivr, "ANSWERED", chan, chan)
        self._push(t0 + ivr, _ENTER, _Entry(call, q, t0 + ivr, 0))

    def _logged_in(self, q: QueueSpec) -> int:
        return self.logged[q.name]

    def _enter(self, t: int, e: _Entry, _token: int) -> None:
        q = e.queue
        waiting = self.waiting[q.name]
        waiting.append(e)
        e.opos = len(waiting)
        self._log(t, e.call.chan, q.name, "NONE", "ENTERQUEUE", "", self._callerid(e), e.opos)
        if self._logged_in(q) == 0:
            e.state = "empty"  # joinempty=yes, leavewhenempty=yes: gone within seconds
            self._push(t + self.d.int(1, 4), _EXIT, e, 3)
            return
        r = self.d.u()
        patience = 1 + int(4 * self.d.u()) if r < 0.06 else int(self.d.lognormal(4.3, 0.9))
        self._push(t + max(1, patience), _EXIT, e, 0)
        self._push(t + q.timeout_s, _EXIT, e, 1)
        if q.keypress and self.d.u() < P_KEY:
            self._push(t + self.d.int(15, 120), _EXIT, e, 2)
        self._dispatch(t, q)

    def _callerid(self, e: _Entry) -> str:
        return f"@{e.call.caller}"  # replaced by the caller's number at materialisation

    def _exit(self, t: int, e: _Entry, why: int) -> None:
        if e.state not in ("wait", "ringing", "empty"):
            return
        q = e.queue
        waiting = self.waiting[q.name]
        pos = waiting.index(e) + 1
        waiting.remove(e)
        if e.state == "ringing" and e.agent is not None:
            a = e.agent
            ms = (t - e.ring_start) * 1000 + self.d.int(0, 900)
            self._log(t, e.call.chan, q.name, a.spec.member, "RINGCANCELED", ms)
            self._cdr(q, e.call.caller, "", q.exten, "queues", "", e.call.chan, e.agent_chan,
                      "Queue", self._qdata(q), e.ring_start, -1, t, "NO ANSWER", e.call.chan,
                      e.call.chan)
            self._agent_free(t, a)
        wait = t - e.enter
        event, outcome = {
            0: ("ABANDON", "abandoned"),
            1: ("EXITWITHTIMEOUT", "timeout"),
            2: ("EXITWITHKEY", "exit_key"),
            3: ("EXITEMPTY", "exit_empty"),
        }[why]
        if why == 2:
            self._log(t, e.call.chan, q.name, "NONE", event, "1", pos, e.opos, wait)
        else:
            self._log(t, e.call.chan, q.name, "NONE", event, pos, e.opos, wait)
        e.state = "done"
        self._cdr(q, e.call.caller, "", q.exten, "queues", "", e.call.chan, -1, "Queue",
                  self._qdata(q), e.enter, e.enter, t, "ANSWERED", e.call.chan, e.call.chan)
        self.entries.append((q.name, e.enter, outcome, wait, 0, "", e.rna, 0, e.call.chan, -1, t,
                             e.call.caller))
        if why == 2:  # pressed 1 for a callback: leave a voicemail-style leg
            self._cdr(q, e.call.caller, "", "s", "callback-request", "", e.call.chan, -1,
                      "VoiceMail", "callback@default", t, t, t + self.d.int(10, 40),
                      "ANSWERED", e.call.chan, e.call.chan)
        self._dispatch(t, q)

    @staticmethod
    def _qdata(q: QueueSpec) -> str:
        return f"{q.name},tT,,,{q.timeout_s}"

    # -- agents --------------------------------------------------------------------------
    def _dispatch(self, t: int, q: QueueSpec) -> None:
        waiting = [e for e in self.waiting[q.name] if e.state == "wait"]
        if not waiting:
            return
        idle = [a for a in self.members[q.name] if a.state == "idle" and not a.leaving]
        ready = sorted((a for a in idle if a.avail_after <= t), key=lambda a: (a.idle_since, a.idx))
        later = [a.avail_after for a in idle if a.avail_after > t]
        for e in waiting:
            if not ready:
                break
            choice = next((a for a in ready if a.idx not in e.tried), None)
            if choice is None:
                e.tried.clear()
                choice = ready[0]
            ready.remove(choice)
            self._ring(t, e, choice)
        if later and any(e.state == "wait" for e in waiting):
            self._push(min(later), _DISPATCH, q)

    def _ring(self, t: int, e: _Entry, a: _Agent) -> None:
        a.state = "ringing"
        e.state = "ringing"
        e.agent = a
        e.ring_start = t
        e.tried.add(a.idx)
        e.agent_chan = self._chan(t, a.spec.device)
        e.ring_token += 1
        if self.d.u() < P_RNA:
            self._push(t + RING_TIMEOUT, _RING_END, e, -e.ring_token)
        else:
            self._push(t + self.d.int(2, 9), _RING_END, e, e.ring_token)

    def _ring_end(self, t: int, e: _Entry, token: int) -> None:
        if e.state != "ringing" or abs(token) != e.ring_token or e.agent is None:
            return
        a, q = e.agent, e.queue
        if token < 0:
            ms = (t - e.ring_start) * 1000 + self.d.int(0, 20)
            self._log(t, e.call.chan, q.name, a.spec.member, "RINGNOANSWER", ms)
            self._cdr(q, e.call.caller, "", q.exten, "queues", "", e.call.chan, e.agent_chan,
                      "Queue", self._qdata(q), e.ring_start, -1, t, "NO ANSWER", e.call.chan,
                      e.call.chan)
            self.rna.append((a.spec.agent_id, e.enter))
            e.rna += 1
            e.state = "wait"
            e.agent = None
            a.state = "idle"
            a.idle_since = t
            a.avail_after = t + self.d.int(3, 11)
            if a.leaving or a.pending_pause:
                self._agent_free(t, a)
            self._dispatch(t, q)
            return
        e.state = "connected"
        e.connect = t
        self.waiting[q.name].remove(e)
        a.state = "busy"
        self._log(t, e.call.chan, q.name, a.spec.member, "CONNECT", t - e.enter, "", t - e.ring_start,
                  bridged=e.agent_chan)
        talk = max(5, int(self.d.lognormal(math.log(q.aht_s) - 0.18, 0.6)))
        self._push(t + talk, _CALL_END, e)

    def _call_end(self, t: int, e: _Entry) -> None:
        a, q = e.agent, e.queue
        assert a is not None
        hold, calltime = e.connect - e.enter, t - e.connect
        r = self.d.u()
        targets = [x for x in self.queues if x.name != q.name and self._open(x, t)]
        transferred = 0
        if r < P_BLIND and not e.call.transferred and targets:
            target = targets[self.d.int(0, len(targets))]
            self._log(t, e.call.chan, q.name, a.spec.member, "BLINDTRANSFER", target.exten,
                      "from-internal", hold, calltime, e.opos)
            transferred = 1
            e.call.transferred = True
            self._push(t, _ENTER, _Entry(e.call, target, t, 0))
        elif r < P_BLIND + P_ATTENDED:
            self.bridge_seq += 1
            bridge = f"{self.bridge_seq:08x}-{e.call.chan:04x}-4a1f-9c2e-{e.agent_chan:012x}"
            self._log(t, e.call.chan, q.name, a.spec.member, "ATTENDEDTRANSFER", "BRIDGE", bridge,
                      hold, calltime, e.opos)
            transferred = 1
            consult_start = t - self.d.int(15, 60)
            sup = self._chan(consult_start, "PJSIP/8999")
            self._cdr(None, -1, a.spec.device.split("/")[1], "8999", "from-internal",
                      a.spec.name, e.agent_chan, sup, "Dial", "PJSIP/8999,30",
                      consult_start, consult_start + 4, t, "ANSWERED", e.agent_chan, e.call.chan)
            end2 = t + self.d.int(30, 240)
            self._cdr(q, e.call.caller, "", "8999", "from-internal", "", e.call.chan, sup,
                      "Dial", "PJSIP/8999,30", t, t, end2, "ANSWERED", e.call.chan, e.call.chan)
        else:
            event = "COMPLETECALLER" if r < 0.55 else "COMPLETEAGENT"
            self._log(t, e.call.chan, q.name, a.spec.member, event, hold, calltime, e.opos)
        self._cdr(q, e.call.caller, "", q.exten, "queues", "", e.call.chan, e.agent_chan, "Queue",
                  self._qdata(q), e.enter, e.connect, t, "ANSWERED", e.call.chan, e.call.chan)
        self.entries.append((q.name, e.enter, "answered", hold, calltime, a.spec.agent_id, e.rna,
                             transferred, e.call.chan, e.connect, t, e.call.caller))
        e.state = "done"
        if self.d.u() < P_WRAP_PAUSE and not a.leaving:
            a.state = "paused"
            a.pause_reason = "wrapup"
            self._log(t, -1, q.name, a.spec.member, "PAUSE", "wrapup")
            self._push(t + self.d.int(15, 90), _UNPAUSE, a)
        else:
            self._agent_free(t, a)

    @staticmethod
    def _open(q: QueueSpec, t: int) -> bool:
        return q.open_s <= t % DAY < q.close_s

    def _agent_free(self, t: int, a: _Agent) -> None:
        q = self.by_name[a.spec.queue]
        if a.leaving:
            self._logoff(t, a)
            return
        if a.pending_pause is not None:
            reason, dur = a.pending_pause
            a.pending_pause = None
            a.state = "paused"
            a.pause_reason = reason
            self._log(t, -1, q.name, a.spec.member, "PAUSE", reason)
            self._push(t + dur, _UNPAUSE, a)
            return
        a.state = "idle"
        a.idle_since = t
        self._dispatch(t, q)

    def _login(self, t: int, a: _Agent) -> None:
        q = self.by_name[a.spec.queue]
        a.state = "idle"
        a.idle_since = t
        a.login_t = t
        self.logged[q.name] += 1
        if a.spec.member.startswith("Agent/"):
            a.login_chan = self._chan(t, a.spec.device)
            self._log(t, a.login_chan, "NONE", a.spec.member, "AGENTLOGIN", f"#chan{a.login_chan}")
        else:
            self._log(t, -1, q.name, a.spec.member, "ADDMEMBER", "")
        self._dispatch(t, q)

    def _logoff(self, t: int, a: _Agent) -> None:
        q = self.by_name[a.spec.queue]
        a.state = "off"
        a.leaving = False
        self.logged[q.name] -= 1
        if a.spec.member.startswith("Agent/"):
            self._log(t, a.login_chan, "NONE", a.spec.member, "AGENTLOGOFF", f"#chan{a.login_chan}",
                      t - a.login_t)
        else:
            self._log(t, -1, q.name, a.spec.member, "REMOVEMEMBER", "")
        if self._logged_in(q) == 0:
            for e in list(self.waiting[q.name]):
                self._exit(t, e, 3)

    def _shift_end(self, t: int, a: _Agent) -> None:
        if a.state == "off":
            return
        a.leaving = True
        if a.state == "idle":
            self._logoff(t, a)

    def _pause_due(self, t: int, a: _Agent, token: int) -> None:
        if a.state == "off" or a.leaving:
            return
        reason = "lunch" if token % 10 == 1 else "break"
        dur = token // 10
        if a.state == "idle":
            a.pending_pause = (reason, dur)
            self._agent_free(t, a)
        else:
            a.pending_pause = (reason, dur)

    def _unpause(self, t: int, a: _Agent) -> None:
        if a.state != "paused":
            return
        q = self.by_name[a.spec.queue]
        self._log(t, -1, q.name, a.spec.member, "UNPAUSE", "")
        a.pause_reason = ""
        a.state = "idle"
        self._agent_free(t, a)
