"""The client's side of the Stream protocol, checked frame by frame against the in-process
stand-in server of fake_server.py (no jar needed): credit (S-EXT-CREDIT), acknowledgement before
the stream ends and redelivery of the rest (S-EXT-REDELIVER, S-FIX-CANCEL), end on close
(S-CLOSE-4). Sessions end with a half-close, never a cancel (RST_STREAM)."""

import asyncio
import time

import pytest

import vertx_channels
import vertx_channels.aio
from fake_server import MAX_MESSAGE_BYTES, FakeServer


@pytest.fixture(scope="module")
def fake():
    with FakeServer(max_batch=16) as server:
        yield server


def last_stream(fake):
    return max(no for no, _, _ in fake.service.frames)


def frames_of(fake, no):
    return [(which, value) for n, which, value in fake.service.frames if n == no]


def check_acked_then_half_closed(fake, no, handed):
    """The session ended with an Ack for everything handed, then a half-close (no cancel)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kinds = [w for w, _ in frames_of(fake, no)]
        if kinds[-1] in ("half_close", "cancelled"):
            break
        time.sleep(0.01)
    frames = frames_of(fake, no)
    kinds = [w for w, _ in frames]
    assert kinds[0] == "open"
    assert kinds[-1] == "half_close", kinds[-5:]
    acks = [v.up_to_seq for w, v in frames if w == "ack"]
    assert acks == sorted(acks)
    assert (acks[-1] if acks else 0) == handed


def test_iteration_stays_within_the_window_and_ends_on_close(fake):
    with vertx_channels.connect(fake.target, credit_messages=8) as client:
        ch = client.new_byte_channel()
        for i in range(200):
            ch.send_bytes(b"%d" % i)
        ch.close()
        assert [int(m) for m in ch] == list(range(200))
        no = last_stream(fake)
        assert fake.service.max_outstanding[no] <= 8
        check_acked_then_half_closed(fake, no, 200)


def test_byte_credit_is_raised_to_the_server_max_message_size(fake):
    with vertx_channels.connect(fake.target, credit_bytes=1024) as client:
        ch = client.new_byte_channel()
        ch.send_bytes(b"x" * 4096)  # larger than the configured byte window
        ch.close()
        assert [len(m) for m in ch] == [4096]
        frames = frames_of(fake, last_stream(fake))
        assert frames[0][1].initial_credit_bytes == 1024
        assert frames[1][0] == "credit" and frames[1][1].bytes == MAX_MESSAGE_BYTES - 1024


def test_break_acks_what_was_handed_and_returns_the_rest(fake):
    with vertx_channels.connect(fake.target, credit_messages=32) as client:
        ch = client.new_channel()
        for i in range(100):
            ch.send(i)
        for m in ch:
            if m == 9:
                break
        check_acked_then_half_closed(fake, last_stream(fake), 10)
        assert ch.info()["messages"] == 90
        assert ch.receive(0) == 10


def test_exception_in_the_loop_body_acks_the_message_it_was_given(fake):
    with vertx_channels.connect(fake.target) as client:
        ch = client.new_channel()
        for i in range(5):
            ch.send(i)
        with pytest.raises(ZeroDivisionError):
            for m in ch:
                if m == 2:
                    1 / 0
        check_acked_then_half_closed(fake, last_stream(fake), 3)
        assert ch.receive(0) == 3


async def test_async_for_on_the_sync_client_acks_before_ending(fake):
    with vertx_channels.connect(fake.target, credit_messages=4) as client:
        ch = client.new_byte_channel()
        for i in range(20):
            ch.send_bytes(b"%d" % i)
        got = []
        agen = ch.__aiter__()
        async for m in agen:
            got.append(int(m))
            if len(got) == 7:
                break
        await agen.aclose()
        assert got == list(range(7))
        check_acked_then_half_closed(fake, last_stream(fake), 7)
        assert ch.receive_bytes(0) == b"7"


async def test_aio_iteration_cancelled_mid_stream_loses_nothing(fake):
    async with vertx_channels.aio.connect(fake.target, credit_messages=4) as client:
        ch = await client.new_byte_channel()
        for i in range(50):
            await ch.send_bytes(b"%d" % i)
        got = []
        proceed = asyncio.Event()

        async def consume():
            async for m in ch:
                got.append(int(m))
                if len(got) == 20:
                    proceed.set()

        task = asyncio.ensure_future(consume())
        await proceed.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        check_acked_then_half_closed(fake, last_stream(fake), len(got))
        await ch.close()
        rest = [int(m) async for m in ch]
        assert got + rest == list(range(50))


async def test_aio_receive_cancelled_gives_the_message_back(fake):
    """A waiting receive runs as a stream with a credit of one: when its task is cancelled the
    call is half-closed without an Ack, so a message pushed meanwhile goes back (S-FIX-CANCEL)."""
    async with vertx_channels.aio.connect(fake.target) as client:
        ch = await client.new_channel()
        task = asyncio.ensure_future(ch.receive())
        await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        no = last_stream(fake)
        check_acked_then_half_closed(fake, no, 0)
        frame = frames_of(fake, no)[0][1]
        assert (frame.initial_credit_messages, frame.initial_credit_bytes) == (
            1, client._options.max_message_size)
        await ch.send("kept")
        assert await ch.receive(0) == "kept"


async def test_aio_receive_acks_the_message_it_returns(fake):
    async with vertx_channels.aio.connect(fake.target) as client:
        ch = await client.new_channel()
        await ch.send("one")
        await ch.send("two")
        assert await ch.receive(5000) == "one"
        no = last_stream(fake)
        assert await ch.receive(5000) == "two"
        await asyncio.sleep(0.2)
        check_acked_then_half_closed(fake, no, 1)
