"""Per-call receives of the sync client served from a bounded prefetch (S-EXT-CREDIT,
S-EXT-REDELIVER) against the real server: back-to-back receives get every message in order,
an idle consumer gives its prefetch back so another client takes it, answer-now receives never
say "empty" while a message is queued (S-RECV-1), timeouts and close keep their meaning
(S-RECV-3, S-CLOSE-2), a consumer that goes away loses nothing, and the sync client's
``async_receive`` uses the same prefetch without losing a message on cancellation
(S-FIX-CANCEL)."""

import asyncio
import threading
import time

import pytest

import vertx_channels
from vertx_channels import ByteChannelClosed, ChannelClosed
from vertx_channels import _prefetch, _produce
from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb
from conftest import wait_until

@pytest.fixture(autouse=True)
def bursts(monkeypatch):
    """Back-to-back calls count as a burst whatever the machine's speed (the tests check what a
    burst does, not how fast a loop must be to make one); the prefetch
    (``_prefetch.ENABLED``) is on for these tests whatever the default."""
    monkeypatch.setattr(_produce, "BURST_GAP_S", 1.0)
    monkeypatch.setattr(_prefetch, "ENABLED", True)


def test_receive_loop_gets_everything_in_order__S_RECV_4(client):
    ch = client.new_byte_channel()
    n = 3000
    ch.send_many(b"%d" % i for i in range(n))
    assert [ch.receive_bytes() for _ in range(n)] == [b"%d" % i for i in range(n)]
    with pytest.raises(TimeoutError):
        ch.receive_bytes(50)  # S-RECV-3 through the prefetch path
    ch.close()
    with pytest.raises(ByteChannelClosed):
        ch.receive_bytes()


def test_idle_consumer_gives_its_prefetch_back__S_EXT_REDELIVER(client, server_target):
    ch = client.new_channel()
    ch.send_many(range(500))
    got = [ch.receive() for _ in range(10)]  # a burst: the prefetch holds more than 10
    assert got == list(range(10))
    assert ch._prefetch._last is not None
    with vertx_channels.connect(server_target) as other_client:
        other = other_client.channel(ch.id)
        # once idle, the rest is back in the channel, in order, for anyone
        assert wait_until(lambda: other.info()["messages"] == 490)
        assert other.try_receive() == 10
        assert other.info()["in_flight_bytes"] == 0
    assert ch.receive() == 11


def test_try_receive_never_says_empty_with_a_message_queued__S_RECV_1(client, server_target):
    ch = client.new_byte_channel()
    ch.send_many([b"a"] * 30)
    assert [ch.receive_bytes() for _ in range(30)] == [b"a"] * 30
    assert ch._prefetch._last is not None  # the burst opened a prefetch
    with vertx_channels.connect(server_target) as other_client:
        other = other_client.byte_channel(ch.id)
        for i in range(20):
            other.send_bytes(b"%d" % i)
            other.flush()  # it may burst too: its message is in the channel now
            assert ch.try_receive_bytes() == b"%d" % i
        assert ch.try_receive_bytes() is None
        ch.close()
        with pytest.raises(ByteChannelClosed):
            ch.try_receive_bytes()


def test_receive_zero_answers_now_through_the_prefetch__S_RECV_3(client):
    ch = client.new_channel()
    ch.send_many([1, 2, 3, 4])
    assert [ch.receive(), ch.receive(), ch.receive(0), ch.receive(0)] == [1, 2, 3, 4]
    with pytest.raises(TimeoutError):
        ch.receive(0)


def test_consumer_gone_with_a_full_prefetch_loses_nothing__S_EXT_REDELIVER(server_target):
    with vertx_channels.connect(server_target) as c1:
        ch = c1.new_channel()
        ch.send_many(range(300))
        consumer = vertx_channels.connect(server_target)
        mine = consumer.channel(ch.id)
        got = [mine.receive() for _ in range(20)]
        assert mine._prefetch._last is not None
        consumer.close()  # the prefetch stream is cut: the server puts it back
        rest = []
        while True:
            m = ch.receive(2000)
            rest.append(m)
            if m == 299:
                break
        assert got + rest == list(range(300))


def test_prefetch_then_iteration_on_the_same_object_keeps_order__S_RECV_4(client):
    ch = client.new_channel()
    ch.send_many(range(100))
    first = [ch.receive() for _ in range(20)]
    ch.close()
    assert first + list(ch) == list(range(100))


