"""The sync client: ``vertx_channels.connect()``, ``Client``, ``Channel``, ``ByteChannel``."""

from __future__ import annotations

import asyncio
import itertools
import threading
import weakref
from typing import Any, AsyncIterator, Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

import grpc

from . import _base, _consume, _prefetch, _produce, errors
from ._base import BYTES, EMPTY, TERM, ClientOptions, Kind
from ._proto.vertx.channels.v1 import channels_pb2 as pb
from ._proto.vertx.channels.v1 import channels_pb2_grpc as pb_grpc

__all__ = ["connect", "Client", "Channel", "ByteChannel"]


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
) -> "Client":
    """Connects to a vertx-channels server and returns a :class:`Client`.

    Args:
        target: the server's ``host:port`` (any gRPC target string).
        timeout: seconds to wait for the connection to be ready; ``None`` connects lazily on the
            first call. Raises :class:`~vertx_channels.errors.ConnectionLost` when it passes.
        credit_messages: the prefetch window of iteration, in messages: at most this many
            messages are pushed to this client and not yet handed to the application.
        credit_bytes: the prefetch window of iteration, in bytes (raised to the server's largest
            message size when that is larger, so that every message can be pushed).
        max_message_size: the largest gRPC message sent or received, in bytes (payload plus
            framing); grpcio's own 4 MiB default would refuse large messages.
        keepalive_time_ms: interval of HTTP/2 keepalive pings, also without calls, so that a
            dead server is noticed by a waiting receiver; 0 disables them.
        keepalive_timeout_ms: how long to wait for a ping's answer before the connection is
            considered lost.
        credentials: TLS credentials (``grpc.ssl_channel_credentials()``); ``None`` = plaintext.
        token: a bearer token sent with every call (servers started with ``auth_tokens``);
            without ``credentials`` it is allowed on loopback targets only.
        grpc_options: extra grpcio channel arguments, applied last.
    """
    options = ClientOptions(
        timeout=timeout, credit_messages=credit_messages, credit_bytes=credit_bytes,
        max_message_size=max_message_size, keepalive_time_ms=keepalive_time_ms,
        keepalive_timeout_ms=keepalive_timeout_ms, grpc_options=tuple(grpc_options),
    )
    client = Client(target, options, _base.channel_credentials(credentials, token))
    try:
        client._wait_ready()
    except BaseException:
        client.close()
        raise
    return client


