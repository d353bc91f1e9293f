"""Iteration throughput of the Python client (`for m in ch` / `async for m in ch`) by message
size and credit window. Used to pick DEFAULT_CREDIT_MESSAGES / DEFAULT_CREDIT_BYTES.

The channel is filled first (Stream rpc Send frames, not timed), closed, then drained by one
iteration, which is timed. Run against a running server:

    /usr/bin/python3 bench/iter_throughput.py --target 127.0.0.1:9090 [--json out.json]

or let it start the jar itself (--jar ../verticles/target/vertx-channels.jar, the default when
--target is not given). Prints a table; --json writes the raw results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

import vertx_channels  # noqa: E402
import vertx_channels.aio  # noqa: E402
from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb  # noqa: E402


def fill(client: vertx_channels.Client, channel_id: str, size: int, count: int) -> None:
    payload = os.urandom(size)
    batch = max(1, min(1000, (256 * 1024) // max(size, 1)))

    def frames():
        yield pb.ClientFrame(open=pb.OpenStream(channel_id=channel_id))
        seq = 1
        left = count
        while left:
            n = min(batch, left)
            yield pb.ClientFrame(send=pb.Send(first_seq=seq, payloads=[payload] * n))
            seq += n
            left -= n
        # the server answers every Send frame; the generator ends after the last one is sent

    call = client._stub.Stream(frames())
    answered = 0
    for frame in call:
        which = frame.WhichOneof("frame")
        if which == "send_results":
            bad = [r for r in frame.send_results.results if r != pb.SEND_RESULT_OK]
            if bad:
                raise RuntimeError(f"fill failed: {bad[:3]} {frame.send_results.detail}")
            answered += len(frame.send_results.results)
            if answered == count:
                call.cancel()
                break


def run_sync(target: str, size: int, count: int, window: int) -> float:
    with vertx_channels.connect(target, credit_messages=window) as client:
        ch = client.new_byte_channel()
        fill(client, ch.id, size, count)
        ch.close()
        t0 = time.perf_counter()
        n = sum(1 for _ in ch)
        dt = time.perf_counter() - t0
        assert n == count, (n, count)
        return dt


def run_aio(target: str, size: int, count: int, window: int) -> float:
    with vertx_channels.connect(target) as sync_client:
        ch = sync_client.new_byte_channel()
        fill(sync_client, ch.id, size, count)
        ch.close()

    async def drain() -> float:
        async with vertx_channels.aio.connect(target, credit_messages=window) as client:
            ach = await client.byte_channel(ch.id)
            t0 = time.perf_counter()
            n = 0
            async for _ in ach:
                n += 1
            dt = time.perf_counter() - t0
            assert n == count, (n, count)
            return dt

    return asyncio.run(drain())


def start_server(jar: str) -> tuple:
    from conftest import ServerProcess
    server = ServerProcess(pathlib.Path(jar).resolve())
    server.start()
    return server, server.target


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target")
    p.add_argument("--jar", default=str(HERE.parent.parent / "verticles/target/vertx-channels.jar"))
    p.add_argument("--sizes", default="64,1024")
    p.add_argument("--windows", default="16,64,256,1024")
    p.add_argument("--count", type=int, default=50_000, help="messages per run (64 B)")
    p.add_argument("--bytes-per-run", type=int, default=32 * 1024 * 1024,
                   help="caps the count for larger messages")
    p.add_argument("--repeat", type=int, default=3, help="runs per cell; the best is kept")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    p.add_argument("--modes", default="sync,aio")
    p.add_argument("--json")
    args = p.parse_args()

    server = None
    target = args.target
    if target is None:
        server, target = start_server(args.jar)
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
        windows = [int(w) for w in args.windows.split(",")]
        modes = args.modes.split(",")
        for _ in range(args.warmup):
            run_sync(target, 64, 5000, 256)
        results = []
        print(f"{'mode':5} {'size':>6} {'window':>7} {'count':>7} {'msg/s':>10} {'MiB/s':>8}")
        for mode in modes:
            for size in sizes:
                count = min(args.count, max(1000, args.bytes_per_run // size))
                for window in windows:
                    runner = run_sync if mode == "sync" else run_aio
                    best = min(runner(target, size, count, window) for _ in range(args.repeat))
                    rate = count / best
                    results.append({"mode": mode, "size": size, "window": window,
                                    "count": count, "seconds": best, "msg_per_s": rate,
                                    "mib_per_s": rate * size / (1024 * 1024)})
                    print(f"{mode:5} {size:>6} {window:>7} {count:>7} {rate:>10.0f} "
                          f"{rate * size / 1048576:>8.1f}", flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"params": vars(args), "results": results}, f, indent=2)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
