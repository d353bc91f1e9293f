"""A small in-process ChannelService in Python, for the offline tests of the client's stream
protocol (credit, acks, release, redelivery). It follows channels.proto closely enough for that,
and records every client frame so that tests can check what the client sent. It is not the
server: the integration tests run against the real one (conftest.py)."""

from __future__ import annotations

import collections
import secrets
import threading
from concurrent import futures
from typing import Deque, Dict, List, Optional, Tuple

import grpc

from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb
from vertx_channels._proto.vertx.channels.v1 import channels_pb2_grpc as pb_grpc
from vertx_channels.terms import ETFDecodeError, binary_to_term

MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class _Chan:
    def __init__(self, kind: int, max_size: int) -> None:
        self.id = secrets.token_urlsafe(16)
        self.kind = kind
        self.max_size = max_size
        self.queue: Deque[bytes] = collections.deque()
        self.size = 0
        self.closed = False
        self.waiting = 0
        self.reserved = 0  # producer credit outstanding, all streams (S-EXT-RESERVE)

    def info(self) -> "pb.ChannelInfo":
        return pb.ChannelInfo(id=self.id, kind=self.kind, size=self.size, max_size=self.max_size,
                              closed=self.closed, messages=len(self.queue),
                              waiting_receivers=self.waiting, reserved_bytes=self.reserved)


