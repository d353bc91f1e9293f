"""Code shared by the sync client (``vertx_channels``) and the asyncio client
(``vertx_channels.aio``): options, the two channel kinds, the mapping of server results to return
values and exceptions, and the credit window of a consuming stream (no I/O here)."""

from __future__ import annotations

import collections
import dataclasses
import math
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple, Type

import grpc

from . import errors
from ._proto.vertx.channels.v1 import channels_pb2 as pb
from .terms import binary_to_term, term_to_binary

KiB = 1024
MiB = 1024 * KiB

DEFAULT_TARGET = "127.0.0.1:9090"
DEFAULT_CONNECT_TIMEOUT = 10.0
# The prefetch window of an iteration stream (`for m in ch`, `async for m in ch`): at most this
# many messages and bytes are pushed to the client and not yet handed to the application.
# Chosen by measurement (bench/iter_throughput.py, 2-core machine, README.md): small windows are
# bound by the credit round trip (16 messages: ~5k msg/s), 1024 is near the plateau for 1 KiB
# messages (~150k msg/s) and gives ~300k msg/s for 64 B ones; larger windows gain little and let
# one consumer hold more messages that others cannot see. The bench will tune them further.
DEFAULT_CREDIT_MESSAGES = 1024
DEFAULT_CREDIT_BYTES = 8 * MiB
# The largest gRPC message the client sends or accepts: the contract's 16 MiB payloads plus
# headroom for the protobuf framing of a Deliveries / Send frame.
DEFAULT_MAX_MESSAGE_SIZE = 16 * MiB + 1 * MiB
DEFAULT_KEEPALIVE_TIME_MS = 10_000
DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000
# How much longer than a server-side timeout the client waits before its own gRPC deadline
# fires: the server must be the one that answers TIMEOUT (a client deadline could cut off a
# message the server already dequeued), the deadline only guards against a server that never
# answers.
DEADLINE_MARGIN_S = 30.0
# How long ending a stream session waits for the server to end the half-closed call (which
# confirms that the final Ack was processed and the rest given back) before it cancels it.
RELEASE_WAIT_S = 10.0


