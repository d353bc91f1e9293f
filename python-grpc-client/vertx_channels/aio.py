"""The asyncio client: the same API as :mod:`vertx_channels`, with coroutines (over grpc.aio).

::

    async with vertx_channels.aio.connect("127.0.0.1:9090") as client:
        ch = await client.new_channel()
        await ch.send(("hello", 1))
        print(await ch.receive())
        async for message in ch:   # until the channel is closed and drained
            ...

``connect()`` can be awaited (``client = await aio.connect()``) or used with ``async with``.
Every I/O method of ``Client``, ``Channel`` and ``ByteChannel`` is a coroutine; the names are those
of the sync client. A client belongs to the event loop it was created on.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from typing import (Any, AsyncIterator, Dict, Generator, Iterable, Optional, Sequence, Tuple,
                    Union)

import grpc
import grpc.aio

from . import _base, _consume, _prefetch, _produce, errors, terms
from ._base import BYTES, EMPTY, TERM, ClientOptions, Kind
from ._proto.vertx.channels.v1 import channels_pb2 as pb
from ._proto.vertx.channels.v1 import channels_pb2_grpc as pb_grpc
from .errors import (
    ByteChannelClosed,
    ChannelBusy,
    ChannelClosed,
    ChannelError,
    ChannelNotFound,
    ClientClosed,
    ConnectionLost,
    OwnerLost,
    LimitExceeded,
    Unauthenticated,
    DeadlineExceeded,
    InvalidArgument,
    MessageTooLarge,
    SendFailed,
    WrongChannelKind,
)
from .terms import Atom, ImproperList

from . import __version__  # the package is initialised before this module

__all__ = [
    "__version__",
    "connect",
    "Client",
    "Channel",
    "ByteChannel",
    "ChannelError",
    "ChannelClosed",
    "ByteChannelClosed",
    "ChannelBusy",
    "MessageTooLarge",
    "InvalidArgument",
    "ChannelNotFound",
    "WrongChannelKind",
    "ConnectionLost",
    "OwnerLost",
    "LimitExceeded",
    "Unauthenticated",
    "DeadlineExceeded",
    "ClientClosed",
    "SendFailed",
    "Atom",
    "ImproperList",
    "errors",
    "terms",
]


def connect(
    target: str = _base.DEFAULT_TARGET,
    *,
    timeout: Optional[float] = _base.DEFAULT_CONNECT_TIMEOUT,
    credit_messages: int = _base.DEFAULT_CREDIT_MESSAGES,
    credit_bytes: int = _base.DEFAULT_CREDIT_BYTES,
    max_message_size: int = _base.DEFAULT_MAX_MESSAGE_SIZE,
    keepalive_time_ms: int = _base.DEFAULT_KEEPALIVE_TIME_MS,
    keepalive_timeout_ms: int = _base.DEFAULT_KEEPALIVE_TIMEOUT_MS,
    credentials: Optional[grpc.ChannelCredentials] = None,
    token: Optional[str] = None,
    grpc_options: Sequence[Tuple[str, Any]] = (),
) -> "_Connecting":
    """Connects to a vertx-channels server: ``client = await connect(...)`` or
    ``async with connect(...) as client``.

    Args:
        target: the server's ``host:port`` (any gRPC target string).
        timeout: seconds to wait for the connection to be ready; ``None`` connects lazily on the
            first call. Raises :class:`~vertx_channels.errors.ConnectionLost` when it passes.
        credit_messages: the prefetch window of iteration, in messages.
        credit_bytes: the prefetch window of iteration, in bytes (raised to the server's largest
            message size when that is larger).
        max_message_size: the largest gRPC message sent or received, in bytes.
        keepalive_time_ms: interval of HTTP/2 keepalive pings (also without calls); 0 = none.
        keepalive_timeout_ms: how long to wait for a ping's answer.
        credentials: TLS credentials; ``None`` = plaintext.
        token: a bearer token sent with every call (servers started with ``auth_tokens``);
            without ``credentials`` it is allowed on loopback targets only.
        grpc_options: extra grpcio channel arguments, applied last.
    """
    options = ClientOptions(
        timeout=timeout, credit_messages=credit_messages, credit_bytes=credit_bytes,
        max_message_size=max_message_size, keepalive_time_ms=keepalive_time_ms,
        keepalive_timeout_ms=keepalive_timeout_ms, grpc_options=tuple(grpc_options),
    )
    return _Connecting(target, options, _base.channel_credentials(credentials, token))


class _Connecting:
    """What :func:`connect` returns: awaitable (gives the Client) and an async context manager
    (gives the Client, closes it on exit)."""

    def __init__(self, target: str, options: ClientOptions,
                 credentials: Optional[grpc.ChannelCredentials]) -> None:
        self._args = (target, options, credentials)
        self._client: Optional[Client] = None

    async def _connect(self) -> "Client":
        client = Client(*self._args)
        try:
            await client._wait_ready()
        except BaseException:
            await client.close()
            raise
        return client

    def __await__(self) -> Generator[Any, None, "Client"]:
        return self._connect().__await__()

    async def __aenter__(self) -> "Client":
        self._client = await self._connect()
        return self._client

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._client is not None:
            await self._client.close()


class Client:
    """A connection to a vertx-channels server (asyncio); create it with :func:`connect`.

    An async context manager; :meth:`close` is idempotent; a closed client raises
    :class:`~vertx_channels.errors.ClientClosed`."""

    def __init__(self, target: str, options: ClientOptions,
                 credentials: Optional[grpc.ChannelCredentials] = None) -> None:
        self.target = target
        self._options = options
        if credentials is None:
            self._grpc = grpc.aio.insecure_channel(target, options=options.channel_args())
        else:
            self._grpc = grpc.aio.secure_channel(target, credentials,
                                                 options=options.channel_args())
        stub_class: Any = pb_grpc.ChannelServiceStub  # generated, untyped
        self._stub = stub_class(self._grpc)
        self._closed = False
        # Channel objects that may have pipelined sends in flight: close() waits for them.
        self._producers: "weakref.WeakValueDictionary[int, _ChannelBase]" = (
            weakref.WeakValueDictionary())
        self._producer_ids = itertools.count()

    async def _wait_ready(self) -> None:
        if self._options.timeout is None:
            return
        try:
            await asyncio.wait_for(self._grpc.channel_ready(), self._options.timeout)
        except asyncio.TimeoutError:
            raise errors.ConnectionLost(
                f"could not connect to {self.target} within {self._options.timeout} s"
            ) from None

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise errors.ClientClosed(f"the client of {self.target} is closed")

    async def close(self) -> None:
        """Closes the connection (idempotent); channels stay on the server. Pipelined sends in
        flight are waited for first (bounded); SendFailed is raised after the close if some of
        them failed."""
        if self._closed:
            return
        self._closed = True
        failed: Optional[errors.SendFailed] = None
        for ch in list(self._producers.values()):
            try:
                await ch._producer.flush(_base.RELEASE_WAIT_S)
            except errors.SendFailed as e:
                failed = failed or e
            await ch._producer.close_stream()
            await ch._prefetch.end()  # acknowledges what was handed, gives the rest back
        await self._grpc.close()
        if failed is not None:
            raise failed

    async def __aenter__(self) -> "Client":
        self._check_open()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<vertx_channels.aio.Client target={self.target!r} {state}>"

    def _error(self, e: grpc.RpcError, operation: str,
               channel_id: Optional[str]) -> errors.ChannelError:
        if self._closed:
            return errors.ClientClosed(f"the client of {self.target} is closed",
                                       channel_id=channel_id)
        return errors.from_rpc_error(e, channel_id=channel_id, operation=operation)

    async def _call(self, method: Any, request: Any, operation: str,
                    channel_id: Optional[str] = None, timeout: Optional[float] = None) -> Any:
        self._check_open()
        try:
            return await method(request, timeout=timeout)
        except grpc.RpcError as e:
            raise self._error(e, operation, channel_id) from None
        except asyncio.CancelledError:
            if self._closed:  # grpc.aio reports calls cut by close() as cancelled
                raise errors.ClientClosed(f"the client of {self.target} is closed",
                                          channel_id=channel_id) from None
            raise

    async def _create(self, kind: Kind, max_size: int) -> str:
        max_size = _base.check_max_size(max_size)
        resp = await self._call(self._stub.Create, _base.create_request(kind, max_size), "create")
        channel_id: str = resp.info.id
        return channel_id

    async def _attach(self, kind: Kind, channel_id: str) -> None:
        if not isinstance(channel_id, str):
            raise TypeError(f"channel_id must be a str, not {type(channel_id).__name__}")
        await self._call(self._stub.Attach,
                         pb.AttachRequest(channel_id=channel_id, expected_kind=kind.proto),
                         "attach", channel_id)

    async def new_channel(self, max_size: int = 0) -> "Channel":
        """Creates a term channel (see ``vertx_channels.Client.new_channel``)."""
        return Channel(self, await self._create(TERM, max_size))

    async def new_byte_channel(self, max_size: int = 0) -> "ByteChannel":
        """Creates a byte channel (see ``vertx_channels.Client.new_byte_channel``)."""
        return ByteChannel(self, await self._create(BYTES, max_size))

    async def send_to(self, address: str, term: Any) -> None:
        """Sends a term to a Vert.x event-bus address (see ``vertx_channels.Client.send_to``)."""
        await self._call(self._stub.SendToAddress, _base.address_request(address, TERM, term), "send_to")

    async def send_bytes_to(self, address: str, data: Any) -> None:
        """Sends bytes to a Vert.x event-bus address (see ``vertx_channels.Client.send_to``)."""
        await self._call(self._stub.SendToAddress, _base.address_request(address, BYTES, data),
                         "send_bytes_to")

    async def channel(self, channel_id: str) -> "Channel":
        """Attaches to an existing term channel (ChannelNotFound, WrongChannelKind)."""
        await self._attach(TERM, channel_id)
        return Channel(self, channel_id)

    async def byte_channel(self, channel_id: str) -> "ByteChannel":
        """Attaches to an existing byte channel (ChannelNotFound, WrongChannelKind)."""
        await self._attach(BYTES, channel_id)
        return ByteChannel(self, channel_id)


async def _cancel_safe(client: Client, call: Any, channel_id: str, operation: str) -> Any:
    """Awaits a unary receive call. If the awaiting task is cancelled, the call is cancelled; if
    its answer had already arrived, a message in it is returned instead of being dropped
    (S-FIX-CANCEL): the cancellation is then absorbed, as asyncio allows."""

    async def await_call() -> Any:
        return await call

    task = asyncio.ensure_future(await_call())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if client._closed:  # grpc.aio reports calls cut by close() as cancelled
            raise errors.ClientClosed(f"the client of {client.target} is closed",
                                      channel_id=channel_id) from None
        if not task.done():
            call.cancel()
        try:
            resp = await asyncio.shield(task)
        except BaseException:  # noqa: BLE001 - cancelled or failed: nothing was delivered
            raise asyncio.CancelledError() from None
        if resp.status == pb.RECEIVE_STATUS_MESSAGE:
            return resp
        raise
    except grpc.RpcError as e:
        raise client._error(e, operation, channel_id) from None


class _ChannelBase(_base.ChannelHandle):
    """What a term channel and a byte channel share (asyncio)."""

    _module = "vertx_channels.aio"
    _client: Client

    def __init__(self, client: Client, channel_id: str) -> None:
        super().__init__(client, channel_id)
        self._producer = _produce.AioProducer(client, channel_id, self._kind, self._send_unary)
        self._prefetch = _prefetch.AioPrefetcher(client, channel_id, self._kind)
        client._producers[next(client._producer_ids)] = self

    async def _send_payload(self, payload: bytes, timeout_ms: Optional[int],
                            burst: bool = False) -> None:
        if timeout_ms is not None:
            _base.check_timeout_ms("timeout_ms", timeout_ms)
        self._client._check_open()
        await self._producer.send(payload, timeout_ms, burst)

    async def _send_many(self, values: Iterable[Any], timeout_ms: Optional[int]) -> int:
        if timeout_ms is not None:
            _base.check_timeout_ms("timeout_ms", timeout_ms)
        encode = self._kind.encode
        sent = 0
        try:
            for value in values:
                await self._send_payload(encode(value), timeout_ms, True)
                sent += 1
        except errors.ChannelError as e:
            e.sent = sent
            raise
        return sent

    async def flush(self) -> None:
        """Waits until the server confirmed every send made through this channel object;
        SendFailed for sends that had returned but could not be enqueued (S-EXT-RESERVE)."""
        await self._producer.flush()

    async def _settle(self) -> None:
        """What every operation other than a send does first: this object's sends confirmed
        (read-your-writes), the room they reserved given back."""
        await self._producer.settle()

    async def _send_unary(self, payload: bytes, timeout_ms: Optional[int]) -> None:
        client = self._client
        request = _base.send_request(self._id, payload, timeout_ms)
        deadline = None if timeout_ms is None else _base.call_deadline(timeout_ms)
        try:
            resp = await client._stub.Send(request, timeout=deadline)
        except grpc.RpcError as e:
            if client._closed:
                raise client._error(e, "send", self._id) from None
            raise _base.send_error(e, channel_id=self._id, size=len(payload)) from None
        _base.send_outcome(resp.result, kind=self._kind, channel_id=self._id,
                           size=len(payload), timeout_ms=timeout_ms)

    async def _receive_payload(self, timeout_ms: int) -> bytes:
        payload = self._take_prefetched(timeout_ms)
        if payload is not None:
            return payload
        _base.check_timeout_ms("timeout_ms", timeout_ms)
        await self._settle()
        self._client._check_open()
        try:
            return await self._prefetch.receive(timeout_ms, self._receive_unary)
        except asyncio.CancelledError:
            if self._client._closed:
                raise errors.ClientClosed(f"the client of {self._client.target} is closed",
                                          channel_id=self._id) from None
            raise

    async def _receive_unary(self, timeout_ms: int) -> bytes:
        client = self._client
        client._check_open()
        if timeout_ms == 0:  # answer now: one unary call
            call = client._stub.Receive(pb.ReceiveRequest(channel_id=self._id, timeout_ms=0),
                                        timeout=_base.call_deadline(0))
            resp = await _cancel_safe(client, call, self._id, "receive")
            payload: bytes = _base.receive_outcome(resp, kind=self._kind,
                                                   channel_id=self._id, timeout_ms=0)
            return payload
        # A waiting receive may be cancelled at any moment (wait_for, task.cancel()): it runs
        # as a Stream session with a credit of one message, which can give back a message in
        # flight (Release), where a cancelled unary call could lose it (S-FIX-CANCEL).
        window = _base.ConsumerWindow(self._id, self._kind, 1, client._options.max_message_size)

        def factory(first: "pb.ClientFrame", deliver: Any) -> _consume.AioStream:
            return _consume.AioStream(client._stub, first, deliver, name="receive")

        try:
            return await _consume.receive_once_async(window, factory, lambda: client._closed,
                                                     threaded=False, timeout_ms=timeout_ms)
        except asyncio.CancelledError:
            if client._closed:
                raise errors.ClientClosed(f"the client of {client.target} is closed",
                                          channel_id=self._id) from None
            raise

    async def _try_receive_payload(self) -> Any:
        payload = self._take_prefetched()
        if payload is not None:
            return payload
        await self._settle()
        self._client._check_open()
        return await self._prefetch.try_receive(self._try_receive_unary)

    async def _try_receive_unary(self) -> Any:
        client = self._client
        client._check_open()
        call = client._stub.TryReceive(pb.TryReceiveRequest(channel_id=self._id))
        resp = await _cancel_safe(client, call, self._id, "try_receive")
        return _base.receive_outcome(resp, kind=self._kind, channel_id=self._id, timeout_ms=None)

    def _aiterate(self) -> AsyncIterator[Any]:
        client = self._client
        client._check_open()
        opts = client._options
        window = _base.ConsumerWindow(self._id, self._kind, opts.credit_messages, opts.credit_bytes)

        def factory(first: "pb.ClientFrame", deliver: Any) -> _consume.AioStream:
            return _consume.AioStream(client._stub, first, deliver,
                                      name=f"vertx-channels-stream-{self._id[:12]}")

        return _consume.iterate_async(window, factory, lambda: client._closed, threaded=False,
                                      before=self._before_iteration)

    async def _before_iteration(self) -> None:
        await self._settle()
        await self._prefetch.end()  # its messages go back to the head first, for order

    async def close(self) -> None:
        """Closes the channel (S-CLOSE-1, idempotent); queued messages can still be drained.
        This object's pipelined sends are confirmed first (SendFailed after the close)."""
        try:
            await self._settle()
        finally:
            await self._client._call(self._client._stub.Close,
                                     pb.CloseRequest(channel_id=self._id), "close", self._id)

    async def info(self) -> Dict[str, Any]:
        """The channel's state: ``size``, ``max_size``, ``closed`` and more (S-INFO-1)."""
        await self._settle()
        resp = await self._client._call(self._client._stub.Info,
                                        pb.InfoRequest(channel_id=self._id), "info", self._id)
        return _base.info_dict(resp.info)

    async def __aexit__(self, *exc_info: Any) -> None:
        if not self._client._closed:
            await self.close()


