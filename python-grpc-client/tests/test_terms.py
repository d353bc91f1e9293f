"""Tests for vertx_channels.terms, the ETF codec, against a real Erlang.

All ETF vectors come from ``erl`` at test time (see ``etf_vectors.py``);
malformed inputs are derived from those vectors or from the encoder.
"""

from __future__ import annotations

import collections
import enum
import math
import os
import random
import struct
import sys
import zlib

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))
sys.path.insert(0, _HERE)

import etf_vectors  # noqa: E402
from vertx_channels.terms import (  # noqa: E402
    Atom,
    FrozenList,
    FrozenMap,
    BitString,
    ETFDecodeError,
    Fun,
    ImproperList,
    Pid,
    Port,
    Ref,
    binary_to_term,
    term_to_binary,
)

A = Atom
REFUSED = object()  # expected "value" of vectors that must raise ETFDecodeError


def _nest(depth, leaf, wrap):
    x = leaf
    for _ in range(depth):
        x = wrap(x)
    return x


EXPECTED = {
    # atoms
    "atom_ok": A("ok"),
    "atom_empty": A(""),
    "atom_true": True,
    "atom_false": False,
    "atom_nil": None,
    "atom_none": None,
    "atom_undefined": None,
    "atom_bytes": A("bytes"),
    "atom_cafe": A("café"),
    "atom_nihon": A("日本"),
    "atom_255_latin1": A("é" * 255),
    "atom_255_ascii": A("a" * 255),
    "atom_nan": A("nan"),
    "atom_infinity": A("infinity"),
    "atom_neg_infinity": A("neg_infinity"),
    # integers
    "int_0": 0,
    "int_255": 255,
    "int_256": 256,
    "int_m1": -1,
    "int_m256": -256,
    "int_i32_max": 2**31 - 1,
    "int_i32_min": -(2**31),
    "int_2_31": 2**31,
    "int_m2_31_m1": -(2**31) - 1,
    "int_2_64": 2**64,
    "int_m2_64": -(2**64),
    "int_2_64_m1": 2**64 - 1,
    "int_2_1000": 2**1000,
    "int_255_bytes": 2**2040 - 1,
    "int_256_bytes": 2**2040,
    "int_2_3000": 2**3000,
    "int_m2_3000": -(2**3000),
    # floats
    "float_0_1": 0.1,
    "float_0": 0.0,
    "float_neg_0": -0.0,
    "float_1e308": 1e308,
    "float_m1_5": -1.5,
    "float_denormal": 5e-324,
    "float_pi": math.pi,
    "float_big_int": 1e20,
    # binaries
    "bin_empty": "",
    "bin_hello": "hello",
    "bin_utf8": "héllo 日本 \U0001F600",
    "bin_not_utf8": b"\xff\x00\x01",
    "bin_surrogate": b"\xed\xa0\x80",
    "bin_1000": "ab" * 500,
    "bytes_tuple": b"\x01\x02\xff",
    "bytes_tuple_utf8": b"abc",
    "bytes_tuple_3": (A("bytes"), "abc", 1),
    "bytes_tuple_list": (A("bytes"), [97, 98, 99]),
    # lists
    "nil": [],
    "charlist_abc": [97, 98, 99],
    "charlist_bytes": [0, 255, 1],
    "charlist_0_255": list(range(256)),
    "charlist_max": [7] * 65535,
    "list_65536_small": [7] * 65536,
    "list_ints": [1, 256, -1],
    "list_mixed": [A("a"), "b", [A("c")], (A("d"),), 1.5, True],
    "list_nested_nil": [[]],
    "list_bool_int": [True, 1],
    "list_big_ints": [1, 2**70],
    "list_of_tuples": [(A("item"), i, "v") for i in range(1, 51)],
    "improper_int": ImproperList([1, 2], 3),
    "improper_bin": ImproperList([A("a")], "b"),
    "improper_list_head": ImproperList([[1]], A("x")),
    # tuples
    "tuple_empty": (),
    "tuple_1": (1,),
    "tuple_msg": (A("ok"), 42, "x"),
    "tuple_255": tuple(range(1, 256)),
    "tuple_256": tuple(range(1, 257)),
    "tuple_300": tuple(range(1, 301)),
    # maps
    "map_empty": {},
    "map_atom_key": {A("a"): 1},
    "map_int_key": {1: "x"},
    "map_bin_key": {"k": [1, 2]},
    "map_tuple_key": {(A("t"), 1): {}},
    "map_nested_1": {A("k"): {A("k2"): {A("k3"): [A("x")]}}},
    "map_multi": {
        A("a"): {A("b"): {A("c"): 1}},
        1: 2,
        "bin": (A("t"),),
        (A("t"), 1): [1],
        2.5: b"\xff",
        None: [],
    },
    "map_40": {i: i * i for i in range(1, 41)},
    # issue 15.6: unhashable keys decode frozen (tests/test_frozen_keys.py)
    "map_list_key": {FrozenList([1]): 2},
    "map_map_key": {FrozenMap({}): 1},
    "map_tuple_list_key": {(A("a"), FrozenList([A("b")])): 1},
    "map_keys_collide_atom_bin": REFUSED,
    "map_keys_collide_int_float": REFUSED,
    "map_keys_collide_nil_none": REFUSED,
    # opaque values (a class means "an instance of")
    "pid": Pid,
    "ref": Ref,
    "port": Port,
    "fun_local": Fun,
    "fun_closure": Fun,
    "fun_export": Fun,
    "bits_3": BitString,
    "bits_27": BitString,
    "opaque_mix": (Pid, Ref, [Fun], {A("k"): BitString}),
    # compressible / deep
    "repetitive": [(A("ok"), "abcdef")] * 200,
    "deep_lists_200": _nest(200, [], lambda x: [x]),
    "deep_tuples_200": _nest(200, A("x"), lambda x: (x,)),
    "deep_maps_100": _nest(100, 0, lambda x: {A("k"): x}),
    "message": (A("call"), 7, {A("method"): "put", A("args"): ["k", b"\x00\x01", 3.25]}),
}

