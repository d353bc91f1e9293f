"""Client behaviour that needs no server: options, argument checks, the closed-client guard."""


import pytest

import vertx_channels
import vertx_channels.aio
from vertx_channels import _base
from vertx_channels.errors import ClientClosed, ConnectionLost


def lazy_client():
    # timeout=None connects lazily: nothing is contacted until the first call
    return vertx_channels.connect("127.0.0.1:9", timeout=None)


def test_default_options_lift_grpcio_message_limits():
    args = dict(_base.ClientOptions().channel_args())
    assert args["grpc.max_receive_message_length"] >= 16 * 1024 * 1024 + 1024
    assert args["grpc.max_send_message_length"] >= 16 * 1024 * 1024 + 1024
    assert args["grpc.keepalive_time_ms"] == 10_000
    assert args["grpc.keepalive_permit_without_calls"] == 1


def test_grpc_options_are_applied_last():
    args = dict(_base.ClientOptions(grpc_options=(("grpc.keepalive_time_ms", 5),)).channel_args())
    assert args["grpc.keepalive_time_ms"] == 5


def test_keepalive_can_be_disabled():
    args = dict(_base.ClientOptions(keepalive_time_ms=0).channel_args())
    assert "grpc.keepalive_time_ms" not in args


@pytest.mark.parametrize("kwargs, exc", [
    ({"credit_messages": 0}, ValueError),
    ({"credit_messages": 1.5}, TypeError),
    ({"credit_bytes": 0}, ValueError),
    ({"max_message_size": True}, TypeError),
    ({"timeout": -1}, ValueError),
    ({"timeout": "1"}, TypeError),
])
def test_bad_options_are_refused_with_their_name(kwargs, exc):
    with pytest.raises(exc, match=next(iter(kwargs))):
        vertx_channels.connect("127.0.0.1:9", **kwargs)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        vertx_channels.connect("127.0.0.1:9", 1.0)  # type: ignore[misc]


def test_connect_to_nothing_raises_connection_lost():
    with pytest.raises(ConnectionLost, match="could not connect"):
        vertx_channels.connect("127.0.0.1:9", timeout=0.3)


async def test_aio_connect_to_nothing_raises_connection_lost():
    with pytest.raises(ConnectionLost, match="could not connect"):
        await vertx_channels.aio.connect("127.0.0.1:9", timeout=0.3)


def test_send_bytes_accepts_only_bytes_like():
    with lazy_client() as client:
        ch = vertx_channels.ByteChannel(client, "some-id")
        for bad in ("text", 1, None, [1, 2], object()):
            with pytest.raises(TypeError, match="bytes, bytearray or memoryview"):
                ch.send_bytes(bad)


def test_send_of_a_value_with_no_erlang_form_raises_type_error():
    with lazy_client() as client:
        ch = vertx_channels.Channel(client, "some-id")
        with pytest.raises(TypeError):
            ch.send(object())
        with pytest.raises(TypeError):
            ch.send({1, 2})


def test_bad_argument_types():
    with lazy_client() as client:
        with pytest.raises(TypeError, match="max_size"):
            client.new_channel(max_size="10")
        with pytest.raises(TypeError, match="max_size"):
            client.new_byte_channel(max_size=1.5)
        with pytest.raises(TypeError, match="channel_id"):
            client.channel(42)
        ch = vertx_channels.Channel(client, "some-id")
        with pytest.raises(TypeError, match="timeout_ms"):
            ch.receive(timeout_ms=0.5)
        with pytest.raises(TypeError, match="timeout_ms"):
            ch.send(1, timeout_ms="1")


def test_client_close_is_idempotent_and_guards_use():
    client = lazy_client()
    ch = vertx_channels.Channel(client, "some-id")
    client.close()
    client.close()
    assert client.closed
    for op in (lambda: client.new_channel(), lambda: client.channel("x"), lambda: ch.send(1),
               lambda: ch.receive(0), lambda: ch.try_receive(), lambda: ch.info(),
               lambda: ch.close(), lambda: iter(ch)):
        with pytest.raises(ClientClosed):
            op()
    with pytest.raises(ClientClosed):
        with client:
            pass


async def test_aio_client_close_is_idempotent_and_guards_use():
    client = await vertx_channels.aio.connect("127.0.0.1:9", timeout=None)
    ch = vertx_channels.aio.Channel(client, "some-id")
    await client.close()
    await client.close()
    with pytest.raises(ClientClosed):
        await client.new_channel()
    with pytest.raises(ClientClosed):
        await ch.receive(0)
    with pytest.raises(ClientClosed):
        await ch.send(1)
    with pytest.raises(ClientClosed):
        ch.__aiter__()


async def test_sync_client_async_receive_after_close():
    client = lazy_client()
    client.close()
    with pytest.raises(ClientClosed):
        await vertx_channels.Channel(client, "x").async_receive()


def test_call_deadline_leaves_the_timeout_to_the_server():
    assert _base.call_deadline(-1) is None
    assert _base.call_deadline(0) >= 1.0
    assert _base.call_deadline(5000) > 5.0 + 1.0
