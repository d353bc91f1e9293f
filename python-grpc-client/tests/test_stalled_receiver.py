"""Issue 15.8: a unary Receive to a client that stalled, then died, loses nothing.

The stalled client is a raw HTTP/2 connection (hand-made frames, no grpcio) that announces a
flow-control window of 0 bytes: the server can send the response's headers but not one byte of
its message. The client then dies (the socket is reset). The message must go back to the head of
the channel, where another client receives it (S-EXT-REDELIVER, S-FIX-CANCEL)."""

from __future__ import annotations

import socket
import struct

from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb

from conftest import wait_until

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, SETTINGS = 0x0, 0x1, 0x4
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
SETTINGS_INITIAL_WINDOW_SIZE = 0x4


def frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name: str, value: str) -> bytes:
    """An HPACK literal header field without indexing, no Huffman coding (short names/values)."""
    n, v = name.encode(), value.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def read_frame(sock: socket.socket) -> tuple:
    head = b""
    while len(head) < 9:
        chunk = sock.recv(9 - len(head))
        if not chunk:
            raise ConnectionError("server closed the connection")
        head += chunk
    length = int.from_bytes(head[:3], "big")
    payload = b""
    while len(payload) < length:
        chunk = sock.recv(length - len(payload))
        if not chunk:
            raise ConnectionError("server closed the connection")
        payload += chunk
    return head[3], head[4], payload


def stalled_receive(target: str, channel_id: str) -> socket.socket:
    """Opens a connection with a 0-byte window and starts a blocking Receive on it."""
    host, port = target.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0, struct.pack(">HI", SETTINGS_INITIAL_WINDOW_SIZE, 0)))
    while True:  # acknowledge the server's SETTINGS, as HTTP/2 requires
        kind, flags, _ = read_frame(sock)
        if kind == SETTINGS and not flags & ACK:
            sock.sendall(frame(SETTINGS, ACK, 0))
            break
    headers = b"".join(literal(k, v) for k, v in [
        (":method", "POST"), (":scheme", "http"), (":path", "/vertx.channels.v1.ChannelService/Receive"),
        (":authority", target), ("content-type", "application/grpc"), ("te", "trailers")])
    request = pb.ReceiveRequest(channel_id=channel_id, timeout_ms=30_000).SerializeToString()
    body = b"\x00" + struct.pack(">I", len(request)) + request
    sock.sendall(frame(HEADERS, END_HEADERS, 1, headers) + frame(DATA, END_STREAM, 1, body))
    return sock


def test_a_stalled_then_dead_unary_receiver_loses_nothing__S_EXT_REDELIVER(client, server_target):
    ch = client.new_byte_channel()
    ch.send_bytes(b"precious")
    sock = stalled_receive(server_target, ch.id)
    # The receive reaches the server, which takes the message for it (it cannot write the bytes:
    # the window is 0). A server that refuses to hand it to such a connection leaves it queued:
    # then this wait ends by its timeout, and the outcome below is the same.
    wait_until(lambda: ch.info()["messages"] == 0, timeout=5)
    # The client dies: the connection is reset, not closed cleanly.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    # Another client gets the message: it went back to the head of the channel.
    assert ch.receive_bytes(timeout_ms=10_000) == b"precious"
    assert ch.info()["messages"] == 0
