"""Pipelined sends: per-call ``send`` / ``send_bytes`` and ``send_many`` over one bidi Stream per
channel object, with producer credit reserved by the server (S-EXT-RESERVE).

How a send travels
------------------

* **Exact** (the default, and always the first send of a channel object): one round trip, the
  server's answer is the send's result. Without a stream this is the unary ``Send`` call, exactly
  as before; once the channel object has a stream, it is a non-reserved ``Send`` frame on it (so
  that it stays in order behind pipelined sends) and the caller waits for its ``SendResults``.
* **Reserved** (a burst): when sends come back to back (``BURST_SENDS`` sends in a row, each
  started within ``BURST_GAP_S`` of the previous one's return; or ``send_many``), the channel
  object asks the server for producer credit (``Reserve``). A send whose payload fits in the
  credit granted uses it and returns at once: the server has reserved the room, so ``ok`` holds
  (the contract's meaning of a send that returned). The payload is queued; the request iterator
  takes everything queued each time grpcio asks for the next frame and sends it as one ``Send``
  frame with ``reserved = true`` (at most ``FRAME_MESSAGES`` payloads / ``FRAME_BYTES`` bytes).
  Frames are serialized here (a reserved Send frame by hand: one join of its payloads) and
  handed to grpcio as bytes. A send that finds the credit used up while reserved sends are
  unconfirmed waits for their confirmations, which top the credit up (``credit_coming``). A send
  that still finds no credit asks the server exactly (a non-reserved frame and its result), so
  ``ChannelBusy`` is never spurious and a waiting send waits in the server (S-EXT-SENDWAIT).
* **Idle**: once everything sent was confirmed and no send came for ``LINGER_S``, the credit is
  given back (``Reserve(0)``): a producer that pauses holds no room other senders could use.
  After ``STREAM_IDLE_S`` more, the stream itself is ended.

A reserved send that the server then answers otherwise (CLOSED: the channel closed meanwhile),
or that is still unanswered when the stream breaks, is recorded; the next operation on the
channel object raises :class:`~vertx_channels.errors.SendFailed` listing those messages.

The state machine (:class:`ProducerCore`) has no I/O; :class:`SyncProducer` (grpcio threads, a
lock) and :class:`AioProducer` (one event loop) drive it.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from typing import (Any, AsyncIterator, Callable, Deque, Dict, Iterator, List, Optional, Tuple,
                    Union)

import grpc

from . import errors
from ._base import RELEASE_WAIT_S, Kind, MiB, ProtocolError, send_outcome
from ._proto.vertx.channels.v1 import channels_pb2 as pb

# Producer credit asked for during a burst. The server caps it (max_reserve_bytes_per_stream, and
# the room left in a bounded channel), so this is the most one channel object keeps in flight.
RESERVE_BYTES = 16 * MiB
RESERVE_MESSAGES = 4096
# The most one reserved Send frame carries (a larger single payload travels alone). The server
# enqueues a frame only once it has all of it, and tops the credit up from what it enqueued: with
# 16 MiB of credit (the server's default cap), 512 KiB frames keep more of it moving than 1 MiB
# ones (measured: +10-30% at 64 KiB payloads; 256 KiB frames cost more per frame than they gain).
FRAME_MESSAGES = 512
FRAME_BYTES = 512 * 1024
# Burst detection: this many sends in a row, each started within BURST_GAP_S of the previous
# send's return, switch to reserved pipelining. The gap is far shorter than any network or
# process round trip (a tight Python loop measures 10-30 us between sends): only a tight loop
# qualifies. Sends interleaved with other calls (another RPC of the program, a step driven by
# another process over a pipe) stay exact, so such a send that returned is in the channel, and
# such a producer never holds credit.
BURST_GAP_S = 0.00005
BURST_SENDS = 8
# Give the credit back after this long without a send (once everything was confirmed) ...
LINGER_S = 0.005
# ... and end the stream after this long without a send.
STREAM_IDLE_S = 5.0
# How long flush() and close() wait for the server's confirmations before reporting the sends
# still unconfirmed (a server that stopped answering).
FLUSH_WAIT_S = 30.0

_RESULT_NAMES = {v: k[len("SEND_RESULT_"):].lower() for k, v in pb.SendResult.items()}

# The producer stream's frames are serialized here, not by grpcio: a reserved Send frame is built
# by hand in the protobuf wire format (one join of the payloads, where pb.Send(payloads=...) and
# SerializeToString copied each payload twice), and grpcio is given the bytes as they are.
STREAM_METHOD = "/vertx.channels.v1.ChannelService/Stream"


def stream_call(grpc_channel: Any) -> Any:
    """The Stream method with frames passed as bytes (sync or asyncio channel alike)."""
    return grpc_channel.stream_stream(STREAM_METHOD, request_serializer=None,
                                      response_deserializer=pb.ServerFrame.FromString)


def _serialized(frame: Any) -> bytes:
    data: bytes = frame.SerializeToString()
    return data


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_PREFIXES: Dict[int, bytes] = {}  # payload length -> the field tag and length before it (a bounded cache)


def _payload_prefix(n: int) -> bytes:
    prefix = _PREFIXES.get(n)
    if prefix is None:
        prefix = b"\x12" + _varint(n)  # Send.payloads = 2, length-delimited
        if len(_PREFIXES) < 4096:
            _PREFIXES[n] = prefix
    return prefix


def reserved_send_frame(first_seq: int, payloads: List[bytes]) -> bytes:
    """ClientFrame{send: Send{first_seq, payloads, reserved: true}} in the wire format."""
    parts: List[bytes] = [b"", b"\x08" + _varint(first_seq)]  # Send.first_seq = 1
    size = len(parts[1]) + 2
    prefix = _payload_prefix
    for p in payloads:
        n = len(p)
        head = prefix(n)
        parts.append(head)
        parts.append(p)
        size += len(head) + n
    parts.append(b"\x28\x01")  # Send.reserved = 5, true
    parts[0] = b"\x2a" + _varint(size)  # ClientFrame.send = 5, length-delimited
    return b"".join(parts)


class _Exact:
    """One send that waits for the server's answer."""

    __slots__ = ("payload", "timeout_ms", "result", "detail", "error", "done", "future")

    def __init__(self, payload: bytes, timeout_ms: Optional[int]) -> None:
        self.payload = payload
        self.timeout_ms = timeout_ms
        self.result = 0
        self.detail = ""
        self.error: Optional[BaseException] = None
        self.done = False
        self.future: "Optional[asyncio.Future[None]]" = None  # the asyncio driver's wake-up

    def finish(self) -> None:
        self.done = True
        if self.future is not None and not self.future.done():
            self.future.set_result(None)


