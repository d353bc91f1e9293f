"""Fixtures: one real vertx-channels server for the whole session, and clients on it.

The server is the fat jar (env VERTX_CHANNELS_JAR, default ../verticles/target/vertx-channels.jar
relative to python-grpc-client), started on a free loopback port and killed at the end. Set
VERTX_CHANNELS_TARGET=host:port to run the suite against a server that is already running
instead, or VERTX_CHANNELS_TARGET=fake for the in-process Python stand-in of tests/fake_server.py
(a development aid: it lacks waiting sends and other parts of the contract).
"""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import threading
import time
from typing import Iterator, List

import grpc
import pytest

import vertx_channels
import vertx_channels.aio

HERE = pathlib.Path(__file__).resolve().parent
CLIENT_DIR = HERE.parent

DEFAULT_JAR = CLIENT_DIR.parent / "verticles" / "target" / "vertx-channels.jar"
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """The server jar running on 127.0.0.1:<free port>, its output kept for failure reports."""

    def __init__(self, jar: pathlib.Path) -> None:
        self.jar = jar
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.lines: List[str] = []
        self.ready = threading.Event()
        self.proc: "subprocess.Popen[str] | None" = None

    def start(self) -> None:
        java = os.environ.get("JAVA", "java")
        self.proc = subprocess.Popen(
            [java, "-jar", str(self.jar), "--host", "127.0.0.1", "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace",
        )
        threading.Thread(target=self._pump, daemon=True).start()
        marker = f"gRPC server listening on 127.0.0.1:{self.port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start (waiting for {marker!r}); its output:\n"
                    + "".join(self.lines[-50:]))
        channel = grpc.insecure_channel(self.target)
        try:
            grpc.channel_ready_future(channel).result(timeout=30)
        finally:
            channel.close()

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        marker = f"gRPC server listening on 127.0.0.1:{self.port}"
        for line in self.proc.stdout:
            self.lines.append(line)
            if len(self.lines) > 2000:
                del self.lines[:1000]
            if marker in line:
                self.ready.set()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            return
        try:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture(scope="session")
def server_target() -> Iterator[str]:
    """host:port of a running vertx-channels server."""
    external = os.environ.get("VERTX_CHANNELS_TARGET")
    if external == "fake":
        from fake_server import FakeServer
        with FakeServer() as fake:
            yield fake.target
        return
    if external:
        yield external
        return
    jar = pathlib.Path(os.environ.get("VERTX_CHANNELS_JAR", DEFAULT_JAR))
    if not jar.is_absolute():
        jar = (CLIENT_DIR / jar).resolve()
    if not jar.exists():
        pytest.fail(f"server jar {jar} not found: build it with "
                    f"`./mvnw -B -q package -DskipTests -pl verticles -am` in the repository root, "
                    f"or set VERTX_CHANNELS_JAR / VERTX_CHANNELS_TARGET", pytrace=False)
    server = ServerProcess(jar)
    try:
        server.start()
        yield server.target
    finally:
        server.stop()


@pytest.fixture
def client(server_target: str) -> Iterator[vertx_channels.Client]:
    """A sync client, closed after the test."""
    with vertx_channels.connect(server_target) as c:
        yield c


@pytest.fixture
async def aclient(server_target: str):
    """An asyncio client on the test's loop, closed after the test."""
    async with vertx_channels.aio.connect(server_target) as c:
        yield c


@pytest.fixture
def later(client: vertx_channels.Client):
    """``later(delay_s, fn, *args)`` calls fn on a timer thread; the test waits for every such
    call before its client closes (so that no call is cut by the close)."""
    timers: List[threading.Timer] = []

    def schedule(delay_s: float, fn, *args) -> threading.Timer:
        timer = threading.Timer(delay_s, fn, args)
        timers.append(timer)
        timer.start()
        return timer

    yield schedule
    for timer in timers:
        timer.join(30)


def wait_until(pred, timeout=10.0):
    """Polls ``pred`` until it holds or ``timeout`` seconds pass; returns its last value (tests
    wait for a state another process reaches, never for a time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.005)
    return pred()
