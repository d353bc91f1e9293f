"""The pipelined producer (S-EXT-RESERVE) frame by frame against the in-process stand-in server
of fake_server.py: sends start exact, a burst reserves credit and coalesces payloads into reserved
Send frames, credit is given back (Reserve 0) when the producer goes idle, a stream that breaks
mid-pipeline or a channel closed under reserved sends is reported with the messages concerned
(SendFailed), never lost silently. Sync and asyncio side by side."""

import asyncio
import time

import pytest

import vertx_channels
import vertx_channels.aio
from vertx_channels import SendFailed
from fake_server import FakeServer
from conftest import wait_until


@pytest.fixture
def fake():
    with FakeServer() as server:
        yield server


def sends_of(fake):
    return [v for _, which, v in fake.service.frames if which == "send"]


def reserves_of(fake):
    return [(v.bytes, v.messages) for _, which, v in fake.service.frames if which == "reserve"]


def drain(fake, ch_id):
    with fake.service.cond:
        ch = fake.service.channels[ch_id]
        out = list(ch.queue)
        ch.queue.clear()
        ch.size = 0
        return out


def test_first_send_is_exact_a_burst_is_pipelined_in_order__S_EXT_RESERVE(fake):
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_byte_channel()
        ch.send_bytes(b"first")
        assert sends_of(fake) == []  # a single send: the unary call, as before
        n = 3000
        for i in range(n):
            ch.send_bytes(b"%d" % i)
        ch.flush()
        sends = sends_of(fake)
        assert any(s.reserved and len(s.payloads) > 1 for s in sends), "coalesced reserved frames"
        assert drain(fake, ch.id) == [b"first"] + [b"%d" % i for i in range(n)]  # S-RECV-4


def test_idle_producer_gives_its_credit_back__S_EXT_RESERVE(fake):
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_byte_channel(max_size=1_000_000)
        ch.send_many([b"x" * 100] * 50)
        chan = fake.service.channels[ch.id]
        # Idle: everything confirmed, then Reserve(0): the channel's room is free for others.
        assert wait_until(lambda: chan.reserved == 0 and (0, 0) in reserves_of(fake))
        other = client.byte_channel(ch.id)
        assert other.info()["reserved_bytes"] == 0
        assert other.info()["size"] == 5000


def test_info_on_the_same_object_reads_its_writes_and_no_reservation(fake):
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_byte_channel(max_size=1_000_000)
        ch.send_many([b"y" * 10] * 200)
        info = ch.info()  # flushes and gives the credit back first
        assert info["size"] == 2000
        assert info["reserved_bytes"] == 0


def test_send_many_busy_asks_the_server_exactly_and_counts_what_was_sent__S_SEND_2(fake):
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_byte_channel(max_size=100)
        with pytest.raises(vertx_channels.ChannelBusy) as e:
            ch.send_many([b"a" * 40, b"b" * 40, b"c" * 40])
        assert e.value.sent == 2
        assert ch.info()["size"] == 80
        assert drain(fake, ch.id) == [b"a" * 40, b"b" * 40]


def test_stream_broken_mid_pipeline_reports_unconfirmed_sends__S_EXT_RESERVE():
    server = FakeServer()
    server.__enter__()
    client = vertx_channels.connect(server.target, keepalive_time_ms=0)
    try:
        ch = client.new_byte_channel()
        ch.send_many([b"m%d" % i for i in range(5)])
        ch.flush()
        server.service.hold_send_results = True  # the server stops answering
        ch.send_many([b"u%d" % i for i in range(20)])
        server.server.stop(grace=None)  # the stream breaks with 20 sends unconfirmed
        with pytest.raises(SendFailed) as e:
            ch.flush()
        err = e.value
        assert err.indexes == list(range(5, 25))
        assert err.payloads == [b"u%d" % i for i in range(20)]
        assert set(err.reasons) == {"unconfirmed"}
        assert isinstance(err.cause, vertx_channels.ConnectionLost)
        ch.flush()  # reported once
    finally:
        client.close()
        server.__exit__(None, None, None)


def test_channel_closed_under_reserved_sends_reports_them__S_EXT_RESERVE_S_SEND_1(fake):
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_byte_channel()
        ch.send_many([b"ok"] * 3)
        ch.flush()
        fake.service.hold_send_results = True
        ch.send_many([b"late"] * 4)  # reserved: returned ok
        with fake.service.cond:
            fake.service.channels[ch.id].closed = True
        fake.service.hold_send_results = False
        # the held frames were dropped by the fake: the next frames get CLOSED
        ch.send_many([b"after"] * 2)
        with pytest.raises(SendFailed) as e:
            ch.flush()
        assert "closed" in e.value.reasons


