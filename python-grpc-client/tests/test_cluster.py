"""A real Vert.x cluster: separate server JVMs joined through Hazelcast on loopback.

Node A owns the channels (they are created through A, placement "local"); node B reaches them
over the clustered event bus. Checks cross-node FIFO and backpressure, a Python consumer on B of
a channel owned by A with a producer on A, close-and-drain across nodes, and owner loss when A's
process is killed with SIGKILL (S-MODEL-1, S-SEND-2, S-RECV-4, S-CLOSE-2, S-CLOSE-4, S-EXT-PUSH).
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from typing import List

import pytest

import vertx_channels
from vertx_channels import ChannelBusy

from conftest import DEFAULT_JAR, free_port

START_TIMEOUT_S = 120.0


class Node:
    """One clustered server JVM."""

    def __init__(self, jar: pathlib.Path, config_path: str) -> None:
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.lines: List[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [os.environ.get("JAVA", "java"), "-jar", str(jar), "--cluster", "-conf", config_path,
             "--host", "127.0.0.1", "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace",
        )
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if f"gRPC server listening on 127.0.0.1:{self.port}" in line:
                self.ready.set()

    def wait_ready(self) -> None:
        if not self.ready.wait(START_TIMEOUT_S):
            raise RuntimeError("cluster node did not start:\n" + "\n".join(self.lines[-40:]))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture()
def cluster():
    jar = pathlib.Path(os.environ.get("VERTX_CHANNELS_JAR", DEFAULT_JAR))
    if not jar.exists():
        pytest.fail(f"server jar {jar} not found: run `make build` first")
    # A cluster name of its own, so that no other test run on this machine joins it.
    config = {"cluster": {"name": f"test-{uuid.uuid4().hex[:12]}", "port": free_port()}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    nodes = []
    try:
        a = Node(jar, f.name)
        nodes.append(a)
        a.wait_ready()
        b = Node(jar, f.name)
        nodes.append(b)
        b.wait_ready()
        yield a, b
    finally:
        for n in nodes:
            n.stop()
        os.unlink(f.name)


def test_a_channel_owned_by_one_node_is_used_from_the_other_with_fifo_and_backpressure(cluster):
    a, b = cluster
    with vertx_channels.connect(a.target) as ca, vertx_channels.connect(b.target) as cb:
        owned = ca.new_byte_channel(max_size=100)
        remote = cb.byte_channel(owned.id)
        remote.send_bytes(b"x" * 60)
        with pytest.raises(ChannelBusy):          # S-SEND-2 across nodes
            owned.send_bytes(b"y" * 41)
        owned.send_bytes(b"z" * 40)               # exactly max_size
        assert remote.info()["size"] == 100
        assert owned.receive_bytes(1000) == b"x" * 60
        assert remote.receive_bytes(1000) == b"z" * 40
        for i in range(50):                       # 90 bytes in all: fits in max_size 100
            remote.send_bytes(b"%d" % i) if i % 2 else owned.send_bytes(b"%d" % i)
        got = [remote.receive_bytes(1000) for _ in range(50)]
        assert got == [b"%d" % i for i in range(50)]   # S-RECV-4: one FIFO, whichever node sends


def test_a_python_consumer_on_node_b_streams_what_a_producer_on_node_a_sends(cluster):
    a, b = cluster
    with vertx_channels.connect(a.target) as ca, vertx_channels.connect(b.target) as cb:
        ch = ca.new_byte_channel(max_size=64 * 1024)
        n = 2000
        got: List[bytes] = []
        consumer = threading.Thread(target=lambda: got.extend(cb.byte_channel(ch.id)), daemon=True)
        consumer.start()
        for i in range(n):
            ch.send_bytes(b"%06d" % i, timeout_ms=-1)   # waits for room: backpressure across nodes
        ch.close()
        consumer.join(60)
        assert not consumer.is_alive(), "iteration ends after close-and-drain (S-CLOSE-4)"
        assert got == [b"%06d" % i for i in range(n)]


def test_close_and_drain_across_nodes(cluster):
    a, b = cluster
    with vertx_channels.connect(a.target) as ca, vertx_channels.connect(b.target) as cb:
        ch = ca.new_channel()
        for i in range(3):
            ch.send(i)
        remote = cb.channel(ch.id)
        remote.close()                            # closed from the other node
        assert ch.info()["closed"] is True
        assert [remote.receive(1000) for _ in range(3)] == [0, 1, 2]   # S-CLOSE-2
        with pytest.raises(vertx_channels.ChannelClosed):
            remote.receive(1000)


def test_killing_the_owner_fails_operations_on_the_other_node_with_owner_lost(cluster):
    a, b = cluster
    with vertx_channels.connect(a.target) as ca, vertx_channels.connect(b.target) as cb:
        ch = ca.new_byte_channel()
        remote = cb.byte_channel(ch.id)
        remote.send_bytes(b"before")
        errors: List[BaseException] = []

        def blocked_receive() -> None:
            try:
                remote.receive_bytes()                # waits forever: must be woken
                remote.receive_bytes()
            except BaseException as e:               # noqa: BLE001 - recorded for the assertion
                errors.append(e)

        waiter = threading.Thread(target=blocked_receive, daemon=True)
        waiter.start()
        time.sleep(0.5)
        a.kill()                                      # SIGKILL: no goodbye to the cluster
        waiter.join(60)
        assert not waiter.is_alive(), "a blocked receiver is woken, nothing hangs"
        assert len(errors) == 1 and isinstance(errors[0], vertx_channels.OwnerLost), errors
        with pytest.raises(vertx_channels.OwnerLost):
            remote.info()
        with pytest.raises(vertx_channels.OwnerLost):
            remote.send_bytes(b"after")
        # New channels keep working on the surviving node.
        fresh = cb.new_byte_channel()
        fresh.send_bytes(b"ok")
        assert fresh.receive_bytes(1000) == b"ok"
