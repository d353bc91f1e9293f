#!/usr/bin/python3
"""Soak worker on the Python client: one OS process among those soak.py starts.

    /usr/bin/python3 conformance-tests/soak/worker.py --kind py-sync|py-aio --plan P --out R

``py-sync`` runs every role (a producer or a consumer of one channel) on its own thread with the
blocking client ``vertx_channels``; ``py-aio`` runs every role as a task of one asyncio loop with
``vertx_channels.aio``. Protocol with the driver (the same as SoakClient.java's): wait for
``start`` on stdin, read the plan, attach every channel of the plan, print ``ready``; wait for
``go <seconds>`` on stdin; run the roles; write the result JSON; print ``done``. EOF on stdin (the
driver died or gave up) ends the process at once.

Message format (shared with SoakClient.java, see README.md):
    bytes channel: b"SOAK" | u32 producer | u32 channel | u64 seq | padding
    term channel:  (Atom("soak"), producer, channel, seq, padding as a binary)
    padding length = (seq * 7919 + producer * 31) mod (pad_max + 1); padding[i] = (seq + i) mod 256
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import struct
import sys
import threading
import time
from typing import Any, Dict, List, Optional

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "python-grpc-client"))

import vertx_channels  # noqa: E402
import vertx_channels.aio  # noqa: E402
from vertx_channels import ChannelBusy, ChannelClosed, DeadlineExceeded, SendFailed  # noqa: E402
from vertx_channels.terms import Atom, term_to_binary  # noqa: E402

HEADER = struct.Struct(">4sIIQ")
MAGIC = b"SOAK"
MAX_PAD = 1 << 16
PATTERN = bytes(i % 256 for i in range(256 + MAX_PAD))
SOAK = Atom("soak")
MAX_EXAMPLES = 5


def pad_len(producer: int, seq: int, pad_max: int) -> int:
    return (seq * 7919 + producer * 31) % (pad_max + 1)


def padding(seq: int, n: int) -> bytes:
    o = seq % 256
    return PATTERN[o:o + n]


def _int_size(v: int) -> int:
    if 0 <= v <= 255:
        return 2                       # SMALL_INTEGER_EXT
    if -(1 << 31) <= v < (1 << 31):
        return 5                       # INTEGER_EXT
    return 3 + (v.bit_length() + 7) // 8  # SMALL_BIG_EXT


def etf_size(pid: int, chan: int, seq: int, n: int) -> int:
    """The ETF length of our tuple, computed instead of encoding twice (checked against the
    encoder on each producer's first message: see Producer.__init__)."""
    return 1 + 2 + 6 + _int_size(pid) + _int_size(chan) + _int_size(seq) + 5 + n


class Role:
    def __init__(self, spec: Dict[str, Any]) -> None:
        self.spec = spec
        self.id: int = spec["id"]
        self.term = spec["kind"] == "term"
        self.channel: int = spec["channel"]
        self.pad_max: int = spec["pad_max"]
        self.timeout_ms: int = spec["timeout_ms"]
        self.count = 0
        self.bytes = 0
        self.error: Optional[str] = None
        self.ended_by: Optional[str] = None
        self.finished = False

    def result(self) -> Dict[str, Any]:
        return {"id": self.id, "role": self.spec["role"], "channel": self.channel,
                "count": self.count, "bytes": self.bytes, "ended_by": self.ended_by,
                "error": self.error}


class Producer(Role):
    def __init__(self, spec: Dict[str, Any]) -> None:
        super().__init__(spec)
        self.nowait = spec["mode"] == "nowait"
        self.max_messages: int = spec["max_messages"]
        self.closer: bool = spec["closer"]
        self.busy = 0
        self.send_timeouts = 0
        self.unconfirmed_on_close = 0
        self.exact_size = True
        if self.term:
            m = self.message(0)
            self.exact_size = len(term_to_binary(m)) == etf_size(self.id, self.channel, 0, len(m[4]))

    def message(self, seq: int) -> Any:
        pad = padding(seq, pad_len(self.id, seq, self.pad_max))
        if self.term:
            return (SOAK, self.id, self.channel, seq, pad)
        return HEADER.pack(MAGIC, self.id, self.channel, seq) + pad

    def size(self, m: Any) -> int:
        if not self.term:
            return len(m)
        if self.exact_size:
            return etf_size(self.id, self.channel, m[3], len(m[4]))
        return len(term_to_binary(m))

    def result(self) -> Dict[str, Any]:
        r = super().result()
        r.update(busy=self.busy, send_timeouts=self.send_timeouts, unconfirmed_on_close=self.unconfirmed_on_close)
        return r

    def closed_before_arrival(self, e: SendFailed, seq: int) -> int:
        """Sends that had returned (pipelined into reserved room, S-EXT-RESERVE) but arrived after
        the closer closed the channel: not enqueued. They are the last ones sent (nothing after a
        close is enqueued), so the count ends before them and the driver expects none of them. A
        broken stream ("unconfirmed": maybe enqueued) fails the run."""
        if any(r != "closed" for r in e.reasons):
            raise e
        n = len(e.payloads)
        for s in range(seq - n, seq):
            self.bytes -= self.size(self.message(s))
        self.count = seq - n
        self.unconfirmed_on_close += n
        self.ended_by = "closed"
        return seq - n


class Consumer(Role):
    def __init__(self, spec: Dict[str, Any]) -> None:
        super().__init__(spec)
        self.mode: str = spec["mode"]
        self.producers = set(spec["producers"])
        self.pause_every: int = spec.get("pause_every", 0)
        self.pause_s: float = spec.get("pause_ms", 0) / 1000.0
        self.last: Dict[int, int] = {}
        self.runs: Dict[int, List[List[int]]] = {}
        self.order_violations = 0
        self.corrupt = 0
        self.recv_timeouts = 0
        self.streams = 0
        self.examples: List[str] = []

    def handle(self, m: Any) -> bool:
        """Checks one message; True when the consumer should pause now (a slow consumer)."""
        self.count += 1
        try:
            if self.term:
                if not (isinstance(m, tuple) and len(m) == 5 and m[0] == "soak"):
                    raise ValueError(f"not a soak tuple: {m!r:.80}")
                _, pid, chan, seq, body = m
                if isinstance(body, str):   # a binary that is valid UTF-8 decodes to str
                    body = body.encode("utf-8")
            else:
                self.bytes += len(m)
                magic, pid, chan, seq = HEADER.unpack_from(m)
                if magic != MAGIC:
                    raise ValueError("bad magic")
                body = m[HEADER.size:]
        except (ValueError, struct.error, TypeError) as e:
            self._bad(f"undecodable message: {e}")
            return False
        if (chan != self.channel or pid not in self.producers
                or body != padding(seq, pad_len(pid, seq, self.pad_max))):
            self._bad(f"wrong content: producer {pid} channel {chan} seq {seq} "
                      f"padding {len(body)} bytes")
            return False
        prev = self.last.get(pid)
        if prev is not None and seq <= prev:
            # FIFO (S-RECV-4): one consumer sees each producer's messages in increasing order.
            self.order_violations += 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append(f"order: producer {pid} seq {seq} after {prev}")
        self.last[pid] = seq
        # Run-length record of the sequence numbers received, for the driver's exactly-once check.
        runs = self.runs.setdefault(pid, [])
        if runs and runs[-1][1] == seq:
            runs[-1][1] = seq + 1
        else:
            runs.append([seq, seq + 1])
        return self.pause_every > 0 and self.count % self.pause_every == 0

    def _bad(self, what: str) -> None:
        self.corrupt += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(what)

    def result(self) -> Dict[str, Any]:
        r = super().result()
        r.update(runs={str(k): v for k, v in self.runs.items()},
                 order_violations=self.order_violations, corrupt=self.corrupt,
                 examples=self.examples, recv_timeouts=self.recv_timeouts, streams=self.streams)
        return r


def own_timeout(e: BaseException) -> bool:
    # A receive's or waiting send's own timeout_ms raises the built-in TimeoutError;
    # DeadlineExceeded (also a TimeoutError) is the gRPC safety net and would be a failure.
    return isinstance(e, TimeoutError) and not isinstance(e, DeadlineExceeded)


# ------------------------------------------------------------------------------- sync (threads)

def sync_producer(p: Producer, ch: Any, deadline: float) -> None:
    send = ch.send if p.term else ch.send_bytes
    clean = False  # True once the loop ended without an exception
    try:
        seq = 0
        # The sequence number advances only on success: a busy or timed-out send enqueued nothing
        # (S-SEND-2, S-EXT-SENDWAIT), so the same number is offered again; were it enqueued
        # anyway, the driver would see it twice (or as never acknowledged).
        while seq < p.max_messages and time.monotonic() < deadline:
            m = p.message(seq)
            try:
                if p.nowait:
                    try:
                        send(m)
                    except ChannelBusy:
                        p.busy += 1
                        send(m, timeout_ms=p.timeout_ms)  # wait for room, event-driven
                else:
                    send(m, timeout_ms=p.timeout_ms)
            except SendFailed as e:
                seq = p.closed_before_arrival(e, seq)
                clean = True
                return
            except ChannelClosed:
                p.ended_by = "closed"  # a co-producer closed it after the deadline
                clean = True
                return
            except TimeoutError as e:
                if not own_timeout(e):
                    raise
                p.send_timeouts += 1
                continue
            seq += 1
            p.count = seq
            p.bytes += p.size(m)
        # A send may have returned from reserved room: only the flush says it was enqueued.
        try:
            ch.flush()
        except SendFailed as e:
            seq = p.closed_before_arrival(e, seq)
            clean = True
            return
        p.ended_by = "count" if seq >= p.max_messages else "deadline"
        clean = True
    finally:
        if p.closer:
            # Keep the channel open until the deadline for co-producers in other processes, then
            # close-and-drain (S-CLOSE-2): the consumers get the rest, then closed.
            left = deadline - time.monotonic()
            if left > 0 and clean:
                time.sleep(left)
            ch.close()


def sync_consumer(c: Consumer, ch: Any) -> None:
    def pause() -> None:
        time.sleep(c.pause_s)

    if c.mode == "iter":
        # `for m in ch`: the Stream rpc with credit; ends when closed and drained (S-CLOSE-4).
        c.streams += 1
        for m in ch:
            if c.handle(m):
                pause()
    elif c.mode in ("receive", "try"):
        receive = ch.receive if c.term else ch.receive_bytes
        try_receive = ch.try_receive if c.term else ch.try_receive_bytes
        while True:
            try:
                m = try_receive() if c.mode == "try" else None   # None: empty (S-RECV-1)
                if m is None:
                    m = receive(timeout_ms=c.timeout_ms)
            except ChannelClosed:
                break
            except TimeoutError as e:
                if not own_timeout(e):
                    raise
                c.recv_timeouts += 1
                continue
            if c.handle(m):
                pause()
    else:
        raise ValueError(f"unknown py-sync consumer mode {c.mode}")
    c.ended_by = "closed"


def connect_options(spec: Dict[str, Any]) -> Dict[str, Any]:
    spec = dict(spec)
    spec["grpc_options"] = [tuple(o) for o in spec.get("grpc_options", [])]
    return spec


def run_sync(plan: Dict[str, Any], roles: List[Role], go: "Go") -> None:
    clients = [vertx_channels.connect(plan["target"], **connect_options(spec))
               for spec in plan["connections"]]
    chans = []
    for r in roles:
        client = clients[r.spec["conn"]]
        ch = (client.channel if r.term else client.byte_channel)(r.spec["channel_id"])
        chans.append(ch)
    deadline = go.wait_for_go()

    def run(r: Role, ch: Any) -> None:
        try:
            if isinstance(r, Producer):
                sync_producer(r, ch, deadline)
            else:
                sync_consumer(r, ch)
        except BaseException as e:  # noqa: BLE001 - reported to the driver
            r.error = f"{type(e).__name__}: {e}"
        finally:
            r.finished = True

    threads = [threading.Thread(target=run, args=(r, ch), name=f"role-{r.id}", daemon=True)
               for r, ch in zip(roles, chans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()


# ------------------------------------------------------------------------------------ asyncio

async def aio_producer(p: Producer, ch: Any, deadline: float) -> None:
    send = ch.send if p.term else ch.send_bytes
    clean = False
    try:
        seq = 0
        while seq < p.max_messages and time.monotonic() < deadline:
            m = p.message(seq)
            try:
                if p.nowait:
                    try:
                        await send(m)
                    except ChannelBusy:
                        p.busy += 1
                        await send(m, timeout_ms=p.timeout_ms)
                else:
                    await send(m, timeout_ms=p.timeout_ms)
            except SendFailed as e:
                seq = p.closed_before_arrival(e, seq)
                clean = True
                return
            except ChannelClosed:
                p.ended_by = "closed"
                clean = True
                return
            except TimeoutError as e:
                if not own_timeout(e):
                    raise
                p.send_timeouts += 1
                continue
            seq += 1
            p.count = seq
            p.bytes += p.size(m)
        try:
            await ch.flush()
        except SendFailed as e:
            seq = p.closed_before_arrival(e, seq)
            clean = True
            return
        p.ended_by = "count" if seq >= p.max_messages else "deadline"
        clean = True
    finally:
        if p.closer:
            left = deadline - time.monotonic()
            if left > 0 and clean:
                await asyncio.sleep(left)
            await ch.close()


async def aio_consumer(c: Consumer, ch: Any) -> None:
    if c.mode == "aiter":
        # `async for`, closed explicitly so that nothing is left to the async-generator finalizer.
        c.streams += 1
        it = ch.__aiter__()
        try:
            async for m in it:
                if c.handle(m):
                    await asyncio.sleep(c.pause_s)
        finally:
            await it.aclose()
    elif c.mode == "receive":
        # aio receive with a timeout: one cancellable Stream session of credit 1 per call
        # (S-FIX-CANCEL); a timeout must lose nothing, which the exactly-once check sees.
        receive = ch.receive if c.term else ch.receive_bytes
        while True:
            c.streams += 1
            try:
                m = await receive(timeout_ms=c.timeout_ms)
            except ChannelClosed:
                break
            except TimeoutError as e:
                if not own_timeout(e):
                    raise
                c.recv_timeouts += 1
                continue
            if c.handle(m):
                await asyncio.sleep(c.pause_s)
    else:
        raise ValueError(f"unknown py-aio consumer mode {c.mode}")
    c.ended_by = "closed"


async def run_aio(plan: Dict[str, Any], roles: List[Role], go: "Go") -> None:
    clients = [await vertx_channels.aio.connect(plan["target"], **connect_options(spec))
               for spec in plan["connections"]]
    chans = []
    for r in roles:
        client = clients[r.spec["conn"]]
        chans.append(await (client.channel if r.term else client.byte_channel)(r.spec["channel_id"]))
    loop = asyncio.get_running_loop()
    deadline = await loop.run_in_executor(None, go.wait_for_go)

    async def run(r: Role, ch: Any) -> None:
        try:
            if isinstance(r, Producer):
                await aio_producer(r, ch, deadline)
            else:
                await aio_consumer(r, ch)
        except BaseException as e:  # noqa: BLE001 - reported to the driver
            r.error = f"{type(e).__name__}: {e}"
        finally:
            r.finished = True

    await asyncio.gather(*(run(r, ch) for r, ch in zip(roles, chans)))
    for c in clients:
        await c.close()


# -------------------------------------------------------------------------------------- main

class Go:
    """Prints "ready", waits for "go <seconds>", then watches stdin for EOF (driver gone)."""

    def __init__(self, roles: List[Role], hard_timeout_s: float) -> None:
        self.roles = roles
        self.hard_timeout_s = hard_timeout_s

    def wait_for_go(self) -> float:
        print("ready", flush=True)
        line = sys.stdin.readline()
        if not line.startswith("go "):
            os._exit(3)
        deadline = time.monotonic() + float(line.split()[1])
        threading.Thread(target=self._watch, daemon=True).start()
        threading.Thread(target=self._hard_timeout, daemon=True).start()
        return deadline

    def _watch(self) -> None:
        while sys.stdin.readline():
            pass
        os._exit(3)

    def _hard_timeout(self) -> None:
        time.sleep(self.hard_timeout_s)
        print(f"worker: roles still running after {self.hard_timeout_s} s:", file=sys.stderr)
        for r in self.roles:
            if not r.finished:
                print(f"  {json.dumps(r.spec)} count={r.count}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kind", choices=("py-sync", "py-aio"), required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    # The driver starts us early and writes our plan later: wait for its "start".
    if sys.stdin.readline().strip() != "start":
        return 3
    plan = json.loads(pathlib.Path(args.plan).read_text())
    roles: List[Role] = [Producer(s) if s["role"] == "producer" else Consumer(s)
                         for s in plan["roles"]]
    go = Go(roles, plan["hard_timeout_s"])
    if args.kind == "py-sync":
        run_sync(plan, roles, go)
    else:
        asyncio.run(run_aio(plan, roles, go))
    pathlib.Path(args.out).write_text(json.dumps(
        {"worker": plan["worker"], "roles": [r.result() for r in roles]}))
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