# Vectors whose Python value need not re-encode to Erlang's minor_version 2
# bytes: atoms that decode to None, {bytes, Bin}, maps with several keys.
NOT_CANONICAL = {
    "atom_nil",
    "atom_undefined",
    "bytes_tuple",
    "bytes_tuple_utf8",
    "map_multi",
    "map_40",
    "message",
}

OPAQUE = ["pid", "ref", "port", "fun_local", "fun_closure", "fun_export", "bits_3", "bits_27"]
UNCOMPRESSED = ["default", "v0", "v1", "v2"]
SMALL = 4096  # vectors up to this size get exhaustive truncation tests


def test_expected_covers_vectors():
    assert set(EXPECTED) == set(etf_vectors.VECTORS)


@pytest.fixture(scope="module")
def vectors():
    if not etf_vectors.erl_available():
        pytest.skip("erl (Erlang) is not installed")
    return etf_vectors.generate()


def same(expected, actual) -> bool:
    """Equality that also requires identical types (Atom vs str, bool vs
    int, bytes vs str) and the float sign bit."""
    if isinstance(expected, type):
        return isinstance(actual, expected)
    if type(expected) is not type(actual):
        return False
    if type(expected) is float:
        return struct.pack(">d", expected) == struct.pack(">d", actual)
    if type(expected) in (list, tuple):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual))
    if type(expected) is dict:
        if len(expected) != len(actual):
            return False
        for k, v in expected.items():
            matches = [ak for ak in actual if ak == k and same(k, ak)]
            if len(matches) != 1 or not same(v, actual[matches[0]]):
                return False
        return True
    if type(expected) is ImproperList:
        return same(expected.elements, actual.elements) and same(expected.tail, actual.tail)
    return expected == actual