class _Reserve:
    __slots__ = ("bytes", "messages")

    def __init__(self, nbytes: int, messages: int) -> None:
        self.bytes = nbytes
        self.messages = messages


_Reserved = Tuple[int, bytes]  # (index among the channel object's sends, payload)
_Item = Union[_Exact, _Reserve, _Reserved]


class Failures:
    """Reserved sends that were not confirmed, kept until the application is told."""

    def __init__(self) -> None:
        self.items: List[Tuple[int, bytes, str]] = []
        self.cause: Optional[BaseException] = None

    def add(self, index: int, payload: bytes, reason: str, cause: Optional[BaseException]) -> None:
        self.items.append((index, payload, reason))
        if self.cause is None:
            self.cause = cause

    def take(self, channel_id: str) -> Optional[errors.SendFailed]:
        if not self.items:
            return None
        items, cause = self.items, self.cause
        self.items, self.cause = [], None
        items.sort()
        return errors.SendFailed(
            f"{len(items)} send(s) on channel {channel_id} that had returned were not enqueued "
            f"(indexes {_abbrev([i for i, _, _ in items])}): {cause}",
            indexes=[i for i, _, _ in items], payloads=[p for _, p, _ in items],
            reasons=[r for _, _, r in items], cause=cause, channel_id=channel_id)


def _abbrev(indexes: List[int]) -> str:
    if len(indexes) <= 8:
        return ", ".join(map(str, indexes))
    return ", ".join(map(str, indexes[:4])) + ", ..., " + ", ".join(map(str, indexes[-2:]))


