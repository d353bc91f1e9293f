"""Faults, really done (issue 8, part 1): consumer processes killed with SIGKILL and stopped with
SIGSTOP mid-stream, a consumer that never acknowledges, and the server stopped with SIGTERM.

What must hold (S-EXT-REDELIVER, S-EXT-CREDIT, S-RECV-4): nothing is lost, every consumer sees
the channel in FIFO order, duplicates happen only for messages pushed but not acknowledged when a
consumer died (so at most its credit window), the server never holds a consumer more than its
credit nor a channel more than its max_size, and a server that stops tells its clients so (a
ConnectionLost-family error, UNAVAILABLE) instead of leaving them hanging or lying to them.

Every wait is bounded; nothing asserts a duration.
"""

from __future__ import annotations

import json
import os
import pathlib
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, List, Optional

import grpc
import pytest

import vertx_channels
from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb
from vertx_channels._proto.vertx.channels.v1 import channels_pb2_grpc as pb_grpc

from conftest import DEFAULT_JAR, free_port

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

SEED = int(os.environ.get("FAULTS_SEED", "20260826"))

CLIENT_DIR = pathlib.Path(vertx_channels.__file__).resolve().parent.parent

# A consumer process: iterates a byte channel with a credit window of CREDIT messages and prints
# every message it is handed (one line each, flushed), slowly.
CONSUMER = r"""
import sys, time
import vertx_channels
target, channel_id, credit, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with vertx_channels.connect(target, credit_messages=credit) as client:
    for m in client.byte_channel(channel_id):
        sys.stdout.write(m.decode() + "\n")
        sys.stdout.flush()
        time.sleep(pause)
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(CLIENT_DIR), env.get("PYTHONPATH", "")])
    return env


class Consumer:
    """A consumer process; a thread collects the lines it prints."""

    def __init__(self, target: str, channel_id: str, credit: int, pause: float = 0.002) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CONSUMER, target, channel_id, str(credit), str(pause)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), text=True)
        self.lines: List[int] = []
        self._err: List[str] = []
        self._changed = threading.Condition()
        self._out = threading.Thread(target=self._pump, daemon=True)
        self._out.start()
        threading.Thread(target=lambda: self._err.extend(self.proc.stderr), daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(int(line))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_lines(self, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.lines) < n:
                left = deadline - time.monotonic()
                assert left > 0 and self.proc.poll() is None, (
                    f"the consumer printed {len(self.lines)} of {n} lines; stderr: {''.join(self._err)[-2000:]}")
                self._changed.wait(min(left, 0.5))

    def finish(self, timeout: float = 30.0) -> List[int]:
        """After the process ended: everything it printed."""
        self.proc.wait(timeout)
        self._out.join(timeout)
        return list(self.lines)

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)


def process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat ('T' = stopped)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


class OwnServer:
    """A server of its own (it gets stopped or killed), with a JSON config passed by -conf."""

    def __init__(self, config: Optional[dict] = None) -> None:
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.lines: List[str] = []
        self.ready = threading.Event()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(config or {}, f)
        self.config_path = f.name
        jar = pathlib.Path(os.environ.get("VERTX_CHANNELS_JAR", DEFAULT_JAR))
        self.proc = subprocess.Popen(
            [os.environ.get("JAVA", "java"), "-jar", str(jar), "-conf", f.name, "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace")
        threading.Thread(target=self._pump, daemon=True).start()
        if not self.ready.wait(90):
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.lines[-30:]))

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "gRPC server listening on" in line:
                self.ready.set()

    def sigterm(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        os.unlink(self.config_path)


@pytest.fixture
def own_server_factory():
    servers: List[OwnServer] = []

    def make(config: Optional[dict] = None) -> OwnServer:
        s = OwnServer(config)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


def in_thread(fn: Callable[[], object]) -> "queue.Queue[tuple]":
    """Runs fn on a daemon thread; the queue gets ("ok", value) or ("error", exception)."""
    out: "queue.Queue[tuple]" = queue.Queue()

    def run() -> None:
        try:
            out.put(("ok", fn()))
        except BaseException as e:  # noqa: BLE001 - reported to the test
            out.put(("error", e))

    threading.Thread(target=run, daemon=True).start()
    return out


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.02)


# ------------------------------------------------------------------------------------- SIGKILL


def test_consumers_killed_one_after_another_while_a_producer_runs_lose_nothing__S_EXT_REDELIVER_S_RECV_4(
        client, server_target):
    """Three consumer processes are SIGKILLed in turn mid-stream while a producer keeps sending;
    a fourth consumer finishes. Each consumer sees a contiguous, increasing run of the channel
    (FIFO); each one starts at most CREDIT messages before where the dead one stopped (those it
    printed without having acknowledged them: the only duplicates), never after it (no loss)."""
    rng = random.Random(SEED)
    print(f"seed {SEED} (FAULTS_SEED)")
    n_messages, credit = 1200, 32
    ch = client.new_byte_channel()

    def produce() -> int:
        for i in range(n_messages):
            ch.send_bytes(b"%d" % i)
            if i % 20 == 19:
                time.sleep(0.01)
        return n_messages

    producer = in_thread(produce)
    runs: List[List[int]] = []
    for _ in range(3):
        consumer = Consumer(server_target, ch.id, credit)
        try:
            consumer.wait_lines(rng.randint(40, 150))
        finally:
            consumer.kill()  # SIGKILL, mid-stream
        runs.append(consumer.finish())
        assert consumer.proc.returncode == -signal.SIGKILL
        # The next consumer starts only after this one was reaped: its socket is closed, so the
        # server has its unacknowledged messages back before the next process (>100 ms of
        # interpreter start) opens its stream.
    status, value = producer.get(timeout=120)
    assert status == "ok", value

    def drain() -> List[int]:
        got = []
        for m in ch:
            got.append(int(m))
            if got[-1] == n_messages - 1:
                break
        return got

    final = in_thread(drain)
    try:
        status, last_run = final.get(timeout=60)
    except queue.Empty:
        pytest.fail("the last consumer did not get every message within 60 s")
    assert status == "ok", last_run
    runs.append(last_run)

    duplicates = []
    for k, run in enumerate(runs):
        assert run, f"consumer {k} got nothing"
        assert run == list(range(run[0], run[0] + len(run))), f"consumer {k} saw a gap or a reordering (S-RECV-4)"
        if k == 0:
            assert run[0] == 0
        else:
            end_of_previous = runs[k - 1][-1] + 1
            assert run[0] <= end_of_previous, f"messages {end_of_previous}..{run[0] - 1} were lost"
            duplicates.append(end_of_previous - run[0])
            assert end_of_previous - run[0] <= credit, (
                f"consumer {k} got {end_of_previous - run[0]} duplicates, more than the credit window {credit}")
    assert runs[-1][-1] == n_messages - 1
    seen = set().union(*map(set, runs))
    assert seen == set(range(n_messages)), "nothing lost"
    print(f"duplicates after each kill: {duplicates} (credit window {credit})")
    wait_for(lambda: ch.info()["messages"] == 0, "the channel is drained")


# ------------------------------------------------------------------------------------- SIGSTOP


def test_a_stopped_consumer_is_detected_by_keepalive_and_its_messages_go_to_another_consumer__S_EXT_REDELIVER(
        own_server_factory):
    """A consumer process stopped with SIGSTOP mid-stream holds pushed, unacknowledged messages.
    The server's keepalive (500 ms) finds the connection dead and gives them back: another
    consumer gets every message while the first is still stopped. Resumed, the first consumer
    learns that its stream is gone (ConnectionLost) instead of waiting forever."""
    server = own_server_factory({"keepalive_interval_ms": 500})
    n_messages, credit = 150, 16
    with vertx_channels.connect(server.target) as c:
        ch = c.new_byte_channel()
        for i in range(n_messages):
            ch.send_bytes(b"%d" % i)
        consumer = Consumer(server.target, ch.id, credit, pause=0.005)
        try:
            consumer.wait_lines(50)
            consumer.proc.send_signal(signal.SIGSTOP)
            wait_for(lambda: process_state(consumer.proc.pid) == "T", "the consumer is stopped")

            # Another consumer, while the first is stopped: it must get everything the first did
            # not print (the messages the stopped one holds come back once keepalive fires).
            # (Lines the stopped consumer wrote before it stopped may still be in the pipe: what
            # it printed is read again on every round.)
            second: List[int] = []
            deadline = time.monotonic() + 30
            while True:
                missing = set(range(n_messages)) - set(consumer.lines) - set(second)
                if not missing:
                    break
                assert time.monotonic() < deadline, (
                    f"messages {sorted(missing)[:20]}... never reached the second consumer: the stopped "
                    f"consumer's messages were not redelivered")
                try:
                    second.append(int(ch.receive_bytes(timeout_ms=1000)))
                except TimeoutError:
                    continue
            first = list(consumer.lines)
            assert first == list(range(len(first))), "the first consumer saw the channel in order"
            assert process_state(consumer.proc.pid) == "T", "all this happened while the first was stopped"
            assert ch.try_receive_bytes() is None, "nothing more in the channel"
        finally:
            if consumer.proc.poll() is None:
                consumer.proc.send_signal(signal.SIGCONT)

        assert len(second) == len(set(second)), "the second consumer got no message twice"
        duplicates = set(first) & set(second)
        assert len(duplicates) <= credit, f"{len(duplicates)} duplicates, more than the credit window {credit}"
        assert duplicates == set(range(min(duplicates), len(first))) if duplicates else True, (
            "only the last messages the stopped consumer printed (the unacknowledged ones) come again")
        # The second consumer took, in order, the messages never pushed to the stopped one, and
        # (once keepalive fired) the returned ones went back to the head in their original
        # order (S-EXT-REDELIVER): one contiguous block inserted into a contiguous sequence.
        runs, start = [], 0
        for i in range(1, len(second) + 1):
            if i == len(second) or second[i] != second[i - 1] + 1:
                runs.append(second[start:i])
                start = i
        returned = next(r for r in runs if r[0] == min(second))
        others = [m for r in runs if r is not returned for m in r]
        assert len(runs) <= 3 and others == list(range(others[0], others[0] + len(others))) if others else True, (
            f"the second consumer saw the runs {[(r[0], r[-1]) for r in runs]}")
        print(f"stopped after {len(first)} messages; {len(duplicates)} duplicates (credit {credit})")

        # Resumed: its stream was closed by the server, the iteration must end with an error.
        try:
            consumer.proc.wait(30)
        except subprocess.TimeoutExpired:
            consumer.kill()
            pytest.fail("the resumed consumer hangs: its dead stream did not end its iteration")
        assert consumer.proc.returncode != 0
        assert "ConnectionLost" in consumer.stderr or "UNAVAILABLE" in consumer.stderr, consumer.stderr[-2000:]


# ----------------------------------------------------------------------------- slow consumers


def _raw_stream(target: str, first: "pb.ClientFrame"):
    """A raw Stream call: (call, frames to send queue, received frames queue)."""
    channel = grpc.insecure_channel(target)
    stub = pb_grpc.ChannelServiceStub(channel)
    requests: "queue.Queue[Optional[pb.ClientFrame]]" = queue.Queue()
    received: "queue.Queue[object]" = queue.Queue()

    def gen():
        yield first
        while True:
            f = requests.get()
            if f is None:
                return
            yield f

    call = stub.Stream(gen())

    def read() -> None:
        try:
            for frame in call:
                received.put(frame)
            received.put("end")
        except grpc.RpcError as e:
            received.put(e)

    threading.Thread(target=read, daemon=True).start()
    return channel, call, requests, received


def test_a_consumer_that_never_acknowledges_gets_exactly_its_credit_and_the_channel_stays_within_max_size__S_EXT_CREDIT_S_SEND_2(
        client, server_target):
    """max_size M, a raw consumer with credit C that never acknowledges, a producer that keeps
    sending (waiting sends): the consumer gets exactly C messages and no more, the channel never
    holds more than M bytes (queued plus pushed and unacknowledged, which take room too:
    in_flight_bytes), and the producer waits for room."""
    max_size, credit = 1000, 7
    n_messages = 200  # 2000 bytes: more than M + C messages
    ch = client.new_byte_channel(max_size=max_size)
    transport, call, requests, received = _raw_stream(server_target, pb.ClientFrame(open=pb.OpenStream(
        channel_id=ch.id, initial_credit_messages=credit, initial_credit_bytes=1 << 20)))
    try:
        opened = received.get(timeout=10)
        assert opened.WhichOneof("frame") == "opened"

        def produce() -> int:
            for i in range(n_messages):
                ch.send_bytes(b"%010d" % i, timeout_ms=60_000)  # 10 bytes each
            return n_messages

        producer = in_thread(produce)
        sizes = []

        def full() -> bool:
            info = ch.info()
            sizes.append(info["size"] + info["in_flight_bytes"])
            return (info["waiting_senders"] >= 1
                    and info["size"] + info["in_flight_bytes"] == max_size)

        wait_for(full, "the producer waits on a full channel")
        got = []
        deadline = time.monotonic() + 10
        while len(got) < credit and time.monotonic() < deadline:
            try:
                f = received.get(timeout=1)
            except queue.Empty:
                continue
            assert f != "end" and not isinstance(f, grpc.RpcError), f
            got.extend(f.deliveries.payloads)
        assert len(got) == credit, f"the consumer got {len(got)} messages for a credit of {credit}"
        for _ in range(10):  # steady state: still full, still nothing more for the consumer
            info = ch.info()
            sizes.append(info["size"] + info["in_flight_bytes"])
            time.sleep(0.05)
        with pytest.raises(queue.Empty):
            received.get(timeout=0.5)
        assert max(sizes) <= max_size, f"the channel held {max(sizes)} bytes, max_size is {max_size} (S-SEND-2)"
        assert ch.info()["messages"] == (max_size - credit * 10) // 10

        # Acknowledge and grant again: exactly C more arrive.
        requests.put(pb.ClientFrame(ack=pb.Ack(up_to_seq=credit)))
        requests.put(pb.ClientFrame(credit=pb.Credit(messages=credit, bytes=1 << 20)))
        more = []
        deadline = time.monotonic() + 10
        while len(more) < credit and time.monotonic() < deadline:
            try:
                f = received.get(timeout=1)
            except queue.Empty:
                continue
            more.extend(f.deliveries.payloads)
        assert len(more) == credit
        requests.put(pb.ClientFrame(ack=pb.Ack(up_to_seq=2 * credit)))
        requests.put(None)  # half-close after the ack: the server ends the call with OK
        assert received.get(timeout=10) == "end"
    finally:
        requests.put(None)
        transport.close()
    # Everyone else gets the rest, in order; the producer finishes.
    assert [int(m) for m in got + more] == list(range(2 * credit))
    rest = []
    while len(rest) < n_messages - 2 * credit:
        rest.append(int(ch.receive_bytes(timeout_ms=10_000)))
    status, value = producer.get(timeout=60)
    assert status == "ok", value
    assert rest == list(range(2 * credit, n_messages)), "each message exactly once, in order"
    assert ch.try_receive_bytes() is None
    assert max(sizes) <= max_size


# ------------------------------------------------------------------------------------- SIGTERM


def test_sigterm_ends_an_iteration_with_connection_lost_and_a_raw_stream_with_unavailable(own_server_factory):
    """The server stopped with SIGTERM mid-stream: a Python iteration raises a ConnectionLost-
    family error (it does not hang, and does not end as if the channel had been closed), and a
    raw gRPC stream holding unacknowledged messages ends with UNAVAILABLE."""
    server = own_server_factory()
    with vertx_channels.connect(server.target, credit_messages=16) as c:
        ch = c.new_byte_channel()
        other = c.new_byte_channel()
        for i in range(200):
            ch.send_bytes(b"%d" % i)
        for i in range(10):
            other.send_bytes(b"%d" % i)
        progress: List[int] = []

        def iterate() -> List[int]:
            for m in ch:
                progress.append(int(m))
                time.sleep(0.005)
            return progress

        iteration = in_thread(iterate)
        wait_for(lambda: len(progress) >= 50, "the iteration is under way")
        transport, call, requests, received = _raw_stream(server.target, pb.ClientFrame(open=pb.OpenStream(
            channel_id=other.id, initial_credit_messages=3, initial_credit_bytes=1 << 20)))
        try:
            assert received.get(timeout=10).WhichOneof("frame") == "opened"
            raw = []
            while len(raw) < 3:
                raw.extend(received.get(timeout=10).deliveries.payloads)

            assert server.sigterm() in (0, 143), "a clean stop"

            try:
                status, value = iteration.get(timeout=30)
            except queue.Empty:
                pytest.fail("the iteration hangs after the server stopped")
            assert status == "error", f"the iteration ended normally after {len(progress)} of 200 messages"
            assert isinstance(value, vertx_channels.ConnectionLost), repr(value)
            assert progress == list(range(len(progress)))

            end = received.get(timeout=30)
            while not isinstance(end, grpc.RpcError):
                assert end != "end", "the raw stream ended with OK"
                assert end.WhichOneof("frame") == "deliveries", f"unexpected {end}"
                end = received.get(timeout=30)
            assert end.code() == grpc.StatusCode.UNAVAILABLE, end
        finally:
            requests.put(None)
            transport.close()


def test_calls_waiting_when_the_server_gets_sigterm_raise_connection_lost_not_channel_closed(own_server_factory):
    """A blocking receive on an empty channel and a waiting send on a full one, in flight when the
    server is stopped with SIGTERM, must raise a ConnectionLost-family error: nobody closed those
    channels, so ChannelClosed would tell the application something that did not happen (a
    consumer loop would stop as if the producer had finished)."""
    server = own_server_factory()
    with vertx_channels.connect(server.target) as c:
        empty = c.new_byte_channel()
        full = c.new_byte_channel(max_size=4)
        full.send_bytes(b"full")
        receive = in_thread(lambda: empty.receive_bytes())
        send = in_thread(lambda: full.send_bytes(b"xy", timeout_ms=-1))
        wait_for(lambda: empty.info()["waiting_receivers"] == 1 and full.info()["waiting_senders"] == 1,
                 "both calls wait")
        assert server.sigterm() in (0, 143)
        outcomes = {}
        for name, q in (("receive_bytes()", receive), ("send_bytes(timeout_ms=-1)", send)):
            try:
                outcomes[name] = q.get(timeout=30)
            except queue.Empty:
                outcomes[name] = ("hang", None)
        wrong = {name: f"{status}: {value!r}" for name, (status, value) in outcomes.items()
                 if not (status == "error" and isinstance(value, vertx_channels.ConnectionLost))}
        assert not wrong, f"expected ConnectionLost after SIGTERM, got {wrong}"


# ------------------------------------------------------------------------------- credit range


@pytest.mark.parametrize("options", [
    {"credit_messages": 2**31},
    {"credit_messages": 2**32 - 1},
    {"credit_bytes": 2**63},
], ids=["messages_2_31", "messages_2_32_minus_1", "bytes_2_63"])
def test_an_iteration_window_anywhere_in_the_accepted_range_works__S_EXT_CREDIT(server_target, options):
    """connect() accepts credit_messages up to 2^32-1 (the wire's uint32) and any positive
    credit_bytes; an iteration with such a window must work."""
    with vertx_channels.connect(server_target, **options) as c:
        ch = c.new_byte_channel()
        ch.send_bytes(b"a")
        ch.send_bytes(b"b")
        ch.close()
        assert list(ch) == [b"a", b"b"]
