"""The exception hierarchy (contract section 5) and the mapping of gRPC status codes."""

import grpc
import pytest

from vertx_channels import errors
from vertx_channels.errors import (
    ByteChannelClosed, ChannelBusy, ChannelClosed, ChannelError, ChannelNotFound, ClientClosed,
    ConnectionLost, DeadlineExceeded, InvalidArgument, MessageTooLarge, WrongChannelKind,
)


def test_hierarchy_matches_the_contract():
    assert issubclass(ByteChannelClosed, ChannelClosed)
    assert issubclass(ChannelBusy, RuntimeError)
    assert issubclass(MessageTooLarge, ValueError)
    assert not issubclass(MessageTooLarge, ChannelBusy)
    assert not issubclass(ChannelBusy, MessageTooLarge)
    assert issubclass(InvalidArgument, ValueError)
    assert issubclass(ChannelNotFound, LookupError)
    assert issubclass(ConnectionLost, ConnectionError)
    assert issubclass(DeadlineExceeded, TimeoutError)
    for cls in (ChannelClosed, ByteChannelClosed, ChannelBusy, MessageTooLarge, InvalidArgument,
                ChannelNotFound, WrongChannelKind, ConnectionLost, DeadlineExceeded, ClientClosed):
        assert issubclass(cls, ChannelError), cls


@pytest.mark.parametrize("code, cls", [
    (grpc.StatusCode.NOT_FOUND, ChannelNotFound),
    (grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument),
    (grpc.StatusCode.FAILED_PRECONDITION, WrongChannelKind),
    (grpc.StatusCode.OUT_OF_RANGE, MessageTooLarge),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, MessageTooLarge),
    (grpc.StatusCode.UNAVAILABLE, ConnectionLost),
    (grpc.StatusCode.CANCELLED, ConnectionLost),
    (grpc.StatusCode.DEADLINE_EXCEEDED, DeadlineExceeded),
    (grpc.StatusCode.INTERNAL, ChannelError),
    (grpc.StatusCode.UNKNOWN, ChannelError),
    (grpc.StatusCode.UNIMPLEMENTED, ChannelError),
])
def test_from_status_maps_grpc_codes(code, cls):
    err = ChannelError.from_status(code, "what went wrong", channel_id="abc", operation="send")
    assert type(err) is cls
    assert err.code is code
    assert err.details == "what went wrong"
    assert err.channel_id == "abc"
    assert code.name in str(err)
    assert "what went wrong" in str(err)


def test_not_found_message_names_the_channel():
    err = ChannelError.from_status(grpc.StatusCode.NOT_FOUND, "unknown channel", channel_id="xyz")
    assert str(err).startswith("channel xyz not found")


def test_busy_message_starts_like_erlang_python():
    assert str(ChannelBusy()) == "channel busy (backpressure)"
    err = ChannelBusy("channel busy (backpressure): no room for 9 bytes", size=9, channel_id="c")
    assert err.size == 9 and err.channel_id == "c" and err.code is None


def test_message_too_large_fields():
    err = MessageTooLarge("payload of 10 bytes exceeds max_size of 5 bytes", size=10, limit=5)
    assert (err.size, err.limit) == (10, 5)
    assert isinstance(err, ValueError)


class _FakeRpcError(grpc.RpcError):
    def __init__(self, code, details):
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


def test_from_rpc_error_reads_code_and_details():
    err = errors.from_rpc_error(_FakeRpcError(grpc.StatusCode.NOT_FOUND, "no such id"),
                                channel_id="c1", operation="info")
    assert isinstance(err, ChannelNotFound)
    assert err.details == "no such id"


def test_from_rpc_error_without_a_status():
    err = errors.from_rpc_error(grpc.RpcError(), operation="receive")
    assert type(err) is ChannelError
    assert err.code is None
    assert "receive failed" in str(err)