class ProducerCore:
    """One producer stream's state, without I/O: the frames to write, in order; the Send frames
    written and not yet answered; the producer credit. Not thread-safe (the drivers lock)."""

    def __init__(self, channel_id: str, kind: Kind, failures: Failures,
                 reserve: Tuple[int, int]) -> None:
        self.channel_id = channel_id
        self.kind = kind
        self.failures = failures
        self.outbox: Deque[_Item] = collections.deque()
        self.inflight: Deque[Tuple[int, Union[_Exact, List[_Reserved]]]] = collections.deque()
        self.next_seq = 1
        self.credit_bytes = 0
        self.credit_messages = 0
        # Reserve frames queued or written whose SendCredit(reset) answer has not arrived: while
        # there is one, the credit known is void (the Reserve revokes it).
        self.pending_resets = 1 if reserve != (0, 0) else 0  # OpenStream carries the first
        self.target = reserve
        # What OpenStream asks for, fixed now: grpcio pulls the first frame later, when another
        # task or thread may have queued a Reserve already (target changed); an OpenStream built
        # from that target would leave pending_resets one answer short, for ever.
        self._open_reserve = reserve
        self.reserved_queued = 0  # reserved payloads in outbox + in flight
        self.opened = False
        self.closed = False  # a send was answered CLOSED: closing is for good (S-CLOSE-1)
        self.max_size = 0
        self.max_message_bytes = 0  # the server's limit (Opened); 0 = not known yet
        self.over = False  # the call ended (cleanly or not)
        self.ending = False  # the writer half-closed the call (idle)

    def open_frame(self) -> bytes:
        return _serialized(pb.ClientFrame(open=pb.OpenStream(
            channel_id=self.channel_id, expected_kind=self.kind.proto,
            reserve_bytes=self._open_reserve[0], reserve_messages=self._open_reserve[1])))

    # -- the application's side ----------------------------------------------------------------

    def try_reserved(self, index: int, payload: bytes) -> bool:
        """Queues a payload into the credit granted, if it fits (then the send is ``ok``)."""
        n = len(payload)
        if (self.pending_resets or self.credit_messages < 1 or self.credit_bytes < n or self.over
                or self.closed):
            return False
        self.credit_messages -= 1
        self.credit_bytes -= n
        self.outbox.append((index, payload))
        self.reserved_queued += 1
        return True

    def credit_coming(self, n: int) -> bool:
        """No credit for a payload of ``n`` bytes now, but reserved sends are unconfirmed: the
        server tops the credit up as it enqueues them (while the channel has room), so a burst
        that used all its credit waits for that rather than sending exactly. An exact send would
        wait a round trip behind the pipeline anyway, and give the credit back first on a bounded
        channel (before_exact), then reserve again: the burst would stop and restart every time
        its credit ran out. Once every reserved send is confirmed and still no credit came, the
        channel is full (or the payload larger than the credit can be): the exact send decides,
        so ChannelBusy is never spurious."""
        return (self.reserved_queued > 0 and (self.credit_messages < 1 or self.credit_bytes < n)
                and n <= self.target[0] and not self.pending_resets and not self.over
                and not self.closed)

    def add_exact(self, entry: _Exact) -> None:
        self.outbox.append(entry)

    def before_exact(self) -> None:
        """Called before an exact send is queued. The server counts a stream's own reservation
        against its own non-reserved sends like anybody's (S-EXT-RESERVE: a channel never holds
        more than max_size), so on a bounded channel the credit held would make the exact send
        busy, or a blocking one wait for room its own stream holds (for ever, if nothing else
        frees any). The credit is given back first (the server applies the Reserve before the
        send: a stream's frames apply in order); the burst reserves again after it."""
        if self.reserving and self.max_size > 0:
            self.request_reserve(0, 0)

    def request_reserve(self, nbytes: int, messages: int) -> None:
        """Queues a Reserve frame (a new target; 0, 0 gives everything back)."""
        self.target = (nbytes, messages)
        self.pending_resets += 1
        self.outbox.append(_Reserve(nbytes, messages))

    @property
    def reserving(self) -> bool:
        return self.target != (0, 0)

    @property
    def drained(self) -> bool:
        """Everything queued was written and answered."""
        return not self.outbox and not self.inflight

    @property
    def confirmed(self) -> bool:
        """Every send that returned (from reserved credit) was answered. Exact sends still
        waiting are not counted: nobody was told they went through."""
        return self.reserved_queued == 0

    @property
    def settled(self) -> bool:
        """Confirmed, and every Reserve answered."""
        return self.reserved_queued == 0 and self.pending_resets == 0

    # -- the writer's side ---------------------------------------------------------------------

    def next_frame(self) -> Optional[bytes]:
        """The next frame to write, serialized (consecutive reserved payloads coalesced), or
        None."""
        if not self.outbox:
            return None
        head = self.outbox.popleft()
        if isinstance(head, _Reserve):
            return _serialized(pb.ClientFrame(reserve=pb.Reserve(bytes=head.bytes,
                                                                 messages=head.messages)))
        seq = self.next_seq
        if isinstance(head, _Exact):
            self.next_seq += 1
            self.inflight.append((seq, head))
            if head.timeout_ms is None:
                send = pb.Send(first_seq=seq, payloads=[head.payload])
            else:
                send = pb.Send(first_seq=seq, payloads=[head.payload], wait=True,
                               timeout_ms=head.timeout_ms)
            return _serialized(pb.ClientFrame(send=send))
        batch = [head]
        nbytes = len(head[1])
        outbox = self.outbox
        while outbox and len(batch) < FRAME_MESSAGES:
            nxt = outbox[0]
            if not isinstance(nxt, tuple) or nbytes + len(nxt[1]) > FRAME_BYTES:
                break
            outbox.popleft()
            batch.append(nxt)
            nbytes += len(nxt[1])
        self.next_seq += len(batch)
        self.inflight.append((seq, batch))
        return reserved_send_frame(seq, [p for _, p in batch])

    # -- the server's side ---------------------------------------------------------------------

    def feed(self, frame: "pb.ServerFrame") -> None:
        which = frame.WhichOneof("frame")
        if which == "send_results":
            self._results(frame.send_results)
        elif which == "send_credit":
            c = frame.send_credit
            if c.reset:
                if self.pending_resets > 0:
                    self.pending_resets -= 1
                if self.pending_resets == 0:
                    self.credit_bytes, self.credit_messages = c.bytes, c.messages
            elif self.pending_resets == 0:
                self.credit_bytes += c.bytes
                self.credit_messages += c.messages
        elif which == "opened":
            self.opened = True
            self.max_size = frame.opened.info.max_size
            self.max_message_bytes = frame.opened.max_message_bytes
        elif which in ("closed", "deliveries", "released"):
            pass  # a pure producer: no credit granted, nothing is pushed
        else:
            raise ProtocolError(f"producer stream on channel {self.channel_id}: unexpected "
                                f"frame {which!r}", channel_id=self.channel_id)

    def _results(self, r: "pb.SendResults") -> None:
        if not self.inflight or self.inflight[0][0] != r.first_seq:
            expected = self.inflight[0][0] if self.inflight else None
            raise ProtocolError(f"producer stream on channel {self.channel_id}: SendResults for "
                                f"{r.first_seq}, expected {expected}", channel_id=self.channel_id)
        _, entry = self.inflight.popleft()
        results = r.results
        if isinstance(entry, _Exact):
            if len(results) != 1:
                raise ProtocolError(f"producer stream on channel {self.channel_id}: "
                                    f"{len(results)} results for one payload",
                                    channel_id=self.channel_id)
            entry.result, entry.detail = results[0], r.detail
            if entry.result == pb.SEND_RESULT_CLOSED:
                self.closed = True
            entry.finish()
            return
        self.reserved_queued -= len(entry)
        if len(results) != len(entry):
            raise ProtocolError(f"producer stream on channel {self.channel_id}: "
                                f"{len(results)} results for {len(entry)} payloads",
                                channel_id=self.channel_id)
        ok = pb.SEND_RESULT_OK
        for (index, payload), result in zip(entry, results):
            if result != ok:
                if result == pb.SEND_RESULT_CLOSED:
                    self.closed = True  # later sends go exact: ChannelClosed at once
                self.failures.add(index, payload, _RESULT_NAMES.get(result, str(result)),
                                  _result_error(result, self, len(payload), r.detail))

    def fail(self, cause: BaseException) -> None:
        """The call ended: every exact send still waiting fails with ``cause``, every reserved
        send not yet confirmed is recorded as unconfirmed."""
        self.over = True
        self.credit_bytes = self.credit_messages = 0
        pending: List[Any] = [e for _, e in self.inflight] + list(self.outbox)
        self.inflight.clear()
        self.outbox.clear()
        for entry in pending:
            if isinstance(entry, _Exact):
                entry.error = cause
                entry.finish()
            elif isinstance(entry, list):
                for index, payload in entry:
                    self.failures.add(index, payload, "unconfirmed", cause)
            elif isinstance(entry, tuple):
                self.failures.add(entry[0], entry[1], "unconfirmed", cause)
        self.reserved_queued = 0

    def idle_action(self, quiet_s: float) -> Tuple[str, Optional[float]]:
        """What the writer does when it has nothing to write: ("reserve0", None) to give the
        credit back, ("end", None) to end the stream, or ("wait", timeout or None)."""
        if not self.drained or self.pending_resets:
            return "wait", None  # a sender may be waiting for the Reserve's answer
        if self.reserving:
            if quiet_s >= LINGER_S:
                return "reserve0", None
            return "wait", LINGER_S - quiet_s
        if quiet_s >= STREAM_IDLE_S:
            return "end", None
        return "wait", STREAM_IDLE_S - quiet_s