class Client:
    """A connection to a vertx-channels server; create it with :func:`connect`.

    A context manager: ``with vertx_channels.connect() as client: ...`` closes it on exit.
    :meth:`close` is idempotent; a closed client raises
    :class:`~vertx_channels.errors.ClientClosed`. Channels stay on the server after the client
    is closed (S-FIX-OWNER). Thread-safe: any number of threads may share one client.
    """

    def __init__(self, target: str, options: ClientOptions,
                 credentials: Optional[grpc.ChannelCredentials] = None) -> None:
        self.target = target
        self._options = options
        if credentials is None:
            self._grpc = grpc.insecure_channel(target, options=options.channel_args())
        else:
            self._grpc = grpc.secure_channel(target, credentials, options=options.channel_args())
        stub_class: Any = pb_grpc.ChannelServiceStub  # generated, untyped
        self._stub = stub_class(self._grpc)
        self._closed = False
        self._lock = threading.Lock()
        # The channel objects of this client that may have pipelined sends in flight: close()
        # waits for their confirmations first.
        self._producers: "weakref.WeakValueDictionary[int, _ChannelBase]" = (
            weakref.WeakValueDictionary())
        self._producer_ids = itertools.count()

    def _wait_ready(self) -> None:
        if self._options.timeout is None:
            return
        try:
            grpc.channel_ready_future(self._grpc).result(timeout=self._options.timeout)
        except grpc.FutureTimeoutError:
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

    def close(self) -> None:
        """Closes the connection (idempotent). Pipelined sends still in flight are waited for
        first (bounded); if some of them failed, :class:`~vertx_channels.errors.SendFailed` is
        raised after the connection was closed. Running calls and iterations end with
        :class:`~vertx_channels.errors.ClientClosed`; channels stay on the server."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        failed: Optional[errors.SendFailed] = None
        for ch in list(self._producers.values()):
            try:
                ch._producer.flush(_base.RELEASE_WAIT_S)
            except errors.SendFailed as e:
                failed = failed or e
            ch._producer.close_stream()
            ch._prefetch.end()  # acknowledges what was handed, gives the rest back
        self._grpc.close()
        if failed is not None:
            raise failed

    def __enter__(self) -> "Client":
        self._check_open()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<vertx_channels.Client target={self.target!r} {state}>"

    def _call(self, method: Any, request: Any, operation: str,
              channel_id: Optional[str] = None) -> Any:
        self._check_open()
        try:
            return method(request)
        except grpc.RpcError as e:
            raise self._error(e, operation, channel_id) from None
        except ValueError as e:  # grpcio: "Cannot invoke RPC on closed channel!"
            if self._closed:
                raise errors.ClientClosed(f"the client of {self.target} is closed") from None
            raise errors.ChannelError(f"{operation} failed: {e}", channel_id=channel_id) from e

    def _error(self, e: grpc.RpcError, operation: str,
               channel_id: Optional[str]) -> errors.ChannelError:
        if self._closed:
            return errors.ClientClosed(f"the client of {self.target} is closed",
                                       channel_id=channel_id)
        return errors.from_rpc_error(e, channel_id=channel_id, operation=operation)

    def _create(self, kind: Kind, max_size: int) -> str:
        max_size = _base.check_max_size(max_size)
        resp = self._call(self._stub.Create, _base.create_request(kind, max_size), "create")
        channel_id: str = resp.info.id
        return channel_id

    def _attach(self, kind: Kind, channel_id: str) -> None:
        if not isinstance(channel_id, str):
            raise TypeError(f"channel_id must be a str, not {type(channel_id).__name__}")
        self._call(self._stub.Attach,
                   pb.AttachRequest(channel_id=channel_id, expected_kind=kind.proto),
                   "attach", channel_id)

    def new_channel(self, max_size: int = 0) -> "Channel":
        """Creates a term channel (``py_channel:new/1``): open, empty, with a backpressure
        limit of ``max_size`` bytes (0 = unlimited; negative raises InvalidArgument)."""
        return Channel(self, self._create(TERM, max_size))

    def new_byte_channel(self, max_size: int = 0) -> "ByteChannel":
        """Creates a byte channel (``py_byte_channel:new/1``), like :meth:`new_channel`."""
        return ByteChannel(self, self._create(BYTES, max_size))

    def send_to(self, address: str, term: Any) -> None:
        """Sends a term to a Vert.x event-bus address, e.g. one a verticle handed out: the
        counterpart of erlang_python's ``reply(pid, term)`` (S-EXT-REPLY). Fire and forget, like
        Erlang's send: no error when nobody consumes the address."""
        self._call(self._stub.SendToAddress, _base.address_request(address, TERM, term), "send_to")

    def send_bytes_to(self, address: str, data: Any) -> None:
        """Sends bytes to a Vert.x event-bus address (see :meth:`send_to`)."""
        self._call(self._stub.SendToAddress, _base.address_request(address, BYTES, data), "send_bytes_to")

    def channel(self, channel_id: str) -> "Channel":
        """Attaches to an existing term channel, e.g. one a verticle created.

        Raises ChannelNotFound for an unknown id, WrongChannelKind for a byte channel."""
        self._attach(TERM, channel_id)
        return Channel(self, channel_id)

    def byte_channel(self, channel_id: str) -> "ByteChannel":
        """Attaches to an existing byte channel (see :meth:`channel`)."""
        self._attach(BYTES, channel_id)
        return ByteChannel(self, channel_id)


