"""Term channels with the sync client: every row of the contract's section 5 and the
erlang_python cases of section 7, against the real server. Each test names the rules it checks."""

import asyncio
import threading
import time

import pytest

import vertx_channels
from vertx_channels import Atom
from vertx_channels.errors import (
    ChannelBusy, ChannelClosed, ChannelNotFound, InvalidArgument, MessageTooLarge,
    WrongChannelKind,
)
from vertx_channels.terms import term_to_binary

# An unlimited channel (max_size 0, S-NEW-1) asked of a server with the default config is capped
# at its max_channel_size (README "Limits and defaults"); the conformance suite runs with 0 (no cap).
DEFAULT_MAX_CHANNEL_SIZE = 256 * 1024 * 1024


def test_new_channel_is_open_and_empty__S_NEW_1(client):
    ch = client.new_channel()
    assert isinstance(ch.id, str) and len(ch.id) >= 22  # >= 128 random bits, printable
    info = ch.info()
    assert (info["size"], info["max_size"], info["closed"]) == (0, DEFAULT_MAX_CHANNEL_SIZE, False)
    assert info["kind"] == "term" and info["id"] == ch.id


def test_new_channel_with_max_size_shows_in_info__S_NEW_1_S_INFO_1(client):
    assert client.new_channel(max_size=200).info()["max_size"] == 200


def test_negative_max_size_is_refused__S_FIX_OPTS(client):
    with pytest.raises(InvalidArgument) as e:
        client.new_channel(max_size=-1)
    assert isinstance(e.value, ValueError)


def test_ids_are_unique__S_MODEL_4(client):
    assert len({client.new_channel().id for _ in range(20)}) == 20


def test_send_then_receive_round_trips__S_SEND_4_S_RECV_3(client):
    ch = client.new_channel()
    assert ch.send(("hello", [1, 2, 3])) is None
    assert ch.receive() == ("hello", [1, 2, 3])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_fifo__S_RECV_4_S_MODEL_3(client, n):
    ch = client.new_channel()
    for i in range(n):
        ch.send(i)
    assert [ch.receive(0) for _ in range(n)] == list(range(n))
    assert ch.try_receive() is None


def test_try_receive_on_empty_returns_none__S_RECV_1(client):
    assert client.new_channel().try_receive() is None


def test_try_receive_on_closed_and_empty_raises_closed__S_RECV_1(client):
    ch = client.new_channel()
    ch.close()
    with pytest.raises(ChannelClosed):
        ch.try_receive()


def test_info_size_counts_etf_bytes__S_SEND_3_S_RECV_2_S_INFO_1(client):
    ch = client.new_channel()
    ch.send(1)  # 131, 97, 1
    assert ch.info()["size"] == 3
    ch.send(b"abc")  # 131, 109, 0,0,0,3, a, b, c
    info = ch.info()
    assert info["size"] == 12 and info["messages"] == 2
    assert ch.receive(0) == 1
    assert ch.info()["size"] == 9
    assert ch.receive(0) == "abc"  # valid UTF-8 binary decodes to str
    assert ch.info()["size"] == 0


def test_backpressure_max_200_with_80_byte_binaries__S_SEND_2(client):
    ch = client.new_channel(max_size=200)
    payload = b"\xff" * 80
    assert len(term_to_binary(payload)) == 86
    ch.send(payload)
    ch.send(payload)
    with pytest.raises(ChannelBusy) as e:
        ch.send(payload)
    assert isinstance(e.value, RuntimeError)
    assert str(e.value).startswith("channel busy (backpressure)")
    assert ch.info()["size"] == 172  # nothing enqueued by the busy send
    assert ch.receive(0) == payload
    ch.send(b"small")
    assert ch.info()["size"] == 86 + 11


def test_filling_exactly_max_size_is_ok__S_SEND_2(client):
    ch = client.new_channel(max_size=6)
    ch.send(1)
    ch.send(2)
    assert ch.info()["size"] == 6
    with pytest.raises(ChannelBusy):
        ch.send(3)


def test_payload_larger_than_max_size__S_SEND_5_S_EXT_SENDWAIT(client):
    ch = client.new_channel(max_size=10)
    with pytest.raises(ChannelBusy):  # non-blocking: busy, whatever the queue holds
        ch.send(b"x" * 20)
    with pytest.raises(MessageTooLarge) as e:  # waiting could never help
        ch.send(b"x" * 20, timeout_ms=1000)
    assert isinstance(e.value, ValueError) and not isinstance(e.value, ChannelBusy)
    assert ch.info()["size"] == 0


