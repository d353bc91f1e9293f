"""TLS and bearer-token authentication against a real server (certificate made at test time)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile
import threading
import time
from typing import List

import grpc
import pytest

import vertx_channels
import vertx_channels.aio

from conftest import DEFAULT_JAR, free_port

TOKEN = "test-token-0123456789abcdef"


class SecureServer:
    def __init__(self, config: dict, jvm_args: "List[str] | None" = None) -> None:
        self.port = free_port()
        self.lines: List[str] = []
        self.ready = threading.Event()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(config, f)
        self.config_path = f.name
        jar = pathlib.Path(os.environ.get("VERTX_CHANNELS_JAR", DEFAULT_JAR))
        self.proc = subprocess.Popen(
            ["java", *(jvm_args or []), "-jar", str(jar), "-conf", f.name, "--port", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        if not self.ready.wait(90):
            self.stop()
            raise RuntimeError("server did not start:\n" + "\n".join(self.lines[-30:]))

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if "gRPC server listening on" in line:
                self.ready.set()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.unlink(self.config_path)


def make_certificate(d: pathlib.Path) -> "tuple[pathlib.Path, pathlib.Path]":
    """A self-signed certificate for localhost / 127.0.0.1 and its key, made in ``d``."""
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_server(certificate):
    cert, key = certificate
    server = SecureServer({"tls": {"cert": str(cert), "key": str(key)}, "auth_tokens": [TOKEN]})
    yield server
    server.stop()


def test_tls_and_a_token_give_access(tls_server, certificate):
    creds = grpc.ssl_channel_credentials(root_certificates=certificate[0].read_bytes())
    with vertx_channels.connect(f"127.0.0.1:{tls_server.port}", credentials=creds, token=TOKEN) as client:
        ch = client.new_byte_channel()
        ch.send_bytes(b"secret")
        assert ch.receive_bytes(1000) == b"secret"
        ch.send_bytes(b"streamed")
        ch.close()
        assert list(ch) == [b"streamed"]


async def test_tls_and_a_token_give_access_asyncio(tls_server, certificate):
    creds = grpc.ssl_channel_credentials(root_certificates=certificate[0].read_bytes())
    async with vertx_channels.aio.connect(f"127.0.0.1:{tls_server.port}", credentials=creds,
                                          token=TOKEN) as client:
        ch = await client.new_channel()
        await ch.send(("ok", 1))
        assert await ch.receive(1000) == ("ok", 1)


def test_a_missing_or_wrong_token_is_unauthenticated(tls_server, certificate):
    creds = grpc.ssl_channel_credentials(root_certificates=certificate[0].read_bytes())
    for token in (None, "wrong-token-0123456789abcdef"):
        with pytest.raises(vertx_channels.Unauthenticated):
            with vertx_channels.connect(f"127.0.0.1:{tls_server.port}", credentials=creds,
                                        token=token) as client:
                client.new_byte_channel()


def test_a_client_that_does_not_trust_the_certificate_cannot_connect(tls_server):
    with pytest.raises(vertx_channels.ConnectionLost):
        vertx_channels.connect(f"127.0.0.1:{tls_server.port}", credentials=grpc.ssl_channel_credentials(),
                               token=TOKEN, timeout=3)


def test_a_token_over_plaintext_loopback():
    server = SecureServer({"auth_tokens": [TOKEN]})
    try:
        with vertx_channels.connect(f"127.0.0.1:{server.port}", token=TOKEN) as client:
            client.new_byte_channel().send_bytes(b"x")
        with pytest.raises(vertx_channels.Unauthenticated):
            with vertx_channels.connect(f"127.0.0.1:{server.port}") as client:
                client.new_byte_channel()
    finally:
        server.stop()


def _wait_for(predicate, what: str) -> None:
    for _ in range(1000):
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"never: {what}")


def test_per_connection_limits_raise_limit_exceeded_and_lose_nothing():
    server = SecureServer({"max_channels_per_connection": 2, "max_pending_bytes_per_connection": 1000})
    try:
        with vertx_channels.connect(f"127.0.0.1:{server.port}") as client:
            ch = client.new_byte_channel(800)
            client.new_byte_channel()
            with pytest.raises(vertx_channels.LimitExceeded, match="max_channels_per_connection"):
                client.new_byte_channel()

            ch.send_bytes(b"a" * 800)
            waiting = threading.Thread(target=ch.send_bytes, args=(b"b" * 600, -1))
            waiting.start()  # holds 600 of this connection's 1000 bytes while it waits for room
            _wait_for(lambda: ch.info()["waiting_senders"] == 1, "the send waits")
            with pytest.raises(vertx_channels.LimitExceeded, match="max_pending_bytes_per_connection"):
                ch.send_bytes(b"c" * 600, timeout_ms=-1)
            assert ch.info()["messages"] == 1, "the refused send enqueued nothing"

            # A connection of its own (grpcio shares one connection between the channels of a
            # process that have the same target and options, unless told otherwise).
            with vertx_channels.connect(f"127.0.0.1:{server.port}",
                                        grpc_options=[("grpc.use_local_subchannel_pool", 1)]) as other:
                with pytest.raises(vertx_channels.ChannelBusy):  # its own budget: only the channel says no
                    other.byte_channel(ch.id).send_bytes(b"d" * 600)

            assert ch.receive_bytes() == b"a" * 800
            waiting.join(10)
            assert not waiting.is_alive()
            assert ch.receive_bytes() == b"b" * 600
    finally:
        server.stop()


def test_filling_channel_after_channel_cannot_run_the_server_out_of_memory():
    """Issue 15: with the heap of `make run` (-Xmx256m) and the default config, a client that
    fills one channel after another (each within max_channel_size and every per-client limit)
    used to kill the server with OutOfMemoryError, and every other client's channels with it.
    The node's memory budget (max_total_bytes, half the heap by default) answers busy instead
    (S-SEND-2); the server keeps serving everyone and loses nothing it accepted."""
    server = SecureServer({}, jvm_args=["-Xmx256m", "-XX:G1HeapRegionSize=4m"])
    chunk = b"x" * (1024 * 1024)
    try:
        with vertx_channels.connect(f"127.0.0.1:{server.port}") as attacker, \
                vertx_channels.connect(f"127.0.0.1:{server.port}",
                                       grpc_options=[("grpc.use_local_subchannel_pool", 1)]) as victim:
            mine = victim.new_byte_channel(0)
            mine.send_bytes(b"before")
            accepted = {}
            refused = False
            for _ in range(8):  # 8 channels of up to 256 MiB each: 2 GiB asked for in all
                ch = attacker.new_byte_channel(0)
                accepted[ch.id] = 0
                try:
                    for _ in range(256):
                        ch.send_bytes(chunk)
                        accepted[ch.id] += 1
                except vertx_channels.ChannelBusy:
                    refused = True
                    break
            assert refused, "the attacker was never refused"
            total = sum(accepted.values())
            assert 0 < total < 256, f"{total} MiB accepted into a 256 MiB heap"

            # The other client is served (busy while the node is full, never an error) ...
            assert mine.info()["messages"] == 1
            with pytest.raises(vertx_channels.ChannelBusy):
                mine.send_bytes(chunk)
            assert mine.receive_bytes() == b"before"
            # ... and a blocking send goes in as soon as the attacker's memory is given back.
            waiting = threading.Thread(target=mine.send_bytes, args=(b"after", -1))
            waiting.start()
            for cid, n in accepted.items():
                ch = attacker.byte_channel(cid)
                for _ in range(n):
                    assert ch.receive_bytes() == chunk  # nothing accepted was lost
                ch.close()
            waiting.join(30)
            assert not waiting.is_alive()
            assert mine.receive_bytes() == b"after"
        assert server.proc.poll() is None, "the server died"
        assert not any("OutOfMemoryError" in line for line in server.lines), server.lines[-20:]
    finally:
        server.stop()


def test_event_bus_internal_addresses_are_unreachable_and_budgets_follow_the_token():
    """Issue 15.1 and 15.5, seen from Python: SendToAddress cannot forge event-bus replies
    (``__vertx.reply.N``) nor reach internal addresses, also with auth on; the channel budget is
    the token's, so a reconnect does not reset it, and another token has its own."""
    other_token = "other-token-0123456789abcdef"
    server = SecureServer({"auth_tokens": [TOKEN, other_token], "max_channels_per_connection": 2})
    try:
        with vertx_channels.connect(f"127.0.0.1:{server.port}", token=TOKEN) as client:
            for address in ("__vertx.reply.1", "__vertx.reply.2999", "vertx-channels.create", "anything"):
                with pytest.raises(vertx_channels.InvalidArgument):
                    client.send_bytes_to(address, b"forged")
            client.new_byte_channel()
            client.new_byte_channel()
        with vertx_channels.connect(f"127.0.0.1:{server.port}", token=TOKEN,
                                    grpc_options=[("grpc.use_local_subchannel_pool", 1)]) as again:
            with pytest.raises(vertx_channels.LimitExceeded, match="max_channels_per_connection"):
                again.new_byte_channel()
        with vertx_channels.connect(f"127.0.0.1:{server.port}", token=other_token) as other:
            other.new_byte_channel()
    finally:
        server.stop()


def test_a_bad_config_stops_the_server_with_one_line():
    """Issue 16.5: an unknown key is a clear error naming it, without a stack trace."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"max_mesage_size": 1024}, f)
    jar = pathlib.Path(os.environ.get("VERTX_CHANNELS_JAR", DEFAULT_JAR))
    proc = subprocess.run(["java", "-jar", str(jar), "-conf", f.name, "--port", str(free_port())],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "unknown config key 'max_mesage_size'" in out, out
    assert "\tat " not in out and "Exception" not in out, out
