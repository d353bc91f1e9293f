"""Term channels with the asyncio client (vertx_channels.aio): the rows of the contract's
section 5 and the cases of section 7, mirroring test_channel_sync.py."""

import asyncio

import pytest

import vertx_channels.aio
from vertx_channels import Atom
from vertx_channels.errors import (
    ChannelBusy, ChannelClosed, ChannelNotFound, ClientClosed, InvalidArgument, MessageTooLarge,
    WrongChannelKind,
)

# An unlimited channel (max_size 0, S-NEW-1) asked of a server with the default config is capped
# at its max_channel_size (README "Limits and defaults"); the conformance suite runs with 0 (no cap).
DEFAULT_MAX_CHANNEL_SIZE = 256 * 1024 * 1024


async def wait_for_receivers(ch, n):
    for _ in range(1000):
        if (await ch.info())["waiting_receivers"] >= n:
            return
        await asyncio.sleep(0.01)


async def test_new_channel_is_open_and_empty__S_NEW_1(aclient):
    ch = await aclient.new_channel()
    info = await ch.info()
    assert (info["size"], info["max_size"], info["closed"]) == (0, DEFAULT_MAX_CHANNEL_SIZE, False)
    assert isinstance(ch.id, str) and len(ch.id) >= 22


async def test_new_channel_with_max_size__S_NEW_1_S_INFO_1(aclient):
    ch = await aclient.new_channel(max_size=200)
    assert (await ch.info())["max_size"] == 200


async def test_negative_max_size_is_refused__S_FIX_OPTS(aclient):
    with pytest.raises(InvalidArgument):
        await aclient.new_channel(max_size=-5)


async def test_send_receive_fifo__S_SEND_4_S_RECV_4(aclient):
    ch = await aclient.new_channel()
    for i in range(3):
        await ch.send({"n": i, "tag": Atom("ok")})
    assert [await ch.receive(0) for _ in range(3)] == [{"n": i, "tag": "ok"} for i in range(3)]


async def test_try_receive__S_RECV_1(aclient):
    ch = await aclient.new_channel()
    assert await ch.try_receive() is None
    await ch.send("x")
    await ch.close()
    assert await ch.try_receive() == "x"  # a message even when closed
    with pytest.raises(ChannelClosed):
        await ch.try_receive()


async def test_info_sizes__S_SEND_3_S_RECV_2(aclient):
    ch = await aclient.new_channel()
    await ch.send(1)
    assert (await ch.info())["size"] == 3
    await ch.receive(0)
    assert (await ch.info())["size"] == 0


async def test_backpressure_max_200_with_80_byte_binaries__S_SEND_2(aclient):
    ch = await aclient.new_channel(max_size=200)
    payload = b"\xfe" * 80
    await ch.send(payload)
    await ch.send(payload)
    with pytest.raises(ChannelBusy, match=r"^channel busy \(backpressure\)"):
        await ch.send(payload)
    await ch.receive(0)
    await ch.send(b"small")


async def test_too_large__S_SEND_5_S_EXT_SENDWAIT(aclient):
    ch = await aclient.new_channel(max_size=10)
    with pytest.raises(ChannelBusy):
        await ch.send(b"y" * 20)
    with pytest.raises(MessageTooLarge):
        await ch.send(b"y" * 20, timeout_ms=-1)


async def test_send_to_closed__S_SEND_1_S_CLOSE_1(aclient):
    ch = await aclient.new_channel()
    await ch.close()
    await ch.close()
    with pytest.raises(ChannelClosed):
        await ch.send(1)


async def test_close_then_drain__S_CLOSE_2(aclient):
    ch = await aclient.new_channel()
    for i in range(3):
        await ch.send(i)
    await ch.close()
    assert [await ch.receive() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ChannelClosed):
        await ch.receive()


async def test_receive_gets_data_sent_50_ms_later__S_RECV_3(aclient):
    ch = await aclient.new_channel()

    async def send_later():
        await asyncio.sleep(0.05)
        await ch.send("later")

    task = asyncio.ensure_future(send_later())
    assert await ch.receive(10_000) == "later"
    await task


