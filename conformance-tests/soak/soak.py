#!/usr/bin/python3
"""Load and soak test of vertx-channels (issue 8, part 3): `make soak`, `make soak-short`.

Starts the real server jar on 127.0.0.1 (ephemeral port), runs many channels (term and byte,
small max_size so that backpressure really happens) with concurrent producers and consumers in
separate OS processes (Java gRPC client, Python sync client, Python asyncio client) for a set
time, then checks:

  * every message acknowledged OK to its producer was received exactly once (no loss, no
    duplicate, nothing received that was never acknowledged), no fault being injected;
  * FIFO per channel per producer, as each consumer saw it; every payload intact;
  * every producer and consumer ended as the contract says (close-and-drain: consumers drain to
    the end, then see closed);
  * no leak in the server once every channel was closed and drained and every client gone:
    channels forgotten after closed_retention_ms, live instances of the channel, stream and
    subscription classes back to the baseline, live heap after a full GC back to the baseline
    within a stated tolerance;
  * the server listens on loopback only.

It reports messages, bytes, channels, streams, producers and consumers per client kind, msg/s,
peak RSS and heap, printed and written as Markdown and JSON. Throughput is reported, never
asserted. Run with Debian's Python (/usr/bin/python3): see README.md next to this file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python-grpc-client"))

import vertx_channels  # noqa: E402
import vertx_channels.aio  # noqa: E402
from vertx_channels import ChannelBusy, ChannelClosed, ChannelNotFound  # noqa: E402

JAR = ROOT / "verticles" / "target" / "vertx-channels.jar"
PY = "/usr/bin/python3"
MiB = 1024 * 1024

KINDS = ("java", "py-sync", "py-aio")
# Consumer modes per client kind: iteration (push with credit) and blocking receives.
CONSUMER_MODES = {
    "java": ("stream", "receive", "try"),        # RemoteStream; receive(timeout); tryReceive first
    "py-sync": ("iter", "receive", "try"),       # for m in ch; receive(timeout_ms); try_receive first
    "py-aio": ("aiter", "receive"),              # async for; await receive(timeout_ms) (a Stream per call)
}
# Small limits, so that producers meet backpressure (busy, waiting sends) all the time.
MAX_SIZES = (512, 1024, 4096, 16384)
SEND_TIMEOUTS_MS = (100, 1000, 5000)
RECEIVE_TIMEOUTS_MS = (50, 500, 2000)
# Python connections of one worker process, with different iteration windows (messages). A local
# subchannel pool gives each its own TCP connection (grpcio shares one between channels whose
# arguments are equal, and the credit is no gRPC argument).
_OWN_CONNECTION = [["grpc.use_local_subchannel_pool", 1]]
PY_CONNECTIONS = ({"credit_messages": 8, "grpc_options": _OWN_CONNECTION},
                  {"credit_messages": 64, "grpc_options": _OWN_CONNECTION},
                  {"grpc_options": _OWN_CONNECTION})
JAVA_WINDOWS = ((8, 64 * 1024), (128, 1 * MiB))

# Server classes whose live instances must come back to the baseline (names checked against
# verticles/src/main/java; the mid-load histogram shows each is really instantiated, so that the
# check cannot pass because a name is wrong).
TRACKED = {
    "channels": "io.github.vertxchannels.impl.ChannelQueue",
    "streams": "io.github.vertxchannels.impl.grpc.StreamSession",
    "subscriptions": "io.github.vertxchannels.impl.Subscription",
    "subscribers": "io.github.vertxchannels.impl.ChannelSubscriber",
    "waiting receivers": "io.github.vertxchannels.impl.ChannelQueue$Waiter",
    "waiting senders": "io.github.vertxchannels.impl.ChannelQueue$PendingSend",
    "receive calls": "io.github.vertxchannels.impl.grpc.ReceiveCall",
    "HTTP/2 streams": "io.netty.handler.codec.http2.DefaultHttp2Connection$DefaultStream",
    "gRPC calls": "io.vertx.grpc.server.impl.Http2GrpcServerRequest",
    "HTTP/2 connections": "io.vertx.core.http.impl.Http2ServerConnection",
    "Java API handles": "io.github.vertxchannels.impl.EventBusChannels",
}
# Must be seen alive during the load (the others depend on timing: a waiting receiver exists
# only while one waits).
MUST_BE_SEEN = ("channels", "streams", "subscriptions", "HTTP/2 streams", "gRPC calls",
                "HTTP/2 connections")

KEEPALIVE_MS = 2000

PRESETS = {
    # name: seconds, channels, max messages per producer, output directory. Both under target/: a
    # run never rewrites tracked files (`make soak-publish` copies the long report to results/).
    "long": dict(seconds=120, channels=240, max_messages=2_000_000,
                 out=ROOT / "conformance-tests" / "target" / "soak",
                 work=ROOT / "conformance-tests" / "target" / "soak"),
    "short": dict(seconds=30, channels=48, max_messages=200_000,
                  out=ROOT / "conformance-tests" / "target" / "soak-short",
                  work=ROOT / "conformance-tests" / "target" / "soak-short"),
}


def log(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------------------ processes

def spawn(cmd: List[str], stderr: Any) -> "subprocess.Popen[str]":
    # setpriv --pdeathsig: the kernel kills the child if the driver dies, even by SIGKILL, so
    # that no server or worker outlives a failed or interrupted run. (A preexec_fn doing the same
    # prctl would make subprocess fork the driver, which crashes grpcio's fork handlers.)
    return subprocess.Popen(["setpriv", "--pdeathsig", "KILL", "--", *cmd], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=str(ROOT))


def stop(proc: Optional["subprocess.Popen[str]"], grace_s: float = 10.0) -> None:
    """Ends one process we started (by its own handle, never by name)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    except OSError:
        pass