class _ChannelBase(_base.ChannelHandle):
    """What a term channel and a byte channel share; the public names are in the subclasses."""

    _client: Client

    def __init__(self, client: Client, channel_id: str) -> None:
        super().__init__(client, channel_id)
        self._producer = _produce.SyncProducer(client, channel_id, self._kind, self._send_unary)
        self._prefetch = _prefetch.SyncPrefetcher(client, channel_id, self._kind)
        client._producers[next(client._producer_ids)] = self

    # -- payload-level operations ----------------------------------------------------------------

    def _send_payload(self, payload: bytes, timeout_ms: Optional[int],
                      burst: bool = False) -> None:
        if timeout_ms is not None:
            _base.check_timeout_ms("timeout_ms", timeout_ms)
        self._client._check_open()
        self._producer.send(payload, timeout_ms, burst)

    def _send_many(self, values: Iterable[Any], timeout_ms: Optional[int]) -> int:
        if timeout_ms is not None:
            _base.check_timeout_ms("timeout_ms", timeout_ms)
        encode = self._kind.encode
        sent = 0
        try:
            for value in values:
                self._send_payload(encode(value), timeout_ms, True)
                sent += 1
        except errors.ChannelError as e:
            e.sent = sent
            raise
        return sent

    def flush(self) -> None:
        """Waits until the server confirmed every send made through this channel object (see
        the README, "Pipelined sends"); raises :class:`~vertx_channels.errors.SendFailed` for
        sends that had returned but could not be enqueued (S-EXT-RESERVE)."""
        self._producer.flush()

    def _settle(self) -> None:
        """What every operation other than a send does first: wait for this object's sends to
        be confirmed (read-your-writes) and give back the room they reserved."""
        self._producer.settle()

    def _send_unary(self, payload: bytes, timeout_ms: Optional[int]) -> None:
        request = _base.send_request(self._id, payload, timeout_ms)
        client = self._client
        client._check_open()
        try:
            if timeout_ms is None:
                resp = client._stub.Send(request)
            else:
                resp = _wait(client._stub.Send.future(
                    request, timeout=_base.call_deadline(timeout_ms)))
        except grpc.RpcError as e:
            if client._closed:
                raise client._error(e, "send", self._id) from None
            raise _base.send_error(e, channel_id=self._id, size=len(payload)) from None
        _base.send_outcome(resp.result, kind=self._kind, channel_id=self._id,
                           size=len(payload), timeout_ms=timeout_ms)

    def _receive_payload(self, timeout_ms: int) -> bytes:
        payload = self._take_prefetched(timeout_ms)
        if payload is not None:
            return payload
        _base.check_timeout_ms("timeout_ms", timeout_ms)
        self._settle()
        self._client._check_open()
        return self._prefetch.receive(timeout_ms, self._receive_unary)

    def _receive_unary(self, timeout_ms: int) -> bytes:
        client = self._client
        client._check_open()
        request = pb.ReceiveRequest(channel_id=self._id, timeout_ms=timeout_ms)
        try:
            resp = _wait(client._stub.Receive.future(
                request, timeout=_base.call_deadline(timeout_ms)))
        except grpc.RpcError as e:
            raise client._error(e, "receive", self._id) from None
        payload: bytes = _base.receive_outcome(resp, kind=self._kind, channel_id=self._id,
                                               timeout_ms=timeout_ms)
        return payload

    def _try_receive_payload(self) -> Any:
        payload = self._take_prefetched()
        if payload is not None:
            return payload
        self._settle()
        self._client._check_open()
        return self._prefetch.try_receive(self._try_receive_unary)

    def _try_receive_unary(self) -> Any:
        resp = self._client._call(self._client._stub.TryReceive,
                                  pb.TryReceiveRequest(channel_id=self._id),
                                  "try_receive", self._id)
        return _base.receive_outcome(resp, kind=self._kind, channel_id=self._id, timeout_ms=None)

    async def _async_receive_payload(self, timeout_ms: int) -> bytes:
        """Receive on any running asyncio loop, event-driven: grpcio's threads hand the answer
        to the loop with call_soon_threadsafe (S-EXT-PUSH), no polling."""
        payload = self._take_prefetched(timeout_ms)
        if payload is not None:
            return payload
        _base.check_timeout_ms("timeout_ms", timeout_ms)
        self._settle()
        self._client._check_open()
        return await self._prefetch.async_receive(timeout_ms, self._async_receive_unary)

    async def _async_receive_unary(self, timeout_ms: int) -> bytes:
        client = self._client
        if timeout_ms != 0:
            # A waiting receive may be cancelled at any moment: it runs as a Stream session
            # with a credit of one message, which gives back a message in flight (Release)
            # where a cancelled unary call could lose it (S-FIX-CANCEL).
            window = _base.ConsumerWindow(self._id, self._kind, 1,
                                          client._options.max_message_size)

            def factory(first: "pb.ClientFrame", deliver: Any) -> _consume.ThreadStream:
                return _consume.ThreadStream(client._stub, first, deliver,
                                             name=f"vertx-channels-receive-{self._id[:12]}")

            return await _consume.receive_once_async(window, factory, lambda: client._closed,
                                                     threaded=True, timeout_ms=timeout_ms)
        loop = asyncio.get_running_loop()
        woken: "asyncio.Future[None]" = loop.create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        def on_done(_call: Any) -> None:
            try:
                loop.call_soon_threadsafe(wake)
            except RuntimeError:  # the loop was closed meanwhile
                pass

        request = pb.ReceiveRequest(channel_id=self._id, timeout_ms=timeout_ms)
        try:
            call = client._stub.Receive.future(request, timeout=_base.call_deadline(timeout_ms))
        except ValueError:
            client._check_open()
            raise
        call.add_done_callback(on_done)
        try:
            await woken
        except asyncio.CancelledError:
            if call.cancel():
                # Cancelled before the answer came: the server puts a dequeued message back.
                raise
            # The answer had already arrived: a message in it must not be dropped (S-FIX-CANCEL).
            try:
                resp = call.result()
            except (grpc.RpcError, grpc.FutureCancelledError):
                raise asyncio.CancelledError() from None
            if resp.status != pb.RECEIVE_STATUS_MESSAGE:
                raise
            delivered: bytes = resp.payload
            return delivered
        try:
            resp = call.result()
        except grpc.RpcError as e:
            raise client._error(e, "receive", self._id) from None
        except grpc.FutureCancelledError:
            raise errors.ClientClosed(f"the client of {client.target} is closed",
                                      channel_id=self._id) from None
        payload: bytes = _base.receive_outcome(resp, kind=self._kind, channel_id=self._id,
                                               timeout_ms=timeout_ms)
        return payload

    def _iterate(self) -> Iterator[Any]:
        client = self._client
        client._check_open()
        self._settle()
        self._prefetch.end()  # its messages go back to the head first: the iteration sees them
        opts = client._options
        window = _base.ConsumerWindow(self._id, self._kind, opts.credit_messages, opts.credit_bytes)

        def factory(first: "pb.ClientFrame", deliver: Any) -> _consume.ThreadStream:
            return _consume.ThreadStream(client._stub, first, deliver,
                                         name=f"vertx-channels-stream-{self._id[:12]}")

        return _consume.iterate_blocking(window, factory, lambda: client._closed)

    def _aiterate(self) -> AsyncIterator[Any]:
        client = self._client
        client._check_open()
        self._settle()
        self._prefetch.end()  # its messages go back to the head first: the iteration sees them
        opts = client._options
        window = _base.ConsumerWindow(self._id, self._kind, opts.credit_messages, opts.credit_bytes)

        def factory(first: "pb.ClientFrame", deliver: Any) -> _consume.ThreadStream:
            return _consume.ThreadStream(client._stub, first, deliver,
                                         name=f"vertx-channels-stream-{self._id[:12]}")

        return _consume.iterate_async(window, factory, lambda: client._closed, threaded=True)

    # -- operations with the same name on both kinds ---------------------------------------------

    def close(self) -> None:
        """Closes the channel (S-CLOSE-1, idempotent). Queued messages stay and can be drained
        (S-CLOSE-2); waiting receivers wake (S-CLOSE-3). This closes the channel for everyone.
        This object's pipelined sends are confirmed first (SendFailed, raised after the close,
        if some failed)."""
        try:
            self._settle()
        finally:
            self._client._call(self._client._stub.Close, pb.CloseRequest(channel_id=self._id),
                               "close", self._id)

    def info(self) -> Dict[str, Any]:
        """The channel's state (S-INFO-1): a dict with ``size`` (bytes queued), ``max_size``,
        ``closed``, and also ``id``, ``kind``, ``messages``, ``waiting_receivers``,
        ``waiting_senders``, ``reserved_bytes``."""
        self._settle()
        resp = self._client._call(self._client._stub.Info, pb.InfoRequest(channel_id=self._id),
                                  "info", self._id)
        return _base.info_dict(resp.info)

    def __enter__(self) -> "_ChannelBase":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if not self._client._closed:
            self.close()


