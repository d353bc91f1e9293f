"""Byte channels with the asyncio client, mirroring test_bytechannel_sync.py."""

import asyncio
import os

import pytest

from vertx_channels.errors import ByteChannelClosed, ChannelBusy


async def test_send_receive_and_exact_sizes__S_SEND_3(aclient):
    ch = await aclient.new_byte_channel()
    await ch.send_bytes(b"test")
    assert (await ch.info())["size"] == 4
    assert await ch.receive_bytes() == b"test"


async def test_empty_message_is_a_message__S_FIX_EMPTY(aclient):
    ch = await aclient.new_byte_channel()
    await ch.send_bytes(b"")
    assert await ch.try_receive_bytes() == b""
    assert await ch.try_receive_bytes() is None


async def test_backpressure_max_100__S_SEND_2(aclient):
    ch = await aclient.new_byte_channel(max_size=100)
    await ch.send_bytes(bytearray(50))
    await ch.send_bytes(memoryview(bytes(50)))
    with pytest.raises(ChannelBusy):
        await ch.send_bytes(b"more")
    with pytest.raises(TypeError):
        await ch.send_bytes("text")


async def test_closed_and_drain__S_CLOSE_2_S_SEND_1(aclient):
    ch = await aclient.new_byte_channel()
    await ch.send_bytes(b"a")
    await ch.close()
    with pytest.raises(ByteChannelClosed):
        await ch.send_bytes(b"b")
    assert await ch.async_receive_bytes() == b"a"
    with pytest.raises(ByteChannelClosed):
        await ch.receive_bytes()


async def test_timeout__S_RECV_3(aclient):
    ch = await aclient.new_byte_channel()
    with pytest.raises(TimeoutError):
        await ch.receive_bytes(20)


async def test_async_iteration_yields_bytes__S_CLOSE_4(aclient):
    ch = await aclient.new_byte_channel()
    for i in range(3):
        await ch.send_bytes(b"m%d" % i)
    await ch.close()
    assert [m async for m in ch] == [b"m0", b"m1", b"m2"]


async def test_one_mib_round_trip__section_7(aclient):
    ch = await aclient.new_byte_channel()
    data = os.urandom(1024 * 1024)
    await ch.send_bytes(data)
    assert (await ch.info())["size"] == 1048576
    assert await ch.receive_bytes() == data


async def test_consumer_before_data__S_EXT_PUSH(aclient):
    ch = await aclient.new_byte_channel()
    task = asyncio.ensure_future(ch.receive_bytes())
    await asyncio.sleep(0.05)
    await ch.send_bytes(b"late")
    assert await task == b"late"