def proc_status(pid: int) -> Dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes; {} once it is gone."""
    out: Dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return out


class Server:
    """The server jar on 127.0.0.1, any free port (read back from its log line)."""

    def __init__(self, jar: pathlib.Path, conf: pathlib.Path, log_path: pathlib.Path,
                 heap_mib: int) -> None:
        self.log_file = open(log_path, "w")
        self.lines: List[str] = []
        self.port: Optional[int] = None
        ready = threading.Event()
        self.proc = spawn(["java", f"-Xmx{heap_mib}m", "-jar", str(jar),
                           "--host", "127.0.0.1", "--port", "0", "-conf", str(conf)],
                          stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

        def pump() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.log_file.write(line)
                self.log_file.flush()
                self.lines.append(line)
                m = re.search(r"gRPC server listening on 127\.0\.0\.1:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + 90
        while not ready.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                stop(self.proc)
                raise RuntimeError("the server did not start; its output:\n" + "".join(self.lines[-40:]))
        self.target = f"127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        stop(self.proc, grace_s=15)
        self.log_file.close()


def histogram(pid: int) -> Tuple[Dict[str, int], int]:
    """Live instances per class and total live bytes; GC.class_histogram runs a full GC first."""
    out = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    counts: Dict[str, int] = {}
    total = 0
    for line in out.splitlines():
        m = re.match(r"\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)", line)
        if m:
            counts[m.group(3)] = counts.get(m.group(3), 0) + int(m.group(1))
        else:
            t = re.match(r"Total\s+(\d+)\s+(\d+)", line)
            if t:
                total = int(t.group(2))
    if total == 0:
        raise RuntimeError(f"jcmd GC.class_histogram gave no total:\n{out[-2000:]}")
    return {k: counts.get(v, 0) for k, v in TRACKED.items()}, total


def listening_sockets(pid: int) -> List[str]:
    """host:port of every TCP socket the process listens on (from /proc, no tool needed)."""
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        try:
            rows = pathlib.Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if f[3] != "0A" or f[9] not in inodes:   # 0A = LISTEN
                continue
            addr, port = f[1].split(":")
            found.append(f"{decode_addr(addr)}:{int(port, 16)}")
    return found


def decode_addr(h: str) -> str:
    raw = bytes.fromhex(h)
    # /proc prints each 32-bit word in host (little-endian) order.
    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    if len(raw) == 4:
        return ".".join(str(b) for b in raw)
    if raw[:12] == b"\0" * 10 + b"\xff\xff":
        return "::ffff:" + ".".join(str(b) for b in raw[12:])
    return "[" + ":".join(raw[i:i + 2].hex() for i in range(0, 16, 2)) + "]"


def is_loopback(addr: str) -> bool:
    host = addr.rsplit(":", 1)[0]
    return host.startswith("127.") or host.startswith("::ffff:127.") or host == "[0000:0000:0000:0000:0000:0000:0000:0001]"


# ------------------------------------------------------------------------------------ warm-up

def warm_up(target: str) -> None:
    """Exercises every server path once (create, send, busy, waiting send, receive, try_receive,
    iteration, cancellable receive, close) before the baseline is taken, so that lazily created
    server state (classes, caches, pools) is in the baseline and not counted as a leak."""
    with vertx_channels.connect(target) as client:
        term = client.new_channel(max_size=64)
        data = client.new_byte_channel(max_size=64)
        for ch, send, receive, try_receive, payload in (
                (term, term.send, term.receive, term.try_receive, ("warm", 1)),
                (data, data.send_bytes, data.receive_bytes, data.try_receive_bytes, b"warm-up")):
            send(payload)
            receive(timeout_ms=1000)
            try_receive()
            while True:              # fill it up: busy
                try:
                    send(payload)
                except ChannelBusy:
                    break
            try:                     # a waiting send that times out
                send(payload, timeout_ms=50)
            except TimeoutError:
                pass
            ch.close()
            assert len(list(ch)) > 0  # close-and-drain by iteration

    async def aio() -> None:
        async with vertx_channels.aio.connect(target) as client:
            ch = await client.new_byte_channel(max_size=64)
            await ch.send_bytes(b"x", timeout_ms=100)
            await ch.receive_bytes(timeout_ms=1000)
            try:
                await ch.receive_bytes(timeout_ms=20)
            except TimeoutError:
                pass
            await ch.send_bytes(b"y")
            await ch.close()
            async for _ in ch:
                pass
    asyncio.run(aio())
    # The Java client's paths are the same server calls (unary Send/Receive, the Stream call).


# --------------------------------------------------------------------------------------- plan

def make_plan(n_channels: int, per_kind: int, max_messages: int) -> Dict[str, Any]:
    """Channels with their producers and consumers, spread over per_kind processes per client
    kind. Every (producer kind, consumer kind) pair gets the same share of channels; a channel
    whose producer and consumer are of the same kind has them in different processes; every
    third channel has two producers (of two kinds), every fourth two competing consumers."""
    channels: List[Dict[str, Any]] = []
    workers = {f"{k}-{i}": [] for k in KINDS for i in range(per_kind)}  # name -> roles
    next_instance = {k: 0 for k in KINDS}
    counters = {"role": 0, "mode": {k: 0 for k in KINDS}, "prod": 0}

    def place(kind: str, avoid: Optional[str] = None) -> str:
        i = next_instance[kind]
        next_instance[kind] = (i + 1) % per_kind
        name = f"{kind}-{i}"
        if name == avoid:
            name = f"{kind}-{next_instance[kind]}"
            next_instance[kind] = (next_instance[kind] + 1) % per_kind
        return name

    for c in range(n_channels):
        pair = c % 9
        prod_kinds = [KINDS[pair // 3]]
        cons_kinds = [KINDS[pair % 3]]
        if c % 3 == 0:
            prod_kinds.append(KINDS[(pair // 3 + 1) % 3])
        if c % 4 == 1:
            cons_kinds.append(KINDS[(pair % 3 + 2) % 3])
        max_size = MAX_SIZES[(c // 2) % len(MAX_SIZES)]
        ch = {"index": c, "kind": "bytes" if c % 2 == 0 else "term", "max_size": max_size,
              "pad_max": max_size // 4, "producers": [], "consumers": []}
        channels.append(ch)
        prod_workers = []
        for j, kind in enumerate(prod_kinds):
            counters["role"] += 1
            counters["prod"] += 1
            worker = place(kind)
            prod_workers.append(worker)
            role = {"id": counters["role"], "role": "producer", "client": kind, "worker": worker,
                    "channel": c, "kind": ch["kind"], "pad_max": ch["pad_max"],
                    "mode": "nowait" if counters["prod"] % 2 else "wait",
                    "timeout_ms": SEND_TIMEOUTS_MS[counters["prod"] % len(SEND_TIMEOUTS_MS)],
                    "max_messages": max_messages, "closer": j == 0}
            ch["producers"].append(role)
        for kind in cons_kinds:
            counters["role"] += 1
            m = counters["mode"][kind]
            counters["mode"][kind] += 1
            avoid = next((w for w in prod_workers if w.startswith(kind + "-")), None)
            role = {"id": counters["role"], "role": "consumer", "client": kind,
                    "worker": place(kind, avoid), "channel": c, "kind": ch["kind"],
                    "pad_max": ch["pad_max"],
                    "mode": CONSUMER_MODES[kind][m % len(CONSUMER_MODES[kind])],
                    "timeout_ms": RECEIVE_TIMEOUTS_MS[m % len(RECEIVE_TIMEOUTS_MS)]}
            if counters["role"] % 5 == 0:
                # A slow consumer now and then, so that waiting sends also time out.
                role.update(pause_every=200, pause_ms=150)
            if kind == "java":
                wm, wb = JAVA_WINDOWS[m % len(JAVA_WINDOWS)]
                role.update(window_messages=wm, window_bytes=wb)
            ch["consumers"].append(role)
        for r in ch["consumers"]:
            r["producers"] = [p["id"] for p in ch["producers"]]
        for r in ch["producers"] + ch["consumers"]:
            workers[r["worker"]].append(r)
    return {"channels": channels, "workers": workers}


# ------------------------------------------------------------------------------------ workers

class Worker:
    """One client process. Started early (a Java worker compiles its source first, a Python one
    imports grpcio), it waits for "start" on stdin before it reads its plan, so that its start-up
    overlaps the driver's warm-up and baseline."""

    def __init__(self, name: str, jar: pathlib.Path, work: pathlib.Path) -> None:
        self.name = name
        self.kind = name.rsplit("-", 1)[0]
        self.plan_path = work / f"plan-{name}.json"
        self.out_path = work / f"result-{name}.json"
        self.err_path = work / f"worker-{name}.log"
        if self.kind == "java":
            # Java's single-source-file mode against the fat jar: no Maven, no build step.
            cmd = ["java", "-Xmx256m", "-cp", str(jar), str(HERE / "SoakClient.java")]
        else:
            cmd = [PY, str(HERE / "worker.py"), "--kind", self.kind]
        cmd += ["--plan", str(self.plan_path), "--out", str(self.out_path)]
        self.err = open(self.err_path, "w")
        self.proc = spawn(cmd, stderr=self.err)
        self.lines: List[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def start(self, roles: List[Dict[str, Any]], target: str, hard_timeout_s: float) -> None:
        conns = [{} for _ in range(2)] if self.kind == "java" else list(PY_CONNECTIONS)
        for i, r in enumerate(roles):
            r["conn"] = i % len(conns)
        self.plan_path.write_text(json.dumps({"worker": self.name, "target": target, "connections": conns,
                                              "roles": roles, "hard_timeout_s": hard_timeout_s}))
        self._write("start")

    def _write(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()   # stdin stays open: EOF tells the worker to quit

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.strip() == "ready":
                self.ready.set()

    def go(self, seconds: float) -> None:
        self._write(f"go {seconds}")

    def failure(self) -> str:
        self.err.flush()
        tail = self.err_path.read_text(errors="replace").splitlines()[-30:] or ["(empty)"]
        return (f"worker {self.name} exited with {self.proc.returncode}; stderr tail "
                f"({self.err_path}):\n    " + "\n    ".join(tail))

    def stop(self) -> None:
        stop(self.proc)
        self.err.close()


# ------------------------------------------------------------------------------------- checks

class Checks:
    def __init__(self) -> None:
        self.items: List[Dict[str, Any]] = []

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.items.append({"check": name, "ok": bool(ok), "detail": detail})
        log(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")

    @property
    def failed(self) -> List[Dict[str, Any]]:
        return [c for c in self.items if not c["ok"]]


def check_delivery(plan: Dict[str, Any], results: Dict[int, Dict[str, Any]], checks: Checks,
                   figures: Dict[str, Any]) -> None:
    errors, endings, lost, dups, phantoms, examples = [], [], 0, 0, 0, []
    corrupt = order = redelivered_late = 0
    content_examples: List[str] = []
    sent_total = recv_total = 0
    for ch in plan["channels"]:
        for r in ch["producers"] + ch["consumers"]:
            res = results.get(r["id"])
            if res is None:
                errors.append(f"role {r['id']} ({r['role']} {r['client']} on channel {ch['index']}): no result")
                continue
            if res.get("error"):
                errors.append(f"role {r['id']} ({r['role']} {r['client']}/{r['mode']} on channel "
                              f"{ch['index']}): {res['error']}")
            ended = res.get("ended_by")
            ok_end = (ended == "closed" if r["role"] == "consumer" else
                      ended in (("count", "deadline") if r["closer"] else ("count", "deadline", "closed")))
            if not ok_end and not res.get("error"):
                endings.append(f"role {r['id']} ({r['role']} {r['client']} on channel {ch['index']}) "
                               f"ended by {ended!r}")
        cons = [results[r["id"]] for r in ch["consumers"] if r["id"] in results]
        # A cancellable receive (py-aio receive with a timeout: a Stream session of credit 1)
        # that times out as a message is pushed to it returns that message to the head of the
        # channel (S-FIX-CANCEL, S-EXT-REDELIVER). A competing consumer may meanwhile have taken
        # later messages, and then sees the returned one after them. So on a channel shared with
        # such a receiver, another consumer's out-of-order receipts are allowed, but at most one
        # per timed-out receive; everywhere else (and within every consumer of that kind) FIFO is
        # strict.
        cancellable = {r["id"] for r in ch["consumers"]
                       if r["client"] == "py-aio" and r["mode"] == "receive" and r["id"] in results}
        allowance = (sum(results[i].get("recv_timeouts", 0) for i in cancellable)
                     if len(cons) > 1 else 0)
        late = 0
        for r in ch["consumers"]:
            c = results.get(r["id"])
            if c is None:
                continue
            corrupt += c.get("corrupt", 0)
            allowed = allowance > 0 and r["id"] not in cancellable
            if allowed:
                late += c.get("order_violations", 0)
            else:
                order += c.get("order_violations", 0)
            content_examples += [f"channel {ch['index']} consumer {r['id']} ({r['client']} "
                                 f"{r['mode']}): {e}" for e in c.get("examples", [])
                                 if not (allowed and e.startswith("order:"))]
            recv_total += c["count"]
        if late > allowance:
            order += late - allowance
            content_examples.append(f"channel {ch['index']}: {late} late receipts, more than the "
                                    f"{allowance} timed-out cancellable receives could explain")
        redelivered_late += min(late, allowance)
        for p in ch["producers"]:
            pres = results.get(p["id"])
            if pres is None:
                continue
            sent = pres["count"]
            sent_total += sent
            # The consumers' run-length records of this producer's sequence numbers must tile
            # [0, sent) exactly: an overlap is a duplicate, a gap a loss, anything past `sent` a
            # message received that was never acknowledged.
            runs = sorted(tuple(x) for c in cons for x in c.get("runs", {}).get(str(p["id"]), []))
            pos = 0
            for a, b in runs:
                if a < pos:
                    dups += min(b, pos) - a
                    if len(examples) < 10:
                        examples.append(f"channel {ch['index']} producer {p['id']}: seq {a}..{min(b, pos) - 1} received twice")
                elif a > pos:
                    lost += a - pos
                    if len(examples) < 10:
                        examples.append(f"channel {ch['index']} producer {p['id']}: seq {pos}..{a - 1} lost")
                pos = max(pos, b)
            if pos > sent:
                phantoms += pos - max(sent, runs[0][0] if runs else 0)
                if len(examples) < 10:
                    examples.append(f"channel {ch['index']} producer {p['id']}: received up to seq {pos - 1}, "
                                    f"only {sent} acknowledged")
            elif pos < sent:
                lost += sent - pos
                if len(examples) < 10:
                    examples.append(f"channel {ch['index']} producer {p['id']}: seq {pos}..{sent - 1} lost")
    checks.add("every worker role finished without error", not errors,
               "none" if not errors else f"{len(errors)} roles failed: " + "; ".join(errors[:10]))
    checks.add("producers and consumers ended as the contract says", not endings,
               "consumers drained to closed, closers ended by count or deadline" if not endings
               else "; ".join(endings[:10]))
    checks.add("exactly once (no loss, no duplicate, nothing unacknowledged)",
               lost == 0 and dups == 0 and phantoms == 0 and sent_total == recv_total,
               f"{sent_total} acknowledged, {recv_total} received, lost {lost}, duplicated {dups}, "
               f"never acknowledged {phantoms}" + ("" if not examples else ": " + "; ".join(examples)))
    checks.add("FIFO per channel per producer", order == 0,
               f"{order} out-of-order receipts not explained by a redelivery; {redelivered_late} "
               f"returned to the head by a timed-out cancellable receive and taken by a competing "
               f"consumer after later ones (allowed, S-EXT-REDELIVER)"
               + ("" if order == 0 else ": " + "; ".join(content_examples[:10])))
    checks.add("payloads intact (producer, channel, seq, padding)", corrupt == 0,
               f"{corrupt} bad payloads" + ("" if corrupt == 0 else ": " + "; ".join(content_examples[:10])))
    figures["messages_sent"] = sent_total
    figures["messages_received"] = recv_total
    figures["redelivered_late"] = redelivered_late


# ------------------------------------------------------------------------------------- report

def fmt_mib(b: float) -> str:
    return f"{b / MiB:.1f} MiB"


def write_report(out: pathlib.Path, report: Dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    f = report["figures"]
    lines = [f"# vertx-channels soak ({report['preset']}): {report['verdict']}", "",
             f"{report['date']}, {report['machine']}, commit {report['commit']}; "
             f"{report['total_seconds']:.0f} s in all.", "",
             "Run with `make soak` (long form) or `make soak-short` (in `make test`); what is "
             "checked: [conformance-tests/soak/README.md](../README.md).", "",
             "## Figures", "", "| figure | value |", "|---|---|"]
    rows = [
        ("load phase", f"{f['seconds']:.1f} s (then close-and-drain: {f['drain_seconds']:.1f} s)"),
        ("channels", f"{f['channels']} ({f['term_channels']} term, {f['byte_channels']} bytes; "
                     f"max_size {', '.join(str(s) for s in MAX_SIZES)} bytes)"),
        ("client processes", ", ".join(f"{n} {k}" for k, n in f["processes"].items())),
        ("producers", ", ".join(f"{n} {k}" for k, n in f["producers"].items())),
        ("consumers", ", ".join(f"{n} {k}" for k, n in f["consumers"].items())),
        ("consumer modes", ", ".join(f"{k} {n}" for k, n in f["consumer_modes"].items())),
        ("messages", f"{f['messages_sent']:,} acknowledged, {f['messages_received']:,} received"),
        ("bytes", f"{f['bytes']:,} ({fmt_mib(f['bytes'])})"),
        ("throughput", f"{f['msg_per_s']:,.0f} msg/s, {f['mib_per_s']:.2f} MiB/s (all channels together)"),
        ("machine load (1-min average, sampled)", f"{min(f['load_avg']):.1f} to {max(f['load_avg']):.1f} "
                                                   f"on {os.cpu_count()} CPUs (other work included)"),
        ("stream sessions opened (client side)", f"{f['streams']:,}"),
        ("backpressure", f"{f['busy']:,} busy answers, {f['send_timeouts']:,} waiting sends timed out, "
                         f"{f['closed_while_sending']} co-producers ended by the close "
                         f"({f.get('unconfirmed_on_close', 0)} pipelined sends reported back as not enqueued, S-EXT-RESERVE)"),
        ("redelivered to a competing consumer after later messages",
         f"{f['redelivered_late']:,} (returned to the head by a timed-out cancellable receive)"),
        ("receive timeouts", f"{f['recv_timeouts']:,}"),
        ("server RSS", f"start {fmt_mib(f['rss_start'])}, peak {fmt_mib(f['rss_peak'])} "
                       f"(VmHWM {fmt_mib(f['rss_hwm'])}), end {fmt_mib(f['rss_end'])}; -Xmx{f['server_heap_mib']}m"),
        ("client processes' RSS", f"peak {fmt_mib(f['clients_rss_peak'])} together"),
        ("server log warnings", "; ".join(f"{n} × {w}" for w, n in f["server_warnings"].items()) or "none"),
        ("live heap after full GC", f"baseline {fmt_mib(f['heap_baseline'])}, during load "
                                    f"{fmt_mib(f['heap_load'])}, after {fmt_mib(f['heap_after'])}"),
    ]
    lines += [f"| {a} | {b} |" for a, b in rows]
    lines += ["", "Producer → consumer client pairs (a channel with two producers or two consumers "
              "counts once for each of its pairs):", "",
              "| producer \\ consumer | " + " | ".join(KINDS) + " |", "|---|" + "---:|" * len(KINDS)]
    for p in KINDS:
        lines.append(f"| {p} | " + " | ".join(str(f["pairs"].get(f"{p}->{c}", 0)) for c in KINDS) + " |")
    lines += ["", "Live server instances (after a full GC):", "",
              "| what | class | baseline | during load | after |", "|---|---|---:|---:|---:|"]
    for k, cls in TRACKED.items():
        lines.append(f"| {k} | `{cls.rsplit('.', 1)[1]}` | {f['instances_baseline'][k]} | "
                     f"{f['instances_load'][k]} | {f['instances_after'][k]} |")
    lines += ["", "## Checks", "", "| check | result | detail |", "|---|---|---|"]
    for c in report["checks"]:
        lines.append(f"| {c['check']} | {'pass' if c['ok'] else '**FAIL**'} | {c['detail'].replace('|', '/')} |")
    lines += ["", f"soak: {report['passed']} checks passed, {report['failed']} failed", ""]
    (out / "latest.md").write_text("\n".join(lines))


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem / 2**30:.0f} GiB, {platform.system()} "
            f"{platform.release()}, {java[0] if java else 'java ?'}, Python {platform.python_version()}")


# --------------------------------------------------------------------------------------- main

def wait_for_jar(path: pathlib.Path) -> None:
    # The jar may be being rebuilt by someone else right now: wait a little rather than fail.
    deadline = time.monotonic() + 180
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: {path} not found: build it with `make build`")
        log(f"waiting for {path} (being rebuilt?)")
        time.sleep(5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--short", action="store_true", help="the short form (in make test): about a minute")
    ap.add_argument("--seconds", type=float, help="load phase duration")
    ap.add_argument("--channels", type=int, help="number of channels")
    ap.add_argument("--max-messages", type=int, help="per producer (the count bound)")
    ap.add_argument("--per-kind", type=int, default=2, help="worker processes per client kind (>= 2)")
    # Shorter than the close-and-drain phase on purpose: the server counts the retention from a
    # channel's last use, so consumers still draining (pausing at most 150 ms) must never see
    # NOT_FOUND between two receives; longer than any such pause.
    ap.add_argument("--retention-ms", type=int, default=2000, help="server closed_retention_ms")
    ap.add_argument("--heap-mib", type=int, default=512, help="server -Xmx")
    ap.add_argument("--heap-tolerance-mib", type=float, default=4.0,
                    help="live heap after the run may exceed the baseline by this much")
    ap.add_argument("--out", type=pathlib.Path, help="where latest.md / latest.json go")
    args = ap.parse_args()
    preset_name = "short" if args.short else "long"
    preset = PRESETS[preset_name]
    seconds = args.seconds if args.seconds is not None else preset["seconds"]
    n_channels = args.channels or preset["channels"]
    max_messages = args.max_messages or preset["max_messages"]
    out_dir = args.out or preset["out"]
    work = preset["work"] / "run"
    if args.per_kind < 2:
        ap.error("--per-kind must be at least 2 (a producer and a consumer of one kind live in different processes)")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    # SIGTERM ends the run like Ctrl-C: the finally below stops every process we started.
    def on_sigterm(*_: Any) -> None:
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_sigterm)

    wait_for_jar(JAR)
    # A private copy: the server and the Java workers then run the same jar even if it is
    # rebuilt during the run.
    jar = work / "vertx-channels.jar"
    shutil.copyfile(JAR, jar)
    conf = work / "server.json"
    # closed_retention_ms small: closed and drained channels are forgotten soon, so that the
    # channel count can be checked against the baseline. keepalive_interval_ms small: the server
    # PINGs every connection that carries a stream at this interval during the load, and lets go
    # of a closed connection at its next tick (so the connection count is back within seconds).
    conf.write_text(json.dumps({"host": "127.0.0.1", "closed_retention_ms": args.retention_ms,
                                "keepalive_interval_ms": KEEPALIVE_MS}))

    checks = Checks()
    figures: Dict[str, Any] = {"server_heap_mib": args.heap_mib}
    server: Optional[Server] = None
    workers: List[Worker] = []
    started = time.monotonic()
    try:
        log(f"{preset_name} form: {n_channels} channels, {seconds:.0f} s, {args.per_kind} processes "
            f"per client kind; logs in {work}")
        server = Server(jar, conf, work / "server.log", args.heap_mib)
        log(f"server pid {server.pid} on {server.target}")
        listening = listening_sockets(server.pid)
        checks.add("server listens on loopback only", bool(listening) and all(is_loopback(a) for a in listening),
                   ", ".join(listening) or "no listening socket found")

        workers = [Worker(f"{k}-{i}", jar, work) for k in KINDS for i in range(args.per_kind)]
        warm_up(server.target)
        # The baseline is taken once the warm-up's channels are forgotten and its connections
        # released, so that it holds only what the server keeps for good.
        time.sleep(args.retention_ms / 1000)
        deadline = time.monotonic() + 10 + 2 * args.retention_ms / 1000
        while True:
            base_counts, base_heap = histogram(server.pid)
            if (base_counts["channels"] == 0 and base_counts["HTTP/2 connections"] == 0) \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        figures.update(instances_baseline=base_counts, heap_baseline=base_heap,
                       rss_start=proc_status(server.pid).get("VmRSS", 0))
        log(f"baseline: live heap {fmt_mib(base_heap)}, instances {base_counts}")

        plan = make_plan(n_channels, args.per_kind, max_messages)
        with vertx_channels.connect(server.target) as client:
            for ch in plan["channels"]:
                made = (client.new_channel if ch["kind"] == "term" else client.new_byte_channel)(ch["max_size"])
                ch["id"] = made.id
        for ch in plan["channels"]:
            for r in ch["producers"] + ch["consumers"]:
                r["channel_id"] = ch["id"]
        (work / "plan.json").write_text(json.dumps(plan["channels"], indent=1))

        hard_timeout = seconds + 150
        for w in workers:
            w.start(plan["workers"][w.name], server.target, hard_timeout)
        start_deadline = time.monotonic() + 180
        for w in workers:
            while not w.ready.wait(0.2):
                if w.proc.poll() is not None:
                    raise RuntimeError(w.failure())
                if time.monotonic() > start_deadline:
                    raise RuntimeError(f"worker {w.name} not ready after 180 s")
        log(f"{len(workers)} worker processes ready ({sum(len(r) for r in plan['workers'].values())} roles); "
            f"load for {seconds:.0f} s")
        t0 = time.monotonic()
        for w in workers:
            w.go(seconds)

        rss_peak = 0
        clients_peak = 0
        # The machine's load average, so that the throughput figures can be read (other work on
        # the same CPUs slows every call; nothing here asserts a speed).
        loads = [os.getloadavg()[0]]
        load_counts: Optional[Dict[str, int]] = None
        load_heap = 0
        last_progress = t0
        while True:
            now = time.monotonic()
            st = proc_status(server.pid)
            rss_peak = max(rss_peak, st.get("VmRSS", 0))
            clients_peak = max(clients_peak, sum(proc_status(w.proc.pid).get("VmRSS", 0)
                                                 for w in workers if w.proc.poll() is None))
            if not server.alive():
                raise RuntimeError("the server died during the load; its log: " + str(work / "server.log"))
            for w in workers:
                if w.proc.poll() not in (None, 0):
                    raise RuntimeError(w.failure())
            if load_counts is None and now - t0 >= seconds / 2:
                # Mid-load histogram: shows that the tracked classes are the live ones.
                load_counts, load_heap = histogram(server.pid)
                log(f"mid-load: live heap {fmt_mib(load_heap)}, instances {load_counts}")
            if all(w.proc.poll() == 0 for w in workers):
                break
            if now - t0 > hard_timeout + 10:
                raise RuntimeError("workers still running after " + f"{hard_timeout + 10:.0f} s: "
                                   + ", ".join(w.name for w in workers if w.proc.poll() is None))
            if now - last_progress >= 15:
                last_progress = now
                loads.append(os.getloadavg()[0])
                running = sum(1 for w in workers if w.proc.poll() is None)
                log(f"{now - t0:5.0f} s: server RSS {fmt_mib(st.get('VmRSS', 0))}, "
                    f"{running} worker processes running")
            time.sleep(0.25)
        t_end = time.monotonic()
        log(f"all workers done after {t_end - t0:.1f} s")

        results: Dict[int, Dict[str, Any]] = {}
        for w in workers:
            for r in json.loads(w.out_path.read_text())["roles"]:
                results[r["id"]] = r
        check_delivery(plan, results, checks, figures)

        # Leak checks: every client is gone now. The server forgets a closed, drained channel
        # after a whole closed_retention_ms period without any operation on it (one to two periods
        # after its last use). A look is an operation too: look less often than once a period.
        ids = [ch["id"] for ch in plan["channels"]]
        period = args.retention_ms / 1000
        deadline = time.monotonic() + 10 + 6 * period
        remaining = ids
        time.sleep(2 * period + 0.5)
        with vertx_channels.connect(server.target) as client:
            while True:
                still = []
                for i, ch in zip(ids, plan["channels"]):
                    if i not in remaining:
                        continue
                    try:
                        (client.channel if ch["kind"] == "term" else client.byte_channel)(i)
                        still.append(i)
                    except ChannelNotFound:
                        pass
                remaining = still
                if not remaining or time.monotonic() > deadline:
                    break
                time.sleep(2 * period + 0.5)
        checks.add("every channel forgotten after closed_retention_ms (NOT_FOUND)", not remaining,
                   f"{len(ids) - len(remaining)} of {len(ids)} forgotten"
                   + ("" if not remaining else f"; still known: {remaining[:5]}"))

        # Polled: a closed connection is released at the server's next keepalive tick.
        deadline = time.monotonic() + 10 + 3 * KEEPALIVE_MS / 1000
        while True:
            after_counts, after_heap = histogram(server.pid)
            leaks = {k: v for k, v in after_counts.items() if v > base_counts[k]}
            if (not leaks and after_heap <= base_heap + args.heap_tolerance_mib * MiB) \
                    or time.monotonic() > deadline:
                break
            log(f"not yet at the baseline: {leaks}, live heap {fmt_mib(after_heap)}")
            time.sleep(1)
        load_counts = load_counts or {k: 0 for k in TRACKED}
        unseen = [k for k in MUST_BE_SEEN if load_counts[k] == 0]
        checks.add("tracked server classes were live during the load", not unseen,
                   "seen: " + ", ".join(f"{k} {load_counts[k]}" for k in MUST_BE_SEEN)
                   + ("" if not unseen else f"; never seen (wrong class name?): {unseen}"))
        checks.add("no leaked server objects (channels, streams, subscriptions, waiters, calls, connections)",
                   not leaks, ", ".join(f"{k} {base_counts[k]} -> {after_counts[k]}" for k in TRACKED))
        checks.add(f"live heap back to baseline (+{args.heap_tolerance_mib:g} MiB)",
                   after_heap <= base_heap + args.heap_tolerance_mib * MiB,
                   f"baseline {fmt_mib(base_heap)}, after {fmt_mib(after_heap)} "
                   f"({(after_heap - base_heap) / MiB:+.1f} MiB)")
        checks.add("server alive and serving after the run", server.alive(), f"pid {server.pid}")
        oom = [l.strip() for l in server.lines if "OutOfMemoryError" in l]
        checks.add("no OutOfMemoryError in the server log", not oom, "; ".join(oom[:3]) or "none")
        severe = [l.strip() for l in server.lines if l.startswith("SEVERE")]
        checks.add("no SEVERE line in the server log", not severe,
                   f"{len(severe)}" + ("" if not severe else ": " + "; ".join(severe[:3])))
        # Warnings are reported, not failed: grouped by their text with ids left out.
        warnings: Dict[str, int] = {}
        for line in server.lines:
            if line.startswith("WARNING"):
                key = re.sub(r"(address: \S+\.)\S+", r"\1<id>", line.strip())
                warnings[key] = warnings.get(key, 0) + 1
        figures["server_warnings"] = warnings

        st = proc_status(server.pid)
        prods = [r for ch in plan["channels"] for r in ch["producers"]]
        conss = [r for ch in plan["channels"] for r in ch["consumers"]]
        pres = [results[r["id"]] for r in prods if r["id"] in results]
        cres = [results[r["id"]] for r in conss if r["id"] in results]
        load_s = seconds
        nbytes = sum(r["bytes"] for r in pres)
        pairs: Dict[str, int] = {}
        for ch in plan["channels"]:
            for p in ch["producers"]:
                for c in ch["consumers"]:
                    key = f"{p['client']}->{c['client']}"
                    pairs[key] = pairs.get(key, 0) + 1
        modes: Dict[str, int] = {}
        for r in conss:
            key = f"{r['client']} {r['mode']}"
            modes[key] = modes.get(key, 0) + 1
        figures.update(
            seconds=load_s, drain_seconds=max(0.0, t_end - t0 - seconds),
            channels=len(plan["channels"]),
            term_channels=sum(1 for c in plan["channels"] if c["kind"] == "term"),
            byte_channels=sum(1 for c in plan["channels"] if c["kind"] == "bytes"),
            processes={k: args.per_kind for k in KINDS},
            producers={k: sum(1 for r in prods if r["client"] == k) for k in KINDS},
            consumers={k: sum(1 for r in conss if r["client"] == k) for k in KINDS},
            consumer_modes=modes, pairs=pairs, bytes=nbytes,
            msg_per_s=figures["messages_sent"] / load_s, mib_per_s=nbytes / MiB / load_s,
            streams=sum(r.get("streams", 0) for r in cres),
            busy=sum(r.get("busy", 0) for r in pres),
            send_timeouts=sum(r.get("send_timeouts", 0) for r in pres),
            closed_while_sending=sum(1 for r in pres if r.get("ended_by") == "closed"),
            unconfirmed_on_close=sum(r.get("unconfirmed_on_close", 0) for r in pres),
            recv_timeouts=sum(r.get("recv_timeouts", 0) for r in cres),
            rss_peak=max(rss_peak, st.get("VmRSS", 0)), rss_hwm=st.get("VmHWM", 0),
            rss_end=st.get("VmRSS", 0), clients_rss_peak=clients_peak,
            heap_load=load_heap, heap_after=after_heap, load_avg=[round(x, 2) for x in loads],
            instances_load=load_counts, instances_after=after_counts)
        checks.add("backpressure exercised (busy answers and waiting sends)", figures["busy"] > 0,
                   f"{figures['busy']} busy answers, {figures['send_timeouts']} waiting sends timed out")
    except KeyboardInterrupt:
        log("interrupted: stopping every process started")
        checks.add("run completed", False, "interrupted")
        return 130
    except Exception as e:  # noqa: BLE001 - reported as a failed check with the precise cause
        checks.add("run completed", False, f"{type(e).__name__}: {e}")
    finally:
        for w in workers:
            w.stop()
        if server is not None:
            server.stop()

    total_s = time.monotonic() - started
    report = {"preset": preset_name, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
              "commit": git_commit(), "machine": machine(), "total_seconds": round(total_s, 1),
              "parameters": {"seconds": seconds, "channels": n_channels, "max_messages": max_messages,
                             "per_kind": args.per_kind, "retention_ms": args.retention_ms,
                             "heap_tolerance_mib": args.heap_tolerance_mib},
              "figures": figures, "checks": checks.items,
              "passed": len(checks.items) - len(checks.failed), "failed": len(checks.failed),
              "verdict": "FAIL" if checks.failed else "pass"}
    if "instances_after" in figures:
        write_report(out_dir, report)
        print((out_dir / "latest.md").read_text())
    else:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    name = "soak-short" if args.short else "soak"
    if checks.failed:
        for c in checks.failed:
            print(f"{name}: FAILED {c['check']}: {c['detail']}", file=sys.stderr)
    print(f"{name}: {report['passed']} checks passed, {report['failed']} failed ({total_s:.0f} s in all)")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