@dataclasses.dataclass(frozen=True)
class ClientOptions:
    """The keyword options of ``connect()``, validated (see ``connect`` for their meaning)."""

    timeout: Optional[float] = DEFAULT_CONNECT_TIMEOUT
    credit_messages: int = DEFAULT_CREDIT_MESSAGES
    credit_bytes: int = DEFAULT_CREDIT_BYTES
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    keepalive_time_ms: int = DEFAULT_KEEPALIVE_TIME_MS
    keepalive_timeout_ms: int = DEFAULT_KEEPALIVE_TIMEOUT_MS
    grpc_options: Tuple[Tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.timeout is not None:
            _check_number("timeout", self.timeout)
        _check_int("credit_messages", self.credit_messages, minimum=1, maximum=2**32 - 1)
        _check_int("credit_bytes", self.credit_bytes, minimum=1)
        _check_int("max_message_size", self.max_message_size, minimum=1024, maximum=2**31 - 1)
        _check_int("keepalive_time_ms", self.keepalive_time_ms, minimum=0)
        _check_int("keepalive_timeout_ms", self.keepalive_timeout_ms, minimum=1)

    def channel_args(self) -> List[Tuple[str, Any]]:
        """The grpcio channel arguments these options stand for."""
        args: Dict[str, Any] = {
            "grpc.max_receive_message_length": self.max_message_size,
            "grpc.max_send_message_length": self.max_message_size,
        }
        if self.keepalive_time_ms > 0:
            args.update({
                "grpc.keepalive_time_ms": self.keepalive_time_ms,
                "grpc.keepalive_timeout_ms": self.keepalive_timeout_ms,
                "grpc.keepalive_permit_without_calls": 1,
                # keep pinging an idle iteration stream (grpcio stops after 2 pings without data)
                "grpc.http2.max_pings_without_data": 0,
            })
        args.update(dict(self.grpc_options))
        return list(args.items())


class ChannelHandle:
    """The identity of a channel object, shared by the sync and asyncio APIs: its client and id.
    Two objects are equal when they are of the same class, on the same client, with the same id."""

    _kind: "Kind"
    _module = "vertx_channels"

    def __init__(self, client: Any, channel_id: str) -> None:
        self._client = client
        self._id = channel_id

    @property
    def id(self) -> str:
        """The channel's id, to hand to another process (``client.channel(id)``)."""
        return self._id

    @property
    def client(self) -> Any:
        """The client this channel object uses."""
        return self._client

    def _take_prefetched(self, timeout_ms: Any = -1) -> Optional[bytes]:
        """A receive loop's common case, checked before anything else (each Python call on this
        path costs about a tenth of a receive): a valid waiting timeout (or none: a
        ``try_receive``), an open client, nothing of this object's sends to settle (it never
        sent, or all was answered), and a message prefetched. None: the receive goes the full
        way."""
        if timeout_ms.__class__ is int and timeout_ms != 0 and not self._client._closed:
            # the subclass's producer (_produce) and prefetcher (_prefetch), of either driver
            producer = self._producer  # type: ignore[attr-defined]
            if (producer._stream is None and not producer._failures.items) or producer.quiet:
                payload: Optional[bytes] = self._prefetch.take_prefetched()  # type: ignore[attr-defined]
                return payload
        return None

    def __repr__(self) -> str:
        return f"<{self._module}.{type(self).__name__} id={self._id!r}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChannelHandle):
            return NotImplemented
        return type(self) is type(other) and self._id == other._id and self._client is other._client

    def __hash__(self) -> int:
        return hash((type(self), self._id))


def channel_credentials(credentials: Optional[grpc.ChannelCredentials],
                        token: Optional[str]) -> Optional[grpc.ChannelCredentials]:
    """The credentials of the grpc channel: TLS ``credentials`` and/or a bearer ``token``.

    A token travels as ``authorization: Bearer <token>`` on every call. grpcio sends call
    credentials only over a secure channel: without TLS the token is allowed on loopback
    connections only (``grpc.local_channel_credentials``), never in clear over a network.
    """
    if token is None:
        return credentials
    if not isinstance(token, str) or not token:
        raise TypeError("token must be a non-empty str")
    base = credentials or grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    return grpc.composite_channel_credentials(base, grpc.access_token_call_credentials(token))


def _check_int(name: str, value: Any, *, minimum: int, maximum: Optional[int] = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value}")


def _check_number(name: str, value: Any) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number of seconds or None, not {type(value).__name__}")
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive number of seconds or None, got {value}")


def check_max_size(max_size: Any) -> int:
    """Validates ``max_size`` of ``new_channel`` / ``new_byte_channel``: an int (0 = unlimited).

    A negative value is left to the server, which refuses it with INVALID_ARGUMENT (S-FIX-OPTS)."""
    if not isinstance(max_size, int) or isinstance(max_size, bool):
        raise TypeError(f"max_size must be an int (bytes, 0 = unlimited), not {type(max_size).__name__}")
    return max_size


def check_timeout_ms(name: str, timeout_ms: Any) -> int:
    """Validates a timeout in milliseconds (negative = forever)."""
    if not isinstance(timeout_ms, int) or isinstance(timeout_ms, bool):
        raise TypeError(f"{name} must be an int number of milliseconds, not {type(timeout_ms).__name__}")
    return timeout_ms


def call_deadline(timeout_ms: int) -> Optional[float]:
    """The gRPC deadline (seconds, or None = none) for a call the server answers within
    ``timeout_ms`` (negative = never): the server's answer must always come first."""
    if timeout_ms < 0:
        return None
    return timeout_ms / 1000.0 + DEADLINE_MARGIN_S


def as_bytes(data: Any) -> bytes:
    """The payload of ``send_bytes``: bytes, bytearray or memoryview, else TypeError."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(
        f"send_bytes() takes bytes, bytearray or memoryview, not {type(data).__name__}"
    )


@dataclasses.dataclass(frozen=True)
class Kind:
    """What differs between a term channel and a byte channel."""

    proto: "pb.ChannelKind"
    name: str
    closed_error: Type[errors.ChannelClosed]
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]


TERM = Kind(pb.CHANNEL_KIND_TERM, "term", errors.ChannelClosed, term_to_binary, binary_to_term)
BYTES = Kind(pb.CHANNEL_KIND_BYTES, "bytes", errors.ByteChannelClosed, as_bytes, bytes)
KIND_NAMES = {pb.CHANNEL_KIND_TERM: "term", pb.CHANNEL_KIND_BYTES: "bytes"}


def info_dict(info: "pb.ChannelInfo") -> Dict[str, Any]:
    """A ChannelInfo as the mapping that ``info()`` returns (S-INFO-1)."""
    return {
        "id": info.id,
        "kind": KIND_NAMES.get(info.kind, "unspecified"),
        "size": info.size,
        "max_size": info.max_size,
        "closed": info.closed,
        "messages": info.messages,
        "waiting_receivers": info.waiting_receivers,
        "waiting_senders": info.waiting_senders,
        "reserved_bytes": info.reserved_bytes,
        "in_flight_bytes": info.in_flight_bytes,
    }


def closed_error(kind: Kind, channel_id: str, operation: str) -> errors.ChannelClosed:
    what = "byte channel" if kind is BYTES else "channel"
    if operation == "send":
        message = f"{what} {channel_id} is closed"
    else:
        message = f"{what} {channel_id} is closed and empty"
    return kind.closed_error(message, channel_id=channel_id)


def send_outcome(result: int, *, kind: Kind, channel_id: str, size: int,
                 timeout_ms: Optional[int]) -> None:
    """Turns a SendResult into None (OK) or the exception the contract asks for."""
    if result == pb.SEND_RESULT_OK:
        return None
    if result == pb.SEND_RESULT_BUSY:
        raise errors.ChannelBusy(
            f"channel busy (backpressure): no room for a payload of {size} bytes "
            f"in channel {channel_id}",
            size=size, channel_id=channel_id,
        )
    if result == pb.SEND_RESULT_CLOSED:
        raise closed_error(kind, channel_id, "send")
    if result == pb.SEND_RESULT_TIMEOUT:
        raise TimeoutError(
            f"send timed out after {timeout_ms} ms waiting for room for {size} bytes "
            f"in channel {channel_id}"
        )
    if result == pb.SEND_RESULT_TOO_LARGE:
        raise errors.MessageTooLarge(
            f"payload of {size} bytes can never fit in channel {channel_id}",
            size=size, channel_id=channel_id,
        )
    if result == pb.SEND_RESULT_INVALID:
        raise errors.InvalidArgument(f"payload refused by channel {channel_id}",
                                     channel_id=channel_id)
    if result == pb.SEND_RESULT_LIMIT:
        raise errors.LimitExceeded(f"send of {size} bytes refused by the server's "
                                   f"max_pending_bytes_per_connection on channel {channel_id}",
                                   channel_id=channel_id)
    raise errors.ChannelError(f"send on channel {channel_id}: unexpected result {result}",
                              channel_id=channel_id)


def send_error(error: grpc.RpcError, *, channel_id: str, size: int) -> errors.ChannelError:
    """The exception for a failed Send call, with the payload size where it helps."""
    err = errors.from_rpc_error(error, channel_id=channel_id, operation="send")
    if isinstance(err, errors.MessageTooLarge):
        err.size = size
        reason = (f" ({err.code.name}: {err.details})" if err.code is not None and err.details
                  else f" ({err.code.name})" if err.code is not None else "")
        if err.code == grpc.StatusCode.OUT_OF_RANGE:
            text = f"payload of {size} bytes exceeds the max_size of channel {channel_id}"
        else:
            text = f"payload of {size} bytes exceeds the message size limit"
        err.args = (text + reason,)
    return err


# Markers returned by receive_outcome.
EMPTY = object()


def receive_outcome(resp: "pb.ReceiveResponse", *, kind: Kind, channel_id: str,
                    timeout_ms: Optional[int]) -> Any:
    """Turns a ReceiveResponse into the payload bytes, EMPTY, or the exception to raise."""
    status = resp.status
    if status == pb.RECEIVE_STATUS_MESSAGE:
        return resp.payload
    if status == pb.RECEIVE_STATUS_EMPTY:
        return EMPTY
    if status == pb.RECEIVE_STATUS_CLOSED:
        raise closed_error(kind, channel_id, "receive")
    if status == pb.RECEIVE_STATUS_TIMEOUT:
        raise TimeoutError(f"receive timed out after {timeout_ms} ms on channel {channel_id}")
    raise errors.ChannelError(f"receive on channel {channel_id}: unexpected status {status}",
                              channel_id=channel_id)


def address_request(address: Any, kind: "Kind", value: Any) -> "pb.SendToAddressRequest":
    """The request of ``send_to`` / ``send_bytes_to``: an event-bus address and one payload."""
    if not isinstance(address, str) or not address:
        raise TypeError("address must be a non-empty str")
    return pb.SendToAddressRequest(address=address, kind=kind.proto, payload=kind.encode(value))


def create_request(kind: Kind, max_size: int) -> "pb.CreateRequest":
    return pb.CreateRequest(kind=kind.proto, max_size=max_size)


def send_request(channel_id: str, payload: bytes, timeout_ms: Optional[int]) -> "pb.SendRequest":
    if timeout_ms is None:
        return pb.SendRequest(channel_id=channel_id, payload=payload)
    return pb.SendRequest(channel_id=channel_id, payload=payload, wait=True, timeout_ms=timeout_ms)


class ProtocolError(errors.ChannelError):
    """The server broke the Stream protocol (a bug of the server or of this library)."""


class ConsumerWindow:
    """The client's side of a consuming Stream session, without I/O.

    It builds the frames to send (OpenStream, Credit, Ack, Release), takes the server's frames,
    buffers pushed payloads in order and keeps the credit window: at most ``credit_messages``
    messages and ``credit_bytes`` bytes are pushed and not yet handed to the application
    (S-EXT-CREDIT). Handed messages are acknowledged in batches (every half window, whenever
    the buffer runs dry, and before the stream ends), always before credit is granted again.
    """

    def __init__(self, channel_id: str, kind: Kind, credit_messages: int, credit_bytes: int):
        self.channel_id = channel_id
        self.kind = kind
        self.window_messages = credit_messages
        self.window_bytes = credit_bytes
        self.max_message_bytes: Optional[int] = None
        self.opened = False
        self.closed = False  # a ChannelClosed frame arrived (S-CLOSE-4)
        self.released = False  # the Released frame arrived (after release())
        self._releasing = False
        # Pushed payloads not yet handed, oldest first. Their sequence numbers are implicit: pushes
        # are contiguous, so the head is always number _handed + 1 (no tuple per message).
        self._buffer: Deque[bytes] = collections.deque()
        self._next_seq = 1  # the sequence number of the next pushed payload
        self._handed = 0  # the last sequence number handed to the application
        self._acked = 0
        self._used_messages = 0  # handed since credit was last granted
        self._used_bytes = 0
        self.due = False  # half the window was handed: control_frames(idle=False) has frames

    # -- frames to send --------------------------------------------------------------------------

    def open_frame(self) -> "pb.ClientFrame":
        return pb.ClientFrame(open=pb.OpenStream(
            channel_id=self.channel_id,
            expected_kind=self.kind.proto,
            initial_credit_messages=self.window_messages,
            initial_credit_bytes=self.window_bytes,
        ))

    def control_frames(self, *, idle: bool) -> List["pb.ClientFrame"]:
        """Ack + Credit for what was handed, when half a window was used or (``idle``) when
        the buffer is empty and the caller is about to wait; else nothing."""
        if self._releasing or not self.opened:
            return []
        due = (self._used_messages * 2 >= self.window_messages
               or self._used_bytes * 2 >= self.window_bytes
               or (idle and (self._used_messages > 0 or self._handed > self._acked)))
        if not due:
            return []
        self.due = False
        frames = []
        if self._handed > self._acked:
            frames.append(pb.ClientFrame(ack=pb.Ack(up_to_seq=self._handed)))
            self._acked = self._handed
        if self._used_messages or self._used_bytes:
            frames.append(pb.ClientFrame(credit=pb.Credit(messages=self._used_messages,
                                                          bytes=self._used_bytes)))
            self._used_messages = 0
            self._used_bytes = 0
        return frames

    def final_frames(self) -> List["pb.ClientFrame"]:
        """The frames to send before half-closing the call: an Ack for everything handed (none
        when all was acknowledged). The server gives every other pushed message back to the head
        of the channel when the call ends (S-EXT-REDELIVER); later Deliveries are dropped."""
        self._releasing = True
        self._buffer.clear()
        if self._handed > self._acked:
            self._acked = self._handed
            return [pb.ClientFrame(ack=pb.Ack(up_to_seq=self._handed))]
        return []

    def ack_frame(self) -> Optional["pb.ClientFrame"]:
        """An Ack for everything handed so far, or None when all was acknowledged: a per-call
        receive acknowledges at once, so that a consumed message stops counting as in flight
        for other senders' backpressure."""
        if self._releasing or self._handed <= self._acked:
            return None
        self._acked = self._handed
        return pb.ClientFrame(ack=pb.Ack(up_to_seq=self._handed))

    def release_frames(self) -> List["pb.ClientFrame"]:
        """Ack for everything handed, then Release: every other pushed message goes back to the
        head of the channel and the credit drops to zero, the stream staying open. The server's
        Released answer confirms both were processed."""
        frames = self.final_frames()
        frames.append(pb.ClientFrame(release=pb.Release()))
        return frames

    # -- frames received -------------------------------------------------------------------------

    def feed(self, frame: "pb.ServerFrame") -> List["pb.ClientFrame"]:
        """Takes one server frame; returns frames to send in answer."""
        which = frame.WhichOneof("frame")
        if which == "deliveries":
            if not self.opened:
                raise ProtocolError(f"stream on channel {self.channel_id}: Deliveries before Opened",
                                    channel_id=self.channel_id)
            d = frame.deliveries
            if d.first_seq != self._next_seq:
                raise ProtocolError(
                    f"stream on channel {self.channel_id}: Deliveries.first_seq {d.first_seq}, "
                    f"expected {self._next_seq}", channel_id=self.channel_id)
            payloads = d.payloads
            self._next_seq += len(payloads)
            if not self._releasing:
                self._buffer.extend(payloads)  # one C-level loop: 64-byte messages come by thousands
            return []
        if which == "closed":
            self.closed = True
            return []
        if which == "opened":
            if self.opened:
                raise ProtocolError(f"stream on channel {self.channel_id}: Opened twice",
                                    channel_id=self.channel_id)
            self.opened = True
            self.max_message_bytes = frame.opened.max_message_bytes
            # Byte credit must cover the largest message, or that message is never pushed.
            if self.max_message_bytes > self.window_bytes:
                extra = self.max_message_bytes - self.window_bytes
                self.window_bytes = self.max_message_bytes
                return [pb.ClientFrame(credit=pb.Credit(messages=0, bytes=extra))]
            return []
        if which == "released":
            self.released = True
            return []
        raise ProtocolError(f"stream on channel {self.channel_id}: unexpected frame {which!r}",
                            channel_id=self.channel_id)

    # -- handing messages to the application -----------------------------------------------------

    def peek(self) -> Optional[bytes]:
        """The next payload to hand, or None when the buffer is empty."""
        return self._buffer[0] if self._buffer else None

    def commit(self) -> None:
        """Marks the payload returned by peek() as handed to the application."""
        self.take()

    def take(self) -> Optional[bytes]:
        """Pops the next payload and counts it as handed to the application (None when the
        buffer is empty). Sets ``due`` once half the window was used: the caller then sends
        ``control_frames(idle=False)``. One call per message, as cheap as it can be: the loops
        that hand out 64-byte messages spend most of their time here."""
        if not self._buffer:
            return None
        payload = self._buffer.popleft()
        self._handed += 1
        self._used_messages += 1
        self._used_bytes += len(payload)
        if self._used_messages * 2 >= self.window_messages or self._used_bytes * 2 >= self.window_bytes:
            self.due = True
        return payload

    def untake(self, payload: bytes) -> None:
        """Undoes take(): the payload could not be handed after all (it failed to decode), so it
        stays unacknowledged and the server gives it back to the channel when the stream ends."""
        self._buffer.appendleft(payload)
        self._handed -= 1
        self._used_messages -= 1
        self._used_bytes -= len(payload)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def pushed(self) -> int:
        """How many messages the server pushed on this stream so far."""
        return self._next_seq - 1

    @property
    def at_end(self) -> bool:
        """The channel is closed and everything pushed was handed: the iteration ends."""
        return self.closed and not self._buffer
