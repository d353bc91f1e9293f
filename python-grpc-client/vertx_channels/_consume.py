"""Receiving with the Stream rpc: iteration (``for m in ch``, ``async for m in ch``) and the
cancellation-safe waiting receive of asyncio code.

A stream session is a :class:`~vertx_channels._base.ConsumerWindow` (credit and acks, no I/O)
driven by a loop, over one of two transports:

* ``ThreadStream`` (grpcio's sync API: grpcio's request thread pulls frames from a queue; the
  blocking iteration reads the server's frames in its own thread, the asyncio paths over a sync
  client get them from a reader thread through a callback) and ``AioStream`` (grpc.aio: the
  request side is an async generator, the form of the call that never awaits ``call.write()``,
  and a reader task hands the server's frames to a callback);
* ``iterate_blocking`` / ``iterate_async``: generators that hand payloads to the application one
  by one; ``receive_once_async``: one message with a credit of one.

Ending a session (end of channel, ``break``, an exception, a cancelled task, a timeout) sends an
Ack for everything handed to the application and then half-closes the call. The server processes
frames in order, so the Ack counts; on the half-close it gives every pushed, unacknowledged
message back to the head of the channel (S-EXT-REDELIVER) and ends the call with OK. The client
waits for that end (one round trip, bounded) so that the next consumer finds the messages back
in place. No call is cancelled on the normal paths: cancelling sends an HTTP/2 RST_STREAM, and
servers limit how many of those a connection may send (rapid-reset protection).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, List, Optional

import grpc

from . import errors
from ._base import RELEASE_WAIT_S, ConsumerWindow, ProtocolError
from ._proto.vertx.channels.v1 import channels_pb2 as pb

# Put in an inbox when the server's frames end (the call finished or was cancelled).
EOF = object()


class ThreadStream:
    """A Stream call on a sync grpc channel.

    With ``deliver``, a reader thread hands every server frame to it (for consumers that wait
    on something else too, such as an asyncio loop). Without, the consumer's own thread reads
    with :meth:`read`: one thread hand-off less per frame, which is what a blocking iteration's
    latency is made of."""

    def __init__(self, stub: Any, first_frame: "pb.ClientFrame",
                 deliver: Optional[Callable[[Any], None]], name: str) -> None:
        self._requests: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._deliver = deliver
        self._cancelled = False
        self._over = False  # the server's frames ended (direct reading)
        self._on_flushed: Optional[Callable[[], None]] = None
        self._flush_lock = threading.Lock()
        self._call = stub.Stream(self._request_iter(first_frame))
        self._reader: Optional[threading.Thread] = None
        if deliver is not None:
            self._reader = threading.Thread(target=self._read, name=name, daemon=True)
            self._reader.start()

    def read(self) -> Any:
        """Direct reading: the next server frame, else EOF or the failure (as a value)."""
        try:
            return next(self._call)
        except StopIteration:
            item: Any = EOF
        except grpc.RpcError as e:
            item = EOF if self._cancelled else e
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            item = e
        self._over = True
        self._fire_flushed()  # the call is over: nothing more will be written
        return item

    def _request_iter(self, first: "pb.ClientFrame") -> Iterator["pb.ClientFrame"]:
        yield first
        while True:
            item = self._requests.get()
            if item is None:
                # grpcio asks for the next frame only once the previous one was written
                self._fire_flushed()
                return  # grpcio half-closes the call
            yield item

    def _fire_flushed(self) -> None:
        with self._flush_lock:
            callback, self._on_flushed = self._on_flushed, None
        if callback is not None:
            callback()

    def _read(self) -> None:
        deliver = self._deliver
        assert deliver is not None  # the reader thread runs only with a callback
        try:
            for frame in self._call:
                deliver(frame)
        except grpc.RpcError as e:
            deliver(EOF if self._cancelled else e)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            deliver(e)
        else:
            deliver(EOF)
        finally:
            self._fire_flushed()  # the call is over: nothing more will be written

    def send(self, frame: "pb.ClientFrame") -> None:
        self._requests.put(frame)

    def end(self, frames: List["pb.ClientFrame"],
            on_flushed: Optional[Callable[[], None]] = None) -> None:
        """Sends the last frames and half-closes the call; the server then ends it.
        ``on_flushed`` is called (from a grpcio thread) once they were written or the call is
        over."""
        self._on_flushed = on_flushed
        for frame in frames:
            self._requests.put(frame)
        self._requests.put(None)
        if (not self._reader.is_alive()) if self._reader is not None else self._over:
            self._fire_flushed()

    def cancel(self) -> None:
        """Ends the call at once (RST_STREAM); a no-op on a call that already ended."""
        self._cancelled = True
        self._requests.put(None)  # ends grpcio's request thread
        self._call.cancel()


class AioStream:
    """A Stream call on a grpc.aio channel (must be created inside the running loop)."""

    def __init__(self, stub: Any, first_frame: "pb.ClientFrame",
                 deliver: Callable[[Any], None], name: str) -> None:
        self._requests: "asyncio.Queue[Any]" = asyncio.Queue()
        self._deliver = deliver
        self._cancelled = False
        self._on_flushed: Optional[Callable[[], None]] = None
        self._call = stub.Stream(self._request_iter(first_frame))
        self._reader = asyncio.ensure_future(self._read())

    async def _request_iter(self, first: "pb.ClientFrame") -> AsyncIterator["pb.ClientFrame"]:
        yield first
        while True:
            item = await self._requests.get()
            if item is None:
                # grpc.aio asks for the next frame only once the previous one was written
                self._fire_flushed()
                return  # grpc.aio half-closes the call
            yield item

    def _fire_flushed(self) -> None:
        callback, self._on_flushed = self._on_flushed, None
        if callback is not None:
            callback()

    async def _read(self) -> None:
        try:
            while True:
                frame = await self._call.read()
                if frame is grpc.aio.EOF:
                    self._deliver(EOF)
                    return
                self._deliver(frame)
        except asyncio.CancelledError:
            # grpc.aio raises CancelledError when the call was cancelled locally (by us, or by
            # the client's channel closing); the consumer sees the end of the frames.
            self._deliver(EOF)
        except grpc.RpcError as e:
            self._deliver(EOF if self._cancelled else e)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            self._deliver(e)
        finally:
            self._fire_flushed()  # the call is over: nothing more will be written

    def send(self, frame: "pb.ClientFrame") -> None:
        self._requests.put_nowait(frame)

    def end(self, frames: List["pb.ClientFrame"],
            on_flushed: Optional[Callable[[], None]] = None) -> None:
        """Sends the last frames and half-closes the call; the server then ends it. A call the
        server does not end within RELEASE_WAIT_S is cancelled. ``on_flushed`` is called once
        the frames were written or the call is over."""
        self._on_flushed = on_flushed
        if self._reader.done():
            self._fire_flushed()
        for frame in frames:
            self._requests.put_nowait(frame)
        self._requests.put_nowait(None)
        asyncio.get_running_loop().call_later(RELEASE_WAIT_S, self._cancel_if_running)

    def _cancel_if_running(self) -> None:
        if not self._call.done():
            self.cancel()

    def cancel(self) -> None:
        """Ends the call at once (RST_STREAM); a no-op on a call that already ended."""
        self._cancelled = True
        self._requests.put_nowait(None)  # ends the request generator
        self._call.cancel()
        # If the server had already ended the call, grpc.aio leaves its request poller waiting;
        # the None above lets it finish, this makes sure of it.
        poller = getattr(self._call, "_async_request_poller", None)
        if poller is not None and not poller.done():
            poller.cancel()


def _stream_failure(window: ConsumerWindow, item: Any, closed_client: bool) -> BaseException:
    if closed_client:
        return errors.ClientClosed(
            f"the client was closed while receiving from channel {window.channel_id}",
            channel_id=window.channel_id)
    if item is EOF:
        return errors.ConnectionLost(
            f"the server ended the stream on channel {window.channel_id} before the channel "
            f"was closed", channel_id=window.channel_id)
    if isinstance(item, grpc.RpcError):
        return errors.from_rpc_error(item, channel_id=window.channel_id, operation="receive")
    failure: BaseException = item
    return failure


def _async_inbox(threaded: bool) -> "tuple[asyncio.Queue[Any], Callable[[Any], None]]":
    """A queue on the running loop and the callback that fills it (thread-safe if asked)."""
    loop = asyncio.get_running_loop()
    inbox: "asyncio.Queue[Any]" = asyncio.Queue()
    if not threaded:
        return inbox, inbox.put_nowait

    def deliver(item: Any) -> None:
        try:
            loop.call_soon_threadsafe(inbox.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            pass

    return inbox, deliver


# -- iteration ---------------------------------------------------------------------------------


def iterate_blocking(window: ConsumerWindow, stream_factory: Callable[..., ThreadStream],
                     is_client_closed: Callable[[], bool]) -> Iterator[Any]:
    """The sync consumer loop: yields decoded messages until the channel is closed and drained."""
    stream = stream_factory(window.open_frame(), None)  # read in this thread: stream.read()
    ended = False  # the call is over (the server's frames ended)
    try:
        decode = window.kind.decode
        while True:
            payload = window.take()
            if payload is None:
                if window.at_end:
                    return
                for frame in window.control_frames(idle=True):
                    stream.send(frame)
                item = stream.read()
                if not isinstance(item, pb.ServerFrame):
                    ended = True
                    raise _stream_failure(window, item, is_client_closed())
                for frame in window.feed(item):
                    stream.send(frame)
                continue
            try:
                value = decode(payload)
            except BaseException:
                window.untake(payload)  # not handed: nothing undecodable is acknowledged
                raise
            if window.due:
                for frame in window.control_frames(idle=False):
                    stream.send(frame)
            yield value
    except ProtocolError:
        stream.cancel()
        ended = True
        raise
    finally:
        if not ended:
            stream.end(window.final_frames())
            # Wait for the server to end the call (the rest is then back in place), bounded: a
            # server that does not answer within RELEASE_WAIT_S gets the call cancelled.
            timer = threading.Timer(RELEASE_WAIT_S, stream.cancel)
            timer.daemon = True
            timer.start()
            try:
                while isinstance(stream.read(), pb.ServerFrame):
                    pass
            finally:
                timer.cancel()


async def iterate_async(window: ConsumerWindow, stream_factory: Callable[..., Any],
                        is_client_closed: Callable[[], bool],
                        threaded: bool,
                        before: Optional[Callable[[], Awaitable[None]]] = None,
                        ) -> AsyncIterator[Any]:
    """The asyncio consumer loop. ``threaded``: the transport delivers frames from another
    thread (the sync client's ThreadStream), so they are passed to this loop thread-safely.
    ``before`` is awaited first (the channel object's pending sends are confirmed)."""
    if before is not None:
        await before()
    inbox, deliver = _async_inbox(threaded)
    stream = stream_factory(window.open_frame(), deliver)
    ended = False
    try:
        decode = window.kind.decode
        while True:
            payload = window.take()
            if payload is None:
                if window.at_end:
                    return
                for frame in window.control_frames(idle=True):
                    stream.send(frame)
                item = await inbox.get()
                if not isinstance(item, pb.ServerFrame):
                    ended = True
                    raise _stream_failure(window, item, is_client_closed())
                for frame in window.feed(item):
                    stream.send(frame)
                continue
            try:
                value = decode(payload)
            except BaseException:
                window.untake(payload)  # not handed: nothing undecodable is acknowledged
                raise
            if window.due:
                for frame in window.control_frames(idle=False):
                    stream.send(frame)
            yield value
    except ProtocolError:
        stream.cancel()
        ended = True
        raise
    finally:
        if not ended:
            stream.end(window.final_frames())
            await _wait_end(stream, inbox)


async def _wait_end(stream: Any, inbox: "asyncio.Queue[Any]") -> None:
    """Waits (bounded) for the server to end a half-closed call; cancels it otherwise."""
    async def ended() -> None:
        while isinstance(await inbox.get(), pb.ServerFrame):
            pass

    try:
        await asyncio.wait_for(ended(), RELEASE_WAIT_S)
    except asyncio.TimeoutError:
        stream.cancel()
    except BaseException:
        stream.cancel()  # cancelled again while waiting: end the call now
        raise


# -- one receive ---------------------------------------------------------------------------------


async def receive_once_async(window: ConsumerWindow, stream_factory: Callable[..., Any],
                             is_client_closed: Callable[[], bool], threaded: bool,
                             timeout_ms: int) -> bytes:
    """One receive over a Stream session with a credit of one message: the cancellation-safe
    waiting receive of asyncio code (S-FIX-CANCEL). A message that arrives is acknowledged and
    returned (the call ends in the background). When the awaiting task is cancelled or the
    timeout passes first, the call is half-closed without an acknowledgement, so a message
    pushed meanwhile goes back to the head of the channel instead of being lost in flight.

    Raises the kind's ChannelClosed when the channel is closed and empty, TimeoutError when
    ``timeout_ms`` (> 0) passes first; ``timeout_ms < 0`` waits forever."""
    loop = asyncio.get_running_loop()
    inbox, deliver = _async_inbox(threaded)
    stream = stream_factory(window.open_frame(), deliver)
    deadline = None if timeout_ms < 0 else loop.time() + timeout_ms / 1000.0
    outcome = "give back"  # how the call ends: "give back", "delivered" or "over"
    try:
        while True:
            payload = window.peek()
            if payload is not None:
                window.commit()
                outcome = "delivered"
                await _end_delivered(stream, window, loop, threaded)
                return payload
            if window.at_end:
                what = "byte channel" if window.kind.name == "bytes" else "channel"
                raise window.kind.closed_error(
                    f"{what} {window.channel_id} is closed and empty", channel_id=window.channel_id)
            if deadline is None:
                item = await inbox.get()
            else:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(
                        f"receive timed out after {timeout_ms} ms on channel {window.channel_id}")
                try:
                    item = await asyncio.wait_for(inbox.get(), remaining)
                except asyncio.TimeoutError:
                    continue
            if not isinstance(item, pb.ServerFrame):
                outcome = "over"
                raise _stream_failure(window, item, is_client_closed())
            for frame in window.feed(item):
                stream.send(frame)
    except ProtocolError:
        outcome = "over"
        stream.cancel()
        raise
    finally:
        if outcome == "give back":
            stream.end(window.final_frames())  # nothing handed: a plain half-close
            await _wait_end(stream, inbox)


async def _end_delivered(stream: Any, window: ConsumerWindow, loop: asyncio.AbstractEventLoop,
                         threaded: bool) -> None:
    """Acknowledges the message about to be returned and half-closes the call; waits until the
    Ack is written (no round trip), so that closing the client right after cannot cancel the
    call before the server saw the Ack (which would return the message to the channel too).
    The server ends the call in the background."""
    flushed: "asyncio.Future[None]" = loop.create_future()

    def done() -> None:
        if not flushed.done():
            flushed.set_result(None)

    if threaded:
        def on_flushed() -> None:
            try:
                loop.call_soon_threadsafe(done)
            except RuntimeError:  # the loop is closed
                pass
    else:
        on_flushed = done
    stream.end(window.final_frames(), on_flushed)
    try:
        await asyncio.wait_for(asyncio.shield(flushed), RELEASE_WAIT_S)
    except asyncio.TimeoutError:
        pass
    except asyncio.CancelledError:
        # Cancelled now, with the message acknowledged: returning it is the only way not to
        # lose it (S-FIX-CANCEL); the cancellation is absorbed.
        pass
