"""Pipelined sends of the asyncio client against the real server (S-EXT-RESERVE); the twin of
test_produce_sync.py, plus ``await anext(ch)`` on aio channels."""

import asyncio

import pytest

import vertx_channels
import vertx_channels.aio
from vertx_channels import ByteChannelClosed, ChannelBusy, MessageTooLarge, SendFailed
from conftest import DEFAULT_JAR, ServerProcess


async def wait_until(pred, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await pred():
            return True
        await asyncio.sleep(0.005)
    return await pred()


async def test_burst_of_sends_arrives_complete_and_in_order__S_RECV_4_S_EXT_RESERVE(aclient):
    ch = await aclient.new_channel()
    n = 3000
    for i in range(n):
        await ch.send(("m", i))
    assert await ch.send_many(("n", i) for i in range(n)) == n
    await ch.close()
    got = [m async for m in await aclient.channel(ch.id)]
    assert got == [("m", i) for i in range(n)] + [("n", i) for i in range(n)]


async def test_idle_burst_gives_its_room_back_to_other_clients__S_EXT_RESERVE(aclient,
                                                                              server_target):
    ch = await aclient.new_byte_channel(max_size=100)
    await ch.send_many([b"x" * 5] * 10)
    async with vertx_channels.aio.connect(server_target) as other_client:
        other = await other_client.byte_channel(ch.id)

        async def no_reservation():
            return (await other.info())["reserved_bytes"] == 0

        assert await wait_until(no_reservation)
        assert (await other.info())["size"] == 50
        await other.send_bytes(b"y" * 50)
        with pytest.raises(ChannelBusy):
            await other.send_bytes(b"z")


async def test_busy_timeout_too_large_through_the_pipeline__S_SEND_2_S_EXT_SENDWAIT(aclient):
    ch = await aclient.new_byte_channel(max_size=100)
    with pytest.raises(ChannelBusy) as e:
        await ch.send_many([b"a" * 30] * 5)
    assert e.value.sent == 3
    await ch.send_bytes(b"b" * 10)
    with pytest.raises(TimeoutError):
        await ch.send_many([b"c"], timeout_ms=50)
    with pytest.raises(MessageTooLarge):
        await ch.send_many([b"c" * 101], timeout_ms=1000)
    info = await ch.info()
    assert info["size"] == 100 and info["reserved_bytes"] == 0


async def test_closed_channel_through_the_pipeline__S_SEND_1(aclient):
    ch = await aclient.new_byte_channel()
    await ch.send_many([b"a"] * 100)
    await (await aclient.byte_channel(ch.id)).close()
    with pytest.raises((ByteChannelClosed, SendFailed)) as e:
        for _ in range(10_000):
            await ch.send_bytes(b"b")
    if isinstance(e.value, SendFailed):
        assert set(e.value.reasons) <= {"closed"}
        with pytest.raises(ByteChannelClosed):
            await ch.send_bytes(b"b")


async def test_server_killed_mid_pipeline_reports_unconfirmed_sends__S_EXT_RESERVE():
    server = ServerProcess(DEFAULT_JAR)
    server.start()
    try:
        client = await vertx_channels.aio.connect(server.target, keepalive_time_ms=1000,
                                                  keepalive_timeout_ms=1000)
        ch = await client.new_byte_channel()
        sent = 0
        failure = None
        try:
            while sent < 2_000_000:
                await ch.send_bytes(b"%d" % sent)
                sent += 1
                if sent == 20_000:
                    server.proc.kill()
        except SendFailed as e:
            failure = e
        except vertx_channels.ConnectionLost:
            with pytest.raises(SendFailed) as e2:
                await ch.flush()
            failure = e2.value
        if failure is None:
            with pytest.raises(SendFailed) as e3:
                await ch.flush()
            failure = e3.value
        assert failure.indexes and failure.indexes == sorted(failure.indexes)
        assert failure.payloads == [b"%d" % i for i in failure.indexes]
        try:
            await client.close()
        except SendFailed:
            pass
    finally:
        server.stop()


async def test_anext_on_aio_channels__S_CLOSE_4(aclient):
    ch = await aclient.new_channel()
    await ch.send_many([1, 2])
    await ch.close()
    assert await anext(ch) == 1
    assert await anext(ch) == 2
    with pytest.raises(StopAsyncIteration):
        await anext(ch)
    bch = await aclient.new_byte_channel()
    await bch.send_bytes(b"b")
    await bch.close()
    assert await anext(bch) == b"b"
    with pytest.raises(StopAsyncIteration):
        await anext(bch)
