"""The Python clients of the benchmark: runs cells with the sync client (``vertx_channels``) or
the asyncio client (``vertx_channels.aio``) and prints one JSON line per cell.

Started by bench.py, one process per client kind, with the cells as a JSON array on stdin::

    /usr/bin/python3 bench/pyclient.py --mode sync|aio --channels H:P --unbatched H:P --bench H:P \
        --stubs bench/target/py [--owner H:P --peer-bench H:P] < cells.json

Cross-node runs (bench.py's cluster section) give ``--owner``: the channels of throughput cells
are then created through that endpoint (a node of the cluster, which owns them: the default
placement puts a channel on the node the creating client is connected to; the producer must run
on that node too, so ``--bench`` is that node's), and consumed through ``--channels``, another
node: every message crosses the clustered event bus. ``--peer-bench`` is the consuming node's
control endpoint, so that the server CPU of a run covers both nodes.

Cells (the Java runner BenchClient takes the same ones):

* ``{"op": "throughput", "payload": "bytes|term_binary|term_small", "chunk": 1024,
  "count": 65536, "reps": 3, "warmup": 1, "endpoint": "batched|unbatched"}``: per run, a new
  channel is filled by the server-side producer (Produce) while this client iterates over it
  (``for m in ch`` / ``async for m in ch``) until it is closed and drained;
* ``{"op": "drain", ..., "api": "iter|receive_bytes|async_receive_bytes"}``: like throughput,
  but the channel (max_size 0) is filled first and only the consumption of the full, closed
  channel is timed (the consuming side alone): ``for m in ch`` (iter, the default), a per-call
  ``receive_bytes()`` loop, or a per-call ``await ch.async_receive_bytes()`` loop (the sync
  client's coroutine; with ``--mode aio``, ``receive_bytes`` is the asyncio client's coroutine);
* ``{"op": "produce", "api": "send_bytes|send_many", "chunk": 1024, "count": 20000, ...}``: the
  producing side alone (issue 14): this client fills a new, unlimited byte channel that nobody
  consumes, with a per-call ``send_bytes`` loop or one ``send_many(iterable)`` + ``flush()``;
  the time runs until the last message is accepted (then the channel is closed and drained,
  untimed, to free the server);
* ``{"op": "ep_stream", "payload": "bytes|term_binary", "chunk": 1024, "total": 1048576}``:
  erlang_python's streaming benchmark shape (examples/bench_byte_channel.erl): 1 MiB in chunks
  sent with per-call sends, then received with per-call ``try_receive`` calls, timed together;
* ``{"op": "ceiling", "chunk": 1024, "count": 65536, "reps": 3, "warmup": 1}``: the bare gRPC
  byte stream (one gRPC message per chunk) from the same server process;
* ``{"op": "grpcio_ceiling", "chunk": 1024, "count": 20000, "reps": 3, "warmup": 1}`` (sync
  only): the ceiling cross-check, the same stream from a grpcio server process (raw bytes);
* ``{"op": "latency", "samples": 1000, "warmup": 100, "interval_ms": 2, "chunk": 64}``:
  send-to-receive time on an idle byte channel (CLOCK_MONOTONIC on both sides);
* ``{"op": "slow", "chunk": 65536, "count": 16384, "max_size": 4194304, "pace_mb_s": 100}``:
  a deliberately slow consumer of a long stream (the driver samples the server's memory);
* ``{"op": "codec", "seconds": 0.5}``: encode and decode rates of ``vertx_channels.terms``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import pathlib
import sys
import time
import traceback
from typing import Any, Callable, Dict, List

HERE = pathlib.Path(__file__).resolve().parent
# VERTX_CHANNELS_PYTHON_CLIENT: another checkout of python-grpc-client to measure (A/B runs).
sys.path.insert(0, os.environ.get("VERTX_CHANNELS_PYTHON_CLIENT", str(HERE.parent / "python-grpc-client")))

import grpc  # noqa: E402

import vertx_channels  # noqa: E402
import vertx_channels.aio  # noqa: E402
from vertx_channels import terms  # noqa: E402

from grpcio_ceiling import GrpcioCeiling  # noqa: E402  (bench/, next to this file)

pb = None  # bench_pb2, imported in main() from the generated stubs
pb_grpc = None

PAYLOADS = {"bytes": 1, "term_binary": 2, "term_small": 3}  # PayloadKind values
GRPC_OPTIONS = [("grpc.max_receive_message_length", 32 * 1024 * 1024),
                ("grpc.max_send_message_length", 32 * 1024 * 1024)]


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.client_options: Dict[str, Any] = json.loads(args.client_options or "{}")

    def target(self, cell: Dict[str, Any]) -> str:
        return self.args.unbatched if cell.get("endpoint") == "unbatched" else self.args.channels

    def cross_node(self) -> bool:
        """Whether channels are created through another node (--owner) than the one consumed from."""
        return bool(self.args.owner) and self.args.owner != self.args.channels

    def produce_request(self, cell: Dict[str, Any], channel_id: str) -> Any:
        return pb.ProduceRequest(channel_id=channel_id, kind=PAYLOADS[cell["payload"]],
                                 chunk=cell.get("chunk", 0), count=cell["count"],
                                 in_flight=cell.get("in_flight", 0),
                                 fresh_payload=cell.get("fresh_payload", False))

    def latency_request(self, cell: Dict[str, Any], channel_id: str) -> Any:
        return pb.LatencyRequest(channel_id=channel_id, samples=cell["samples"],
                                 warmup=cell.get("warmup", 100),
                                 interval_ms=cell.get("interval_ms", 2),
                                 chunk=cell.get("chunk", 64), delay_ms=cell.get("delay_ms", 300))


def repeat(cell: Dict[str, Any], one: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    runs = []
    for r in range(cell.get("warmup", 1) + cell.get("reps", 3)):
        run = one()
        if r >= cell.get("warmup", 1):
            runs.append(run)
    return {"runs": runs}


def check_count(received: int, cell: Dict[str, Any]) -> None:
    if received != cell["count"]:
        raise RuntimeError(f"received {received} of {cell['count']} messages")


# ------------------------------------------------------------------------------------- sync


class SyncRunner(Runner):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.bench_channel = grpc.insecure_channel(args.bench, options=GRPC_OPTIONS)
        self.bench = pb_grpc.BenchServiceStub(self.bench_channel)
        self.stats = [self.bench]  # the server processes whose CPU time a run counts
        if args.peer_bench:
            self.stats.append(pb_grpc.BenchServiceStub(grpc.insecure_channel(args.peer_bench, options=GRPC_OPTIONS)))

    def cpu_nanos(self) -> List[int]:
        return [s.Stats(pb.StatsRequest()).cpu_nanos for s in self.stats]

    def cpu(self, fn: Callable[[], Dict[str, Any]]) -> Callable[[], Dict[str, Any]]:
        """fn, with the CPU time it cost this process and the server(s) added to its result."""
        def run() -> Dict[str, Any]:
            s0 = self.cpu_nanos()
            c0 = time.process_time()
            out = fn()
            out["client_cpu_s"] = time.process_time() - c0
            nodes = [(b - a) / 1e9 for a, b in zip(s0, self.cpu_nanos())]
            out["server_cpu_s"] = sum(nodes)
            if len(nodes) > 1:
                out["server_cpu_nodes_s"] = nodes  # owner (producer) node, consuming node
            return out
        return run

    def throughput(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        max_size = cell.get("max_size", 16 * 1024 * 1024)
        with contextlib.ExitStack() as stack:
            client = stack.enter_context(vertx_channels.connect(self.target(cell), **self.client_options))
            owner = (stack.enter_context(vertx_channels.connect(self.args.owner, **self.client_options))
                     if self.cross_node() else client)

            @self.cpu
            def one() -> Dict[str, Any]:
                ch = (owner.new_byte_channel(max_size) if cell["payload"] == "bytes"
                      else owner.new_channel(max_size))
                if owner is not client:
                    # the same channel (owned by the --owner node), consumed through this node
                    ch = client.byte_channel(ch.id) if cell["payload"] == "bytes" else client.channel(ch.id)
                t0 = time.perf_counter()
                produced = self.bench.Produce.future(self.produce_request(cell, ch.id))
                n = 0
                for _ in ch:
                    n += 1
                seconds = time.perf_counter() - t0
                p = produced.result(timeout=120)
                check_count(n, cell)
                return {"messages": n, "bytes": p.bytes, "seconds": seconds,
                        "producer_seconds": p.nanos / 1e9}
            return repeat(cell, one)

    def drain(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        """Like throughput, but the producer fills the channel first (max_size 0) and only the
        consumption of the full, closed channel is timed: the consumer side alone."""
        consume = {"iter": self._iterate, "receive_bytes": self._receive_loop,
                   "async_receive_bytes": self._async_receive_loop}[cell.get("api", "iter")]
        with vertx_channels.connect(self.target(cell), **self.client_options) as client:
            def one() -> Dict[str, Any]:
                ch = (client.new_byte_channel(0) if cell["payload"] == "bytes" else client.new_channel(0))
                p = self.bench.Produce(self.produce_request(cell, ch.id), timeout=300)
                return self.cpu(lambda: consume(ch, cell, p))()
            return repeat(cell, one)

    @staticmethod
    def _iterate(ch: Any, cell: Dict[str, Any], p: Any) -> Dict[str, Any]:
        t0 = time.perf_counter()
        n = 0
        for _ in ch:
            n += 1
        seconds = time.perf_counter() - t0
        check_count(n, cell)
        return {"messages": n, "bytes": p.bytes, "seconds": seconds}

    @staticmethod
    def _receive_loop(ch: Any, cell: Dict[str, Any], p: Any) -> Dict[str, Any]:
        """One blocking receive call per message until the closed channel is empty."""
        t0 = time.perf_counter()
        n = 0
        try:
            while True:
                ch.receive_bytes()
                n += 1
        except vertx_channels.ChannelClosed:
            pass
        seconds = time.perf_counter() - t0
        check_count(n, cell)
        return {"messages": n, "bytes": p.bytes, "seconds": seconds}

    @staticmethod
    def _async_receive_loop(ch: Any, cell: Dict[str, Any], p: Any) -> Dict[str, Any]:
        """One ``await ch.async_receive_bytes()`` per message (the sync client's coroutine)."""
        async def loop() -> int:
            n = 0
            try:
                while True:
                    await ch.async_receive_bytes()
                    n += 1
            except vertx_channels.ChannelClosed:
                pass
            return n
        t0 = time.perf_counter()
        n = asyncio.run(loop())
        seconds = time.perf_counter() - t0
        check_count(n, cell)
        return {"messages": n, "bytes": p.bytes, "seconds": seconds}

    def produce(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        """The producing side alone: this client fills an unlimited channel nobody consumes."""
        payload = os.urandom(cell["chunk"])
        count = cell["count"]
        api = cell["api"]
        with vertx_channels.connect(self.target(cell), **self.client_options) as client:
            def send(ch: Any) -> Dict[str, Any]:
                used = api
                t0 = time.perf_counter()
                if api == "send_many" and hasattr(ch, "send_many"):
                    ch.send_many(itertools.repeat(payload, count))
                    ch.flush()
                else:
                    if api == "send_many":
                        used = "send_bytes (this client has no send_many)"
                    for _ in range(count):
                        ch.send_bytes(payload)
                seconds = time.perf_counter() - t0
                return {"messages": count, "bytes": count * len(payload), "seconds": seconds,
                        "api_used": used}

            def one() -> Dict[str, Any]:
                ch = client.new_byte_channel(0)
                out = self.cpu(lambda: send(ch))()
                check_count(ch.info()["messages"], cell)
                ch.close()
                for _ in ch:  # untimed: frees the server's memory before the next run
                    pass
                return out
            return repeat(cell, one)

    def ep_stream(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        """erlang_python's streaming benchmark (examples/bench_byte_channel.erl,
        run_streaming_bench): ``total`` bytes in chunks, sent with one call per chunk, then
        received with one ``try_receive`` call per chunk; the time covers both."""
        chunk = cell["chunk"]
        n = cell["total"] // chunk
        payload = os.urandom(chunk)
        is_bytes = cell["payload"] == "bytes"
        with vertx_channels.connect(self.target(cell), **self.client_options) as client:
            def one() -> Dict[str, Any]:
                ch = client.new_byte_channel(0) if is_bytes else client.new_channel(0)
                send = ch.send_bytes if is_bytes else ch.send
                try_receive = ch.try_receive_bytes if is_bytes else ch.try_receive
                t0 = time.perf_counter()
                for _ in range(n):
                    send(payload)
                got = 0
                nbytes = 0
                for _ in range(n):
                    m = try_receive()
                    if m is None:
                        break
                    got += 1
                    nbytes += len(m)
                seconds = time.perf_counter() - t0
                ch.close()
                if got != n:
                    raise RuntimeError(f"received {got} of {n} messages")
                return {"messages": n, "bytes": nbytes, "seconds": seconds}
            return repeat(cell, self.cpu(one))

    def ceiling(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        @self.cpu
        def one() -> Dict[str, Any]:
            t0 = time.perf_counter()
            n = 0
            nbytes = 0
            for chunk in self.bench.Ceiling(pb.CeilingRequest(chunk=cell["chunk"], count=cell["count"])):
                n += 1
                nbytes += len(chunk.data)
            seconds = time.perf_counter() - t0
            check_count(n, cell)
            return {"messages": n, "bytes": nbytes, "seconds": seconds}
        return repeat(cell, one)

    def grpcio_ceiling(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        """The ceiling cross-check: the same chunks from a grpcio server process (raw bytes, no
        protobuf) to this grpcio client (see grpcio_ceiling.py)."""
        source = GrpcioCeiling()
        try:
            return repeat(cell, lambda: source.measure(cell["chunk"], cell["count"]))
        finally:
            source.close()

    def latency(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        warmup = cell.get("warmup", 100)
        with vertx_channels.connect(self.target(cell), **self.client_options) as client:
            ch = client.new_byte_channel()
            sent = self.bench.Latency.future(self.latency_request(cell, ch.id))
            nanos: List[int] = []
            for m in ch:
                now = time.monotonic_ns()
                if int.from_bytes(m[8:16], "big") >= warmup:
                    nanos.append(now - int.from_bytes(m[0:8], "big"))
            sent.result(timeout=60)
        if len(nanos) != cell["samples"]:
            raise RuntimeError(f"received {len(nanos)} of {cell['samples']} samples")
        return {"nanos": nanos}

    def slow(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        pace = cell.get("pace_mb_s", 100) * 1e6
        with vertx_channels.connect(self.target(cell), **self.client_options) as client:
            ch = client.new_byte_channel(cell.get("max_size", 4 * 1024 * 1024))
            produced = self.bench.Produce.future(self.produce_request(dict(cell, payload="bytes"), ch.id))
            t0 = time.perf_counter()
            n = 0
            nbytes = 0
            for m in ch:
                n += 1
                nbytes += len(m)
                ahead = nbytes / pace - (time.perf_counter() - t0)
                if ahead > 0.002:
                    time.sleep(ahead)
            seconds = time.perf_counter() - t0
            produced.result(timeout=120)
        check_count(n, cell)
        return {"messages": n, "bytes": nbytes, "seconds": seconds}

    def codec(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return codec_rates(cell.get("seconds", 0.5))


# ------------------------------------------------------------------------------------ asyncio


class AioRunner(Runner):
    """The asyncio client; each cell runs in its own event loop (asyncio.run)."""

    def throughput(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return asyncio.run(self._throughput(cell))

    async def _throughput(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        max_size = cell.get("max_size", 16 * 1024 * 1024)
        async with contextlib.AsyncExitStack() as stack:
            bench_channel = await stack.enter_async_context(
                grpc.aio.insecure_channel(self.args.bench, options=GRPC_OPTIONS))
            bench = pb_grpc.BenchServiceStub(bench_channel)
            stats = [bench]  # the server processes whose CPU time a run counts
            if self.args.peer_bench:
                stats.append(pb_grpc.BenchServiceStub(await stack.enter_async_context(
                    grpc.aio.insecure_channel(self.args.peer_bench, options=GRPC_OPTIONS))))

            async def cpu_nanos() -> List[int]:
                return [(await s.Stats(pb.StatsRequest())).cpu_nanos for s in stats]

            client = await stack.enter_async_context(
                vertx_channels.aio.connect(self.target(cell), **self.client_options))
            owner = (await stack.enter_async_context(
                vertx_channels.aio.connect(self.args.owner, **self.client_options))
                if self.cross_node() else client)
            runs = []
            for r in range(cell.get("warmup", 1) + cell.get("reps", 3)):
                ch = await (owner.new_byte_channel(max_size) if cell["payload"] == "bytes"
                            else owner.new_channel(max_size))
                if owner is not client:
                    # the same channel (owned by the --owner node), consumed through this node
                    ch = await (client.byte_channel(ch.id) if cell["payload"] == "bytes"
                                else client.channel(ch.id))
                s0 = await cpu_nanos()
                c0 = time.process_time()
                t0 = time.perf_counter()
                produced = asyncio.ensure_future(bench.Produce(self.produce_request(cell, ch.id)))
                n = 0
                async for _ in ch:
                    n += 1
                seconds = time.perf_counter() - t0
                p = await asyncio.wait_for(produced, 120)
                client_cpu = time.process_time() - c0
                nodes = [(b - a) / 1e9 for a, b in zip(s0, await cpu_nanos())]
                check_count(n, cell)
                if r >= cell.get("warmup", 1):
                    run = {"messages": n, "bytes": p.bytes, "seconds": seconds,
                           "producer_seconds": p.nanos / 1e9,
                           "client_cpu_s": client_cpu, "server_cpu_s": sum(nodes)}
                    if len(nodes) > 1:
                        run["server_cpu_nodes_s"] = nodes  # owner (producer) node, consuming node
                    runs.append(run)
            return {"runs": runs}

    def drain(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return asyncio.run(self._drain(cell))

    async def _drain(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        async with grpc.aio.insecure_channel(self.args.bench, options=GRPC_OPTIONS) as bench_channel:
            bench = pb_grpc.BenchServiceStub(bench_channel)
            async with vertx_channels.aio.connect(self.target(cell), **self.client_options) as client:
                runs = []
                for r in range(cell.get("warmup", 1) + cell.get("reps", 3)):
                    ch = await (client.new_byte_channel(0) if cell["payload"] == "bytes" else client.new_channel(0))
                    p = await bench.Produce(self.produce_request(cell, ch.id), timeout=300)
                    s0 = (await bench.Stats(pb.StatsRequest())).cpu_nanos
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    n = 0
                    if cell.get("api", "iter") == "iter":
                        async for _ in ch:
                            n += 1
                    else:  # receive_bytes: one awaited receive per message until closed
                        try:
                            while True:
                                await ch.receive_bytes()
                                n += 1
                        except vertx_channels.ChannelClosed:
                            pass
                    seconds = time.perf_counter() - t0
                    client_cpu = time.process_time() - c0
                    server_cpu = ((await bench.Stats(pb.StatsRequest())).cpu_nanos - s0) / 1e9
                    check_count(n, cell)
                    if r >= cell.get("warmup", 1):
                        runs.append({"messages": n, "bytes": p.bytes, "seconds": seconds,
                                     "client_cpu_s": client_cpu, "server_cpu_s": server_cpu})
                return {"runs": runs}

    def produce(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return asyncio.run(self._produce(cell))

    async def _produce(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        """The producing side alone (see SyncRunner.produce), with the asyncio client."""
        payload = os.urandom(cell["chunk"])
        count = cell["count"]
        api = cell["api"]
        async with grpc.aio.insecure_channel(self.args.bench, options=GRPC_OPTIONS) as bench_channel:
            bench = pb_grpc.BenchServiceStub(bench_channel)
            async with vertx_channels.aio.connect(self.target(cell), **self.client_options) as client:
                runs = []
                for r in range(cell.get("warmup", 1) + cell.get("reps", 3)):
                    ch = await client.new_byte_channel(0)
                    used = api
                    s0 = (await bench.Stats(pb.StatsRequest())).cpu_nanos
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    if api == "send_many" and hasattr(ch, "send_many"):
                        await ch.send_many(itertools.repeat(payload, count))
                        await ch.flush()
                    else:
                        if api == "send_many":
                            used = "send_bytes (this client has no send_many)"
                        for _ in range(count):
                            await ch.send_bytes(payload)
                    seconds = time.perf_counter() - t0
                    client_cpu = time.process_time() - c0
                    server_cpu = ((await bench.Stats(pb.StatsRequest())).cpu_nanos - s0) / 1e9
                    check_count((await ch.info())["messages"], cell)
                    await ch.close()
                    async for _ in ch:  # untimed: frees the server's memory
                        pass
                    if r >= cell.get("warmup", 1):
                        runs.append({"messages": count, "bytes": count * len(payload),
                                     "seconds": seconds, "client_cpu_s": client_cpu,
                                     "server_cpu_s": server_cpu, "api_used": used})
                return {"runs": runs}

    def ceiling(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return asyncio.run(self._ceiling(cell))

    async def _ceiling(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        async with grpc.aio.insecure_channel(self.args.bench, options=GRPC_OPTIONS) as bench_channel:
            bench = pb_grpc.BenchServiceStub(bench_channel)
            runs = []
            for r in range(cell.get("warmup", 1) + cell.get("reps", 3)):
                s0 = (await bench.Stats(pb.StatsRequest())).cpu_nanos
                c0 = time.process_time()
                t0 = time.perf_counter()
                n = 0
                nbytes = 0
                async for chunk in bench.Ceiling(pb.CeilingRequest(chunk=cell["chunk"], count=cell["count"])):
                    n += 1
                    nbytes += len(chunk.data)
                seconds = time.perf_counter() - t0
                client_cpu = time.process_time() - c0
                server_cpu = ((await bench.Stats(pb.StatsRequest())).cpu_nanos - s0) / 1e9
                check_count(n, cell)
                if r >= cell.get("warmup", 1):
                    runs.append({"messages": n, "bytes": nbytes, "seconds": seconds,
                                 "client_cpu_s": client_cpu, "server_cpu_s": server_cpu})
            return {"runs": runs}

    def latency(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return asyncio.run(self._latency(cell))

    async def _latency(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        warmup = cell.get("warmup", 100)
        async with grpc.aio.insecure_channel(self.args.bench, options=GRPC_OPTIONS) as bench_channel:
            bench = pb_grpc.BenchServiceStub(bench_channel)
            async with vertx_channels.aio.connect(self.target(cell), **self.client_options) as client:
                ch = await client.new_byte_channel()
                sent = asyncio.ensure_future(bench.Latency(self.latency_request(cell, ch.id)))
                nanos: List[int] = []
                async for m in ch:
                    now = time.monotonic_ns()
                    if int.from_bytes(m[8:16], "big") >= warmup:
                        nanos.append(now - int.from_bytes(m[0:8], "big"))
                await asyncio.wait_for(sent, 60)
        if len(nanos) != cell["samples"]:
            raise RuntimeError(f"received {len(nanos)} of {cell['samples']} samples")
        return {"nanos": nanos}

    def codec(self, cell: Dict[str, Any]) -> Dict[str, Any]:
        return codec_rates(cell.get("seconds", 0.5))


# -------------------------------------------------------------------------------------- codec

def codec_terms() -> Dict[str, Any]:
    """The terms whose encode and decode rates are measured, as Python values."""
    Atom = terms.Atom
    return {
        # {ok, 42, <<"x">>}
        "small_tuple": (Atom("ok"), 42, b"x"),
        # a typical record-like map
        "map_10": {Atom("id"): 123456, Atom("name"): b"alice", Atom("tags"): [Atom("a"), Atom("b")],
                   Atom("score"): 1.5, Atom("active"): True, Atom("parent"): None,
                   Atom("path"): b"/var/lib/x", Atom("n"): -7, Atom("big"): 2 ** 70,
                   Atom("pair"): (1, 2)},
        # 1000 small tuples in a list
        "list_1000_tuples": [(Atom("ok"), i, b"x") for i in range(1000)],
        # binaries
        "binary_64k": os.urandom(64 * 1024),
        "binary_1m": os.urandom(1024 * 1024),
    }


def _rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of fn, the best of 3 rounds of about `seconds` / 3 each."""
    n = 1
    while True:  # calibrate
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= seconds / 30 or n >= 1 << 24:
            break
        n *= 2
    per_round = max(1, int(n * (seconds / 3) / max(dt, 1e-9)))
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(per_round):
            fn()
        dt = time.perf_counter() - t0
        best = max(best, per_round / dt)
    return best


def codec_rates(seconds: float) -> Dict[str, Any]:
    out = {}
    for name, value in codec_terms().items():
        etf = terms.term_to_binary(value)
        decoded = terms.binary_to_term(etf)
        if name == "small_tuple" and decoded != ("ok", 42, "x"):
            raise RuntimeError(f"unexpected decode of {name}: {decoded!r}")
        dec = _rate(lambda: terms.binary_to_term(etf), seconds)
        enc = _rate(lambda: terms.term_to_binary(value), seconds)
        out[name] = {"etf_bytes": len(etf), "decode_per_s": dec, "encode_per_s": enc,
                     "decode_mb_s": dec * len(etf) / 1e6, "encode_mb_s": enc * len(etf) / 1e6}
    return out


# --------------------------------------------------------------------------------------- main

def main() -> None:
    global pb, pb_grpc
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=("sync", "aio"), required=True)
    p.add_argument("--channels", required=True, help="the batched channel endpoint host:port")
    p.add_argument("--unbatched", required=True, help="the batch_max_messages=1 endpoint host:port")
    p.add_argument("--bench", required=True, help="the bench control endpoint host:port")
    p.add_argument("--stubs", required=True, help="directory of the generated bench_pb2 stubs")
    p.add_argument("--client-options", help="JSON keyword options for connect()")
    p.add_argument("--owner", help="cross-node runs: the channel endpoint (host:port) of the node "
                   "through which throughput channels are created (their owner); --channels "
                   "(another node) consumes them")
    p.add_argument("--peer-bench", help="cross-node runs: the control endpoint of the consuming "
                   "node, whose CPU time is added to the server CPU of a run")
    args = p.parse_args()
    sys.path.insert(0, args.stubs)
    from vertx.channels.bench.v1 import bench_pb2, bench_pb2_grpc
    pb, pb_grpc = bench_pb2, bench_pb2_grpc

    runner = SyncRunner(args) if args.mode == "sync" else AioRunner(args)
    cells = json.load(sys.stdin)
    for cell in cells:
        out: Dict[str, Any] = {"cell": cell}
        try:
            out["result"] = getattr(runner, cell["op"])(cell)
        except Exception as e:  # noqa: BLE001 - reported per cell
            out["error"] = f"{type(e).__name__}: {e}"
            out["traceback"] = traceback.format_exc(limit=5)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