async def test_receive_times_out__S_RECV_3_S_FIX_TIMEOUT(aclient):
    ch = await aclient.new_channel()
    with pytest.raises(TimeoutError):
        await ch.receive(40)
    with pytest.raises(TimeoutError):
        await ch.async_receive(0)
    await ch.send(1)
    assert await ch.receive(0) == 1


async def test_receive_woken_by_close__S_CLOSE_3(aclient):
    ch = await aclient.new_channel()
    waiter = asyncio.ensure_future(ch.receive())
    await wait_for_receivers(ch, 1)
    await ch.close()
    with pytest.raises(ChannelClosed):
        await waiter


async def test_many_waiting_tasks_each_get_one_message__S_FIX_WAITERS_S_CLOSE_3(aclient):
    ch = await aclient.new_channel()
    waiters = [asyncio.ensure_future(ch.async_receive()) for _ in range(5)]
    await wait_for_receivers(ch, 5)
    for i in range(3):
        await ch.send(i)
    await ch.close()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    values = sorted(r for r in results if not isinstance(r, BaseException))
    closed = [r for r in results if isinstance(r, ChannelClosed)]
    assert values == [0, 1, 2] and len(closed) == 2


async def test_async_iteration_drains_then_ends__S_CLOSE_4(aclient):
    ch = await aclient.new_channel()
    for i in range(3):
        await ch.send(i)
    await ch.close()
    assert [m async for m in ch] == [0, 1, 2]


async def test_async_consumer_started_before_data__S_EXT_PUSH_S_CLOSE_4(aclient):
    ch = await aclient.new_channel()

    async def consumer():
        return [m async for m in ch]

    task = asyncio.ensure_future(consumer())
    await asyncio.sleep(0.05)
    for i in range(3):
        await ch.send(i)
    await ch.close()
    assert await task == [0, 1, 2]


async def test_waiting_send__S_EXT_SENDWAIT(aclient):
    ch = await aclient.new_channel(max_size=3)
    await ch.send(1)
    with pytest.raises(TimeoutError):
        await ch.send(2, timeout_ms=30)
    sender = asyncio.ensure_future(ch.send(2, timeout_ms=10_000))
    await asyncio.sleep(0.05)
    assert await ch.receive(0) == 1
    await sender
    assert await ch.receive(0) == 2


async def test_malformed_term_is_refused__S_FIX_DECODE(aclient):
    ch = await aclient.new_channel()
    with pytest.raises(InvalidArgument):
        await ch._send_payload(b"\x83\xff", None)
    assert (await ch.info())["size"] == 0


async def test_unknown_and_wrong_kind(aclient):
    with pytest.raises(ChannelNotFound):
        await aclient.channel("no-such-channel")
    bch = await aclient.new_byte_channel()
    with pytest.raises(WrongChannelKind):
        await aclient.channel(bch.id)
    assert (await aclient.byte_channel(bch.id)).id == bch.id


async def test_async_with_channel_closes_it__S_CLOSE_1(aclient):
    async with await aclient.new_channel() as ch:
        await ch.send(1)
    assert (await ch.info())["closed"] is True


async def test_connect_as_context_manager_and_awaitable(server_target):
    async with vertx_channels.aio.connect(server_target) as c1:
        ch = await c1.new_channel()
        await ch.send("hi")
    assert c1.closed
    c2 = await vertx_channels.aio.connect(server_target)
    try:
        assert await (await c2.channel(ch.id)).receive(0) == "hi"
    finally:
        await c2.close()
    with pytest.raises(ClientClosed):
        await c2.new_channel()


async def test_closing_the_client_ends_waiting_calls_with_client_closed(server_target):
    client = await vertx_channels.aio.connect(server_target)
    ch = await client.new_channel()

    async def iterate():
        return [m async for m in ch]

    waiters = [asyncio.ensure_future(ch.receive()), asyncio.ensure_future(ch.receive(0 + 60_000)),
               asyncio.ensure_future(iterate())]
    await asyncio.sleep(0.2)
    await client.close()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["ClientClosed"] * 3