# --------------------------------------------------------------------------
# Decoding vectors from Erlang
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(etf_vectors.VECTORS))
def test_decode_vector(vectors, name):
    expected = EXPECTED[name]
    for variant, data in vectors[name].items():
        if expected is REFUSED:
            with pytest.raises(ETFDecodeError, match="map"):
                binary_to_term(data)
            continue
        value = binary_to_term(data)
        assert same(expected, value), (variant, value)
        # bytearray and memoryview inputs decode the same
        assert same(expected, binary_to_term(bytearray(data)))
        assert same(expected, binary_to_term(memoryview(data)))


@pytest.mark.parametrize(
    "name", sorted(n for n in etf_vectors.VECTORS if n not in NOT_CANONICAL and EXPECTED[n] is not REFUSED)
)
def test_canonical_encoding(vectors, name):
    """Python's encoding is byte-equal to term_to_binary(T, [{minor_version, 2}])."""
    expected = EXPECTED[name]
    v2 = vectors[name]["v2"]
    value = binary_to_term(v2)
    assert term_to_binary(value) == v2
    # the same from the compressed variant (inflated data is the v2 encoding)
    assert term_to_binary(binary_to_term(vectors[name]["z"])) == v2
    if not any(isinstance(x, type) for x in _walk(expected)):
        # values written in Python, not only decoded ones
        assert term_to_binary(expected) == v2


def _walk(x):
    yield x
    if isinstance(x, (list, tuple)):
        for y in x:
            yield from _walk(y)
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from _walk(k)
            yield from _walk(v)


@pytest.mark.parametrize("name", OPAQUE)
def test_opaque_roundtrip(vectors, name):
    cls = EXPECTED[name]
    for variant in UNCOMPRESSED:
        data = vectors[name][variant]
        value = binary_to_term(data)
        assert type(value) is cls
        assert value.etf == data[1:]
        assert term_to_binary(value) == data
        again = binary_to_term(data)
        assert again == value and hash(again) == hash(value)
        assert cls(data[1:]) == value  # public constructor validates and accepts
        assert len({value, again}) == 1
        assert repr(value).startswith(cls.__name__)
    for variant, plain in (("z", "v2"), ("z9", "v1")):
        assert term_to_binary(binary_to_term(vectors[name][variant])) == vectors[name][plain]


def test_opaque_types_differ(vectors):
    pid = binary_to_term(vectors["pid"]["v2"])
    port = binary_to_term(vectors["port"]["v2"])
    assert pid != port
    assert pid != binary_to_term(vectors["pid"]["v1"])  # node atom encoded differently
    with pytest.raises(ValueError):
        Pid(vectors["port"]["v2"][1:])
    with pytest.raises(ValueError):
        Pid(b"garbage")
    with pytest.raises(ValueError):
        Ref(vectors["ref"]["v2"][1:] + b"\x00")


def test_bitstring_fields(vectors):
    b3 = binary_to_term(vectors["bits_3"]["v2"])
    assert (b3.data, b3.bits) == (b"\x20", 3)
    b27 = binary_to_term(vectors["bits_27"]["v2"])
    assert (b27.data, b27.bits) == (b"\x01\x02\x60", 3)
    assert BitString.from_bits(b"\x20", 3) == b3
    assert term_to_binary(BitString.from_bits(b"\x01\x02\x60", 3)) == vectors["bits_27"]["v2"]
    for bad in ((b"", 3), (b"\x00", 0), (b"\x00", 8)):
        with pytest.raises(ValueError):
            BitString.from_bits(*bad)


def test_opaque_mix_structure(vectors):
    pid, ref, funs, m = binary_to_term(vectors["opaque_mix"]["v2"])
    assert pid == binary_to_term(vectors["pid"]["v2"])  # same self() in one erl
    assert type(ref) is Ref and type(funs[0]) is Fun
    assert funs[0] == binary_to_term(vectors["fun_export"]["v2"])
    assert m[A("k")].bits == 4


