"""The credit window of an iteration stream, without I/O (S-EXT-CREDIT, S-EXT-REDELIVER)."""

import pytest

from vertx_channels._base import BYTES, ConsumerWindow, ProtocolError
from vertx_channels._proto.vertx.channels.v1 import channels_pb2 as pb


def opened(max_message_bytes=1000):
    return pb.ServerFrame(opened=pb.Opened(max_message_bytes=max_message_bytes))


def deliveries(first_seq, *payloads):
    return pb.ServerFrame(deliveries=pb.Deliveries(first_seq=first_seq, payloads=list(payloads)))


def kinds(frames):
    return [f.WhichOneof("frame") for f in frames]


def take(window):
    payload = window.peek()
    window.commit()
    return payload


def test_open_frame_grants_the_initial_window():
    w = ConsumerWindow("c1", BYTES, 8, 4096)
    f = w.open_frame().open
    assert (f.channel_id, f.expected_kind) == ("c1", pb.CHANNEL_KIND_BYTES)
    assert (f.initial_credit_messages, f.initial_credit_bytes) == (8, 4096)


def test_byte_credit_is_raised_to_the_largest_message():
    w = ConsumerWindow("c1", BYTES, 8, 100)
    extra = w.feed(opened(max_message_bytes=1000))
    assert kinds(extra) == ["credit"]
    assert (extra[0].credit.messages, extra[0].credit.bytes) == (0, 900)
    assert w.window_bytes == 1000


def test_no_extra_credit_when_window_is_large_enough():
    w = ConsumerWindow("c1", BYTES, 8, 4096)
    assert w.feed(opened(max_message_bytes=1000)) == []


def test_payloads_are_handed_in_order_and_acked_before_credit():
    w = ConsumerWindow("c1", BYTES, 4, 1 << 20)
    w.feed(opened())
    w.feed(deliveries(1, b"a", b"bb"))
    w.feed(deliveries(3, b"ccc"))
    assert take(w) == b"a"
    assert w.control_frames(idle=False) == []  # under half a window
    assert take(w) == b"bb"
    frames = w.control_frames(idle=False)  # 2 of 4 messages used: half a window
    assert kinds(frames) == ["ack", "credit"]
    assert frames[0].ack.up_to_seq == 2
    assert (frames[1].credit.messages, frames[1].credit.bytes) == (2, 3)
    assert take(w) == b"ccc"
    assert w.peek() is None
    frames = w.control_frames(idle=True)  # buffer empty: flush what was used
    assert kinds(frames) == ["ack", "credit"]
    assert frames[0].ack.up_to_seq == 3
    assert w.control_frames(idle=True) == []


def test_outstanding_never_exceeds_the_window():
    """Simulates a server that pushes whenever it has credit: the client never holds more
    than the window (S-EXT-CREDIT)."""
    w = ConsumerWindow("c1", BYTES, 10, 1 << 20)
    w.feed(opened())
    credit = 10
    seq = 1
    for round_ in range(50):
        n = credit
        if n:
            w.feed(deliveries(seq, *[b"x"] * n))
            seq += n
            credit -= n
        assert w.buffered <= 10
        for _ in range(3 if round_ % 2 else 7):
            if w.peek() is None:
                break
            take(w)
        for f in w.control_frames(idle=w.peek() is None):
            if f.WhichOneof("frame") == "credit":
                credit += f.credit.messages
        assert credit + w.buffered <= 10


def test_byte_window_never_deadlocks_on_a_large_message():
    """A message as large as the whole byte window is pushed once everything before it was
    consumed: the idle flush gives the whole window back."""
    w = ConsumerWindow("c1", BYTES, 100, 1000)
    w.feed(opened(max_message_bytes=1000))
    w.feed(deliveries(1, b"x" * 300))
    take(w)
    frames = w.control_frames(idle=True)
    assert frames[-1].credit.bytes == 300  # credit is back to 1000: a 1000-byte message fits


def test_release_acks_what_was_handed_and_drops_the_rest():
    w = ConsumerWindow("c1", BYTES, 10, 1 << 20)
    w.feed(opened())
    w.feed(deliveries(1, b"a", b"b", b"c"))
    take(w)
    frames = w.release_frames()
    assert kinds(frames) == ["ack", "release"]
    assert frames[0].ack.up_to_seq == 1
    assert w.peek() is None
    w.feed(deliveries(4, b"d"))  # pushed before Released: dropped
    assert w.peek() is None
    w.feed(pb.ServerFrame(released=pb.Released(up_to_seq=4, returned=3)))
    assert w.released
    assert w.control_frames(idle=True) == []


def test_release_without_anything_handed_sends_only_release():
    w = ConsumerWindow("c1", BYTES, 10, 1 << 20)
    w.feed(opened())
    assert kinds(w.release_frames()) == ["release"]


def test_closed_frame_ends_after_the_buffer_is_drained():
    w = ConsumerWindow("c1", BYTES, 10, 1 << 20)
    w.feed(opened())
    w.feed(deliveries(1, b"a"))
    w.feed(pb.ServerFrame(closed=pb.ChannelClosed()))
    assert not w.at_end
    take(w)
    assert w.at_end


def test_protocol_errors_are_detected():
    w = ConsumerWindow("c1", BYTES, 10, 1 << 20)
    with pytest.raises(ProtocolError, match="before Opened"):
        w.feed(deliveries(1, b"a"))
    w.feed(opened())
    with pytest.raises(ProtocolError, match="Opened twice"):
        w.feed(opened())
    with pytest.raises(ProtocolError, match="first_seq 2, expected 1"):
        w.feed(deliveries(2, b"a"))
    with pytest.raises(ProtocolError, match="unexpected frame"):
        w.feed(pb.ServerFrame(send_results=pb.SendResults(first_seq=1)))