def _wait(call: Any) -> Any:
    """Waits for a grpcio future; cancels the call if the wait is interrupted (Ctrl-C). A call
    cancelled under it (the client closing) raises its RpcError like any failed call."""
    try:
        return call.result()
    except grpc.FutureCancelledError:
        raise call from None  # the rendezvous is a grpc.RpcError with code CANCELLED
    except grpc.RpcError:
        raise
    except BaseException:
        call.cancel()
        raise


class Channel(_ChannelBase):
    """A term channel (erlang_python's ``erlang.Channel``): every message is one Erlang term.

    Get one with ``client.new_channel()`` or ``client.channel(id)``. ``for m in ch`` and
    ``async for m in ch`` yield the messages until the channel is closed and drained
    (S-CLOSE-4); ``with ch:`` closes the channel on exit.

    One call is one exact round trip. A tight loop of sends (or :meth:`send_many`) is pipelined
    over one stream into room the server reserves (S-EXT-RESERVE), a tight loop of receives is
    served from a bounded prefetch; both fall back to exact calls when the loop stops. Other
    operations on the same object see its own sends (they are confirmed first); call
    :meth:`flush` before another party acts on them. A pipelined send that returned but could
    not be enqueued is reported by the next operation as ``SendFailed``. Thread-safe.
    """

    _kind = TERM

    def send(self, term: Any, timeout_ms: Optional[int] = None) -> None:
        """Sends one term (encoded with ``terms.term_to_binary``; TypeError for a value with no
        Erlang form).

        Without ``timeout_ms`` it does not wait: a full channel raises ChannelBusy (S-SEND-2).
        With ``timeout_ms`` it waits for room (``-1`` = forever) and raises TimeoutError when it
        passes, MessageTooLarge when the term can never fit (S-EXT-SENDWAIT). A closed channel
        raises ChannelClosed (S-SEND-1)."""
        self._send_payload(TERM.encode(term), timeout_ms)

    def send_many(self, terms: Iterable[Any], timeout_ms: Optional[int] = None) -> int:
        """Sends every term of ``terms`` in order, pipelined (one stream, many messages per
        frame): each is sent as by :meth:`send` with the same ``timeout_ms``. Returns how many
        were sent. On an error, the ones before it were sent and the error's ``sent`` attribute
        says how many; none after it were."""
        return self._send_many(terms, timeout_ms)

    def receive(self, timeout_ms: int = -1) -> Any:
        """Waits for the oldest message and returns it decoded (S-RECV-3): ``-1`` waits forever,
        ``0`` answers at once. Raises ChannelClosed when the channel is closed and empty, and
        TimeoutError when the timeout passes first."""
        return TERM.decode(self._receive_payload(timeout_ms))

    def try_receive(self) -> Any:
        """The oldest message decoded, or ``None`` when the channel is empty and open
        (S-RECV-1). Raises ChannelClosed when it is closed and empty."""
        payload = self._try_receive_payload()
        return None if payload is EMPTY else TERM.decode(payload)

    async def async_receive(self, timeout_ms: int = -1) -> Any:
        """:meth:`receive` for asyncio code, on any running loop, without blocking it."""
        return TERM.decode(await self._async_receive_payload(timeout_ms))

    def __iter__(self) -> Iterator[Any]:
        return self._iterate()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._aiterate()

    async def __anext__(self) -> Any:
        """``await anext(ch)``: the next message (as :meth:`async_receive`); StopAsyncIteration
        once the channel is closed and drained (S-CLOSE-4)."""
        try:
            return await self.async_receive()
        except errors.ChannelClosed:
            raise StopAsyncIteration from None

    def __enter__(self) -> "Channel":
        return self