def _result_error(result: int, core: ProducerCore, size: int, detail: str) -> BaseException:
    try:
        send_outcome(result, kind=core.kind, channel_id=core.channel_id, size=size,
                     timeout_ms=None)
    except BaseException as e:  # noqa: BLE001 - the error is the value
        if detail and isinstance(e, errors.ChannelError):
            e.details = detail
        return e
    return errors.ChannelError(f"send on channel {core.channel_id}: no error", channel_id=core.channel_id)


def client_stream_limit(client: Any) -> int:
    """The largest payload the client itself lets onto a stream (its message limit, less room
    for the frame around the payload)."""
    limit: int = client._options.max_message_size - 64 * 1024
    return limit


def too_large_for_stream(client: Any, st: Any, n: int) -> bool:
    """A payload above the client's or the server's message limit would end the stream (the
    transport refuses the frame) and take the pipelined sends with it: it goes as a unary call,
    which answers MessageTooLarge for it alone."""
    limit = client_stream_limit(client)
    if st is not None and st.core.max_message_bytes:
        limit = min(limit, st.core.max_message_bytes)
    return n > limit


def exact_outcome(entry: _Exact, kind: Kind, channel_id: str) -> None:
    """Raises what an answered exact send means (nothing for OK)."""
    if entry.error is not None:
        raise entry.error
    if entry.result == pb.SEND_RESULT_INVALID:
        raise errors.InvalidArgument(
            f"payload refused by channel {channel_id}" + (f": {entry.detail}" if entry.detail else ""),
            details=entry.detail or None, channel_id=channel_id)
    send_outcome(entry.result, kind=kind, channel_id=channel_id, size=len(entry.payload),
                 timeout_ms=entry.timeout_ms)