class Channel(_ChannelBase):
    """A term channel (asyncio); the coroutine twin of ``vertx_channels.Channel``."""

    _kind = TERM

    async def send(self, term: Any, timeout_ms: Optional[int] = None) -> None:
        """Sends one term; see ``vertx_channels.Channel.send``."""
        await self._send_payload(TERM.encode(term), timeout_ms)

    async def send_many(self, terms: Iterable[Any], timeout_ms: Optional[int] = None) -> int:
        """Sends every term in order, pipelined; see ``vertx_channels.Channel.send_many``."""
        return await self._send_many(terms, timeout_ms)

    async def receive(self, timeout_ms: int = -1) -> Any:
        """Waits for the oldest message; see ``vertx_channels.Channel.receive``. Cancelling the
        awaiting task never loses a message (S-FIX-CANCEL)."""
        return TERM.decode(await self._receive_payload(timeout_ms))

    async def try_receive(self) -> Any:
        """The oldest message, or ``None`` when empty and open."""
        payload = await self._try_receive_payload()
        return None if payload is EMPTY else TERM.decode(payload)

    async def async_receive(self, timeout_ms: int = -1) -> Any:
        """The same as :meth:`receive` (the name erlang_python uses)."""
        return await self.receive(timeout_ms)

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._aiterate()

    async def __anext__(self) -> Any:
        """``await anext(ch)``: the next message; StopAsyncIteration once closed and drained."""
        try:
            return await self.receive()
        except errors.ChannelClosed:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> "Channel":
        return self