def test_send_to_closed_raises_closed_even_when_full__S_SEND_1(client):
    ch = client.new_channel(max_size=3)
    ch.send(1)
    ch.close()
    with pytest.raises(ChannelClosed):
        ch.send(2)
    with pytest.raises(ChannelClosed):
        ch.send(b"far too large for the channel")
    assert ch.info()["size"] == 3


def test_close_is_idempotent__S_CLOSE_1(client):
    ch = client.new_channel()
    assert ch.close() is None
    assert ch.close() is None
    assert ch.info()["closed"] is True


def test_close_then_drain__S_CLOSE_2(client):
    ch = client.new_channel()
    for i in range(3):
        ch.send(i)
    ch.close()
    assert ch.info()["closed"] is True
    assert [ch.receive(0) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ChannelClosed):
        ch.receive(0)
    with pytest.raises(ChannelClosed):
        ch.receive()  # closed and empty: answers at once, never waits


def test_receive_gets_immediate_data__S_RECV_3(client):
    ch = client.new_channel()
    ch.send("now")
    assert ch.receive(1000) == "now"


def test_receive_gets_data_sent_50_ms_later__S_RECV_3(client, later):
    ch = client.new_channel()
    later(0.05, ch.send, "later")
    assert ch.receive(10_000) == "later"


def test_receive_times_out__S_RECV_3(client):
    ch = client.new_channel()
    with pytest.raises(TimeoutError):
        ch.receive(50)
    with pytest.raises(TimeoutError):
        ch.receive(0)  # timeout 0: answer now
    ch.send(1)
    assert ch.receive(0) == 1  # the timed-out receives left no trace (S-FIX-TIMEOUT)


def test_receive_forever_is_woken_by_close__S_CLOSE_3(client, later):
    ch = client.new_channel()
    later(0.05, ch.close)
    with pytest.raises(ChannelClosed):
        ch.receive()