def stream_error(e: Any, channel_id: str, closed_client: bool, target: str) -> BaseException:
    """The error an ended producer stream stands for."""
    if closed_client:
        return errors.ClientClosed(f"the client of {target} is closed", channel_id=channel_id)
    if isinstance(e, grpc.RpcError):
        return errors.from_rpc_error(e, channel_id=channel_id, operation="send")
    if isinstance(e, BaseException):
        return e
    return errors.ConnectionLost(f"the server ended the producer stream on channel {channel_id}",
                                 channel_id=channel_id)


class _Burst:
    """Burst detection (see the module docstring)."""

    def __init__(self) -> None:
        self.last_return = -1.0
        self.streak = 0
        self.last_send = time.monotonic()

    def starting(self, now: float) -> bool:
        """A send starts at ``now``; True when it is part of a burst."""
        self.last_send = now
        if now - self.last_return < BURST_GAP_S:
            self.streak += 1
        else:
            self.streak = 0
        return self.streak >= BURST_SENDS

    def returned(self) -> None:
        self.last_return = time.monotonic()


# -- the sync driver -----------------------------------------------------------------------------


class _SyncStream:
    def __init__(self, core: ProducerCore) -> None:
        self.core = core
        self.call: Any = None


class _Quiet:
    """What both drivers' settle() and the receive fast paths ask first."""

    _stream: Any
    _failures: "Failures"

    @property
    def quiet(self) -> bool:
        """Nothing for settle() to do: every send answered, no credit held, nothing to report
        (read without the lock, under the GIL, as settle() does)."""
        st = self._stream
        return (st is None or (not st.core.reserving and st.core.settled)) and not self._failures.items