def test_compressed_vectors_are_compressed(vectors):
    # make sure the tag-80 path is really exercised
    compressed = [n for n in vectors if vectors[n]["z"][1] == 80]
    assert {"repetitive", "charlist_max", "list_65536_small", "bin_1000"} <= set(compressed)
    for n in compressed:
        assert vectors[n]["z9"][1] == 80


def test_decoded_tags_coverage(vectors):
    """The vectors exercise every tag term_to_binary emits on this OTP."""
    top = {
        ("pid", "v2"): 88,
        ("ref", "v2"): 90,
        ("port", "v2"): 89,
        ("fun_local", "v2"): 112,
        ("fun_export", "v2"): 113,
        ("bits_3", "v2"): 77,
        ("float_0_1", "v0"): 99,
        ("float_0_1", "v1"): 70,
        ("atom_cafe", "v1"): 100,
        ("atom_cafe", "v2"): 119,
        ("atom_255_latin1", "v2"): 118,
        ("int_255", "v2"): 97,
        ("int_256", "v2"): 98,
        ("int_2_64", "v2"): 110,
        ("int_2_3000", "v2"): 111,
        ("tuple_msg", "v2"): 104,
        ("tuple_300", "v2"): 105,
        ("nil", "v2"): 106,
        ("charlist_abc", "v2"): 107,
        ("list_ints", "v2"): 108,
        ("bin_hello", "v2"): 109,
        ("map_atom_key", "v2"): 116,
        ("repetitive", "z"): 80,
    }
    for (name, variant), tag in top.items():
        assert vectors[name][variant][1] == tag, (name, variant)


# --------------------------------------------------------------------------
# Legacy tags (derived from Erlang's own output, checked by Erlang too)
# --------------------------------------------------------------------------


def _legacy_variants(vectors):
    """Rewrite modern encodings into the older tags OTP still decodes."""
    cafe = vectors["atom_cafe"]["v1"]  # ATOM_EXT: 100, len:16, Latin-1
    assert cafe[1] == 100
    small_atom = b"\x83" + bytes((115, cafe[3])) + cafe[4:]

    pid = vectors["pid"]["v1"]  # NEW_PID_EXT: 88, node, id:32, serial:32, creation:32
    assert pid[1] == 88
    node_end = 2 + 3 + struct.unpack(">H", pid[3:5])[0]
    old_pid = b"\x83" + bytes((103,)) + pid[2:node_end] + pid[node_end : node_end + 8] + pid[-1:]

    port = vectors["port"]["v1"]  # NEW_PORT_EXT: 89, node, id:32, creation:32
    assert port[1] == 89
    node_end = 2 + 3 + struct.unpack(">H", port[3:5])[0]
    old_port = b"\x83" + bytes((102,)) + port[2:node_end] + port[node_end : node_end + 4] + port[-1:]
    v4_port = b"\x83" + bytes((120,)) + port[2:node_end] + b"\x00" * 4 + port[node_end:]

    ref = vectors["ref"]["v1"]  # NEWER_REFERENCE_EXT: 90, len:16, node, creation:32, ids
    assert ref[1] == 90
    node_end = 4 + 3 + struct.unpack(">H", ref[5:7])[0]
    new_ref = b"\x83" + bytes((114,)) + ref[2:node_end] + ref[node_end + 3 : node_end + 4] + ref[node_end + 4 :]
    return {
        "small_atom": (small_atom, A("café"), "X =:= " + etf_vectors.atom("café")),
        "pid_ext": (old_pid, Pid, "is_pid(X)"),
        "port_ext": (old_port, Port, "is_port(X)"),
        "v4_port_ext": (v4_port, Port, "is_port(X)"),
        "new_reference_ext": (new_ref, Ref, "is_reference(X)"),
    }


