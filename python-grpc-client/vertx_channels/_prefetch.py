"""Per-call receives served from a bounded prefetch (``receive``, ``receive_bytes``,
``async_receive``, ``try_receive``; a ``try_receive`` that finds the prefetch empty while
messages the channel held when it opened are still on their way waits up to ``PRIME_WAIT_S``
for them).

* **Exact** (always the first receive of a channel object, and everything when ``ENABLED`` is
  False): the unary ``Receive`` / ``TryReceive`` calls (or the one-message stream of asyncio's
  waiting receive), exactly as before.
* **Prefetch** (a burst): when receives come back to back (the rule of the producer's bursts,
  ``_produce.BURST_SENDS`` / ``BURST_GAP_S``), the channel object opens a consuming Stream marked
  revocable, with a credit window of ``PREFETCH_MESSAGES`` messages (and ``PREFETCH_BYTES`` bytes
  beyond the largest message): the server pushes up to that many messages ahead, each receive
  takes the oldest under one lock (no frame, no thread hop), and what was handed out is
  acknowledged with the credit every half window (and, when a receive finds the prefetch dry
  and waits, once a quarter of it was used, or always on a bounded channel, where handed,
  unacknowledged messages take room a producer may wait for).
* **Order and fairness (S-EXT-REVOKE, S-RECV-4)**: while the prefetch holds messages it did not
  hand out, the server serves no other receiver of the channel. One that wants a message makes
  the server send this stream a Revoke: the reader stops handing out at once, sends an Ack for
  what was handed and half-closes; the server puts the rest back at the head, in order, and
  only then serves the other receiver, oldest first. So every receiver sees channel order and a
  prefetch never keeps a message from a receiver that asks for it; after a revoke the object
  stays exact for ``CONTENDED_S`` (as when Opened shows receivers already waiting). A prefetch
  that does not answer within the server's revoke timeout (1 s) is ended by the server, its
  messages going back to the head (at-least-once, as for a broken stream).
* **Idle**: once no receive is waiting and none came for ``LINGER_S``, the stream is ended (a
  final Ack, then a half-close): the server returns every pushed, unacknowledged message to the
  head of the channel in order (S-EXT-REDELIVER), where any receiver can take it; no other
  receiver got a later message meanwhile (see above), so nobody sees them out of order. A broken
  stream does the same on the server's side, so a prefetched message is never lost.
* A receive that must answer now (``try_receive``, ``receive(0)``) and finds the prefetch empty
  does not answer "empty" from it: a message may be on its way to the prefetch or queued in the
  channel. It ends the stream (waiting for the server to put everything back) and asks the server
  exactly. Iterating (``for m in ch``) on the same object ends it first too, for order.

The credit window and the acknowledgements are :class:`~vertx_channels._base.ConsumerWindow`'s,
the code the iterations use; this module only drives it for one message at a time.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Iterator, List, Optional

import grpc

from . import errors
from ._base import RELEASE_WAIT_S, ConsumerWindow, Kind, MiB, ProtocolError, closed_error
from ._produce import _Burst
from ._proto.vertx.channels.v1 import channels_pb2 as pb

PREFETCH_MESSAGES = 1024
PREFETCH_BYTES = 1 * MiB
# On by default: the server's revoke-before-serve (S-EXT-REVOKE) keeps every receiver's order
# when a prefetch is given back (idle, a try_receive, contention). False: every per-call
# receive is exact.
ENABLED = True
LINGER_S = 0.005
# A prefetch that opens while other receivers wait on the channel (or hold stream credit) is
# ended at once, and receives stay exact for this long; so after a Revoke: with a competing
# consumer on the channel, a prefetch would be revoked again and again (each a round trip).
CONTENDED_S = 1.0
# How long a non-blocking receive waits for pushes it knows are coming: messages the channel held
# when the stream opened that have not arrived yet (normally less than a round trip: the first
# pushes, or the next batch when the loop outruns them). Past it (another receiver took them),
# the session never waits again and the receive asks the server exactly, as always.
PRIME_WAIT_S = 0.2

# _take's answer when the session ended under a waiting receive (given back, or contended):
# the receive goes on exactly.
_EXACT = object()


class _Session:
    """One prefetch stream."""

    def __init__(self, window: ConsumerWindow) -> None:
        self.window = window
        self.outbox: Deque["pb.ClientFrame"] = collections.deque()
        self.call: Any = None
        self.over = False  # the call ended
        self.error: Optional[BaseException] = None  # why, when it was not our ending
        self.ending = False  # we ended it (idle, or asked to)
        self.end_requested = False
        self.waiting = 0  # receives waiting on it
        self.writer_untimed = False  # the writer waits without a timeout (a receive waits)
        self.opened_messages: Optional[int] = None  # messages queued when it opened
        self.may_wait = True  # a non-blocking receive may wait for known pushes (until one timed out)
        self.bounded = True  # the channel has a max_size (known from Opened)
        self.wake: Optional[asyncio.Event] = None  # the asyncio driver's writer wake-up
        self.changed: Optional[asyncio.Event] = None
        self._seen_handed = 0  # the handed count the writer saw last, and when it moved
        self._active_at = time.monotonic()

    def take_next(self) -> Optional[bytes]:
        """The fast path's take: ConsumerWindow.take() inlined (a receive loop's Python cost is
        mostly calls), the Ack + Credit queued when half the window was handed, and no clock
        read (the writer's idle clock sees the handed count move, :meth:`quiet_for`). Under the
        driver's lock (sync) or on its loop (asyncio)."""
        w = self.window
        buf = w._buffer
        if not buf:
            return None
        payload: bytes = buf.popleft()
        w._handed += 1
        used = w._used_messages = w._used_messages + 1
        used_bytes = w._used_bytes = w._used_bytes + len(payload)
        if used * 2 >= w.window_messages or used_bytes * 2 >= w.window_bytes:
            self.outbox.extend(w.control_frames(idle=False))  # clears w.due
        return payload

    def quiet_for(self, now: float, last_call: float) -> float:
        """How long no receive used this session: since the later of ``last_call`` (the last
        receive that went the slow way) and the writer's first sight of the handed count
        moving (the fast path reads no clock). The writer looks at least every LINGER_S, so
        an idle session ends within two of them."""
        handed = self.window._handed
        if handed != self._seen_handed:
            self._seen_handed = handed
            self._active_at = now
        return now - max(last_call, self._active_at)

    @property
    def ready(self) -> bool:
        """The session can answer a non-blocking receive now: a message is at hand, or every
        message the channel held when the stream opened has been pushed (so none is known to be
        on its way), or the session is over or ending."""
        if self.over or self.end_requested or self.ending or self.window.closed:
            return True
        if self.opened_messages is None:
            return False  # the server has not answered the open yet
        return self.window.buffered > 0 or self.window.pushed >= self.opened_messages

    def wait_frames(self) -> List["pb.ClientFrame"]:
        """Before a non-blocking receive waits for pushes it knows are coming: the Ack + Credit
        they may need (see idle_frames)."""
        return self.idle_frames() if self.opened_messages is not None else []

    def open_frame(self) -> "pb.ClientFrame":
        """OpenStream without credit: the window is granted once Opened showed no competing
        receiver (see CONTENDED_S), so nothing is pushed to a prefetch that ends at once."""
        w = self.window
        return pb.ClientFrame(open=pb.OpenStream(channel_id=w.channel_id,
                                                 expected_kind=w.kind.proto, revocable=True))

    def first_credit(self) -> "pb.ClientFrame":
        w = self.window
        # Opened already granted bytes up to the largest message (ConsumerWindow.feed); the
        # window is PREFETCH_BYTES more, so that the credit left covers any message until
        # PREFETCH_BYTES were handed (see idle_frames).
        w.window_bytes += PREFETCH_BYTES
        return pb.ClientFrame(credit=pb.Credit(messages=w.window_messages,
                                               bytes=2 * PREFETCH_BYTES))

    def idle_frames(self) -> List["pb.ClientFrame"]:
        """Ack + Credit when a receive finds the prefetch dry and is about to wait, but only
        when the server may be waiting for them: on a bounded channel always (handed messages
        not acknowledged take room, and a producer may wait for it), else when a quarter of the
        messages or of the byte slack was used. Otherwise the credit left covers any message
        and a frame would only cost a thread hop per wait (the consumer often outruns the
        pushes)."""
        w = self.window
        if (not self.bounded and w._used_messages * 4 < w.window_messages
                and w._used_bytes * 4 < PREFETCH_BYTES):
            return []
        return w.control_frames(idle=True)

    def push_after_take(self) -> bool:
        """Queues the frames due after a message was taken; True when there are some. Ack and
        credit go out every half window (the window bounds what is held unacknowledged), and
        when a receive finds the prefetch dry and waits (``control_frames(idle=True)``): never
        a frame per message."""
        if self.window.due:
            self.outbox.extend(self.window.control_frames(idle=False))
            return True
        return False

    def revoked(self) -> None:
        """The server's Revoke (another receiver wants a message, S-EXT-REVOKE): nothing more is
        handed out from here; an Ack for what was handed goes out, then the half-close, and the
        server gives everything else back to the head, for that receiver."""
        self.outbox.extend(self.window.final_frames())
        self.ending = True

    def failure(self, channel_id: str) -> BaseException:
        if self.error is not None:
            return self.error
        return errors.ConnectionLost(f"the prefetch stream on channel {channel_id} ended",
                                     channel_id=channel_id)


def _end_error(e: Any, channel_id: str, closed_client: bool, target: str) -> BaseException:
    if closed_client:
        return errors.ClientClosed(f"the client of {target} is closed", channel_id=channel_id)
    if isinstance(e, grpc.RpcError):
        return errors.from_rpc_error(e, channel_id=channel_id, operation="receive")
    if isinstance(e, BaseException):
        return e
    return errors.ConnectionLost(f"the server ended the prefetch stream on channel {channel_id}",
                                 channel_id=channel_id)


def _contended(frame: "pb.ServerFrame") -> bool:
    """An Opened frame that shows other receivers on the channel (this stream not counted)."""
    return frame.WhichOneof("frame") == "opened" and frame.opened.info.waiting_receivers > 0


def _on_revoke(owner: Any, s: "_Session") -> None:
    """The server's Revoke on ``s`` (either driver, under its lock or on its loop): the session
    hands out nothing more and gives the rest back, and the owner stays exact for CONTENDED_S."""
    if not s.ending:
        s.revoked()
    if owner._session is s:
        owner._session = None
    owner._contended_until = time.monotonic() + CONTENDED_S


def _left_ms(deadline: Optional[float], now: float) -> int:
    """What is left of a receive's timeout, in ms (-1 = forever; 0 = it passed)."""
    if deadline is None:
        return -1
    return max(0, int((deadline - now) * 1000))


def _cancel_aio(call: Any) -> None:
    """Cancels a grpc.aio stream call, and its request poller (which grpc.aio may leave
    waiting on our generator when the call was over already)."""
    call.cancel()
    poller = getattr(call, "_async_request_poller", None)
    if poller is not None and not poller.done():
        poller.cancel()


def _timeout(channel_id: str, timeout_ms: int) -> TimeoutError:
    return TimeoutError(f"receive timed out after {timeout_ms} ms on channel {channel_id}")


# -- the sync client ----------------------------------------------------------------------------


class SyncPrefetcher:
    """The prefetch of one sync channel object; thread-safe (one condition variable shared by
    the application's threads, grpcio's request thread and the reader thread). Serves the sync
    receives and the sync client's ``async_receive`` (woken thread-safely on its loop)."""

    def __init__(self, client: Any, channel_id: str, kind: Kind) -> None:
        self._client = client
        self._id = channel_id
        self._kind = kind
        # The condition's own lock, held directly on the fast path (a C-level context manager;
        # the Condition's __enter__ is one Python call more per receive).
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._session: Optional[_Session] = None
        self._burst = _Burst()
        self._wakers: List[Callable[[], None]] = []
        self._contended_until = 0.0
        self._last: Optional[_Session] = None  # the latest session (maybe ending)

    # -- entry points --------------------------------------------------------------------------

    def take_prefetched(self) -> Optional[bytes]:
        """The fast path of a burst of waiting receives: the oldest prefetched message under one
        lock, no frame (acks go every half window); None when there is none at hand (then the
        caller goes the full way, :meth:`receive`)."""
        s = self._session
        if s is None:
            return None
        with self._lock:
            if s is not self._session:
                return None
            payload = s.take_next()
            if payload is not None and s.outbox:
                self._cond.notify_all()  # an Ack + Credit is queued: the writer sends it
            return payload

    def receive(self, timeout_ms: int, exact: Callable[[int], bytes]) -> bytes:
        """A waiting receive (``timeout_ms`` < 0 = forever; 0 = answer now)."""
        if timeout_ms != 0:
            payload = self.take_prefetched()
            if payload is not None:
                return payload
        s = self._begin(start=timeout_ms != 0)
        if s is None or timeout_ms == 0:
            payload = self._now(s)
            if payload is not None:
                return payload
            result = exact(timeout_ms)
            self._returned()
            return result
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000.0
        with self._cond:
            s.waiting += 1
            try:
                while True:
                    payload = self._take(s)
                    if payload is _EXACT:
                        break
                    if payload is not None:
                        return payload
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise _timeout(self._id, timeout_ms)
                    self._cond.wait(remaining)
            finally:
                s.waiting -= 1
                self._burst.last_send = time.monotonic()
                if s.writer_untimed and s.waiting == 0:
                    self._cond.notify_all()  # the writer's idle clock starts
        left = _left_ms(deadline, time.monotonic())
        if left == 0:
            raise _timeout(self._id, timeout_ms)
        return exact(left)

    def try_receive(self, exact: Callable[[], Any]) -> Any:
        """A non-blocking receive: from the prefetch if it holds a message, else exact."""
        s = self._begin(start=True)
        if s is not None and s.may_wait:
            with self._cond:
                if not s.ready:
                    # Messages the channel held at the open are still on their way here: wait
                    # for them rather than give the prefetch back (a round trip, and the next
                    # receives exact). Bounded: past PRIME_WAIT_S (another receiver took them),
                    # this session never waits again and the receive asks the server exactly.
                    s.waiting += 1  # not idle meanwhile
                    frames = s.wait_frames()
                    if frames:
                        s.outbox.extend(frames)
                        self._cond.notify_all()
                    deadline = time.monotonic() + PRIME_WAIT_S
                    while not s.ready and time.monotonic() < deadline:
                        self._cond.wait(deadline - time.monotonic())
                    s.may_wait = s.ready
                    s.waiting -= 1
                    self._burst.last_send = time.monotonic()
        payload = self._now(s)
        if payload is not None:
            return payload
        result = exact()
        self._returned()
        return result

    async def async_receive(self, timeout_ms: int,
                            exact: Callable[[int], Awaitable[bytes]]) -> bytes:
        """``async_receive`` of the sync client: waits on the running loop, woken by the reader
        thread. The message is taken in this coroutine, under the lock, so a cancellation never
        loses one (S-FIX-CANCEL)."""
        s = self._begin(start=timeout_ms != 0)
        if s is None or timeout_ms == 0:
            payload = self._now(s)
            if payload is not None:
                return payload
            result = await exact(timeout_ms)
            self._returned()
            return result
        loop = asyncio.get_running_loop()
        deadline = None if timeout_ms < 0 else loop.time() + timeout_ms / 1000.0
        while True:
            fut: "asyncio.Future[None]" = loop.create_future()

            def wake(fut: "asyncio.Future[None]" = fut) -> None:
                def done() -> None:
                    if not fut.done():
                        fut.set_result(None)
                try:
                    loop.call_soon_threadsafe(done)
                except RuntimeError:  # the loop is closed
                    pass

            with self._cond:
                payload = self._take(s)
                if payload is _EXACT:
                    left = _left_ms(deadline, loop.time())
                    if left == 0:
                        raise _timeout(self._id, timeout_ms)
                    return await exact(left)
                if payload is not None:
                    return payload
                s.waiting += 1
                self._wakers.append(wake)
            try:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    raise _timeout(self._id, timeout_ms)
                try:
                    await asyncio.wait_for(fut, remaining)
                except asyncio.TimeoutError:
                    pass
            finally:
                with self._cond:
                    s.waiting -= 1
                    if wake in self._wakers:
                        self._wakers.remove(wake)
                    self._burst.last_send = time.monotonic()
                    self._cond.notify_all()

    def end(self) -> None:
        """Ends the prefetch stream, if any, and waits (bounded) until the server put back what
        it held: before an iteration or an exact receive on the same object."""
        with self._cond:
            s = self._session or self._last  # the latest may be ending already: wait for it
            if s is None or s.over:
                return
            if self._session is s:
                self._session = None
            s.end_requested = True
            self._cond.notify_all()
            deadline = time.monotonic() + RELEASE_WAIT_S
            while not s.over:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
        if not s.over and s.call is not None:
            s.call.cancel()

    def close_stream(self) -> None:
        """Ends the prefetch stream at once (the client is closing)."""
        with self._cond:
            s, self._session = self._session, None
            if s is not None:
                s.over = True
                self._cond.notify_all()
        if s is not None and s.call is not None:
            s.call.cancel()

    # -- internals -----------------------------------------------------------------------------

    def _begin(self, start: bool) -> Optional[_Session]:
        with self._cond:
            now = time.monotonic()
            s = self._session
            if s is not None and s.over:
                s = self._session = None
            last = self._last
            if s is None and last is not None and not last.over:
                # A session is ending (idle): what it holds goes back to the head when the
                # server ends the call; an exact receive before that could overtake it.
                deadline = now + RELEASE_WAIT_S
                while not last.over and time.monotonic() < deadline:
                    self._cond.wait(deadline - time.monotonic())
            if s is None:
                if (ENABLED and start and self._burst.starting(now) and not self._client._closed
                    and now >= self._contended_until):
                    s = self._open()
            else:
                self._burst.last_send = now
            return s

    def _returned(self) -> None:
        with self._cond:
            self._burst.returned()

    def _now(self, s: Optional[_Session]) -> Optional[bytes]:
        """A message from the prefetch if it has one; otherwise the prefetch is ended (so that
        the exact call that follows sees everything in order) and None is returned."""
        if s is None:
            return None
        with self._cond:
            payload = s.window.take()
            if payload is not None:
                if s.push_after_take():
                    self._cond.notify_all()
                return payload
            if s.window.at_end and not s.ending:  # once ending, the buffer was given back
                raise closed_error(self._kind, self._id, "receive")
        self.end()
        return None

    def _take(self, s: _Session) -> Any:
        """Under the lock: the next message, None (frames for an idle window queued), or _EXACT
        when the session ended under the receive; raises at the end of the channel or when the
        stream failed."""
        payload = s.window.take()
        if payload is not None:
            if s.push_after_take():
                self._cond.notify_all()
            return payload
        if s.window.at_end and not s.ending:  # once ending, the buffer was given back
            raise closed_error(self._kind, self._id, "receive")
        if s.ending or s.end_requested:
            return _EXACT
        if s.over:
            if self._session is s:
                self._session = None
            raise s.failure(self._id)
        frames = s.idle_frames()
        if frames:
            s.outbox.extend(frames)
            self._cond.notify_all()
        return None

    def _open(self) -> _Session:
        window = ConsumerWindow(self._id, self._kind, PREFETCH_MESSAGES, PREFETCH_BYTES)
        s = _Session(window)
        self._session = self._last = s
        try:
            s.call = self._client._stub.Stream(self._requests(s))
        except ValueError:
            self._session = None
            self._client._check_open()
            raise
        threading.Thread(target=self._read, args=(s,), daemon=True,
                         name=f"vertx-channels-prefetch-{self._id[:12]}").start()
        return s

    def _requests(self, s: _Session) -> Iterator["pb.ClientFrame"]:
        yield s.open_frame()
        cond = self._cond
        while True:
            with cond:
                while True:
                    if s.over:
                        return
                    if s.outbox:
                        frame = s.outbox.popleft()
                        break
                    if s.ending:
                        return  # the final frames were written: half-close
                    quiet = s.quiet_for(time.monotonic(), self._burst.last_send)
                    if s.end_requested or (s.waiting == 0 and quiet >= LINGER_S):
                        s.ending = True
                        if self._session is s:
                            self._session = None
                        s.outbox.extend(s.window.final_frames())
                        continue
                    s.writer_untimed = s.waiting > 0
                    cond.wait(None if s.waiting else LINGER_S - quiet)
                    s.writer_untimed = False
            yield frame

    def _read(self, s: _Session) -> None:
        cause: Any = None
        try:
            for frame in s.call:
                with self._cond:
                    if frame.WhichOneof("frame") == "revoke":
                        _on_revoke(self, s)
                        self._cond.notify_all()
                        for wake in self._wakers:
                            wake()
                        continue
                    s.outbox.extend(s.window.feed(frame))
                    if frame.WhichOneof("frame") == "opened":
                        s.opened_messages = frame.opened.info.messages
                        s.bounded = frame.opened.info.max_size > 0
                        if _contended(frame):
                            s.end_requested = True
                            self._contended_until = time.monotonic() + CONTENDED_S
                        else:
                            s.outbox.append(s.first_credit())
                    self._cond.notify_all()
                    for wake in self._wakers:
                        wake()
        except grpc.RpcError as e:
            cause = e
        except ProtocolError as e:
            cause = e
            s.call.cancel()
        except BaseException as e:  # noqa: BLE001 - reported to the receivers
            cause = e
        with self._cond:
            s.over = True
            if not s.ending:
                s.error = _end_error(cause, self._id, self._client._closed, self._client.target)
            if self._session is s:
                self._session = None
            self._cond.notify_all()
            for wake in self._wakers:
                wake()


# -- the asyncio client -------------------------------------------------------------------------


class AioPrefetcher:
    """The prefetch of one asyncio channel object (one event loop)."""

    def __init__(self, client: Any, channel_id: str, kind: Kind) -> None:
        self._client = client
        self._id = channel_id
        self._kind = kind
        self._session: Optional[_Session] = None
        self._burst = _Burst()
        self._contended_until = 0.0
        self._last: Optional[_Session] = None  # the latest session (maybe ending)

    def take_prefetched(self) -> Optional[bytes]:
        """The fast path of a burst of waiting receives (see the sync one): the oldest
        prefetched message, no await, no frame; None when there is none at hand."""
        s = self._session
        if s is None or s.over or s.ending:
            return None
        payload = s.take_next()
        if payload is not None and s.outbox:
            self._wake(s)
        return payload

    async def receive(self, timeout_ms: int, exact: Callable[[int], Awaitable[bytes]]) -> bytes:
        s = await self._begin(start=timeout_ms != 0)
        if s is None or timeout_ms == 0:
            payload = await self._now(s)
            if payload is not None:
                return payload
            result = await exact(timeout_ms)
            self._burst.returned()
            return result
        loop = asyncio.get_running_loop()
        deadline = None if timeout_ms < 0 else loop.time() + timeout_ms / 1000.0
        assert s.changed is not None
        s.waiting += 1
        try:
            while True:
                payload = self._take(s)
                if payload is _EXACT:
                    break
                if payload is not None:
                    return payload
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    raise _timeout(self._id, timeout_ms)
                s.changed.clear()
                try:
                    await asyncio.wait_for(s.changed.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
        finally:
            s.waiting -= 1
            self._burst.last_send = time.monotonic()
            self._wake(s)
        left = _left_ms(deadline, loop.time())
        if left == 0:
            raise _timeout(self._id, timeout_ms)
        return await exact(left)

    async def try_receive(self, exact: Callable[[], Awaitable[Any]]) -> Any:
        s = await self._begin(start=True)
        if s is not None and s.may_wait and not s.ready:
            # known pushes on their way: wait for them, bounded (see the sync one)
            assert s.changed is not None
            loop = asyncio.get_running_loop()
            deadline = loop.time() + PRIME_WAIT_S
            s.waiting += 1  # not idle meanwhile
            frames = s.wait_frames()
            if frames:
                s.outbox.extend(frames)
                self._wake(s)
            try:
                while not s.ready and loop.time() < deadline:
                    s.changed.clear()
                    try:
                        await asyncio.wait_for(s.changed.wait(), deadline - loop.time())
                    except asyncio.TimeoutError:
                        pass
            finally:
                s.waiting -= 1
                self._burst.last_send = time.monotonic()
            s.may_wait = s.ready
        payload = await self._now(s)
        if payload is not None:
            return payload
        result = await exact()
        self._burst.returned()
        return result

    async def end(self) -> None:
        s = self._session or self._last  # the latest may be ending already: wait for it
        if s is None or s.over:
            return
        if self._session is s:
            self._session = None
        s.end_requested = True
        self._wake(s)
        assert s.changed is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RELEASE_WAIT_S
        while not s.over:
            remaining = deadline - loop.time()
            if remaining <= 0:
                if s.call is not None:
                    s.call.cancel()
                return
            s.changed.clear()
            try:
                await asyncio.wait_for(s.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def close_stream(self) -> None:
        """Ends the prefetch stream at once (the client is closing): the server gives back
        what it pushed and was not acknowledged."""
        s, self._session = self._session, None
        if s is not None and s.call is not None:
            _cancel_aio(s.call)
            self._wake(s)

    def _wake(self, s: _Session) -> None:
        if s.wake is not None:
            s.wake.set()

    async def _begin(self, start: bool) -> Optional[_Session]:
        s = self._session
        if s is not None and s.over:
            s = self._session = None
        last = self._last
        if s is None and last is not None and not last.over:
            # an ending session: let the server put back what it holds first (see the sync one)
            assert last.changed is not None
            loop = asyncio.get_running_loop()
            deadline = loop.time() + RELEASE_WAIT_S
            while not last.over and loop.time() < deadline:
                last.changed.clear()
                try:
                    await asyncio.wait_for(last.changed.wait(), deadline - loop.time())
                except asyncio.TimeoutError:
                    pass
            s = self._session
        now = time.monotonic()
        if s is None:
            if (ENABLED and start and self._burst.starting(now) and not self._client._closed
                    and now >= self._contended_until):
                s = self._open()
        else:
            self._burst.last_send = now
        return s

    async def _now(self, s: Optional[_Session]) -> Optional[bytes]:
        if s is None:
            return None
        payload = s.window.take()
        if payload is not None:
            if s.push_after_take():
                self._wake(s)
            return payload
        if s.window.at_end and not s.ending:  # once ending, the buffer was given back
            raise closed_error(self._kind, self._id, "receive")
        await self.end()
        return None

    def _take(self, s: _Session) -> Any:
        payload = s.window.take()
        if payload is not None:
            if s.push_after_take():
                self._wake(s)
            return payload
        if s.window.at_end and not s.ending:  # once ending, the buffer was given back
            raise closed_error(self._kind, self._id, "receive")
        if s.ending or s.end_requested:
            return _EXACT
        if s.over:
            if self._session is s:
                self._session = None
            raise s.failure(self._id)
        frames = s.idle_frames()
        if frames:
            s.outbox.extend(frames)
            self._wake(s)
        return None

    def _open(self) -> _Session:
        window = ConsumerWindow(self._id, self._kind, PREFETCH_MESSAGES, PREFETCH_BYTES)
        s = _Session(window)
        s.wake = asyncio.Event()
        s.changed = asyncio.Event()
        self._session = self._last = s
        s.call = self._client._stub.Stream(self._requests(s))
        asyncio.ensure_future(self._read(s))
        return s

    async def _requests(self, s: _Session) -> AsyncIterator["pb.ClientFrame"]:
        # Produced by this generator (grpc.aio pulls it), never with call.write().
        yield s.open_frame()
        assert s.wake is not None
        while True:
            if s.over:
                return
            if s.outbox:
                yield s.outbox.popleft()
                continue
            if s.ending:
                return
            quiet = s.quiet_for(time.monotonic(), self._burst.last_send)
            if s.end_requested or (s.waiting == 0 and quiet >= LINGER_S):
                s.ending = True
                if self._session is s:
                    self._session = None
                s.outbox.extend(s.window.final_frames())
                continue
            s.wake.clear()
            try:
                await asyncio.wait_for(s.wake.wait(), None if s.waiting else LINGER_S - quiet)
            except asyncio.TimeoutError:
                pass

    async def _read(self, s: _Session) -> None:
        cause: Any = None
        assert s.changed is not None
        try:
            while True:
                frame = await s.call.read()
                if frame is grpc.aio.EOF:
                    break
                if frame.WhichOneof("frame") == "revoke":
                    _on_revoke(self, s)
                    self._wake(s)
                    s.changed.set()
                    continue
                s.outbox.extend(s.window.feed(frame))
                if frame.WhichOneof("frame") == "opened":
                    s.opened_messages = frame.opened.info.messages
                    s.bounded = frame.opened.info.max_size > 0
                    if _contended(frame):
                        s.end_requested = True
                        self._contended_until = time.monotonic() + CONTENDED_S
                    else:
                        s.outbox.append(s.first_credit())
                self._wake(s)
                s.changed.set()
        except asyncio.CancelledError:
            cause = None
        except grpc.RpcError as e:
            cause = e
        except ProtocolError as e:
            cause = e
            s.call.cancel()
        except BaseException as e:  # noqa: BLE001 - reported to the receivers
            cause = e
        s.over = True
        if not s.ending:
            s.error = _end_error(cause, self._id, self._client._closed, self._client.target)
        if self._session is s:
            self._session = None
        self._wake(s)
        s.changed.set()
