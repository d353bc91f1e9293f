"""Pipelined sends of the sync client against the real server (S-EXT-RESERVE): bursts are
pipelined in order, busy / timeout / too large / closed keep their contract meaning through the
pipelined path (S-SEND-1, S-SEND-2, S-EXT-SENDWAIT), an idle producer gives its room back so
another client sees exactly the old behaviour, other operations on the same object read its
writes, and a stream broken mid-pipeline reports the unconfirmed sends (SendFailed)."""

import pathlib
import threading
import time

import pytest

import vertx_channels
from vertx_channels import (ByteChannelClosed, ChannelBusy, ChannelClosed, MessageTooLarge,
                            SendFailed)
from conftest import DEFAULT_JAR, ServerProcess, wait_until


def test_burst_of_sends_arrives_complete_and_in_order__S_RECV_4_S_EXT_RESERVE(client):
    ch = client.new_channel()
    n = 5000
    for i in range(n):
        ch.send(("m", i))
    ch.send_many(("n", i) for i in range(n))
    ch.close()  # confirms first
    got = list(client.channel(ch.id))
    assert got == [("m", i) for i in range(n)] + [("n", i) for i in range(n)]


def test_send_many_returns_the_count_and_reads_its_writes(client):
    ch = client.new_byte_channel()
    assert ch.send_many([b"a", bytearray(b"b"), memoryview(b"c"), b""]) == 4
    info = ch.info()  # the same object: its sends are confirmed first
    assert info["size"] == 3 and info["messages"] == 4
    assert [ch.receive_bytes(0) for _ in range(4)] == [b"a", b"b", b"c", b""]  # S-FIX-EMPTY


def test_idle_burst_gives_its_room_back_to_other_clients__S_EXT_RESERVE(client, server_target):
    """Python fills a bounded channel to 50 of 100 with a burst; once idle, a send of exactly
    the remaining 50 from another client is ok, then one more byte is busy (S-SEND-2)."""
    ch = client.new_byte_channel(max_size=100)
    ch.send_many([b"x" * 5] * 10)
    with vertx_channels.connect(server_target) as other_client:
        other = other_client.byte_channel(ch.id)
        assert wait_until(lambda: other.info()["reserved_bytes"] == 0)
        assert other.info()["size"] == 50
        other.send_bytes(b"y" * 50)
        with pytest.raises(ChannelBusy):
            other.send_bytes(b"z")


def test_sequential_sends_hold_no_reservation(client, server_target):
    """Sends paced like steps driven by another party stay exact: no reservation appears."""
    ch = client.new_byte_channel(max_size=100)
    with vertx_channels.connect(server_target) as other_client:
        other = other_client.byte_channel(ch.id)
        for _ in range(5):
            ch.send_bytes(b"x" * 10)
            info = other.info()
            assert info["reserved_bytes"] == 0


def test_busy_through_the_pipeline_is_exact__S_SEND_2_S_SEND_5(client):
    ch = client.new_byte_channel(max_size=100)
    with pytest.raises(ChannelBusy) as e:
        ch.send_many([b"a" * 30] * 5)
    assert e.value.sent == 3  # 90 bytes in, the fourth does not fit
    with pytest.raises(ChannelBusy):
        ch.send_bytes(b"b" * 11)
    ch.send_bytes(b"b" * 10)  # filling to exactly max_size is ok
    with pytest.raises(ChannelBusy):
        ch.send_many([b"c" * 101])  # larger than max_size, non-blocking: busy (S-SEND-5)
    assert ch.info()["size"] == 100


def test_waiting_sends_through_the_pipeline__S_EXT_SENDWAIT(client, later):
    ch = client.new_byte_channel(max_size=100)
    ch.send_many([b"a" * 50] * 2)
    with pytest.raises(TimeoutError):
        ch.send_many([b"b" * 50], timeout_ms=50)
    with pytest.raises(MessageTooLarge):
        ch.send_many([b"c" * 101], timeout_ms=1000)
    reader = client.byte_channel(ch.id)
    later(0.2, reader.receive_bytes, 1000)
    later(0.3, reader.receive_bytes, 1000)
    ch.send_many([b"d" * 50] * 2, timeout_ms=10_000)  # waits for room, then goes through
    assert ch.info()["size"] == 100


