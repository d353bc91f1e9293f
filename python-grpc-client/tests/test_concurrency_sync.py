"""Several threads on one channel, and cancellation safety, with the sync client:
every message goes to exactly one receiver (S-FIX-WAITERS) and none is lost when receives time
out or iterations stop (S-FIX-CANCEL, S-FIX-TIMEOUT, S-EXT-REDELIVER)."""

import asyncio
import collections
import threading

import vertx_channels
from vertx_channels.errors import ChannelClosed


def drain(ch):
    out = []
    while True:
        m = ch.try_receive()
        if m is None:
            return out
        out.append(m)


def test_threads_receiving_each_message_exactly_once__S_FIX_WAITERS(client):
    ch = client.new_channel()
    n_messages, n_threads = 400, 6
    got = collections.Counter()
    lock = threading.Lock()

    def receiver():
        while True:
            try:
                m = ch.receive()
            except ChannelClosed:
                return
            with lock:
                got[m] += 1

    threads = [threading.Thread(target=receiver) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for i in range(n_messages):
        ch.send(i)
    ch.close()
    for t in threads:
        t.join(60)
    assert got == collections.Counter(range(n_messages))


def test_mixed_receivers_iterators_and_receives__S_FIX_WAITERS_S_EXT_CREDIT(server_target):
    """Two iterators with small windows, a blocking receiver and a try_receive poller share one
    channel: each message reaches exactly one of them, and each iterator sees its own share in
    channel order."""
    with vertx_channels.connect(server_target, credit_messages=4) as client:
        ch = client.new_channel()
        n_messages = 600
        results = collections.defaultdict(list)

        def iterate(name):
            for m in client.channel(ch.id):
                results[name].append(m)

        def receive(name):
            while True:
                try:
                    results[name].append(ch.receive())
                except ChannelClosed:
                    return

        threads = [threading.Thread(target=iterate, args=("it1",)),
                   threading.Thread(target=iterate, args=("it2",)),
                   threading.Thread(target=receive, args=("rx",))]
        for t in threads:
            t.start()
        for i in range(n_messages):
            ch.send(i)
            if i % 50 == 0:
                m = ch.try_receive()
                if m is not None:
                    results["poll"].append(m)
        ch.close()
        for t in threads:
            t.join(60)
        everything = [m for ms in results.values() for m in ms]
        assert sorted(everything) == list(range(n_messages))
        for name in ("it1", "it2", "rx"):
            assert results[name] == sorted(results[name]), name


def test_timed_out_receives_racing_with_sends_lose_nothing__S_FIX_CANCEL_S_FIX_TIMEOUT(client):
    ch = client.new_channel()
    n_messages = 300
    received = []
    stop = threading.Event()

    def receiver():
        while not stop.is_set():
            try:
                received.append(ch.receive(1))  # 1 ms: most of these time out
            except TimeoutError:
                pass

    threads = [threading.Thread(target=receiver) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(n_messages):
        ch.send(i)
    stop.set()
    for t in threads:
        t.join(60)
    rest = drain(ch)
    assert sorted(received + rest) == list(range(n_messages))


def test_async_receives_cancelled_by_wait_for_lose_nothing__S_FIX_CANCEL(client):
    """asyncio.wait_for cancels async_receive calls while a thread sends: every message is
    returned by a receive that completed, or is still in the channel."""
    ch = client.new_channel()
    n_messages = 300

    async def main():
        received = []
        sender = threading.Thread(target=lambda: [ch.send(i) for i in range(n_messages)])
        sender.start()
        while sender.is_alive() or len(received) < 10:
            try:
                received.append(await asyncio.wait_for(ch.async_receive(), 0.002))
            except asyncio.TimeoutError:
                pass
        sender.join()
        return received

    received = asyncio.run(main())
    rest = drain(ch)
    assert sorted(received + rest) == list(range(n_messages))


def test_iterations_stopped_early_lose_nothing_and_keep_order__S_EXT_REDELIVER(client):
    ch = client.new_channel()
    n_messages = 500
    for i in range(n_messages):
        ch.send(i)
    ch.close()
    got = []
    while True:
        taken = 0
        for m in ch:
            got.append(m)
            taken += 1
            if taken == 37:
                break
        if taken < 37:
            break
    assert got == list(range(n_messages))