class ByteChannel(_ChannelBase):
    """A byte channel (erlang_python's ``erlang.ByteChannel``): every message is opaque bytes.

    Get one with ``client.new_byte_channel()`` or ``client.byte_channel(id)``. Iteration yields
    ``bytes``; ``with ch:`` closes the channel on exit.
    """

    _kind = BYTES

    def send_bytes(self, data: Union[bytes, bytearray, memoryview],
                   timeout_ms: Optional[int] = None) -> None:
        """Sends one message: ``bytes``, ``bytearray`` or ``memoryview`` (TypeError otherwise);
        an empty message is a message (S-FIX-EMPTY). Waiting and errors as Channel.send."""
        self._send_payload(BYTES.encode(data), timeout_ms)

    def send_many(self, messages: Iterable[Union[bytes, bytearray, memoryview]],
                  timeout_ms: Optional[int] = None) -> int:
        """Sends every message of ``messages`` in order, pipelined; see Channel.send_many."""
        return self._send_many(messages, timeout_ms)

    def receive_bytes(self, timeout_ms: int = -1) -> bytes:
        """Waits for the oldest message (see Channel.receive); raises ByteChannelClosed when the
        channel is closed and empty, TimeoutError when the timeout passes."""
        return self._receive_payload(timeout_ms)

    def try_receive_bytes(self) -> Optional[bytes]:
        """The oldest message, or ``None`` when empty and open; ByteChannelClosed when closed
        and empty."""
        payload = self._try_receive_payload()
        return None if payload is EMPTY else payload

    async def async_receive_bytes(self, timeout_ms: int = -1) -> bytes:
        """:meth:`receive_bytes` for asyncio code, on any running loop, without blocking it."""
        return await self._async_receive_payload(timeout_ms)

    def __iter__(self) -> Iterator[bytes]:
        return self._iterate()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._aiterate()

    async def __anext__(self) -> bytes:
        """``await anext(ch)``: the next message; StopAsyncIteration once closed and drained."""
        try:
            return await self.async_receive_bytes()
        except errors.ChannelClosed:
            raise StopAsyncIteration from None

    def __enter__(self) -> "ByteChannel":
        return self