def test_closed_channel_through_the_pipeline__S_SEND_1(client):
    ch = client.new_byte_channel()
    ch.send_many([b"a"] * 100)
    client.byte_channel(ch.id).close()
    # Sends after the close are refused; the ones pipelined into reserved room are answered
    # CLOSED by the server and reported (never silently dropped).
    with pytest.raises((ByteChannelClosed, SendFailed)) as e:
        for _ in range(10_000):
            ch.send_bytes(b"b")
    if isinstance(e.value, SendFailed):
        assert set(e.value.reasons) <= {"closed"}
        with pytest.raises(ByteChannelClosed):
            ch.send_bytes(b"b")


def test_term_channel_closed_raises_channel_closed__S_SEND_1(client):
    ch = client.new_channel()
    ch.send_many([1, 2, 3])
    ch.close()
    with pytest.raises(ChannelClosed):
        ch.send_many([4])
    assert list(ch) == [1, 2, 3]


def test_threads_sharing_one_channel_object_lose_nothing(client):
    ch = client.new_channel()
    n, threads = 2000, 4

    def produce(t):
        for i in range(n):
            ch.send((t, i))

    ts = [threading.Thread(target=produce, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    ch.close()
    got = list(client.channel(ch.id))
    assert len(got) == n * threads
    for t in range(threads):  # each thread's sends in its own order (S-RECV-4)
        assert [i for (tt, i) in got if tt == t] == list(range(n))


def test_server_killed_mid_pipeline_reports_unconfirmed_sends__S_EXT_RESERVE():
    server = ServerProcess(DEFAULT_JAR)
    server.start()
    try:
        client = vertx_channels.connect(server.target, keepalive_time_ms=1000,
                                        keepalive_timeout_ms=1000)
        ch = client.new_byte_channel()
        sent = 0
        failure = None
        killed = False
        try:
            while sent < 2_000_000:
                ch.send_bytes(b"%d" % sent)
                sent += 1
                if sent == 20_000 and not killed:
                    server.proc.kill()  # the stream breaks with sends in flight
                    killed = True
        except SendFailed as e:
            failure = e
        except vertx_channels.ConnectionLost:
            with pytest.raises(SendFailed) as e2:
                ch.flush()
            failure = e2.value
        if failure is None:
            with pytest.raises(SendFailed) as e3:
                ch.flush()
            failure = e3.value
        assert failure.indexes, "the unconfirmed sends are listed"
        assert failure.indexes == sorted(failure.indexes)
        assert all(i < sent for i in failure.indexes)
        assert failure.payloads == [b"%d" % i for i in failure.indexes]
        assert isinstance(failure.cause, vertx_channels.ConnectionLost)
        try:
            client.close()
        except SendFailed:
            pass
    finally:
        server.stop()


def test_client_close_waits_for_pipelined_sends(server_target):
    client = vertx_channels.connect(server_target)
    ch = client.new_byte_channel()
    for i in range(3000):
        ch.send_bytes(b"%d" % i)
    client.close()  # waits for the confirmations before closing the connection
    with vertx_channels.connect(server_target) as c2:
        assert c2.byte_channel(ch.id).info()["messages"] == 3000


def test_send_bytes_type_error_for_other_types(client):
    ch = client.new_byte_channel()
    with pytest.raises(TypeError):
        ch.send_many([b"ok", "text"])
    assert ch.info()["messages"] == 1


async def test_anext_on_a_sync_channel__S_CLOSE_4(client):
    ch = client.new_channel()
    ch.send_many([1, 2])
    ch.close()
    assert await anext(ch) == 1
    assert await anext(ch) == 2
    with pytest.raises(StopAsyncIteration):
        await anext(ch)
    bch = client.new_byte_channel()
    bch.send_bytes(b"b")
    bch.close()
    assert await anext(bch) == b"b"
    with pytest.raises(StopAsyncIteration):
        await anext(bch)


def test_oversized_payload_in_a_burst_fails_alone__S_EXT_RESERVE(client):
    """A payload above the server's message limit inside a pipelined burst raises
    MessageTooLarge for itself only; the pipeline and the other sends go on, in order."""
    ch = client.new_byte_channel()
    ch.send_many(b"a%d" % i for i in range(100))
    with pytest.raises(MessageTooLarge):
        ch.send_many([bytes(16 * 1024 * 1024 + 1)])
    ch.send_many(b"b%d" % i for i in range(100))
    ch.flush()
    ch.close()
    assert list(ch) == [b"a%d" % i for i in range(100)] + [b"b%d" % i for i in range(100)]
