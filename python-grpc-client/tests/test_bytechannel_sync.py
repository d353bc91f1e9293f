"""Byte channels with the sync client (contract sections 5 and 7, byte-channel shapes)."""

import asyncio
import os

import pytest

import vertx_channels
from vertx_channels.errors import ByteChannelClosed, ChannelBusy, ChannelClosed, WrongChannelKind


def test_send_receive_and_exact_sizes__S_SEND_3_S_RECV_2(client):
    ch = client.new_byte_channel()
    ch.send_bytes(b"test")
    assert ch.info()["size"] == 4
    assert ch.info()["kind"] == "bytes"
    assert ch.receive_bytes() == b"test"
    assert ch.info()["size"] == 0


def test_accepts_bytes_bytearray_memoryview(client):
    ch = client.new_byte_channel()
    ch.send_bytes(b"ab")
    ch.send_bytes(bytearray(b"cd"))
    ch.send_bytes(memoryview(b"xxefxx")[2:4])
    assert [ch.receive_bytes(0) for _ in range(3)] == [b"ab", b"cd", b"ef"]
    with pytest.raises(TypeError):
        ch.send_bytes("text")


def test_empty_message_is_a_message__S_FIX_EMPTY(client):
    ch = client.new_byte_channel()
    ch.send_bytes(b"")
    info = ch.info()
    assert (info["messages"], info["size"]) == (1, 0)
    assert ch.try_receive_bytes() == b""
    assert ch.try_receive_bytes() is None


def test_backpressure_max_100__S_SEND_2(client):
    ch = client.new_byte_channel(max_size=100)
    ch.send_bytes(b"a" * 50)
    ch.send_bytes(b"b" * 50)  # fills exactly: ok
    with pytest.raises(ChannelBusy):
        ch.send_bytes(b"more")
    assert ch.info()["size"] == 100


def test_fifo_and_try_receive__S_RECV_1_S_RECV_4(client):
    ch = client.new_byte_channel()
    assert ch.try_receive_bytes() is None
    for i in range(3):
        ch.send_bytes(bytes([i]))
    assert [ch.try_receive_bytes() for _ in range(3)] == [b"\x00", b"\x01", b"\x02"]


def test_closed_errors_are_byte_channel_closed__S_SEND_1_S_RECV_1(client):
    ch = client.new_byte_channel()
    ch.send_bytes(b"left")
    ch.close()
    with pytest.raises(ByteChannelClosed):
        ch.send_bytes(b"x")
    assert ch.receive_bytes() == b"left"
    with pytest.raises(ByteChannelClosed) as e:
        ch.receive_bytes()
    assert isinstance(e.value, ChannelClosed)
    with pytest.raises(ByteChannelClosed):
        ch.try_receive_bytes()


def test_receive_timeout_and_wake_by_close__S_RECV_3_S_CLOSE_3(client, later):
    ch = client.new_byte_channel()
    with pytest.raises(TimeoutError):
        ch.receive_bytes(30)
    later(0.05, ch.close)
    with pytest.raises(ByteChannelClosed):
        ch.receive_bytes(-1)


def test_iteration_yields_bytes_then_ends__S_CLOSE_4(client):
    ch = client.new_byte_channel()
    for i in range(3):
        ch.send_bytes(b"m%d" % i)
    ch.close()
    assert list(ch) == [b"m0", b"m1", b"m2"]

    async def collect():
        return [m async for m in ch]

    assert asyncio.run(collect()) == []


def test_async_receive_bytes__S_EXT_PUSH(client):
    ch = client.new_byte_channel()

    async def main():
        task = asyncio.ensure_future(ch.async_receive_bytes())
        await asyncio.sleep(0.05)
        ch.send_bytes(b"pushed")
        return await task

    assert asyncio.run(main()) == b"pushed"


def test_one_mib_round_trip__section_7(client):
    ch = client.new_byte_channel()
    data = os.urandom(1024 * 1024)
    ch.send_bytes(data)
    assert ch.info()["size"] == 1048576
    assert ch.receive_bytes() == data


def test_waiting_send_bytes__S_EXT_SENDWAIT(client, later):
    ch = client.new_byte_channel(max_size=4)
    ch.send_bytes(b"full")
    later(0.05, ch.receive_bytes, 1000)
    ch.send_bytes(b"next", timeout_ms=10_000)
    assert ch.receive_bytes(0) == b"next"


def test_term_channel_is_not_a_byte_channel(client):
    ch = client.new_channel()
    with pytest.raises(WrongChannelKind):
        client.byte_channel(ch.id)


def test_with_byte_channel_closes_it(client):
    with client.new_byte_channel() as ch:
        ch.send_bytes(b"x")
    assert ch.info()["closed"] is True
    assert isinstance(ch, vertx_channels.ByteChannel)