class ByteChannel(_ChannelBase):
    """A byte channel (asyncio); the coroutine twin of ``vertx_channels.ByteChannel``."""

    _kind = BYTES

    async def send_bytes(self, data: Union[bytes, bytearray, memoryview],
                         timeout_ms: Optional[int] = None) -> None:
        """Sends one message (bytes, bytearray or memoryview; TypeError otherwise)."""
        await self._send_payload(BYTES.encode(data), timeout_ms)

    async def send_many(self, messages: Iterable[Union[bytes, bytearray, memoryview]],
                        timeout_ms: Optional[int] = None) -> int:
        """Sends every message in order, pipelined; see ``vertx_channels.Channel.send_many``."""
        return await self._send_many(messages, timeout_ms)

    async def receive_bytes(self, timeout_ms: int = -1) -> bytes:
        """Waits for the oldest message; see ``vertx_channels.ByteChannel.receive_bytes``."""
        return await self._receive_payload(timeout_ms)

    async def try_receive_bytes(self) -> Optional[bytes]:
        """The oldest message, or ``None`` when empty and open."""
        payload = await self._try_receive_payload()
        return None if payload is EMPTY else payload

    async def async_receive_bytes(self, timeout_ms: int = -1) -> bytes:
        """The same as :meth:`receive_bytes` (the name erlang_python uses)."""
        return await self.receive_bytes(timeout_ms)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._aiterate()

    async def __anext__(self) -> bytes:
        """``await anext(ch)``: the next message; StopAsyncIteration once closed and drained."""
        try:
            return await self.receive_bytes()
        except errors.ChannelClosed:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> "ByteChannel":
        return self