def test_competing_receivers_each_message_once__S_FIX_WAITERS(client):
    ch = client.new_channel()
    n, k = 3000, 3
    got = [[] for _ in range(k)]

    def rx(i):
        mine = client.channel(ch.id)
        while True:
            try:
                got[i].append(mine.receive())
            except ChannelClosed:
                return

    ts = [threading.Thread(target=rx, args=(i,)) for i in range(k)]
    for t in ts:
        t.start()
    ch.send_many(range(n))
    ch.close()
    for t in ts:
        t.join(60)
    assert sorted(m for g in got for m in g) == list(range(n))


async def test_sync_async_receive_loop_and_cancellation_lose_nothing__S_FIX_CANCEL(client):
    ch = client.new_channel()
    ch.send_many(range(200))
    got = [await ch.async_receive() for _ in range(100)]
    waiter = asyncio.ensure_future(ch.async_receive())
    await asyncio.sleep(0)
    waiter.cancel()
    try:
        got.append(await waiter)  # it may have got one before the cancel
    except asyncio.CancelledError:
        pass
    ch.close()
    got += [m async for m in ch]
    assert got == list(range(200))


def test_try_receive_loop_drains_through_the_prefetch__S_RECV_1_S_RECV_4(client, server_target,
                                                                      monkeypatch):
    # A loop that outruns the pushes waits for the messages it knows are coming (the channel
    # held them when the prefetch opened) instead of giving the prefetch back: one session
    # serves the whole loop, beyond one window (1024). The wait's bound is raised so that a
    # slow machine never makes it time out (that fallback is exact and correct, just slower).
    monkeypatch.setattr(_prefetch, "PRIME_WAIT_S", 30.0)
    opened = []
    real_open = _prefetch.SyncPrefetcher._open
    monkeypatch.setattr(_prefetch.SyncPrefetcher, "_open",
                        lambda self: opened.append(1) or real_open(self))
    ch = client.new_channel()
    n = 2000
    ch.send_many(range(n))
    ch.flush()
    got = []
    while True:
        m = ch.try_receive()
        if m is None:
            break
        got.append(m)
    assert got == list(range(n))
    assert len(opened) == 1  # the loop was served by one prefetch
    with vertx_channels.connect(server_target) as other_client:
        other = other_client.channel(ch.id)
        other.send("late")
        other.flush()
        assert ch.try_receive() == "late"  # never "empty" with a message queued


@pytest.mark.parametrize("second", ["unary", "iterator", "prefetching"])
def test_a_prefetching_receiver_and_another_receiver_each_see_channel_order__S_EXT_REVOKE_S_RECV_4(
        client, server_target, second):
    """A per-call receiver in a prefetching loop shares a channel with a receiver on another
    connection (exact unary receives, an iterator, or another prefetching per-call receiver),
    fed by a numbered producer; both pause now and then (the prefetch holds messages while its
    application is busy elsewhere, the other receiver wants one, the prefetch idles): each
    receiver gets its messages in channel order, and together
    exactly the messages sent."""
    producer = client.new_byte_channel()
    n = 3000
    got = {"prefetching": [], "second": []}

    def prefetching():
        ch = client.byte_channel(producer.id)
        while True:
            try:
                got["prefetching"].append(ch.receive_bytes())
            except ByteChannelClosed:
                return
            if len(got["prefetching"]) % 50 == 0:
                time.sleep(0.01)  # busy elsewhere: its prefetch holds messages meanwhile

    def other():
        with vertx_channels.connect(server_target, credit_messages=8) as c2:
            ch = c2.byte_channel(producer.id)
            if second == "iterator":
                got["second"].extend(ch)
                return
            while True:
                time.sleep(0.001)  # paces it: the prefetch opens uncontended between its receives
                if second == "unary":
                    r = c2._stub.Receive(pb.ReceiveRequest(channel_id=ch.id, timeout_ms=-1))
                    if r.status == pb.RECEIVE_STATUS_CLOSED:
                        return
                    assert r.status == pb.RECEIVE_STATUS_MESSAGE
                    got["second"].append(r.payload)
                    continue
                try:
                    got["second"].append(ch.receive_bytes())
                except ByteChannelClosed:
                    return

    threads = [threading.Thread(target=prefetching), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for i in range(0, n, 500):
        producer.send_many(b"%06d" % j for j in range(i, i + 500))
        producer.flush()
        time.sleep(0.01)  # a pause: the prefetch may idle and give back (not a timing assertion)
    producer.close()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    for name, seq in got.items():
        assert all(a < b for a, b in zip(seq, seq[1:])), f"{name} saw messages out of channel order"
    assert sorted(got["prefetching"] + got["second"]) == [b"%06d" % i for i in range(n)]