class FakeChannelService(pb_grpc.ChannelServiceServicer):
    def __init__(self, max_batch: int = 64) -> None:
        self.cond = threading.Condition()
        self.channels: Dict[str, _Chan] = {}
        self.frames: List[Tuple[int, str, object]] = []  # (stream no, variant, value)
        self.max_outstanding: Dict[int, int] = collections.defaultdict(int)
        self.max_batch = max_batch
        self._streams = 0
        # Producer streams: when set, Send frames on streams are recorded but never answered
        # (a test then stops the server to break the pipeline).
        self.hold_send_results = False
        self.reserve_cap = 1 << 20  # the fake's max_reserve_bytes_per_stream

    def _get(self, channel_id: str, context: grpc.ServicerContext) -> _Chan:
        ch = self.channels.get(channel_id)
        if ch is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no channel {channel_id}")
        return ch

    def Create(self, request, context):
        if request.max_size < 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "max_size must be >= 0")
        if request.kind == pb.CHANNEL_KIND_UNSPECIFIED:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "kind is required")
        ch = _Chan(request.kind, request.max_size)
        with self.cond:
            self.channels[ch.id] = ch
        return pb.CreateResponse(info=ch.info())

    def Attach(self, request, context):
        with self.cond:
            ch = self._get(request.channel_id, context)
            if request.expected_kind and request.expected_kind != ch.kind:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "wrong kind")
            return pb.AttachResponse(info=ch.info())

    def Send(self, request, context):
        with self.cond:
            ch = self._get(request.channel_id, context)
            if ch.kind == pb.CHANNEL_KIND_TERM:
                try:
                    binary_to_term(request.payload)
                except ETFDecodeError as e:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            if request.wait and ch.max_size and len(request.payload) > ch.max_size \
                    and not ch.closed:
                context.abort(grpc.StatusCode.OUT_OF_RANGE, "payload larger than max_size")
            if request.wait:
                timeout = None if request.timeout_ms < 0 else request.timeout_ms / 1000
                room = self.cond.wait_for(
                    lambda: ch.closed or not ch.max_size
                    or ch.size + len(request.payload) <= ch.max_size, timeout)
                if not room:
                    return pb.SendResponse(result=pb.SEND_RESULT_TIMEOUT)
            return pb.SendResponse(result=self._enqueue(ch, request.payload))

    def _enqueue(self, ch: _Chan, payload: bytes, own_reserved: int = 0) -> int:
        if ch.closed:
            return pb.SEND_RESULT_CLOSED
        if ch.max_size and ch.size + ch.reserved - own_reserved + len(payload) > ch.max_size:
            return pb.SEND_RESULT_BUSY
        ch.queue.append(payload)
        ch.size += len(payload)
        self.cond.notify_all()
        return pb.SEND_RESULT_OK

    def _dequeue(self, ch: _Chan) -> bytes:
        payload = ch.queue.popleft()
        ch.size -= len(payload)
        self.cond.notify_all()
        return payload

    def TryReceive(self, request, context):
        with self.cond:
            ch = self._get(request.channel_id, context)
            if ch.queue:
                return pb.ReceiveResponse(status=pb.RECEIVE_STATUS_MESSAGE,
                                          payload=self._dequeue(ch))
            return pb.ReceiveResponse(
                status=pb.RECEIVE_STATUS_CLOSED if ch.closed else pb.RECEIVE_STATUS_EMPTY)

    def Receive(self, request, context):
        timeout = None if request.timeout_ms < 0 else request.timeout_ms / 1000
        with self.cond:
            ch = self._get(request.channel_id, context)
            ch.waiting += 1
            try:
                ok = self.cond.wait_for(lambda: ch.queue or ch.closed or not context.is_active(),
                                        timeout)
            finally:
                ch.waiting -= 1
            if ch.queue and context.is_active():
                return pb.ReceiveResponse(status=pb.RECEIVE_STATUS_MESSAGE,
                                          payload=self._dequeue(ch))
            if ch.closed:
                return pb.ReceiveResponse(status=pb.RECEIVE_STATUS_CLOSED)
            del ok
            return pb.ReceiveResponse(status=pb.RECEIVE_STATUS_TIMEOUT)

    def Close(self, request, context):
        with self.cond:
            ch = self._get(request.channel_id, context)
            ch.closed = True
            self.cond.notify_all()
        return pb.CloseResponse()

    def Info(self, request, context):
        with self.cond:
            return pb.InfoResponse(info=self._get(request.channel_id, context).info())

    def Stream(self, request_iterator, context):
        with self.cond:
            self._streams += 1
            no = self._streams
        first = next(request_iterator)
        self.frames.append((no, first.WhichOneof("frame"), first.open))
        with self.cond:
            ch = self._get(first.open.channel_id, context)
            if first.open.expected_kind and first.open.expected_kind != ch.kind:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "wrong kind")
        state = {
            "credit_m": first.open.initial_credit_messages,
            "credit_b": first.open.initial_credit_bytes,
            "unacked": collections.deque(),  # (seq, payload)
            "seq": 0, "release": False, "ended": False, "closed_sent": False,
            "out": collections.deque(),  # producer frames to write (SendResults, SendCredit)
            "target": (0, 0), "granted_b": 0, "granted_m": 0,
        }

        def grant(reset: bool) -> None:
            """Tops the stream's producer credit up to its target, within the room left."""
            want_b, want_m = state["target"]
            room = want_b - state["granted_b"]
            if ch.max_size:
                room = min(room, ch.max_size - ch.size - ch.reserved)
            room = max(0, min(room, self.reserve_cap - state["granted_b"]))
            more_m = max(0, want_m - state["granted_m"]) if room > 0 or want_m == 0 else 0
            if ch.closed:
                room = more_m = 0
            if room == 0 and more_m == 0 and not reset:
                return
            state["granted_b"] += room
            state["granted_m"] += more_m
            ch.reserved += room
            if reset:
                state["out"].append(pb.ServerFrame(send_credit=pb.SendCredit(
                    bytes=state["granted_b"], messages=state["granted_m"], reset=True)))
            else:
                state["out"].append(pb.ServerFrame(send_credit=pb.SendCredit(
                    bytes=room, messages=more_m)))

        def revoke() -> None:
            ch.reserved -= state["granted_b"]
            state["granted_b"] = state["granted_m"] = 0

        def on_send(send) -> None:
            if self.hold_send_results:
                return
            results = []
            if send.reserved:
                total = sum(len(p) for p in send.payloads)
                if total > state["granted_b"] or len(send.payloads) > state["granted_m"]:
                    state["bad_reserved"] = True
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, "beyond the credit")
                for p in send.payloads:
                    state["granted_b"] -= len(p)
                    state["granted_m"] -= 1
                    ch.reserved -= len(p)
                    if ch.closed:
                        results.append(pb.SEND_RESULT_CLOSED)
                    else:  # into reserved room: never busy
                        results.append(self._enqueue(ch, p, ch.reserved + len(p)))
                grant(False)
            else:
                for p in send.payloads:
                    if send.wait and ch.max_size and len(p) > ch.max_size:
                        results.append(pb.SEND_RESULT_TOO_LARGE)
                        continue
                    if send.wait:
                        timeout = None if send.timeout_ms < 0 else send.timeout_ms / 1000
                        # Every reservation counts, this stream's own too (S-EXT-RESERVE).
                        if not self.cond.wait_for(
                                lambda: ch.closed or not ch.max_size
                                or ch.size + ch.reserved + len(p) <= ch.max_size, timeout):
                            results.append(pb.SEND_RESULT_TIMEOUT)
                            continue
                    results.append(self._enqueue(ch, p))
            state["out"].append(pb.ServerFrame(send_results=pb.SendResults(
                first_seq=send.first_seq, results=results)))

        def read() -> None:
            try:
                for frame in request_iterator:
                    which = frame.WhichOneof("frame")
                    with self.cond:
                        self.frames.append((no, which, getattr(frame, which)))
                        if which == "credit":
                            state["credit_m"] += frame.credit.messages
                            state["credit_b"] += frame.credit.bytes
                        elif which == "ack":
                            if frame.ack.up_to_seq > state["seq"]:
                                state["bad_ack"] = frame.ack.up_to_seq
                            while state["unacked"] and state["unacked"][0][0] <= frame.ack.up_to_seq:
                                state["unacked"].popleft()
                        elif which == "release":
                            state["release"] = True
                        elif which == "send":
                            on_send(frame.send)
                        elif which == "reserve":
                            revoke()
                            state["target"] = (frame.reserve.bytes, frame.reserve.messages)
                            grant(True)
                        self.cond.notify_all()
                with self.cond:
                    self.frames.append((no, "half_close", None))
            except Exception:  # noqa: BLE001 - the call ended
                with self.cond:
                    self.frames.append((no, "cancelled", None))
            with self.cond:
                state["ended"] = True
                self.cond.notify_all()

        def give_back() -> int:
            n = len(state["unacked"])
            for seq, payload in reversed(state["unacked"]):
                ch.queue.appendleft(payload)
                ch.size += len(payload)
            state["unacked"].clear()
            self.cond.notify_all()
            return n

        opened = pb.ServerFrame(opened=pb.Opened(info=ch.info(), max_message_bytes=MAX_MESSAGE_BYTES))
        if first.open.reserve_bytes or first.open.reserve_messages:
            with self.cond:
                state["target"] = (first.open.reserve_bytes, first.open.reserve_messages)
                grant(True)
        threading.Thread(target=read, daemon=True).start()
        context.add_callback(lambda: self._end(state))
        yield opened
        try:
            while True:
                with self.cond:
                    def ready() -> bool:
                        return (state["ended"] or state["release"] or not context.is_active()
                                or state["out"]
                                or (ch.queue and state["credit_m"] > 0
                                    and state["credit_b"] >= len(ch.queue[0]))
                                or (ch.closed and not ch.queue and not state["closed_sent"]))
                    self.cond.wait_for(ready)
                    if state["ended"] or not context.is_active():
                        return
                    if state["out"]:
                        frame = state["out"].popleft()
                    elif state["release"]:
                        state["release"] = False
                        n = give_back()
                        state["credit_m"] = state["credit_b"] = 0
                        frame = pb.ServerFrame(released=pb.Released(up_to_seq=state["seq"],
                                                                    returned=n))
                    elif ch.queue and state["credit_m"] > 0 and state["credit_b"] >= len(ch.queue[0]):
                        batch = []
                        first_seq = state["seq"] + 1
                        while (ch.queue and state["credit_m"] > 0 and len(batch) < self.max_batch
                               and state["credit_b"] >= len(ch.queue[0])):
                            payload = self._dequeue(ch)
                            state["credit_m"] -= 1
                            state["credit_b"] -= len(payload)
                            state["seq"] += 1
                            state["unacked"].append((state["seq"], payload))
                            batch.append(payload)
                        self.max_outstanding[no] = max(self.max_outstanding[no],
                                                       len(state["unacked"]))
                        frame = pb.ServerFrame(deliveries=pb.Deliveries(first_seq=first_seq,
                                                                        payloads=batch))
                    else:
                        state["closed_sent"] = True
                        frame = pb.ServerFrame(closed=pb.ChannelClosed())
                yield frame
        finally:
            with self.cond:
                give_back()
                revoke()

    def _end(self, state: dict) -> None:
        with self.cond:
            state["ended"] = True
            self.cond.notify_all()


class FakeServer:
    """Runs FakeChannelService on a free loopback port."""

    def __init__(self, **kwargs) -> None:
        self.service = FakeChannelService(**kwargs)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=[
            ("grpc.max_receive_message_length", 17 * 1024 * 1024),
            ("grpc.max_send_message_length", 17 * 1024 * 1024),
        ])
        pb_grpc.add_ChannelServiceServicer_to_server(self.service, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.target = f"127.0.0.1:{self.port}"

    def __enter__(self) -> "FakeServer":
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop(grace=None)

    def stream_frames(self, no: Optional[int] = None) -> List[Tuple[int, str, object]]:
        return [f for f in self.service.frames if no is None or f[0] == no]


if __name__ == "__main__":
    import sys
    import time
    with FakeServer() as fake:
        print(fake.target, flush=True)
        try:
            time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 3600)
        except KeyboardInterrupt:
            pass
