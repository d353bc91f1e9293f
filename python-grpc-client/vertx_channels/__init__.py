"""vertx-channels: Erlang-semantics channels served by Eclipse Vert.x, from Python.

A channel is one FIFO queue of messages with byte-counted backpressure, close-and-drain, and
blocking, non-blocking, async and streaming receive, shared by every party that holds its id.
The API mirrors erlang_python's ``erlang.Channel`` / ``erlang.ByteChannel``::

    import vertx_channels

    with vertx_channels.connect("127.0.0.1:9090") as client:
        ch = client.new_channel(max_size=1_000_000)
        ch.send(("hello", [1, 2, 3]))
        print(ch.receive(timeout_ms=1000))     # ('hello', [1, 2, 3])
        ch.close()

The asyncio twin is :mod:`vertx_channels.aio`; the ETF codec is :mod:`vertx_channels.terms`;
the exceptions are in :mod:`vertx_channels.errors`.
"""

from . import errors, terms
from ._sync import ByteChannel, Channel, Client, connect
from .errors import (
    ByteChannelClosed,
    ChannelBusy,
    ChannelClosed,
    ChannelError,
    ChannelNotFound,
    ClientClosed,
    ConnectionLost,
    DeadlineExceeded,
    OwnerLost,
    LimitExceeded,
    Unauthenticated,
    InvalidArgument,
    MessageTooLarge,
    SendFailed,
    WrongChannelKind,
)
from .terms import Atom, ImproperList

__version__ = "0.1.0"

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