def test_legacy_tags(vectors):
    legacy = _legacy_variants(vectors)
    for name, (data, expected, _) in legacy.items():
        value = binary_to_term(data)
        assert same(expected, value), name
        if isinstance(expected, type):  # opaque values keep their bytes
            assert term_to_binary(value) == data
    # Erlang agrees that these rewritten encodings are valid
    results = etf_vectors.erl_check((n, d, p) for n, (d, _, p) in legacy.items())
    assert results == {n: "true" for n in legacy}, results


# --------------------------------------------------------------------------
# Python -> Erlang
# --------------------------------------------------------------------------


class Color(enum.IntEnum):
    RED = 1


Point = collections.namedtuple("Point", "x y")

REVERSE_CASES = [
    ("int_small", 7, "X =:= 7"),
    ("int_neg", -123456, "X =:= -123456"),
    ("int_big_neg", -(2**3000) + 5, "X =:= -(1 bsl 3000) + 5"),
    ("float", 0.1, "X =:= 0.1"),
    ("float_neg_zero", -0.0, "begin <<S:1, _:63>> = <<X/float>>, S =:= 1 end"),
    ("nan", float("nan"), "X =:= nan"),
    ("inf", float("inf"), "X =:= infinity"),
    ("neg_inf", float("-inf"), "X =:= neg_infinity"),
    ("str", "héllo 日本", "X =:= " + etf_vectors.utf8_bin("héllo 日本")),
    ("bytes", b"\xff\x00", "X =:= <<255, 0>>"),
    ("bytearray", bytearray(b"ab"), "X =:= <<\"ab\">>"),
    ("memoryview", memoryview(b"cd"), "X =:= <<\"cd\">>"),
    ("none", None, "X =:= none"),
    ("true", True, "X =:= true"),
    ("atom_utf8", A("日本"), "X =:= " + etf_vectors.atom("日本")),
    ("atom_long", A("é" * 255), "X =:= " + etf_vectors.atom("é" * 255)),
    ("charlist", [104, 105], "X =:= \"hi\""),
    ("list_bools", [True, 1, False], "X =:= [true, 1, false]"),
    ("large_tuple", tuple(range(300)), "X =:= list_to_tuple(lists:seq(0, 299))"),
    ("improper", ImproperList([1, A("a")], "t"), "X =:= [1, a | <<\"t\">>]"),
    (
        "map_multi",
        {A("a"): 1, 2: [3], "k": (A("t"),), (1, 2): {A("x"): None}},
        "X =:= #{a => 1, 2 => [3], <<\"k\">> => {t}, {1, 2} => #{x => none}}",
    ),
    ("int_enum", Color.RED, "X =:= 1"),
    ("namedtuple", Point(1, 2), "X =:= {1, 2}"),
    ("ordered_dict", collections.OrderedDict([(A("z"), 1)]), "X =:= #{z => 1}"),
    ("bitstring", BitString.from_bits(b"\x20", 3), "X =:= <<1:3>>"),
    ("deep", _nest(300, [], lambda x: [x]), "length(X) =:= 1"),
    ("long_list", list(range(70000)), "X =:= lists:seq(0, 69999)"),
]


def test_python_to_erlang(vectors):
    cases = [(name, term_to_binary(value), pred) for name, value, pred in REVERSE_CASES]
    # opaque values decoded from one erl, sent to another
    opaque_preds = {
        "pid": "is_pid(X)",
        "ref": "is_reference(X)",
        "port": "is_port(X)",
        "fun_local": "X() =:= ok",
        "fun_closure": "X(1) =:= {42, 1}",
        "fun_export": "X(-3) =:= 3",
        "bits_27": "X =:= <<1, 2, 3:3>>",
    }
    for name, pred in opaque_preds.items():
        cases.append((name, term_to_binary(binary_to_term(vectors[name]["v2"])), pred))
    results = etf_vectors.erl_check(cases)
    assert results == {name: "true" for name, _, _ in cases}, results


