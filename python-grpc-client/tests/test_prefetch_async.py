"""Per-call receives of the asyncio client served from a bounded prefetch (S-EXT-CREDIT,
S-EXT-REDELIVER); the twin of test_prefetch_sync.py, with cancellation (S-FIX-CANCEL)."""

import asyncio

import pytest

import vertx_channels
import vertx_channels.aio
from vertx_channels import ByteChannelClosed
from vertx_channels import _prefetch, _produce

@pytest.fixture(autouse=True)
def bursts(monkeypatch):
    """Back-to-back calls count as a burst whatever the machine's speed (the tests check what a
    burst does, not how fast a loop must be to make one); the prefetch
    (``_prefetch.ENABLED``) is on for these tests whatever the default."""
    monkeypatch.setattr(_produce, "BURST_GAP_S", 1.0)
    monkeypatch.setattr(_prefetch, "ENABLED", True)



async def test_receive_loop_gets_everything_in_order__S_RECV_4(aclient):
    ch = await aclient.new_byte_channel()
    n = 2000
    await ch.send_many(b"%d" % i for i in range(n))
    assert [await ch.receive_bytes() for _ in range(n)] == [b"%d" % i for i in range(n)]
    with pytest.raises(TimeoutError):
        await ch.receive_bytes(50)
    await ch.close()
    with pytest.raises(ByteChannelClosed):
        await ch.receive_bytes()


async def test_idle_consumer_gives_its_prefetch_back__S_EXT_REDELIVER(aclient, server_target):
    ch = await aclient.new_channel()
    await ch.send_many(range(500))
    assert [await ch.receive() for _ in range(10)] == list(range(10))
    async with vertx_channels.aio.connect(server_target) as other_client:
        other = await other_client.channel(ch.id)
        for _ in range(1000):
            if (await other.info())["messages"] == 490:
                break
            await asyncio.sleep(0.01)
        assert (await other.info())["messages"] == 490
        assert await other.try_receive() == 10
    assert await ch.receive() == 11


async def test_try_receive_never_says_empty_with_a_message_queued__S_RECV_1(aclient,
                                                                           server_target):
    ch = await aclient.new_byte_channel()
    await ch.send_many([b"a"] * 30)
    assert [await ch.receive_bytes() for _ in range(30)] == [b"a"] * 30
    assert ch._prefetch._last is not None
    async with vertx_channels.aio.connect(server_target) as other_client:
        other = await other_client.byte_channel(ch.id)
        for i in range(20):
            await other.send_bytes(b"%d" % i)
            await other.flush()
            assert await ch.try_receive_bytes() == b"%d" % i
        assert await ch.try_receive_bytes() is None


async def test_cancelled_receives_in_a_burst_lose_nothing__S_FIX_CANCEL(aclient):
    ch = await aclient.new_channel()
    n = 300
    await ch.send_many(range(n))
    got = [await ch.receive() for _ in range(50)]  # a burst: the prefetch is open
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3
    while len(got) < n and loop.time() < deadline:
        try:
            got.append(await asyncio.wait_for(ch.receive(), 0.001))
        except asyncio.TimeoutError:
            pass
    await ch.close()
    got += [m async for m in ch]
    assert got == list(range(n))


async def test_consumer_gone_with_a_full_prefetch_loses_nothing__S_EXT_REDELIVER(aclient,
                                                                                server_target):
    ch = await aclient.new_channel()
    await ch.send_many(range(300))
    consumer = await vertx_channels.aio.connect(server_target)
    mine = await consumer.channel(ch.id)
    got = [await mine.receive() for _ in range(20)]
    assert mine._prefetch._last is not None
    await consumer.close()
    rest = []
    while not rest or rest[-1] != 299:
        rest.append(await ch.receive(2000))
    assert got + rest == list(range(300))


async def test_try_receive_loop_drains_through_the_prefetch__S_RECV_1_S_RECV_4(aclient,
                                                                            monkeypatch):
    # one session serves the whole loop (see the sync test)
    monkeypatch.setattr(_prefetch, "PRIME_WAIT_S", 30.0)
    opened = []
    real_open = _prefetch.AioPrefetcher._open
    monkeypatch.setattr(_prefetch.AioPrefetcher, "_open",
                        lambda self: opened.append(1) or real_open(self))
    ch = await aclient.new_channel()
    n = 2000
    await ch.send_many(range(n))
    await ch.flush()
    got = []
    while True:
        m = await ch.try_receive()
        if m is None:
            break
        got.append(m)
    assert got == list(range(n))
    assert len(opened) == 1