class SyncProducer(_Quiet):
    """The pipelined producer of one sync channel object. Thread-safe: the application's
    threads, grpcio's request thread (the writer) and a reader thread share it under one
    condition variable."""

    def __init__(self, client: Any, channel_id: str, kind: Kind,
                 unary: Callable[[bytes, Optional[int]], None]) -> None:
        self._client = client
        self._id = channel_id
        self._kind = kind
        self._unary = unary  # the exact send without a stream
        # The condition's own lock, held directly on the fast path (one Python call less).
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        # A larger payload never goes on the stream (too_large_for_stream)
        self._client_limit = client_stream_limit(client)
        self._stream: Optional[_SyncStream] = None
        self._failures = Failures()
        self._burst = _Burst()
        self._count = 0  # sends accepted so far (the index of the next one)
        self._writer_waiting = False
        self._stream_call = stream_call(client._grpc)

    # -- the application's side ----------------------------------------------------------------

    def send(self, payload: bytes, timeout_ms: Optional[int], burst: bool = False) -> None:
        st = self._stream
        if st is not None and not self._failures.items:
            # A burst's common case, checked first (a send here costs about 2 us of Python, a
            # tenth of it per call on this path): the stream holds credit for the payload.
            core = st.core
            n = len(payload)
            if n <= core.max_message_bytes and n <= self._client_limit:
                with self._lock:
                    if self._stream is st and core.reserving and core.try_reserved(self._count, payload):
                        self._burst.last_send = time.monotonic()
                        self._count += 1
                        if self._writer_waiting:
                            self._cond.notify_all()
                        return
        if self._failures.items:
            self.flush()  # wait for the rest in flight: one SendFailed lists them all
        if too_large_for_stream(self._client, self._stream, len(payload)):
            self.flush()  # in order behind what is in flight
            self._unary(payload, timeout_ms)
            return
        entry: Optional[_Exact] = None
        with self._cond:
            now = time.monotonic()
            st = self._stream
            if st is not None and st.core.over:
                st = self._stream = None
            if st is None or not st.core.reserving:
                if (self._burst.starting(now) or burst) and not self._client._closed:
                    if st is None:
                        st = self._open((RESERVE_BYTES, RESERVE_MESSAGES))
                    else:
                        st.core.request_reserve(RESERVE_BYTES, RESERVE_MESSAGES)
                        self._cond.notify_all()
            else:
                self._burst.last_send = now
            if st is not None and st.core.reserving:
                core = st.core
                if core.pending_resets:
                    # The answer to our Reserve is one round trip away: wait for it rather than
                    # send exactly, which is no faster and would take room outside the credit.
                    deadline = now + FLUSH_WAIT_S
                    while core.pending_resets and core.reserving and not core.over:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            break
                        self._cond.wait(remaining)
                if core.credit_coming(len(payload)):
                    deadline = time.monotonic() + FLUSH_WAIT_S
                    while core.credit_coming(len(payload)):
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            break
                        self._cond.wait(remaining)
                if core.try_reserved(self._count, payload):
                    self._count += 1
                    if self._writer_waiting:
                        self._cond.notify_all()
                    return
            if st is not None and not st.core.over:
                # No credit for it: ask the server exactly, in order behind the pipelined sends.
                st.core.before_exact()
                entry = _Exact(payload, timeout_ms)
                st.core.add_exact(entry)
                self._cond.notify_all()
        if entry is None:
            self._unary(payload, timeout_ms)
        else:
            with self._cond:
                while not entry.done:
                    self._cond.wait()
            if self._failures.items:
                self.flush()  # earlier sends failed (answered before this one): report them first
            exact_outcome(entry, self._kind, self._id)
        with self._cond:
            self._count += 1
            self._burst.returned()

    def flush(self, timeout_s: float = FLUSH_WAIT_S) -> None:
        """Waits until every send that returned was confirmed, then reports the ones that
        failed."""
        self._wait(lambda core: core.confirmed, timeout_s)
        self.raise_failures()

    def settle(self, timeout_s: float = FLUSH_WAIT_S) -> None:
        """flush(), and give the credit back (waiting for the server's answer): what every other
        operation on the channel object does first, so that it sees its own writes and other
        parties see no reservation of this idle producer."""
        if self.quiet:
            # Nothing in flight, no credit held, nothing to report: a receive loop's common
            # case, without the lock (a send that returned set _stream and its counts first,
            # under the GIL, so the calling thread's own sends are visible here; another
            # thread's send in progress is not this call's to wait for: read-your-writes is per
            # caller).
            return
        with self._cond:
            st = self._stream
            if st is None or (not st.core.reserving and st.core.settled):
                pass
            elif st.core.reserving:
                st.core.request_reserve(0, 0)
                self._cond.notify_all()
        self._wait(lambda core: core.confirmed, timeout_s)
        # The Reserve's answer may queue behind an exact send waiting in the server: waited
        # for, bounded, but never a failure (the credit is given back in any case).
        self._wait(lambda core: core.settled, RELEASE_WAIT_S, fail=False)
        self.raise_failures()

    def _wait(self, done: Callable[[ProducerCore], bool], timeout_s: float,
              fail: bool = True) -> None:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                st = self._stream
                if st is None or st.core.over or done(st.core):
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0 and not fail:
                    return
                if remaining <= 0:
                    st.core.fail(errors.ConnectionLost(
                        f"no confirmation from the server within {timeout_s} s on channel "
                        f"{self._id}", channel_id=self._id))
                    if st.call is not None:
                        st.call.cancel()
                    return
                self._cond.wait(remaining)

    def raise_failures(self) -> None:
        with self._cond:
            err = self._failures.take(self._id)
        if err is not None:
            raise err

    def close_stream(self) -> None:
        """Ends the stream at once (the client is closing; flush() came first)."""
        with self._cond:
            st, self._stream = self._stream, None
        if st is not None and st.call is not None:
            st.call.cancel()

    # -- the stream ----------------------------------------------------------------------------

    def _open(self, reserve: Tuple[int, int]) -> _SyncStream:
        """Opens a stream (under the lock)."""
        st = _SyncStream(ProducerCore(self._id, self._kind, self._failures, reserve))
        self._stream = st
        try:
            st.call = self._stream_call(self._requests(st))
        except ValueError:  # grpcio: the channel is closed
            self._stream = None
            self._client._check_open()
            raise
        threading.Thread(target=self._read, args=(st,), daemon=True,
                         name=f"vertx-channels-produce-{self._id[:12]}").start()
        return st

    def _requests(self, st: _SyncStream) -> Iterator[bytes]:
        core = st.core
        yield core.open_frame()
        cond = self._cond
        while True:
            with cond:
                while True:
                    if core.over:
                        return
                    frame = core.next_frame()
                    if frame is not None:
                        break
                    action, timeout = core.idle_action(time.monotonic() - self._burst.last_send)
                    if action == "reserve0":
                        core.request_reserve(0, 0)
                        continue
                    if action == "end":
                        core.ending = True
                        if self._stream is st:
                            self._stream = None
                        return  # half-close: the server ends the call
                    self._writer_waiting = True
                    cond.wait(timeout)
                    self._writer_waiting = False
            yield frame

    def _read(self, st: _SyncStream) -> None:
        cause: Any = None
        try:
            for frame in st.call:
                with self._cond:
                    st.core.feed(frame)
                    self._cond.notify_all()
        except grpc.RpcError as e:
            cause = e
        except ProtocolError as e:
            cause = e
            st.call.cancel()
        except BaseException as e:  # noqa: BLE001 - reported to the senders
            cause = e
        with self._cond:
            if self._stream is st:
                self._stream = None
            if not (st.core.ending and st.core.drained):
                st.core.fail(stream_error(cause, self._id, self._client._closed,
                                          self._client.target))
            st.core.over = True
            self._cond.notify_all()