# --------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------


def _all_vector_bytes(vectors):
    """Every distinct vector encoding (variants are often byte-identical)."""
    seen = set()
    for name in sorted(vectors):
        for variant, data in vectors[name].items():
            if data not in seen:
                seen.add(data)
                yield f"{name}/{variant}", data


def test_every_truncation_is_refused(vectors):
    rng = random.Random(1234)
    for label, data in _all_vector_bytes(vectors):
        if len(data) <= SMALL:
            cuts = range(len(data))
        else:
            # each cut of a big vector costs a near-full parse: sample a few
            cuts = sorted({*rng.sample(range(len(data)), 5), *range(len(data) - 3, len(data)), 0, 1, 2, 6})
        for cut in cuts:
            with pytest.raises(ETFDecodeError):
                binary_to_term(data[:cut])


def test_random_mutations_never_crash(vectors):
    rng = random.Random(20240501)
    corpus = [(label, data) for label, data in _all_vector_bytes(vectors) if len(data) <= SMALL]
    big = [(label, data) for label, data in _all_vector_bytes(vectors) if len(data) > SMALL]
    decoded = refused = 0
    plan = [rng.choice(corpus) for _ in range(4000)] + [rng.choice(big) for _ in range(30)]
    for label, data in plan:
        buf = bytearray(data)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            i = rng.randrange(len(buf))
            buf[i] = rng.choice((rng.randrange(256), buf[i] ^ (1 << rng.randrange(8)), 0, 255))
        try:
            value = binary_to_term(bytes(buf))
        except ETFDecodeError:
            refused += 1
        else:
            decoded += 1
            # anything decoded can be encoded again
            term_to_binary(value)
    assert decoded > 100 and refused > 100


def test_error_messages_name_the_problem(vectors):
    data = vectors["bin_1000"]["v2"]
    with pytest.raises(ETFDecodeError, match=r"truncated BINARY_EXT at offset 1: declares 1000 bytes, 10 present"):
        binary_to_term(data[:16])
    with pytest.raises(ETFDecodeError, match=r"offset 1"):
        binary_to_term(vectors["tuple_300"]["v2"][:3])
    bad_utf8 = bytearray(vectors["atom_cafe"]["v2"])  # SMALL_ATOM_UTF8_EXT "caf\xc3\xa9"
    bad_utf8[-1] = 0x41  # "\xc3A" is not UTF-8
    with pytest.raises(ETFDecodeError, match=r"invalid UTF-8 in atom at offset 1"):
        binary_to_term(bytes(bad_utf8))
    assert issubclass(ETFDecodeError, ValueError)


def test_wrong_version_and_trailing(vectors):
    data = vectors["tuple_msg"]["v2"]
    for bad in (b"", b"\x83", bytes((130,)) + data[1:], data[1:]):
        with pytest.raises(ETFDecodeError):
            binary_to_term(bad)
    with pytest.raises(ETFDecodeError, match="version"):
        binary_to_term(b"\x84" + data[1:])
    for extra in (b"\x00", b"j", data[1:]):
        with pytest.raises(ETFDecodeError, match="trailing"):
            binary_to_term(data + extra)
    z = vectors["repetitive"]["z"]
    with pytest.raises(ETFDecodeError, match="trailing"):
        binary_to_term(z + b"\x00")  # bytes after the zlib stream
    with pytest.raises(TypeError):
        binary_to_term("not bytes")  # type: ignore[arg-type]


def test_unsupported_tags(vectors):
    ok = vectors["atom_ok"]["v2"]
    for tag in (82, 121, 68, 80, 0, 255):
        data = ok[:1] + bytes((104, 1, tag)) + ok[1:]  # {<tag>...}: tag inside a tuple
        with pytest.raises(ETFDecodeError):
            binary_to_term(data)
    with pytest.raises(ETFDecodeError, match="ATOM_CACHE_REF"):
        binary_to_term(b"\x83" + bytes((82, 0)))


