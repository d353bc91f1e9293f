"""The term mapping of the contract's section 6, through a real term channel: what
Channel.send encodes is what the server stores (S-SEND-3) and what Channel.receive decodes."""

import asyncio
import math
import struct

import pytest

from vertx_channels import Atom, ImproperList
from vertx_channels.terms import BitString, Pid, Ref, term_to_binary


def new_pid() -> Pid:
    node = b"nonode@nohost"
    return Pid(bytes([88, 119, len(node)]) + node + struct.pack(">III", 85, 0, 1))


def new_ref() -> Ref:
    node = b"a@b"
    return Ref(bytes([90]) + struct.pack(">H", 3) + bytes([119, len(node)]) + node
               + struct.pack(">IIII", 7, 1, 2, 3))


ROUND_TRIPS = [  # (sent, received)
    (True, True),
    (False, False),
    (None, None),
    (Atom("nil"), None),
    (Atom("undefined"), None),
    (Atom("hello"), Atom("hello")),
    (0, 0),
    (-1, -1),
    (2**31, 2**31),
    (2**100, 2**100),  # bignums work (erlang_python gives None past 64 bits)
    (-(2**70), -(2**70)),
    (1.5, 1.5),
    ("héllo", "héllo"),  # str -> UTF-8 binary -> str
    (b"abc", "abc"),  # a binary that is valid UTF-8 comes back as str
    (b"\xff\x00", b"\xff\x00"),  # not UTF-8: bytes
    (bytearray(b"\xfe"), b"\xfe"),
    ((Atom("bytes"), b"abc"), b"abc"),  # {bytes, Bin} -> bytes
    ([], []),
    ([104, 105], [104, 105]),  # a charlist is a list of ints
    ([1, "two", [3.0]], [1, "two", [3.0]]),
    ((), ()),
    ((Atom("ok"), 1, (2, 3)), ("ok", 1, (2, 3))),
    ({"a": 1, Atom("b"): [2]}, {"a": 1, "b": [2]}),
    (ImproperList([1, 2], 3), ImproperList([1, 2], 3)),
    (float("inf"), Atom("infinity")),
    (float("-inf"), Atom("neg_infinity")),
]


@pytest.mark.parametrize("sent, received", ROUND_TRIPS, ids=[repr(s)[:30] for s, _ in ROUND_TRIPS])
def test_value_round_trips_through_a_channel__section_6_S_SEND_3(client, sent, received):
    ch = client.new_channel()
    ch.send(sent)
    assert ch.info()["size"] == len(term_to_binary(sent))
    got = ch.receive(0)
    assert got == received
    assert type(got) is type(received)


def test_nan_becomes_the_atom_nan__section_6(client):
    ch = client.new_channel()
    ch.send(math.nan)
    assert ch.receive(0) == Atom("nan")


def test_atom_stays_an_atom_through_a_second_hop(client):
    ch = client.new_channel()
    ch.send(Atom("ok"))
    first = ch.receive(0)
    assert isinstance(first, Atom)
    ch.send(first)
    assert ch.info()["size"] == len(term_to_binary(Atom("ok")))
    assert isinstance(ch.receive(0), Atom)


def test_opaque_values_come_back_byte_for_byte__section_6(client):
    ch = client.new_channel()
    values = [new_pid(), new_ref(), BitString.from_bits(b"\xa0", 3)]
    for v in values:
        ch.send(v)
    got = [ch.receive(0) for _ in values]
    assert got == values
    assert [type(g) for g in got] == [Pid, Ref, BitString]
    assert [term_to_binary(g) for g in got] == [term_to_binary(v) for v in values]


@pytest.mark.parametrize("bad", [object(), {1, 2}, 1j, print])
def test_values_with_no_erlang_form_raise_type_error__section_6(client, bad):
    ch = client.new_channel()
    with pytest.raises(TypeError):
        ch.send(bad)
    assert ch.info()["size"] == 0


def test_deep_structure_through_iteration_and_aio(client, server_target):
    import vertx_channels.aio
    ch = client.new_channel()
    value = {"list": list(range(100)), "nested": [(i, str(i), {i: [i]}) for i in range(20)]}
    ch.send(value)
    ch.send(value)
    ch.close()
    assert next(iter(ch)) == value

    async def via_aio():
        async with vertx_channels.aio.connect(server_target) as c:
            return await (await c.channel(ch.id)).receive(0)

    assert asyncio.run(via_aio()) == value
