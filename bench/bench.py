"""The vertx-channels benchmark (issue 6): one run starts the benchmark server and measures
streaming throughput against the transport ceiling for every client, small messages with and
without batching, idle-channel latency, the server's memory under a slow consumer, and the
Python ETF codec. ``make bench`` runs it in full; ``make bench-quick`` with tiny sizes.

    /usr/bin/python3 bench/bench.py [--quick] [--out DIR] [--only SECTION,...]

Writes DIR/latest.json (every figure), DIR/latest.md (the tables) and DIR/throughput.png; DIR is
bench/target/bench (full) or bench/target/quick (--quick); ``make bench-publish`` copies a full
run's files to the committed bench/results/. Ends with ``bench: N passed, M failed``
(``bench-quick: ...``) and exits 1 when a cell failed. It asserts nothing about speed.

Processes: the benchmark server (bench/target/vertx-channels-bench.jar: the channel verticle, the
channel gRPC endpoint with default options, a second one with batch_max_messages=1, and the
control service with the producer and the ceiling stream); one client process per client kind
(bench/pyclient.py --mode sync|aio, and BenchClient for the Java gRPC client); the local event-bus
consumer runs inside the server. A second, fresh server is started for the memory measurement.
The cluster section starts two more, clustered (Hazelcast on 127.0.0.1, a cluster name of this
run's own), and measures cross-node streaming: channels owned by node A and filled by A's
producer, consumed by a Python client connected to node B.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
BUILT_JAR = HERE / "target" / "vertx-channels-bench.jar"
# The JVMs of a run use a private copy of the jar: a build running meanwhile in the same checkout
# (./mvnw install) rewrites bench/target, and a JVM whose jar changes under it fails to load classes.
JAR = BUILT_JAR
PROTO_DIR = HERE / "src" / "main" / "proto"
STUBS = HERE / "target" / "py"
PYTHON = "/usr/bin/python3"
KiB = 1024
MiB = 1024 * KiB

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "python-grpc-client"))
import report  # noqa: E402

# Sizes of a run. "bytes" = payload bytes per repetition of a throughput cell; counts are messages.
PROFILES: Dict[str, Dict[str, Any]] = {
    "full": {
        "chunks": [1024, 4096, 16384, 65536],
        "reps": 3,
        "warmup": 1,
        # Payload bytes per run: at least 64 MiB, more where runs would otherwise be short.
        "py_bytes": {1024: 64 * MiB, 4096: 64 * MiB, 16384: 128 * MiB, 65536: 256 * MiB},
        "java_bytes": {1024: 64 * MiB, 4096: 128 * MiB, 16384: 256 * MiB, 65536: 512 * MiB},
        "local_bytes": {1024: 128 * MiB, 4096: 512 * MiB, 16384: 1024 * MiB, 65536: 4096 * MiB},
        # 64-byte messages: batched runs, unbatched runs (batch_max_messages 1), ceiling runs
        "small_py": 300_000, "small_py_unbatched": 10_000, "small_py_ceiling": 60_000,
        "small_java": 500_000, "small_java_unbatched": 50_000, "small_java_ceiling": 150_000,
        "small_local": 500_000,
        "latency_samples": 1000, "latency_warmup": 100, "latency_interval_ms": 2,
        "memory_bytes": 1024 * MiB, "memory_chunk": 64 * KiB, "memory_max_size": 4 * MiB,
        "memory_pace_mb_s": 100,
        "codec_seconds": 0.6,
        "warmup_messages": 400_000,
        # Then each gRPC client process first runs its own paths unmeasured (push, per-call
        # receive, producer credit; grpc_warmup_cells): measured on this 2-core machine, the
        # server's C2 compiler threads still took 1-3.5 us of CPU per message until about 1.5M
        # messages had gone through the gRPC paths, more than the server's event loop itself.
        "grpc_warmup_messages": 400_000,
        "worker_timeout_s": 240,  # per cell
        "budget_s": 17 * 60,  # no client process starts after this (make bench takes about 8 minutes here)
        # Cross-node (cluster section): payload bytes per run, as the single-node Python cells
        # (the same counts, so the ratio compares like with like), and the warm-up of the
        # cross-node path (node B's gRPC and event-bus code, A's pushes): messages of 64 B, then
        # a half of that of 1 KiB and a sixteenth of 16 KiB. Without it, the first client
        # measured runs at a third of the speed of the second (C2 still compiling).
        "cluster_bytes": {1024: 64 * MiB, 4096: 64 * MiB, 16384: 128 * MiB, 65536: 256 * MiB},
        "cluster_clients": ["sync", "aio"],
        "cluster_warmup_messages": 200_000,
        # Issue 14 (producer and per-call cells): messages per run of a per-call cell, at most
        # i14_msgs, at most i14_bytes of payload: as many 1 KiB messages as the drain they are
        # compared with (64 MiB), so that a loop's start (its first exact calls, the stream's
        # open) weighs in both alike
        "i14_msgs": 65_536, "i14_bytes": 128 * MiB,
        # ... and the median of 5 runs (the drains they are divided by too): on this shared
        # 2-core machine two cells running the same code in one run differed by up to 50 %
        "i14_reps": 5,
        "i14_stream_msgs": 65_536,  # send_many runs (one stream) carry more: 64 MiB at 1 KiB
        # erlang_python's streaming shape: 1 MiB per run, as theirs
        "ep_total": 1 * MiB, "ep_reps": 5,
    },
    "quick": {
        "chunks": [1024, 4096, 16384, 65536],
        "reps": 1,
        "warmup": 0,
        "py_bytes": {c: 256 * KiB for c in (1024, 4096, 16384, 65536)},
        "java_bytes": {c: 256 * KiB for c in (1024, 4096, 16384, 65536)},
        "local_bytes": {c: 256 * KiB for c in (1024, 4096, 16384, 65536)},
        "small_py": 2000, "small_py_unbatched": 500, "small_py_ceiling": 500,
        "small_java": 2000, "small_java_unbatched": 500, "small_java_ceiling": 500,
        "small_local": 2000,
        "latency_samples": 20, "latency_warmup": 5, "latency_interval_ms": 2,
        "memory_bytes": 8 * MiB, "memory_chunk": 64 * KiB, "memory_max_size": 4 * MiB,
        "memory_pace_mb_s": 200,
        "codec_seconds": 0.03,
        "warmup_messages": 2000,
        "grpc_warmup_messages": 400,
        "worker_timeout_s": 60,  # per cell
        "budget_s": 5 * 60,
        # one tiny cross-node cell: it proves the cluster harness (two JVMs joining), nothing more
        "cluster_bytes": {65536: 256 * KiB},
        "cluster_clients": ["sync"],
        "cluster_warmup_messages": 0,
        "i14_msgs": 200, "i14_bytes": 1 * MiB, "i14_stream_msgs": 200, "i14_reps": 1,
        "ep_total": 256 * KiB, "ep_reps": 1,
    },
}
MAX_SIZE = 16 * MiB  # max_size of the channels of the throughput runs
IN_FLIGHT = 256  # the producer's blocking sends in flight
LOCAL_WINDOW = 1024  # Channel.stream(window) of the local consumer
# "i14" alone: only the cells of issue 14 (producer, per-call, drains, erlang_python's shape) with
# the ceilings they are compared with, for both Python clients (they are part of py-sync / py-aio)
SECTIONS = ("local", "java", "py-sync", "py-aio", "codec", "memory", "cluster")
EXTRA_SECTIONS = ("i14",)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------- server

class Server:
    """The benchmark server JVM; stops when its stdin closes (also if this process dies)."""

    def __init__(self, log_path: pathlib.Path, config: Optional[Dict[str, Any]] = None,
                 jvm_args: Optional[List[str]] = None,
                 cluster: Optional[Dict[str, Any]] = None) -> None:
        """cluster: join a Vert.x cluster; the ``cluster`` object of the product's config
        (ClusterSetup: name, port, members, ...)."""
        cmd = ["java", *(jvm_args or []), "-jar", str(JAR)]
        if config:
            cmd += ["--config", json.dumps(config)]
        if cluster is not None:
            cmd += ["--cluster", "--cluster-config", json.dumps(cluster)]
        self.log_file = open(log_path, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log_file, text=True)
        lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in self.proc.stdout], daemon=True).start()
        deadline = time.monotonic() + 90
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"the benchmark server did not start within 90 s (log: {log_path})")
            if line.startswith("{") and '"ready"' in line:
                info = json.loads(line)
                break
        self.pid = info["pid"]
        self.channels = f"127.0.0.1:{info['channels_port']}"
        self.unbatched = f"127.0.0.1:{info['unbatched_port']}"
        self.bench = f"127.0.0.1:{info['bench_port']}"
        self.config = info.get("config")
        self.cluster_members = info.get("cluster_members")

    def status(self) -> Dict[str, int]:
        """VmRSS and VmHWM of the server process, in bytes (from /proc)."""
        out = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) * 1024
        return out

    def stop(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=15)
        except (subprocess.TimeoutExpired, OSError):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.log_file.close()


# -------------------------------------------------------------------------------------- cells

def throughput_cells(p: Dict[str, Any], budget: Dict[int, int]) -> List[Dict[str, Any]]:
    """Per chunk size: the ceiling, then ByteChannel, then Channel (close together in time, so
    that the ratios compare runs made under the same conditions)."""
    cells = []
    for chunk in p["chunks"]:
        count = max(1, budget[chunk] // chunk)
        base = {"chunk": chunk, "count": count, "reps": p["reps"], "warmup": p["warmup"],
                "in_flight": IN_FLIGHT}
        cells.append(dict(base, op="ceiling"))
        cells.append(dict(base, op="throughput", payload="bytes", max_size=MAX_SIZE))
        cells.append(dict(base, op="throughput", payload="term_binary", max_size=MAX_SIZE))
    return cells


def small_cells(p: Dict[str, Any], batched: int, unbatched: int, ceiling: int) -> List[Dict[str, Any]]:
    base = {"reps": p["reps"], "warmup": p["warmup"], "max_size": MAX_SIZE, "in_flight": IN_FLIGHT}
    cells = [dict(base, op="ceiling", chunk=64, count=ceiling)]
    for payload, chunk in (("bytes", 64), ("term_small", 0)):
        cells.append(dict(base, op="throughput", payload=payload, chunk=chunk, count=batched))
        cells.append(dict(base, op="throughput", payload=payload, chunk=chunk, count=unbatched,
                          endpoint="unbatched"))
    return cells


def grpcio_ceiling_cells(p: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The ceiling cross-check (Python sync client only): the bare stream from a grpcio server
    process instead of the Vert.x server, at 64 B, 1 KiB and 64 KiB."""
    base = {"op": "grpcio_ceiling", "reps": p["reps"], "warmup": p["warmup"]}
    count = max(1, p["small_py_ceiling"] // 3)  # about 3 s per run at grpcio's ~6k messages/s
    return [dict(base, chunk=64, count=count),
            dict(base, chunk=1024, count=count),
            dict(base, chunk=65536, count=max(1, p["py_bytes"][65536] // 65536 // 4))]


def drain_cells(p: Dict[str, Any], small: int) -> List[Dict[str, Any]]:
    """The consuming side alone: the channel is filled first, then drained (64 B and 1 KiB)."""
    base = {"op": "drain", "payload": "bytes", "reps": p["i14_reps"], "warmup": p["warmup"],
            "in_flight": IN_FLIGHT}
    return [dict(base, chunk=64, count=small),
            dict(base, chunk=1024, count=max(1, p["py_bytes"][1024] // 1024))]


def issue14_cells(p: Dict[str, Any], mode: str) -> List[Dict[str, Any]]:
    """Issue 14: the producing side alone (per-call ``send_bytes`` and ``send_many``), per-call
    receives of a pre-filled channel, and the drain (``for m in ch``) at every chunk size they are
    compared with; for the sync client also erlang_python's streaming shape. The sync client's
    bare grpcio stream at 4 and 16 KiB completes grpcio_ceiling_cells."""
    base = {"reps": p["i14_reps"], "warmup": p["warmup"], "in_flight": IN_FLIGHT}

    def count(chunk: int, stream: bool = False) -> int:
        return max(1, min(p["i14_stream_msgs" if stream else "i14_msgs"], p["i14_bytes"] // chunk))

    cells: List[Dict[str, Any]] = []
    for chunk in p["chunks"]:
        if chunk != 1024:  # 1 KiB is in drain_cells
            cells.append(dict(base, op="drain", payload="bytes", chunk=chunk,
                              count=max(1, p["py_bytes"][chunk] // chunk)))
        cells.append(dict(base, op="produce", api="send_many", chunk=chunk, count=count(chunk, True)))
        if mode == "sync" or chunk in (1024, 65536):
            cells.append(dict(base, op="produce", api="send_bytes", chunk=chunk, count=count(chunk)))
    cells.append(dict(base, op="drain", api="receive_bytes", payload="bytes", chunk=1024, count=count(1024)))
    cells.append(dict(base, op="drain", api="receive_bytes", payload="bytes", chunk=65536, count=count(65536)))
    if mode == "sync":
        cells.append(dict(base, op="drain", api="async_receive_bytes", payload="bytes", chunk=1024,
                          count=count(1024)))
        count_c = max(1, p["small_py_ceiling"] // 3)
        cells += [{"op": "grpcio_ceiling", "reps": p["reps"], "warmup": p["warmup"], "chunk": c,
                   "count": max(1, min(count_c, p["py_bytes"][c] // c // 4))} for c in (4096, 16384)]
        for chunk in p["chunks"]:
            for payload in ("bytes", "term_binary"):
                cells.append({"op": "ep_stream", "payload": payload, "chunk": chunk,
                              "total": p["ep_total"], "count": p["ep_total"] // chunk,
                              "reps": p["ep_reps"], "warmup": 1})
    return cells


def java_issue14_cells(p: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Issue 14 for the Java gRPC client: per-call sends (producing side alone) and per-call
    receives of a pre-filled channel, next to its drain (RemoteStream) at 1 and 64 KiB."""
    base = {"reps": p["i14_reps"], "warmup": p["warmup"], "in_flight": IN_FLIGHT}
    cells: List[Dict[str, Any]] = []
    for chunk in (1024, 65536):
        n = max(1, min(p["i14_msgs"], p["i14_bytes"] // chunk))
        if chunk != 1024:  # 1 KiB is in drain_cells
            cells.append(dict(base, op="drain", payload="bytes", chunk=chunk,
                              count=max(1, p["java_bytes"][chunk] // chunk)))
        cells.append(dict(base, op="produce", api="send", chunk=chunk, count=n))
        cells.append(dict(base, op="drain", api="receive", payload="bytes", chunk=chunk, count=n))
    return cells


def latency_cell(p: Dict[str, Any]) -> Dict[str, Any]:
    return {"op": "latency", "samples": p["latency_samples"], "warmup": p["latency_warmup"],
            "interval_ms": p["latency_interval_ms"], "chunk": 64}


def grpc_warmup_cells(p: Dict[str, Any], java: bool = False) -> List[Dict[str, Any]]:
    """The JIT warm-up of the server's gRPC paths this client drives, run first in the client's
    process and kept out of the tables (``<client>/warm-up/...``): the server's pushes (a
    streaming run), the revocable prefetch of per-call receives, and producer credit (per-call
    sends; ``send_many`` of 64 KiB payloads for Python)."""
    n = p["grpc_warmup_messages"]
    if not n:
        return []
    base = {"role": "warm-up", "reps": 1, "warmup": 0, "in_flight": IN_FLIGHT}
    cells = [dict(base, op="throughput", payload="bytes", chunk=1024, count=n, max_size=MAX_SIZE),
             dict(base, op="drain", api="receive" if java else "receive_bytes", payload="bytes",
                  chunk=1024, count=n // 2),
             dict(base, op="produce", api="send" if java else "send_bytes", chunk=1024, count=n // 2)]
    if not java:
        cells.append(dict(base, op="produce", api="send_many", chunk=65536, count=max(1, n // 40)))
    return cells


def cell_key(client: str, cell: Dict[str, Any]) -> str:
    if cell.get("role") == "warm-up":
        what = "-".join(str(cell[k]) for k in ("op", "api") if k in cell)
        return f"{client}/warm-up/{what}/{cell['chunk']}"
    if cell["op"] == "drain":
        api = cell.get("api", "iter")
        return report.key(client, "drain_" + cell["payload"] + ("" if api == "iter" else "_" + api), cell["chunk"])
    if cell["op"] == "produce":
        return report.key(client, "produce_" + cell["api"], cell["chunk"])
    if cell["op"] == "ep_stream":
        return report.key(client, "ep_stream_" + cell["payload"], cell["chunk"])
    if cell["op"] == "ceiling":
        return report.key(client, "ceiling", cell["chunk"])
    if cell["op"] == "grpcio_ceiling":
        return report.key(client, "grpcio_ceiling", cell["chunk"])
    if cell["op"] == "throughput":
        return report.key(client, cell["payload"], cell["chunk"], cell.get("endpoint", "batched"))
    return f"{client}/{cell['op']}"


# ------------------------------------------------------------------------------------ workers

DEADLINE = [float("inf")]  # time.monotonic() after which no more client processes start
PY_ENV: Dict[str, str] = {}  # environment of the Python client processes (--python-client)


def run_worker(cmd: List[str], cells: List[Dict[str, Any]], timeout_s: float,
               name: str, env: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
    """Runs a client process on the cells; one result per cell, {"error": ...} for the cells it
    did not finish (crash or timeout)."""
    if time.monotonic() > DEADLINE[0]:
        log(f"{name}: skipped, over the time budget")
        return [{"cell": c, "error": "skipped: over the time budget"} for c in cells]
    log(f"{name}: {len(cells)} cells")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
                            env=dict(os.environ, **(PY_ENV if env is None else env)))
    proc.stdin.write(json.dumps(cells))
    proc.stdin.close()
    results: List[Dict[str, Any]] = []
    lines: "queue.Queue[Optional[str]]" = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    stderr: List[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()
    while len(results) < len(cells):
        try:
            # timeout_s is per cell: a cell that makes no progress for that long is abandoned
            line = lines.get(timeout=timeout_s)
        except queue.Empty:
            log(f"{name}: no result for {timeout_s:.0f} s, stopping it")
            break
        if line is None:
            break
        if not line.startswith("{"):
            continue
        out = json.loads(line)
        out["load1"] = os.getloadavg()[0]
        results.append(out)
        if "error" in out:
            log(f"{name}: {cell_key(name, out['cell'])} FAILED: {out['error']}")
        else:
            log(f"{name}: {cell_key(name, out['cell'])} {brief(out['result'])}")
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    tail = "".join(stderr[-5:]).strip()
    for cell in cells[len(results):]:
        results.append({"cell": cell, "error": f"{name} ended before this cell"
                        + (f": {tail}" if tail else "")})
    return results


def brief(result: Dict[str, Any]) -> str:
    if "runs" in result:
        s = report.summarize_runs(result["runs"])
        return f"{s['mb_s']['median']:,.1f} MB/s, {s['msg_s']['median']:,.0f} msg/s"
    if "nanos" in result:
        s = report.summarize_latency(result["nanos"])
        return f"p50 {s['p50_ms']:.3f} ms, p99 {s['p99_ms']:.3f} ms"
    return ""


def py_cmd(mode: str, server: Server, client_options: Optional[Dict[str, Any]] = None,
           owner: Optional[Server] = None) -> List[str]:
    """owner: cross-node runs; channels are created through, and filled by the producer of, that
    node, and consumed through ``server`` (another node of the same cluster)."""
    bench = owner.bench if owner else server.bench
    cmd = [PYTHON, str(HERE / "pyclient.py"), "--mode", mode, "--channels", server.channels,
           "--unbatched", server.unbatched, "--bench", bench, "--stubs", str(STUBS)]
    if owner:
        cmd += ["--owner", owner.channels, "--peer-bench", server.bench]
    if client_options:
        cmd += ["--client-options", json.dumps(client_options)]
    return cmd


# RemoteStream window of the Java gRPC client: messages and bytes. The bytes cover the whole
# message window at 64 KiB: RemoteStream refills credit every half window of *messages* only, so
# a byte window smaller than half the message window times the message size stalls it.
JAVA_WINDOW = (1024, 64 * MiB)


def java_cmd(server: Server) -> List[str]:
    return ["java", "-cp", str(JAR), "io.github.vertxchannels.bench.BenchClient",
            server.channels, server.unbatched, server.bench, str(JAVA_WINDOW[0]), str(JAVA_WINDOW[1])]


# ------------------------------------------------------------------------------ in-server runs

def bench_stub(server: Server) -> Any:
    import grpc
    from vertx.channels.bench.v1 import bench_pb2_grpc
    channel = grpc.insecure_channel(server.bench, options=[
        ("grpc.max_receive_message_length", 64 * MiB)])
    return bench_pb2_grpc.BenchServiceStub(channel)


def local_cells(server: Server, p: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The local event-bus consumer (Channel.stream(window) in the server), driven from here."""
    from vertx.channels.bench.v1 import bench_pb2 as pb
    stub = bench_stub(server)
    kinds = {"bytes": pb.PAYLOAD_KIND_BYTES, "term_binary": pb.PAYLOAD_KIND_TERM_BINARY,
             "term_small": pb.PAYLOAD_KIND_TERM_SMALL}
    cells = []
    for chunk in p["chunks"]:
        for payload in ("bytes", "term_binary"):
            cells.append({"op": "throughput", "payload": payload, "chunk": chunk,
                          "count": max(1, p["local_bytes"][chunk] // chunk)})
    cells.append({"op": "throughput", "payload": "bytes", "chunk": 64, "count": p["small_local"]})
    cells.append({"op": "throughput", "payload": "term_small", "chunk": 0, "count": p["small_local"]})
    results = []
    log(f"java-local: {len(cells) + 1} cells")
    for cell in cells:
        cell.update(reps=p["reps"], warmup=p["warmup"], max_size=MAX_SIZE, window=LOCAL_WINDOW)
        try:
            runs = []
            for r in range(p["warmup"] + p["reps"]):
                s0 = stub.Stats(pb.StatsRequest()).cpu_nanos
                resp = stub.LocalConsume(pb.LocalConsumeRequest(
                    kind=kinds[cell["payload"]], chunk=cell["chunk"], count=cell["count"],
                    window=LOCAL_WINDOW, max_size=MAX_SIZE, in_flight=IN_FLIGHT), timeout=300)
                s1 = stub.Stats(pb.StatsRequest()).cpu_nanos
                if resp.messages != cell["count"]:
                    raise RuntimeError(f"received {resp.messages} of {cell['count']} messages")
                per = cell["chunk"] if cell["payload"] != "term_small" else resp.bytes // max(1, resp.messages)
                if r >= p["warmup"]:
                    runs.append({"messages": resp.messages, "bytes": resp.messages * per,
                                 "seconds": resp.nanos / 1e9, "producer_seconds": resp.producer_nanos / 1e9,
                                 "server_cpu_s": (s1 - s0) / 1e9, "client_cpu_s": 0.0})
            out = {"cell": cell, "result": {"runs": runs}, "load1": os.getloadavg()[0]}
            log(f"java-local: {cell_key('java-local', cell)} {brief(out['result'])}")
        except Exception as e:  # noqa: BLE001 - reported per cell
            out = {"cell": cell, "error": f"{type(e).__name__}: {e}"}
            log(f"java-local: {cell_key('java-local', cell)} FAILED: {out['error']}")
        results.append(out)
    lat_cell = latency_cell(p)
    try:
        resp = stub.LocalLatency(pb.LatencyRequest(
            samples=lat_cell["samples"], warmup=lat_cell["warmup"],
            interval_ms=lat_cell["interval_ms"], chunk=64, delay_ms=50), timeout=300)
        out = {"cell": lat_cell, "result": {"nanos": list(resp.nanos)}}
        log(f"java-local: latency {brief(out['result'])}")
    except Exception as e:  # noqa: BLE001
        out = {"cell": lat_cell, "error": f"{type(e).__name__}: {e}"}
    results.append(out)
    return results


def warm_up(server: Server, p: Dict[str, Any]) -> None:
    """JIT warm-up of the server's channel path (a few hundred thousand sends: C2 needs them)
    before anything is measured; every cell then has its own warm-up run too."""
    from vertx.channels.bench.v1 import bench_pb2 as pb
    stub = bench_stub(server)
    t0 = time.monotonic()
    for kind, chunk, count in ((pb.PAYLOAD_KIND_BYTES, 64, p["warmup_messages"]),
                               (pb.PAYLOAD_KIND_TERM_SMALL, 0, p["warmup_messages"] // 2),
                               (pb.PAYLOAD_KIND_TERM_BINARY, 1024, p["warmup_messages"] // 2),
                               (pb.PAYLOAD_KIND_BYTES, 65536, p["warmup_messages"] // 10)):
        stub.LocalConsume(pb.LocalConsumeRequest(kind=kind, chunk=chunk, count=count, window=LOCAL_WINDOW,
                                                 max_size=MAX_SIZE, in_flight=IN_FLIGHT), timeout=300)
    log(f"server warm-up: {time.monotonic() - t0:.1f} s")


def producer_alone(server: Server, p: Dict[str, Any]) -> Dict[str, Any]:
    """The producer and the local consumer each alone: the producer fills an unlimited channel
    with nobody consuming (the owner's enqueue included), then the local consumer drains it."""
    from vertx.channels.bench.v1 import bench_pb2 as pb
    stub = bench_stub(server)
    out = {}
    # Nobody consumes while the producer runs, so the channel holds everything at once: at most
    # 1 GiB, within the server's memory budget (max_total_bytes, half its heap), beyond which a
    # blocking send would wait for a consumer that only starts once the producer is done.
    alone_64k = min(p["local_bytes"][65536], 1 << 30) // 65536
    for chunk, count in ((64, p["small_local"]), (65536, max(1, alone_64k))):
        prod, cons = [], []
        for r in range(p["warmup"] + p["reps"]):
            resp = stub.LocalConsume(pb.LocalConsumeRequest(
                kind=pb.PAYLOAD_KIND_BYTES, chunk=chunk, count=count, window=LOCAL_WINDOW,
                max_size=0, in_flight=IN_FLIGHT, sequential=True), timeout=300)
            if resp.messages != count:
                raise RuntimeError(f"received {resp.messages} of {count} messages")
            if r >= p["warmup"]:
                prod.append(count / (resp.producer_nanos / 1e9))
                cons.append(count / (resp.nanos / 1e9))
        prod.sort()
        cons.sort()
        out[str(chunk)] = {"messages": count,
                           "producer_msg_s": prod[len(prod) // 2], "producer_mb_s": prod[len(prod) // 2] * chunk / 1e6,
                           "consumer_msg_s": cons[len(cons) // 2], "consumer_mb_s": cons[len(cons) // 2] * chunk / 1e6}
        log(f"producer alone, {chunk} B: {out[str(chunk)]['producer_msg_s']:,.0f} msg/s; "
            f"local consumer alone: {out[str(chunk)]['consumer_msg_s']:,.0f} msg/s")
    return out


def make_run_java_opts() -> List[str]:
    """The JVM options `make run` starts the server with (JAVA_OPTS in the Makefile)."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("JAVA_OPTS ?="):
            return line.split("=", 1)[1].split()
    raise RuntimeError("no JAVA_OPTS line in the Makefile")


# The memory run is made as `make run` starts the server (its JAVA_OPTS: a bounded heap) and with
# the JVM's defaults (a bare `java -jar`: on this machine a maximum heap of a quarter of the RAM).
# The first variant is the one the target is checked against.
MEMORY_VARIANTS = [("make run", make_run_java_opts()), ("default", [])]


def memory_run(p: Dict[str, Any], log_dir: pathlib.Path, jvm_args: List[str]) -> Dict[str, Any]:
    """A fresh server; a slow Python consumer reads p["memory_bytes"] through a byte channel with
    max_size p["memory_max_size"] while this thread samples the server's RSS and heap. Each
    message is a freshly allocated buffer, as a real producer's would be."""
    from vertx.channels.bench.v1 import bench_pb2 as pb
    log(f"memory: starting a fresh server (JVM options: {' '.join(jvm_args) or 'none'})")
    server = Server(log_dir / "server-memory.log", jvm_args=jvm_args)
    try:
        stub = bench_stub(server)
        time.sleep(0.5)
        start = stub.Stats(pb.StatsRequest())
        start_status = server.status()
        cell = {"op": "slow", "chunk": p["memory_chunk"], "count": p["memory_bytes"] // p["memory_chunk"],
                "max_size": p["memory_max_size"], "pace_mb_s": p["memory_pace_mb_s"],
                "fresh_payload": True}
        samples: List[Dict[str, int]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                try:
                    s = stub.Stats(pb.StatsRequest(), timeout=5)
                    st = server.status()
                    samples.append({"t": time.monotonic(), "rss": st.get("VmRSS", 0),
                                    "hwm": st.get("VmHWM", 0), "heap_used": s.heap_used,
                                    "heap_committed": s.heap_committed, "direct": s.direct_used,
                                    "netty_direct": s.netty_direct_used})
                except Exception:  # noqa: BLE001 - sampling is best effort
                    pass
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            [res] = run_worker(py_cmd("sync", server), [cell], p["worker_timeout_s"], "memory")
        finally:
            done.set()
            sampler.join()
        end_status = server.status()
        if "error" in res:
            return {"error": res["error"], "jvm_args": jvm_args}
        live = stub.Stats(pb.StatsRequest(gc=True))
        r = res["result"]
        return {
            "jvm_args": jvm_args,
            "heap_live_end_mib": live.heap_used / MiB,
            "stream_mib": r["bytes"] / MiB, "chunk": p["memory_chunk"],
            "max_size": p["memory_max_size"], "seconds": r["seconds"],
            "consumer_mb_s": r["bytes"] / r["seconds"] / 1e6,
            "rss_start_mib": start_status.get("VmRSS", 0) / MiB,
            "rss_max_sampled_mib": max((s["rss"] for s in samples), default=0) / MiB,
            "rss_peak_mib": end_status.get("VmHWM", 0) / MiB,
            "rss_end_mib": end_status.get("VmRSS", 0) / MiB,
            "heap_used_start_mib": start.heap_used / MiB,
            "heap_used_max_mib": max((s["heap_used"] for s in samples), default=0) / MiB,
            "heap_committed_max_mib": max((s["heap_committed"] for s in samples), default=0) / MiB,
            "heap_max_mib": start.heap_max / MiB,
            "direct_max_mib": max((max(s["direct"], s["netty_direct"]) for s in samples), default=0) / MiB,
            "samples": [{k: (v / MiB if k != "t" else round(v - samples[0]["t"], 2)) for k, v in s.items()}
                        for s in samples],
        }
    finally:
        server.stop()


# ------------------------------------------------------------------------------------ cluster

def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for Hazelcast, which takes a fixed port)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_run(p: Dict[str, Any], log_dir: pathlib.Path, server_config: Optional[Dict[str, Any]],
                client_options: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Cross-node streaming: two bench servers A and B join one Vert.x cluster (the product's
    ClusterSetup: Hazelcast TCP-IP join on 127.0.0.1, never multicast, everything bound to
    127.0.0.1). Every run creates a byte channel through A's channel endpoint (the default
    placement puts it on A, the node the creating client is connected to), A's producer fills it
    (Produce on A's control endpoint) and a Python client consumes it through B's channel
    endpoint: every message crosses the clustered event bus, within the credit the consuming
    node grants the owner. The cells are those of the single-node Python ByteChannel runs (same
    counts, warm-up, repetitions), so the two figures of a run compare like with like.

    Returns {"raw": [(client, result), ...], "info": {...}}."""
    info: Dict[str, Any] = {"nodes": 2}
    if time.monotonic() > DEADLINE[0]:
        log("cluster: skipped, over the time budget")
        return {"raw": [(f"py-{m}-cluster", {"cell": {"op": "cluster"}, "error": "skipped: over the time budget"})
                        for m in p["cluster_clients"]], "info": info}
    # A cluster name of this run's own: a clustered server started by someone else on this
    # machine (the product's default name is "vertx-channels") never joins ours, nor we it.
    port_a = free_port()
    port_b = free_port()
    while port_b == port_a:
        port_b = free_port()
    name = f"vertx-channels-bench-{os.getpid()}-{port_a}"
    # B joins through A's address (host:port, not a port range: Hazelcast would probe them all).
    members = [f"127.0.0.1:{port_a}"]
    info.update(cluster_name=name, hazelcast_ports=[port_a, port_b])
    t0 = time.monotonic()
    servers: List[Server] = []
    raw: List[Any] = []
    try:
        log(f"cluster: starting node A (Hazelcast 127.0.0.1:{port_a}) and node B (127.0.0.1:{port_b})")
        servers.append(Server(log_dir / "server-cluster-a.log", config=server_config,
                              cluster={"name": name, "port": port_a, "members": members}))
        servers.append(Server(log_dir / "server-cluster-b.log", config=server_config,
                              cluster={"name": name, "port": port_b, "members": members}))
        a, b = servers
        info["startup_s"] = round(time.monotonic() - t0, 1)
        if b.cluster_members != 2:
            raise RuntimeError(f"node B sees {b.cluster_members} cluster members, not 2 "
                               f"(logs: {log_dir}/server-cluster-*.log)")
        log(f"cluster: up in {info['startup_s']} s; A pid {a.pid} channels {a.channels} bench {a.bench}; "
            f"B pid {b.pid} channels {b.channels} bench {b.bench}")
        warm = p["cluster_warmup_messages"]
        if warm:
            # The owner's side alone, as the single-node server gets it before its first cell.
            warm_up(a, p)
        for i, mode in enumerate(p["cluster_clients"]):
            client = f"py-{mode}-cluster"
            cells = []
            if warm and i == 0:
                # JIT warm-up of the cross-node path, in the first client's process (its figures
                # are kept under <client>/warm-up/<chunk>, out of the table)
                for chunk, count in ((64, warm), (1024, warm // 2), (16384, warm // 16)):
                    cells.append({"op": "throughput", "role": "warm-up", "payload": "bytes", "chunk": chunk,
                                  "count": count, "reps": 1, "warmup": 0, "max_size": MAX_SIZE,
                                  "in_flight": IN_FLIGHT})
            for chunk, nbytes in p["cluster_bytes"].items():
                cells.append({"op": "throughput", "payload": "bytes", "chunk": chunk,
                              "count": max(1, nbytes // chunk), "reps": p["reps"], "warmup": p["warmup"],
                              "in_flight": IN_FLIGHT, "max_size": MAX_SIZE, "route": "cross-node"})
            raw += [(client, r) for r in run_worker(py_cmd(mode, b, client_options, owner=a), cells,
                                                    p["worker_timeout_s"], client)]
    except Exception as e:  # noqa: BLE001 - reported as a failed cell
        log(f"cluster: FAILED: {type(e).__name__}: {e}")
        raw.append(("cluster", {"cell": {"op": "cluster"}, "error": f"{type(e).__name__}: {e}"}))
    finally:
        # B (the consuming node) first, then A, the node B joined through.
        for server in reversed(servers):
            server.stop()
    info["elapsed_s"] = round(time.monotonic() - t0, 1)
    log(f"cluster: {info['elapsed_s']} s")
    return {"raw": raw, "info": info}


# ------------------------------------------------------------------------------------ machine

def machine() -> Dict[str, Any]:
    import grpc
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem, "kernel": platform.release(),
            "java": java[1].strip() if len(java) > 1 else (java[0] if java else "?"),
            "python": platform.python_version(), "grpcio": grpc.__version__,
            "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=str(ROOT), capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def gen_stubs() -> None:
    STUBS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["protoc", f"-I{PROTO_DIR}", f"--python_out={STUBS}", f"--grpc_python_out={STUBS}",
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    "vertx/channels/bench/v1/bench.proto"], check=True)
    sys.path.insert(0, str(STUBS))


# --------------------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: proves the harness works")
    ap.add_argument("--out", help="output directory (default bench/target/bench, or bench/target/quick with --quick)")
    ap.add_argument("--only", help=f"comma-separated sections among {','.join(SECTIONS + EXTRA_SECTIONS)} "
                    "(i14: only the cells of issue 14 and the ceilings they are compared with)")
    ap.add_argument("--client-options", help="JSON keyword options of the Python connect()")
    ap.add_argument("--server-config", help="JSON options of the batched channel endpoint")
    ap.add_argument("--python-client", help="another python-grpc-client directory to measure (A/B runs)")
    args = ap.parse_args()
    profile = "quick" if args.quick else "full"
    p = PROFILES[profile]
    # A run writes only under bench/target/; `make bench-publish` copies a full run's results to
    # the committed bench/results/.
    out_dir = pathlib.Path(args.out) if args.out else HERE / "target" / ("quick" if args.quick else "bench")
    out_dir.mkdir(parents=True, exist_ok=True)
    log_dir = HERE / "target" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    sections = set(args.only.split(",")) if args.only else set(SECTIONS)
    name = "bench-quick" if args.quick else "bench"
    global JAR
    if not BUILT_JAR.exists():
        print(f"{BUILT_JAR} is missing: build it with `make bench` (or ./mvnw -B -q install -DskipTests)",
              file=sys.stderr)
        return 2
    run_dir = pathlib.Path(tempfile.mkdtemp(prefix="vertx-channels-bench-"))
    JAR = run_dir / BUILT_JAR.name
    shutil.copyfile(BUILT_JAR, JAR)
    try:
        return run(args, out_dir, log_dir, sections, name, profile, p)
    except Exception as e:  # noqa: BLE001 - the summary line must come out whatever happened
        import traceback
        traceback.print_exc()
        print(f"{name}: 0 passed, 1 failed ({type(e).__name__}: {e})")
        return 1
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def run(args: argparse.Namespace, out_dir: pathlib.Path, log_dir: pathlib.Path, sections: set,
        name: str, profile: str, p: Dict[str, Any]) -> int:
    gen_stubs()
    t_start = time.monotonic()
    info = machine()
    client_options = json.loads(args.client_options) if args.client_options else None
    server_config = json.loads(args.server_config) if args.server_config else None
    if args.python_client:
        PY_ENV["VERTX_CHANNELS_PYTHON_CLIENT"] = str(pathlib.Path(args.python_client).resolve())
    DEADLINE[0] = time.monotonic() + p["budget_s"]
    raw: List[Dict[str, Any]] = []  # (client, result) pairs
    extra: Dict[str, Any] = {}
    log(f"{name}: load average {info['load_before']}")
    server = Server(log_dir / "server.log", config=server_config)
    try:
        log(f"server pid {server.pid}: channels {server.channels}, unbatched {server.unbatched}, "
            f"bench {server.bench}")
        warm_up(server, p)
        if "local" in sections:
            raw += [("java-local", r) for r in local_cells(server, p)]
            try:
                extra["producer_alone"] = producer_alone(server, p)
            except Exception as e:  # noqa: BLE001
                extra["producer_alone"] = {"error": f"{type(e).__name__}: {e}"}
                raw.append(("java-local", {"cell": {"op": "producer"}, "error": str(e)}))
        if "java" in sections or "i14" in sections:
            if "java" in sections:
                cells = (throughput_cells(p, p["java_bytes"])
                         + small_cells(p, p["small_java"], p["small_java_unbatched"], p["small_java_ceiling"])
                         + drain_cells(p, p["small_java"]) + [latency_cell(p)] + java_issue14_cells(p))
            else:
                cells = ([c for c in throughput_cells(p, p["java_bytes"])
                          if c["op"] == "ceiling" and c["chunk"] in (1024, 65536)]
                         + [c for c in drain_cells(p, p["small_java"]) if c["chunk"] == 1024]
                         + java_issue14_cells(p))
            cells = grpc_warmup_cells(p, java=True) + cells
            raw += [("java-grpc", r) for r in run_worker(java_cmd(server), cells, p["worker_timeout_s"], "java-grpc")]
        for mode in ("sync", "aio"):
            if f"py-{mode}" in sections:
                cells = (throughput_cells(p, p["py_bytes"])
                         + small_cells(p, p["small_py"], p["small_py_unbatched"], p["small_py_ceiling"])
                         + drain_cells(p, p["small_py"]) + [latency_cell(p)]
                         + (grpcio_ceiling_cells(p) if mode == "sync" else [])
                         + issue14_cells(p, mode))
                cells = grpc_warmup_cells(p) + cells
                raw += [(f"py-{mode}", r) for r in run_worker(
                    py_cmd(mode, server, client_options), cells, p["worker_timeout_s"], f"py-{mode}")]
            elif "i14" in sections:
                cells = ([c for c in throughput_cells(p, p["py_bytes"]) if c["op"] == "ceiling"]
                         + [c for c in drain_cells(p, p["small_py"]) if c["chunk"] == 1024]
                         + (grpcio_ceiling_cells(p)[1:] if mode == "sync" else [])
                         + issue14_cells(p, mode))
                cells = grpc_warmup_cells(p) + cells
                raw += [(f"py-{mode}", r) for r in run_worker(
                    py_cmd(mode, server, client_options), cells, p["worker_timeout_s"], f"py-{mode}")]
        if "codec" in sections:
            [res] = run_worker(py_cmd("sync", server), [{"op": "codec", "seconds": p["codec_seconds"]}],
                               p["worker_timeout_s"], "codec")
            raw.append(("py", res))
    finally:
        server.stop()
    memory = None
    memory_variants: Dict[str, Any] = {}
    if "memory" in sections:
        for variant, jvm_args in MEMORY_VARIANTS:
            try:
                memory_variants[variant] = memory_run(p, log_dir, jvm_args)
            except Exception as e:  # noqa: BLE001
                memory_variants[variant] = {"error": f"{type(e).__name__}: {e}", "jvm_args": jvm_args}
        memory = memory_variants[MEMORY_VARIANTS[0][0]]  # the target is checked on `make run`
    cluster_info = None
    if "cluster" in sections:
        # Last: the single-node figures of the same run are already in, and over the time budget
        # this section is the one skipped.
        res = cluster_run(p, log_dir, server_config, client_options)
        raw += res["raw"]
        cluster_info = res["info"]
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # ---- summary
    cells: Dict[str, Any] = {}
    latency: Dict[str, Any] = {}
    codec = None
    for client, res in raw:
        cell = res["cell"]
        if cell["op"] == "codec":
            codec = res.get("result")
            cells["py/codec"] = {"error": res["error"]} if codec is None else {
                "small_tuple_decode_per_s": codec["small_tuple"]["decode_per_s"]}
            continue
        k = cell_key(client, cell)
        if "error" in res:
            cells[k] = {"error": res["error"], "cell": cell}
        elif cell["op"] == "latency":
            latency[client] = report.summarize_latency(res["result"]["nanos"])
            cells[k] = dict(latency[client], cell=cell)
        else:
            cells[k] = dict(report.summarize_runs(res["result"]["runs"]), cell=cell,
                            runs=res["result"]["runs"])
        if "load1" in res:
            cells[k]["load1"] = res["load1"]
    for variant, m in memory_variants.items():
        k = "py-sync/memory" if variant == MEMORY_VARIANTS[0][0] else f"py-sync/memory/{variant.replace(' ', '-')}"
        cells[k] = {key: v for key, v in m.items() if key != "samples"}
    rat = report.ratios(cells)
    command = "make bench-quick" if args.quick else "make bench"
    summary = {
        "profile": profile,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "command": command,
        "machine": info,
        "server_config": server.config,
        "params": {"chunks": p["chunks"], "reps": p["reps"], "warmup": p["warmup"], "warmup_messages": p["warmup_messages"],
                   "grpc_warmup_messages": p["grpc_warmup_messages"],
                   "max_size": MAX_SIZE, "in_flight": IN_FLIGHT, "local_window": LOCAL_WINDOW,
                   "java_window": {"messages": JAVA_WINDOW[0], "bytes": JAVA_WINDOW[1]},
                   "latency_interval_ms": p["latency_interval_ms"],
                   "bytes_desc": (f"Python {describe(p['py_bytes'])}; Java gRPC {describe(p['java_bytes'])}; "
                                  f"event bus {describe(p['local_bytes'])}"),
                   "profile": {k: v for k, v in p.items()},
                   "client_options": client_options,
                   "python_client": args.python_client,
                   "server_config_overrides": server_config,
                   "ceiling": "bare gRPC server stream, one gRPC message per chunk, same server process and HTTP/2 settings, same client",
                   "mb": "10^6 bytes"},
        "cells": cells,
        "ratios": rat,
        "latency": latency,
        "codec": codec,
        "memory": memory,
        "memory_variants": memory_variants,
        "producer_alone": extra.get("producer_alone"),
        "elapsed_s": round(time.monotonic() - t_start, 1),
    }
    if cluster_info is not None:
        summary["params"]["cluster_bytes_desc"] = describe(p["cluster_bytes"])
        # Cross-node figures next to the single-node ones of this run (see report.cluster_summary)
        summary["cluster"] = dict(cluster_info, **report.cluster_summary(summary))
    summary["targets"] = report.targets(cells, rat, latency, codec, memory)
    summary["targets_issue14"] = report.issue14_targets(cells)
    summary["erlang_python_streaming"] = report.ERLANG_PYTHON_STREAMING
    md = report.markdown(summary)
    (out_dir / "latest.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    (out_dir / "latest.md").write_text(md)
    try:
        report.chart(summary, str(out_dir / "throughput.png"))
    except Exception as e:  # noqa: BLE001
        log(f"chart failed: {e}")
        cells["chart"] = {"error": str(e)}
    print(md)
    failed = sum(1 for c in cells.values() if "error" in c)
    passed = len(cells) - failed
    print(f"results: {out_dir}/latest.json, latest.md, throughput.png ({summary['elapsed_s']} s)")
    print(f"{name}: {passed} passed, {failed} failed")
    return 1 if failed else 0


def describe(budget: Dict[int, int]) -> str:
    parts = []
    for chunk, b in budget.items():
        parts.append(f"{chunk // KiB} KiB: {b // MiB} MiB" if b >= MiB else f"{chunk // KiB} KiB: {b // KiB} KiB")
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