def test_close_wakes_every_waiting_receiver__S_CLOSE_3_S_FIX_WAITERS(client):
    ch = client.new_channel()
    results = []
    lock = threading.Lock()

    def waiter():
        try:
            value = ch.receive(30_000)
        except ChannelClosed:
            value = "closed"
        with lock:
            results.append(value)

    threads = [threading.Thread(target=waiter) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while ch.info()["waiting_receivers"] < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    ch.send("a")
    ch.send("b")
    ch.close()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["a", "b", "closed", "closed"]


def test_waiting_receivers_are_served_in_arrival_order__S_FIX_WAITERS(client):
    ch = client.new_channel()
    results = {}

    def waiter(n):
        results[n] = ch.receive(30_000)

    threads = []
    for n in range(3):
        t = threading.Thread(target=waiter, args=(n,))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 10
        while ch.info()["waiting_receivers"] < n + 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    for i in range(3):
        ch.send(i)
    for t in threads:
        t.join(30)
    assert results == {0: 0, 1: 1, 2: 2}


def test_sync_iteration_drains_then_ends__S_CLOSE_4(client):
    ch = client.new_channel()
    for i in range(3):
        ch.send(i)
    ch.close()
    assert list(ch) == [0, 1, 2]
    assert list(ch) == []  # closed and empty: ends at once


def test_iteration_waits_for_data_and_close__S_CLOSE_4_S_EXT_PUSH(client):
    ch = client.new_channel()

    def produce():
        for i in range(3):
            ch.send(i)
            time.sleep(0.02)
        ch.close()

    producer = threading.Thread(target=produce)
    producer.start()
    assert list(ch) == [0, 1, 2]
    producer.join(30)


def test_async_iteration_on_the_sync_client__S_CLOSE_4(client):
    ch = client.new_channel()
    for i in range(3):
        ch.send(i)
    ch.close()

    async def collect():
        return [m async for m in ch]

    assert asyncio.run(collect()) == [0, 1, 2]


def test_async_receive_on_any_loop__S_EXT_PUSH(client):
    ch = client.new_channel()

    async def receive_one():
        return await ch.async_receive()

    ch.send("first loop")
    assert asyncio.run(receive_one()) == "first loop"
    loop = asyncio.new_event_loop()  # a loop that is not the default one, in another thread
    result = []
    t = threading.Thread(target=lambda: result.append(loop.run_until_complete(receive_one())))
    t.start()
    time.sleep(0.05)
    ch.send("second loop")
    t.join(10)
    loop.close()
    assert result == ["second loop"]


def test_async_consumer_started_before_data_collects_all__S_EXT_PUSH(client):
    ch = client.new_channel()

    async def main():
        async def consumer():
            return [m async for m in ch]

        task = asyncio.ensure_future(consumer())
        await asyncio.sleep(0.05)
        for i in range(3):
            ch.send(i)
        ch.close()
        return await task

    assert asyncio.run(main()) == [0, 1, 2]


def test_async_receive_raises_closed_and_timeout__S_RECV_3(client):
    ch = client.new_channel()

    async def main():
        with pytest.raises(TimeoutError):
            await ch.async_receive(30)
        ch.close()
        with pytest.raises(ChannelClosed):
            await ch.async_receive()

    asyncio.run(main())


def test_waiting_send_blocks_until_room__S_EXT_SENDWAIT(client, later):
    ch = client.new_channel(max_size=3)
    ch.send(1)
    later(0.1, ch.receive, 1000)
    ch.send(2, timeout_ms=10_000)
    assert ch.receive(0) == 2


def test_waiting_send_times_out__S_EXT_SENDWAIT(client):
    ch = client.new_channel(max_size=3)
    ch.send(1)
    with pytest.raises(TimeoutError):
        ch.send(2, timeout_ms=50)
    assert ch.info()["size"] == 3


def test_waiting_send_fails_when_the_channel_closes__S_EXT_SENDWAIT(client, later):
    ch = client.new_channel(max_size=3)
    ch.send(1)
    later(0.05, ch.close)
    with pytest.raises(ChannelClosed):
        ch.send(2, timeout_ms=-1)


def test_malformed_term_is_refused_and_not_enqueued__S_FIX_DECODE(client):
    ch = client.new_channel()
    for bad in (b"", b"\x83", b"\x83garbage", b"\x83a\x01\x00", b"not etf"):
        with pytest.raises(InvalidArgument):
            ch._send_payload(bad, None)  # what a buggy peer could send: refused by the server
    assert ch.info()["size"] == 0


def test_a_value_with_no_erlang_form_raises_type_error(client):
    ch = client.new_channel()
    with pytest.raises(TypeError):
        ch.send(object())
    assert ch.info()["size"] == 0


def test_none_nil_undefined_ambiguity_of_try_receive(client):
    ch = client.new_channel()
    ch.send(None)
    ch.send(Atom("undefined"))
    assert ch.try_receive() is None  # a queued none ...
    assert ch.info()["messages"] == 1
    assert ch.receive(0) is None  # receive(0) tells them apart:
    with pytest.raises(TimeoutError):  # ... empty is a timeout
        ch.receive(0)


def test_attach_to_an_existing_channel(client, server_target):
    ch = client.new_channel()
    ch.send("shared")
    with vertx_channels.connect(server_target) as other:
        same = other.channel(ch.id)
        assert same.id == ch.id
        assert same.receive(0) == "shared"


def test_unknown_channel_is_not_found(client):
    with pytest.raises(ChannelNotFound) as e:
        client.channel("no-such-channel")
    assert isinstance(e.value, LookupError) and e.value.channel_id == "no-such-channel"
    ghost = vertx_channels.Channel(client, "no-such-channel")
    for op in (lambda: ghost.send(1), lambda: ghost.receive(0), lambda: ghost.try_receive(),
               ghost.info, ghost.close, lambda: list(ghost)):
        with pytest.raises(ChannelNotFound):
            op()


def test_attaching_a_byte_channel_as_a_term_channel_is_refused(client):
    bch = client.new_byte_channel()
    with pytest.raises(WrongChannelKind):
        client.channel(bch.id)
    with pytest.raises(WrongChannelKind):
        list(vertx_channels.Channel(client, bch.id))


def test_with_channel_closes_it_on_exit__S_CLOSE_1(client):
    with client.new_channel() as ch:
        ch.send(1)
    assert ch.info()["closed"] is True
    assert ch.receive(0) == 1


def test_channel_outlives_the_client_that_created_it__S_FIX_OWNER(server_target):
    with vertx_channels.connect(server_target) as first:
        ch = first.new_channel()
        ch.send("kept")
    with vertx_channels.connect(server_target) as second:
        assert second.channel(ch.id).receive(0) == "kept"


def test_closing_the_client_ends_waiting_calls_with_client_closed(server_target):
    c = vertx_channels.connect(server_target)
    ch = c.new_channel()
    errors = []

    def wait(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - recorded for the assertion
            errors.append(type(e).__name__)

    threads = [threading.Thread(target=wait, args=(lambda: ch.receive(),)),
               threading.Thread(target=wait, args=(lambda: list(ch),))]
    for t in threads:
        t.start()
    time.sleep(0.2)
    c.close()
    for t in threads:
        t.join(30)
    assert errors == ["ClientClosed", "ClientClosed"]