def test_non_finite_float_refused(vectors):
    data = bytearray(vectors["float_m1_5"]["v2"])
    data[2:10] = struct.pack(">d", float("nan"))
    with pytest.raises(ETFDecodeError, match="non-finite"):
        binary_to_term(bytes(data))
    data[2:10] = struct.pack(">d", float("inf"))
    with pytest.raises(ETFDecodeError, match="non-finite"):
        binary_to_term(bytes(data))


def test_depth_bomb():
    deep = _nest(100_000, [], lambda x: [x])
    data = term_to_binary(deep, max_depth=200_000)
    with pytest.raises(ETFDecodeError, match="max_depth"):
        binary_to_term(data)
    # iterative decoder: even an enormous max_depth never hits RecursionError
    value = binary_to_term(data, max_depth=200_000)
    for _ in range(100_000):
        assert len(value) == 1
        value = value[0]
    assert value == []
    # same for tuples and maps, and inside a compressed term
    for wrap in (lambda x: (x,), lambda x: {1: x}, lambda x: ImproperList([x], 0)):
        data = term_to_binary(_nest(50_000, 0, wrap), max_depth=100_000)
        with pytest.raises(ETFDecodeError, match="max_depth"):
            binary_to_term(data)
        compressed = data[:1] + bytes((80,)) + struct.pack(">I", len(data) - 1) + zlib.compress(data[1:])
        with pytest.raises(ETFDecodeError, match="max_depth"):
            binary_to_term(compressed)


def test_depth_limit_is_exact():
    for depth in (1, 10, 512):
        data = term_to_binary(_nest(depth, A("x"), lambda x: [x]), max_depth=depth)
        binary_to_term(data, max_depth=depth)
        with pytest.raises(ETFDecodeError):
            binary_to_term(data, max_depth=depth - 1)
    with pytest.raises(ValueError):
        term_to_binary(_nest(11, A("x"), lambda x: [x]), max_depth=10)


def test_length_bombs():
    """Declared lengths far beyond the data fail fast, before allocating."""
    cases = [
        ([A("a"), A("b")], 2, ">I"),  # LIST_EXT element count
        (tuple(range(300)), 2, ">I"),  # LARGE_TUPLE_EXT arity
        ({1: 2}, 2, ">I"),  # MAP_EXT pair count
        ("abc", 2, ">I"),  # BINARY_EXT size
        ([1, 2, 3], 2, ">H"),  # STRING_EXT length
        (2**3000, 2, ">I"),  # LARGE_BIG_EXT digits
        (A("é" * 200), 2, ">H"),  # ATOM_UTF8_EXT length
    ]
    for value, offset, fmt in cases:
        data = bytearray(term_to_binary(value))
        biggest = 2 ** (8 * struct.calcsize(fmt)) - 1
        struct.pack_into(fmt, data, offset, biggest)
        with pytest.raises(ETFDecodeError, match="truncated"):
            binary_to_term(bytes(data))