# -- the asyncio driver --------------------------------------------------------------------------


class _AioStream:
    def __init__(self, core: ProducerCore) -> None:
        self.core = core
        self.call: Any = None
        self.wake = asyncio.Event()
        self.changed = asyncio.Event()  # set on every server frame (flush waits on it)
        self.reader: "Optional[asyncio.Task[None]]" = None


class AioProducer(_Quiet):
    """The pipelined producer of one asyncio channel object (one event loop, no lock)."""

    def __init__(self, client: Any, channel_id: str, kind: Kind,
                 unary: Callable[[bytes, Optional[int]], Any]) -> None:
        self._client = client
        self._id = channel_id
        self._kind = kind
        self._unary = unary
        self._stream: Optional[_AioStream] = None
        self._failures = Failures()
        self._burst = _Burst()
        self._count = 0
        self._stream_call = stream_call(client._grpc)

    async def send(self, payload: bytes, timeout_ms: Optional[int], burst: bool = False) -> None:
        if self._failures.items:
            await self.flush()  # wait for the rest in flight: one SendFailed lists them all
        if too_large_for_stream(self._client, self._stream, len(payload)):
            await self.flush()  # in order behind what is in flight
            await self._unary(payload, timeout_ms)
            return
        now = time.monotonic()
        st = self._stream
        if st is not None and st.core.over:
            st = self._stream = None
        if st is None or not st.core.reserving:
            if (self._burst.starting(now) or burst) and not self._client._closed:
                if st is None:
                    st = self._open((RESERVE_BYTES, RESERVE_MESSAGES))
                else:
                    st.core.request_reserve(RESERVE_BYTES, RESERVE_MESSAGES)
                    st.wake.set()
        else:
            self._burst.last_send = now
        if st is not None and st.core.reserving:
            if st.core.pending_resets:
                # the answer to our Reserve is one round trip away: wait for it
                await self._wait(lambda core: not (core.pending_resets and core.reserving),
                                 FLUSH_WAIT_S)
            if st.core.credit_coming(len(payload)):
                n = len(payload)
                await self._wait(lambda core: not core.credit_coming(n), FLUSH_WAIT_S, fail=False)
            if st.core.try_reserved(self._count, payload):
                self._count += 1
                if not st.wake.is_set():
                    st.wake.set()
                    # Let the writer run now: a loop of sends that never suspends would keep
                    # the frames queued until it ends, and the confirmations late.
                    await asyncio.sleep(0)
                elif len(st.core.outbox) >= FRAME_MESSAGES:
                    await asyncio.sleep(0)  # let the writer take a frame's worth
                return
        if st is None or st.core.over:
            await self._unary(payload, timeout_ms)
        else:
            # no credit for it: ask the server exactly, in order behind the pipelined sends
            st.core.before_exact()
            entry = _Exact(payload, timeout_ms)
            entry.future = asyncio.get_running_loop().create_future()
            st.core.add_exact(entry)
            st.wake.set()
            await asyncio.shield(entry.future)
            if self._failures.items:
                await self.flush()  # earlier sends failed: report them first
            exact_outcome(entry, self._kind, self._id)
        self._count += 1
        self._burst.returned()

    async def flush(self, timeout_s: float = FLUSH_WAIT_S) -> None:
        await self._wait(lambda core: core.confirmed, timeout_s)
        self.raise_failures()

    async def settle(self, timeout_s: float = FLUSH_WAIT_S) -> None:
        if self.quiet:
            return  # nothing in flight, no credit held, nothing to report: a receive loop's case
        st = self._stream
        if st is not None and st.core.reserving:
            st.core.request_reserve(0, 0)
            st.wake.set()
        await self._wait(lambda core: core.confirmed, timeout_s)
        await self._wait(lambda core: core.settled, RELEASE_WAIT_S, fail=False)
        self.raise_failures()

    async def _wait(self, done: Callable[[ProducerCore], bool], timeout_s: float,
                    fail: bool = True) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            st = self._stream
            if st is None or st.core.over or done(st.core):
                return
            remaining = deadline - loop.time()
            if remaining <= 0 and not fail:
                return
            if remaining <= 0:
                st.core.fail(errors.ConnectionLost(
                    f"no confirmation from the server within {timeout_s} s on channel "
                    f"{self._id}", channel_id=self._id))
                if st.call is not None:
                    st.call.cancel()
                return
            st.changed.clear()
            try:
                await asyncio.wait_for(st.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def raise_failures(self) -> None:
        err = self._failures.take(self._id)
        if err is not None:
            raise err

    async def close_stream(self) -> None:
        """Ends the stream at once (the client is closing; flush() came first) and waits
        (bounded) for its reader to finish."""
        st, self._stream = self._stream, None
        if st is not None and st.call is not None:
            st.call.cancel()
            poller = getattr(st.call, "_async_request_poller", None)
            if poller is not None and not poller.done():
                poller.cancel()
            st.wake.set()
            if st.reader is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(st.reader), 1.0)
                except (asyncio.TimeoutError, asyncio.CancelledError):
                    pass

    def _open(self, reserve: Tuple[int, int]) -> _AioStream:
        st = _AioStream(ProducerCore(self._id, self._kind, self._failures, reserve))
        self._stream = st
        st.call = self._stream_call(self._requests(st))
        st.reader = asyncio.ensure_future(self._read(st))
        return st

    async def _requests(self, st: _AioStream) -> AsyncIterator[bytes]:
        # Frames are produced by this generator (grpc.aio pulls it), never written with
        # call.write(), which can hang when the server ends the call meanwhile.
        core = st.core
        yield core.open_frame()
        while True:
            if core.over:
                return
            frame = core.next_frame()
            if frame is not None:
                yield frame
                continue
            action, timeout = core.idle_action(time.monotonic() - self._burst.last_send)
            if action == "reserve0":
                core.request_reserve(0, 0)
                continue
            if action == "end":
                core.ending = True
                if self._stream is st:
                    self._stream = None
                return
            st.wake.clear()
            try:
                await asyncio.wait_for(st.wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    async def _read(self, st: _AioStream) -> None:
        cause: Any = None
        try:
            while True:
                frame = await st.call.read()
                if frame is grpc.aio.EOF:
                    break
                st.core.feed(frame)
                st.changed.set()
                if st.core.drained:
                    st.wake.set()  # the writer's idle clock starts
        except asyncio.CancelledError:
            cause = None
        except grpc.RpcError as e:
            cause = e
        except ProtocolError as e:
            cause = e
            st.call.cancel()
        except BaseException as e:  # noqa: BLE001 - reported to the senders
            cause = e
        if self._stream is st:
            self._stream = None
        if not (st.core.ending and st.core.drained):
            st.core.fail(stream_error(cause, self._id, self._client._closed, self._client.target))
        st.core.over = True
        st.wake.set()
        st.changed.set()
