"""Several tasks on one channel, and cancellation safety, with the asyncio client
(S-FIX-WAITERS, S-FIX-CANCEL, S-EXT-REDELIVER)."""

import asyncio
import collections

import vertx_channels.aio
from vertx_channels.errors import ChannelClosed


async def drain(ch):
    out = []
    while True:
        m = await ch.try_receive()
        if m is None:
            return out
        out.append(m)


async def test_tasks_receiving_each_message_exactly_once__S_FIX_WAITERS(aclient):
    ch = await aclient.new_channel()
    n_messages = 400
    got = collections.Counter()

    async def receiver():
        while True:
            try:
                got[await ch.receive()] += 1
            except ChannelClosed:
                return

    tasks = [asyncio.ensure_future(receiver()) for _ in range(8)]
    for i in range(n_messages):
        await ch.send(i)
    await ch.close()
    await asyncio.gather(*tasks)
    assert got == collections.Counter(range(n_messages))


async def test_one_object_sending_and_receiving_in_several_tasks_on_a_full_channel__S_FIX_WAITERS_S_EXT_RESERVE(
        aclient):
    """One sending task (blocking sends, pipelined once they come back to back) and three
    receiving tasks on one channel object, on a channel small enough to be full most of the
    time: the receives give the sender's credit back (Reserve 0) while its stream opens, and
    every message still arrives exactly once. A producer that miscounted the server's Reserve
    answers here waited for one that never came: the sender's next send failed after 30 s
    (no confirmation) and the receivers' settle waited 10 s each."""
    for _ in range(6):
        ch = await aclient.new_byte_channel(4096)
        n_messages = 1000
        got = collections.Counter()

        async def sender():
            for i in range(n_messages):
                await ch.send_bytes(b"%d" % i, timeout_ms=-1)
            await ch.close()

        async def receiver():
            while True:
                try:
                    got[await ch.receive_bytes()] += 1
                except ChannelClosed:
                    return

        # bounded only so that a regression fails instead of hanging the suite
        await asyncio.wait_for(asyncio.gather(sender(), receiver(), receiver(), receiver()), 120)
        assert got == collections.Counter(b"%d" % i for i in range(n_messages))


async def test_iterating_tasks_share_a_channel__S_FIX_WAITERS_S_EXT_CREDIT(server_target):
    async with vertx_channels.aio.connect(server_target, credit_messages=8) as client:
        ch = await client.new_channel()
        results = collections.defaultdict(list)

        async def iterate(name):
            async for m in ch:
                results[name].append(m)
                await asyncio.sleep(0)

        tasks = [asyncio.ensure_future(iterate(n)) for n in ("a", "b", "c")]
        for i in range(600):
            await ch.send(i)
        await ch.close()
        await asyncio.gather(*tasks)
        everything = sorted(m for ms in results.values() for m in ms)
        assert everything == list(range(600))
        for ms in results.values():
            assert ms == sorted(ms)


async def test_receives_cancelled_by_wait_for_lose_nothing__S_FIX_CANCEL(aclient):
    ch = await aclient.new_channel()
    n_messages = 300
    received = []

    async def sender():
        for i in range(n_messages):
            await ch.send(i)

    send_task = asyncio.ensure_future(sender())
    while not send_task.done() or len(received) < 10:
        try:
            received.append(await asyncio.wait_for(ch.receive(), 0.002))
        except asyncio.TimeoutError:
            pass
    await send_task
    rest = await drain(ch)
    assert sorted(received + rest) == list(range(n_messages))


async def test_server_timeouts_racing_with_sends_lose_nothing__S_FIX_TIMEOUT(aclient):
    ch = await aclient.new_channel()
    n_messages = 300
    received = []
    done = asyncio.Event()

    async def receiver():
        while not done.is_set():
            try:
                received.append(await ch.receive(1))
            except TimeoutError:
                pass

    tasks = [asyncio.ensure_future(receiver()) for _ in range(3)]
    for i in range(n_messages):
        await ch.send(i)
    done.set()
    await asyncio.gather(*tasks)
    rest = await drain(ch)
    assert sorted(received + rest) == list(range(n_messages))


async def test_cancelled_iterations_closed_explicitly_keep_order__S_FIX_CANCEL_S_EXT_REDELIVER(
        aclient):
    """Consumers cancelled while holding a handed message; each closes its iterator (aclose):
    the next consumer continues exactly where the last one stopped."""
    ch = await aclient.new_channel()
    n_messages = 400
    for i in range(n_messages):
        await ch.send(i)
    await ch.close()
    got = []
    for _ in range(100):
        progress = asyncio.Event()

        async def consume():
            messages = ch.__aiter__()
            try:
                async for m in messages:
                    got.append(m)
                    if len(got) % 23 == 0:
                        progress.set()
                        await asyncio.sleep(3600)  # cancelled here
            finally:
                await messages.aclose()

        task = asyncio.ensure_future(consume())
        waiter = asyncio.ensure_future(progress.wait())
        await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if task.done():
            break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert got == list(range(n_messages))


async def test_cancelled_iterations_lose_nothing__S_FIX_CANCEL_S_EXT_REDELIVER(aclient):
    """Consumers cancelled mid-stream without closing their iterator: Python finalizes the
    iterator a moment later, which acknowledges what was handed and returns the rest. Nothing
    is lost or handed twice: every message was consumed once or is back in the channel."""
    ch = await aclient.new_channel()
    n_messages = 300
    for i in range(n_messages):
        await ch.send(i)
    got = []
    for _ in range(5):
        progress = asyncio.Event()

        async def consume():
            async for m in ch:
                got.append(m)
                if len(got) % 31 == 0:
                    progress.set()
                    await asyncio.sleep(3600)

        task = asyncio.ensure_future(consume())
        await progress.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    for _ in range(200):  # let the finalizers run and the server take the messages back
        if (await ch.info())["messages"] == n_messages - len(got):
            break
        await asyncio.sleep(0.02)
    rest = await drain(ch)
    assert sorted(got + rest) == list(range(n_messages))