def _deflate_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    c = zlib.compressobj(9)
    parts = [c.compress(bytes(chunk)) for _ in range(total // chunk)]
    parts.append(c.flush())
    return b"".join(parts)


def test_zip_bomb():
    bomb = _deflate_zeros(100 << 20)  # 100 MiB of zeros, ~100 KiB compressed
    # declared size above the cap: refused before inflating anything
    data = b"\x83" + bytes((80,)) + struct.pack(">I", 100 << 20) + bomb
    with pytest.raises(ETFDecodeError, match="max_inflated_size"):
        binary_to_term(data)
    # declared size small, real size huge: inflation stops at the declared size
    data = b"\x83" + bytes((80,)) + struct.pack(">I", 1000) + bomb
    with pytest.raises(ETFDecodeError, match="more than its declared"):
        binary_to_term(data)
    # a lower cap applies too
    data = b"\x83" + bytes((80,)) + struct.pack(">I", 2 << 20) + bomb
    with pytest.raises(ETFDecodeError, match="max_inflated_size"):
        binary_to_term(data, max_inflated_size=1 << 20)


def test_compressed_inconsistencies(vectors):
    z = vectors["repetitive"]["z"]
    assert z[1] == 80
    size = struct.unpack(">I", z[2:6])[0]
    for declared in (size - 1, size + 1, 0):
        with pytest.raises(ETFDecodeError):
            binary_to_term(z[:2] + struct.pack(">I", declared) + z[6:])
    with pytest.raises(ETFDecodeError, match="zlib"):
        binary_to_term(z[:6] + b"\x00" * 20)
    # a compressed term nested inside another term is refused
    inner = z[1:]
    with pytest.raises(ETFDecodeError, match="top level"):
        binary_to_term(b"\x83" + bytes((104, 1)) + inner)


def test_unhashable_map_keys_decode_frozen(vectors):
    # Issue 15.6: such keys decode to hashable frozen values (tests/test_frozen_keys.py).
    assert binary_to_term(vectors["map_list_key"]["v2"]) == {FrozenList([1]): 2}
    assert binary_to_term(vectors["map_map_key"]["v2"]) == {FrozenMap({}): 1}
    with pytest.raises(ETFDecodeError, match="equal in Python"):
        binary_to_term(vectors["map_keys_collide_atom_bin"]["v2"])


# --------------------------------------------------------------------------
# Encoder
# --------------------------------------------------------------------------


def test_encoder_type_errors():
    for bad in (object(), {1, 2}, frozenset(), 1j, [object()], {A("k"): {3}}, ImproperList):
        with pytest.raises(TypeError, match="cannot encode"):
            term_to_binary(bad)


def test_encoder_float_specials(vectors):
    assert term_to_binary(float("nan")) == vectors["atom_nan"]["v2"]
    assert term_to_binary(float("inf")) == vectors["atom_infinity"]["v2"]
    assert term_to_binary(float("-inf")) == vectors["atom_neg_infinity"]["v2"]
    assert term_to_binary(None) == vectors["atom_none"]["v2"]
    assert term_to_binary(True) == vectors["atom_true"]["v2"]
    assert term_to_binary([True, 1]) == vectors["list_bool_int"]["v2"]


def test_encoder_cycles_and_limits():
    cyclic = [1]
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="max_depth"):
        term_to_binary(cyclic)
    d: dict = {}
    d[A("self")] = d
    with pytest.raises(ValueError, match="max_depth"):
        term_to_binary(d)
    with pytest.raises(ValueError, match="atom too long"):
        term_to_binary(A("a" * 256))
    term_to_binary(A("日" * 255))  # 765 bytes: ATOM_UTF8_EXT, allowed


def test_improper_list_api():
    il = ImproperList([1, 2], 3)
    assert il == ImproperList([1, 2], 3)
    assert il != ImproperList([1], 3)
    assert repr(il) == "ImproperList([1, 2], 3)"
    with pytest.raises(TypeError):
        hash(il)
    for bad in (([], 1), ([1], []), ([1], ImproperList([2], 3)), ((1,), 2)):
        with pytest.raises(ValueError):
            ImproperList(*bad)


def test_atom_is_str():
    a = binary_to_term(term_to_binary(A("ok")))
    assert a == "ok" and type(a) is Atom and hash(a) == hash("ok")
    assert repr(a) == "Atom('ok')"
    assert term_to_binary(a) != term_to_binary("ok")


def test_roundtrip_python_values():
    values = [
        0, -1, 2**100, -(2**100), 1.25, "", "x" * 300, b"\x80", [], (), {}, [1, [2, [3]]],
        (A("ok"), {A("k"): [1.5, None, True, False]}), ImproperList([1], 2), [300, 1], list(range(256)),
    ]
    for v in values:
        out = binary_to_term(term_to_binary(v))
        assert out == v, v
