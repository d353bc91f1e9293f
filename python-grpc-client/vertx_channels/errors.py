"""The exceptions raised by vertx_channels.

Every error of this package derives from :class:`ChannelError`. Several also derive from the
built-in exception a Python programmer would expect, so that ``except ValueError`` or
``except RuntimeError`` keep working where erlang_python raised those::

    Exception
     +-- ChannelError                      any failure of a channel operation or of the transport
          +-- ChannelClosed                the channel is closed (and, for a receive, empty)
          |    +-- ByteChannelClosed       ... a byte channel
          +-- ChannelBusy (RuntimeError)   a non-waiting send found no room (backpressure)
          +-- MessageTooLarge (ValueError) the payload can never fit: larger than max_size on a
          |                                waiting send (OUT_OF_RANGE), or than the server's
          |                                message limit (RESOURCE_EXHAUSTED)
          +-- InvalidArgument (ValueError) refused input: a malformed term, a negative max_size
          |                                (INVALID_ARGUMENT)
          +-- ChannelNotFound (LookupError) no channel has this id (NOT_FOUND)
          +-- WrongChannelKind (TypeError) a term channel opened as a byte channel or the other
          |                                way round (FAILED_PRECONDITION)
          +-- ConnectionLost (ConnectionError) the server cannot be reached or the connection
          |    |                           broke (UNAVAILABLE, CANCELLED by the server)
          |    +-- OwnerLost               the cluster node that owned the channel is gone: the
          |                                channel and its messages are lost (UNAVAILABLE with
          |                                the trailer vertx-channels-error: owner_lost)
          +-- LimitExceeded                a per-connection limit of the server: too many channels
          |                                created, or too many bytes of sends waiting
          |                                (RESOURCE_EXHAUSTED with the trailer
          |                                vertx-channels-error: limit); nothing was done
          +-- Unauthenticated (PermissionError) no or a wrong bearer token (UNAUTHENTICATED)
          +-- DeadlineExceeded (TimeoutError) a gRPC deadline passed (DEADLINE_EXCEEDED)
          +-- ClientClosed (RuntimeError)  the Client was closed and cannot be used any more
          +-- SendFailed                   sends reported ok from reserved room that could not
                                           be enqueued (the channel closed, the stream broke):
                                           which ones, and why (S-EXT-RESERVE)

A receive or a waiting send whose own ``timeout_ms`` passes raises the built-in
:class:`TimeoutError`, as the contract says (S-RECV-3, S-EXT-SENDWAIT); bad argument types raise
the built-in :class:`TypeError`.

:meth:`ChannelError.from_status` maps a gRPC status code to the matching class;
:func:`from_rpc_error` does the same for a ``grpc.RpcError`` (sync or ``grpc.aio``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Type

import grpc

__all__ = [
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
    "from_rpc_error",
]


class ChannelError(Exception):
    """Base class of every error raised by vertx_channels.

    Attributes:
        code: the gRPC status code behind the error, or ``None`` when it was detected locally.
        details: the server's (or grpcio's) description of the status, if any.
        channel_id: the id of the channel concerned, when known.
        sent: on an error raised by ``send_many``: how many messages of that call were
            accepted (sent, in order) before it; ``None`` elsewhere.
    """

    code: Optional[grpc.StatusCode]
    details: Optional[str]
    channel_id: Optional[str]
    sent: Optional[int] = None

    def __init__(
        self,
        message: str,
        *,
        code: Optional[grpc.StatusCode] = None,
        details: Optional[str] = None,
        channel_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = details
        self.channel_id = channel_id

    @property
    def message(self) -> str:
        """The human-readable message (the same as ``str(error)``)."""
        return str(self.args[0]) if self.args else ""

    @classmethod
    def from_status(
        cls,
        code: grpc.StatusCode,
        details: Optional[str] = None,
        *,
        channel_id: Optional[str] = None,
        operation: Optional[str] = None,
    ) -> "ChannelError":
        """Builds the exception that matches a gRPC status.

        Args:
            code: the status code of the failed call.
            details: the status description sent by the server.
            channel_id: the channel the call was about, for the message and the field.
            operation: the operation that failed (``"send"``, ``"receive"``...), for the message.

        Returns:
            an instance of the most specific subclass for ``code`` (see the module docstring);
            a plain :class:`ChannelError` for codes without a subclass (UNKNOWN, INTERNAL,
            UNIMPLEMENTED...).
        """
        klass = _BY_CODE.get(code, ChannelError)
        what = f"{operation} failed" if operation else "call failed"
        where = f" on channel {channel_id}" if channel_id else ""
        detail = f": {details}" if details else ""
        if klass is ChannelNotFound and channel_id:
            message = f"channel {channel_id} not found ({code.name}{detail})"
        else:
            message = f"{what}{where} ({code.name}{detail})"
        error: ChannelError = klass(message, code=code, details=details, channel_id=channel_id)
        return error


class ChannelClosed(ChannelError):
    """The channel is closed: a send was refused (S-SEND-1), or a receive found it closed and empty
    (S-RECV-1, S-RECV-3, S-CLOSE-2)."""


class ByteChannelClosed(ChannelClosed):
    """A byte channel is closed (the ByteChannel spelling of :class:`ChannelClosed`)."""


class ChannelBusy(ChannelError, RuntimeError):
    """A send that does not wait found no room (S-SEND-2, S-SEND-5); nothing was enqueued.

    erlang_python raises ``RuntimeError("channel busy (backpressure)")``; this is a
    ``RuntimeError`` too, with the same message at its start.

    Attributes:
        size: the payload's length in bytes (what the send would have added to ``size``).
    """

    size: Optional[int]

    def __init__(self, message: str = "channel busy (backpressure)", *, size: Optional[int] = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.size = size


class MessageTooLarge(ChannelError, ValueError):
    """The payload can never be accepted: it is larger than the channel's ``max_size`` and the
    send asked to wait (S-EXT-SENDWAIT, OUT_OF_RANGE), or larger than the server's or the
    client's message limit (RESOURCE_EXHAUSTED). Not a :class:`ChannelBusy`: waiting cannot help.

    Attributes:
        size: the payload's length in bytes, when known.
        limit: the limit it exceeds in bytes, when known.
    """

    size: Optional[int]
    limit: Optional[int]

    def __init__(self, message: str, *, size: Optional[int] = None, limit: Optional[int] = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.size = size
        self.limit = limit


class InvalidArgument(ChannelError, ValueError):
    """The server refused the input (INVALID_ARGUMENT): bytes that are not exactly one
    well-formed ETF term on a term channel (S-FIX-DECODE), a negative ``max_size`` (S-FIX-OPTS)."""


class ChannelNotFound(ChannelError, LookupError):
    """No channel has this id (NOT_FOUND)."""


class WrongChannelKind(ChannelError, TypeError):
    """The channel exists but is of the other kind: a term channel used as a byte channel or the
    other way round (FAILED_PRECONDITION). The server also answers FAILED_PRECONDITION to a
    misused stream, which would be a bug of this library."""


class ConnectionLost(ChannelError, ConnectionError):
    """The server could not be reached, or the connection broke during the call (UNAVAILABLE, or
    CANCELLED by the server's side). An operation that failed this way may or may not have taken
    effect on the server."""


class OwnerLost(ConnectionLost):
    """The cluster node that owned the channel left the cluster (it crashed or was stopped): the
    channel and the messages queued in it are gone, and every operation on it fails with this
    error on the surviving nodes. Channels of other nodes are not affected."""


class LimitExceeded(ChannelError):
    """A per-connection limit of the server was reached (RESOURCE_EXHAUSTED with the trailer
    ``vertx-channels-error: limit``): this connection created ``max_channels_per_connection``
    channels already, or its sends waiting in the server for room would exceed
    ``max_pending_bytes_per_connection``. Nothing was done; retrying once earlier sends were
    answered (or with another connection) can succeed."""


class Unauthenticated(ChannelError, PermissionError):
    """The server requires a bearer token and the call carried none or a wrong one
    (UNAUTHENTICATED): pass ``token=`` to ``connect()``."""


class DeadlineExceeded(ChannelError, TimeoutError):
    """A gRPC deadline passed before the server answered (DEADLINE_EXCEEDED): the connection did
    not become ready within ``connect(timeout=...)``, or the server did not answer within the
    client's safety margin past a timeout it should have answered itself."""


class ClientClosed(ChannelError, RuntimeError):
    """The :class:`~vertx_channels.Client` was closed; create a new one with ``connect()``."""


class SendFailed(ChannelError):
    """Sends that had returned normally could not all be enqueued (S-EXT-RESERVE).

    A pipelined send (see the README, "Pipelined sends") returns as soon as it fits in room the
    server reserved for this channel object; the server confirms the enqueue later. When a
    confirmation does not come (the stream broke, the server stopped) or says otherwise (the
    channel was closed meanwhile), the next ``send``, ``send_many``, ``flush``, ``close``,
    ``info`` or receive on the same channel object raises this error, once, listing every such
    message. Nothing is lost silently: the messages listed were not (or may not have been)
    enqueued; every other send that returned was.

    Attributes:
        indexes: the positions of the messages concerned among the sends made through this
            channel object (0 = its first send), in order.
        payloads: their payloads (ETF bytes on a term channel), in the same order.
        reasons: one word per message: ``"closed"`` (the server answered CLOSED: not
            enqueued), ``"unconfirmed"`` (the stream ended before the answer: possibly not
            enqueued), or the server's result name.
        cause: the error behind the first failure (also ``__cause__``).
    """

    indexes: List[int]
    payloads: List[bytes]
    reasons: List[str]
    cause: Optional[BaseException]

    def __init__(self, message: str, *, indexes: List[int], payloads: List[bytes],
                 reasons: List[str], cause: Optional[BaseException] = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.indexes = indexes
        self.payloads = payloads
        self.reasons = reasons
        self.cause = cause
        self.__cause__ = cause


_BY_CODE: Dict[Any, Type[ChannelError]] = {
    grpc.StatusCode.NOT_FOUND: ChannelNotFound,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.FAILED_PRECONDITION: WrongChannelKind,
    grpc.StatusCode.OUT_OF_RANGE: MessageTooLarge,
    grpc.StatusCode.RESOURCE_EXHAUSTED: MessageTooLarge,
    grpc.StatusCode.UNAVAILABLE: ConnectionLost,
    grpc.StatusCode.CANCELLED: ConnectionLost,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}


def from_rpc_error(
    error: grpc.RpcError,
    *,
    channel_id: Optional[str] = None,
    operation: Optional[str] = None,
) -> ChannelError:
    """Converts a failed call of grpcio (``grpc.RpcError`` or ``grpc.aio.AioRpcError``) into the
    matching :class:`ChannelError` (see :meth:`ChannelError.from_status`)."""
    code = getattr(error, "code", None)
    details = getattr(error, "details", None)
    status = code() if callable(code) else None
    text = details() if callable(details) else None
    if not isinstance(status, grpc.StatusCode):
        return ChannelError(
            f"{operation or 'call'} failed: {error!r}", channel_id=channel_id
        )
    failure = ChannelError.from_status(status, text, channel_id=channel_id, operation=operation)
    named = _server_error(error)
    if status == grpc.StatusCode.UNAVAILABLE and named == "owner_lost":
        return OwnerLost(str(failure), code=status, details=text, channel_id=channel_id)
    if status == grpc.StatusCode.RESOURCE_EXHAUSTED and named == "limit":
        return LimitExceeded(str(failure), code=status, details=text, channel_id=channel_id)
    return failure


_ERROR_TRAILER = "vertx-channels-error"


def _server_error(error: grpc.RpcError) -> Optional[str]:
    """The server's own name for the error (trailer ``vertx-channels-error``), if it sent one."""
    trailing = getattr(error, "trailing_metadata", None)
    try:
        metadata = trailing() if callable(trailing) else None
    except Exception:  # noqa: BLE001 - metadata is optional; never mask the real error
        metadata = None
    for key, value in metadata or ():
        if key == _ERROR_TRAILER:
            return str(value)
    return None