async def test_aio_burst_pipelined_in_order_and_idle_give_back__S_EXT_RESERVE(fake):
    async with vertx_channels.aio.connect(fake.target) as client:
        ch = await client.new_byte_channel(max_size=10_000_000)
        n = 2000
        for i in range(n):
            await ch.send_bytes(b"%d" % i)
        await ch.flush()
        assert any(s.reserved and len(s.payloads) > 1 for s in sends_of(fake))
        assert drain(fake, ch.id) == [b"%d" % i for i in range(n)]
        chan = fake.service.channels[ch.id]
        for _ in range(200):
            if chan.reserved == 0 and (0, 0) in reserves_of(fake):
                break
            await asyncio.sleep(0.01)
        assert chan.reserved == 0


async def test_aio_send_many_busy_counts_what_was_sent__S_SEND_2(fake):
    async with vertx_channels.aio.connect(fake.target) as client:
        ch = await client.new_byte_channel(max_size=100)
        with pytest.raises(vertx_channels.ChannelBusy) as e:
            await ch.send_many([b"a" * 40, b"b" * 40, b"c" * 40])
        assert e.value.sent == 2
        assert (await ch.info())["size"] == 80


async def test_aio_stream_broken_mid_pipeline_reports_unconfirmed_sends__S_EXT_RESERVE():
    server = FakeServer()
    server.__enter__()
    client = await vertx_channels.aio.connect(server.target, keepalive_time_ms=0)
    try:
        ch = await client.new_byte_channel()
        await ch.send_many([b"m%d" % i for i in range(5)])
        await ch.flush()
        server.service.hold_send_results = True
        await ch.send_many([b"u%d" % i for i in range(20)])
        server.server.stop(grace=None)
        with pytest.raises(SendFailed) as e:
            await ch.flush()
        assert e.value.indexes == list(range(5, 25))
        assert e.value.payloads == [b"u%d" % i for i in range(20)]
    finally:
        try:
            await client.close()
        except SendFailed:
            pass
        server.__exit__(None, None, None)


def assert_no_exact_send_after_the_first_reserved(sends):
    first = next(i for i, s in enumerate(sends) if s.reserved)
    assert [(s.first_seq, len(s.payloads)) for s in sends[first:] if not s.reserved] == []


def test_burst_that_used_up_its_credit_waits_for_the_top_up_not_an_exact_send__S_EXT_RESERVE(fake):
    # the fake reserves at most 1 MiB per stream: 4 MiB of sends use the credit up several times
    payloads = [bytes([i % 251]) * 65536 for i in range(64)]
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_byte_channel()
        assert ch.send_many(payloads) == 64
        ch.flush()
        sends = sends_of(fake)
        assert_no_exact_send_after_the_first_reserved(sends)
        assert drain(fake, ch.id) == payloads  # S-RECV-4


async def test_aio_burst_that_used_up_its_credit_waits_for_the_top_up__S_EXT_RESERVE(fake):
    payloads = [bytes([i % 251]) * 65536 for i in range(64)]
    async with vertx_channels.aio.connect(fake.target) as client:
        ch = await client.new_byte_channel()
        assert await ch.send_many(payloads) == 64
        await ch.flush()
        sends = sends_of(fake)
        assert_no_exact_send_after_the_first_reserved(sends)
        assert drain(fake, ch.id) == payloads  # S-RECV-4


@pytest.mark.parametrize("first_seq,payloads", [
    (1, [b""]), (127, [b"a"]), (128, [b"x" * 127, b"", b"y" * 128]), (2**40, [b"z"] * 600),
    (3, [bytes(range(256)) * 300]), (9, []),
])
def test_hand_built_reserved_send_frame_is_the_protobuf_encoding__S_EXT_RESERVE(first_seq, payloads):
    from vertx_channels._produce import reserved_send_frame
    from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb
    frame = reserved_send_frame(first_seq, payloads)
    expected = pb.ClientFrame(send=pb.Send(first_seq=first_seq, payloads=payloads, reserved=True))
    assert frame == expected.SerializeToString()
    parsed = pb.ClientFrame.FromString(frame)
    assert parsed.send.first_seq == first_seq and parsed.send.reserved
    assert list(parsed.send.payloads) == payloads


def test_open_frame_asks_for_the_reserve_the_stream_opened_with__S_EXT_RESERVE():
    """grpcio pulls a stream's first frame after the stream was opened; another task or thread
    may have given the credit back meanwhile (a receive's settle: Reserve(0) queued). The
    OpenStream must still ask for the opening reserve: the server answers every Reserve (the
    open's and the frame's) once, and a producer that counted two but asked for one waited for
    ever for the missing answer (seen: one sender and three receivers on one asyncio object)."""
    from vertx_channels import _base
    from vertx_channels._produce import Failures, ProducerCore
    from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb
    core = ProducerCore("c1", _base.BYTES, Failures(), (16 << 20, 4096))
    core.request_reserve(0, 0)  # before the first frame is pulled
    opened = pb.ClientFrame.FromString(core.open_frame()).open
    assert (opened.reserve_bytes, opened.reserve_messages) == (16 << 20, 4096)
    assert core.pending_resets == 2
    for granted in (4096, 0):  # the server's two answers, in order
        core.feed(pb.ServerFrame(send_credit=pb.SendCredit(bytes=granted, messages=4096 if granted else 0,
                                                           reset=True)))
    assert core.pending_resets == 0 and core.settled
