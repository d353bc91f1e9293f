"""Canonical forms of terms, shared with erl/vectors.escript and the Java engine.

``parse(text)`` reads the canonical text erl prints (grammar in conformance-tests/README.md);
``to_python(tree)`` builds the Python value contract section 6 maps that term to (this is what
the Python client must decode it to, and what Python sends for it); ``py_canon(value)`` prints a
Python value with its exact types, so that two values compare equal only when they have the same
types all the way down (``True`` is not ``1``, ``Atom("a")`` is not ``"a"``).
"""

from __future__ import annotations

import struct
import sys
from typing import Any, List, Tuple

from vertx_channels.terms import (Atom, BitString, FrozenImproperList, FrozenList, FrozenMap, Fun,
                                  ImproperList, Pid, Port, Ref)

sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))

_SPECIAL = {"true": True, "false": False, "nil": None, "none": None, "undefined": None}


class Unrepresentable(Exception):
    """The term has no Python value (a map key a dict cannot hold): the client documents that its
    decoder refuses such terms with ETFDecodeError."""


def parse(text: str) -> Any:
    """Parses canonical text into a tree of tuples: ("a", name), ("i", int), ("f", bits),
    ("b", bytes), ("s", nbits, bytes), ("L", items), ("I", items, tail), ("T", items),
    ("M", [(k, v)]), and ("P" | "R" | "O" | "F", bytes)."""
    node, pos = _parse(text, 0)
    if pos != len(text):
        raise ValueError(f"trailing canonical text at {pos}: {text[:80]}")
    return node


def _token(text: str, pos: int) -> Tuple[str, int]:
    start = pos
    while pos < len(text) and (text[pos].isalnum() or text[pos] == "-"):
        pos += 1
    return text[start:pos], pos


def _parse(text: str, pos: int) -> Tuple[Any, int]:
    two = text[pos:pos + 2]
    if two in ("L[", "I["):
        pos += 2
        items: List[Any] = []
        tail = None
        while text[pos] != "]":
            if items:
                if text[pos] == "|":
                    tail, pos = _parse(text, pos + 1)
                    continue
                assert text[pos] == ",", text[pos:pos + 20]
                pos += 1
            item, pos = _parse(text, pos)
            items.append(item)
        pos += 1
        return (("L", items) if tail is None else ("I", items, tail)), pos
    if two == "T{":
        pos += 2
        items = []
        while text[pos] != "}":
            if items:
                assert text[pos] == ","
                pos += 1
            item, pos = _parse(text, pos)
            items.append(item)
        return ("T", items), pos + 1
    if two == "M{":
        pos += 2
        entries = []
        while text[pos] != "}":
            if entries:
                assert text[pos] == ","
                pos += 1
            k, pos = _parse(text, pos)
            assert text[pos] == "="
            v, pos = _parse(text, pos + 1)
            entries.append((k, v))
        return ("M", entries), pos + 1
    tag = text[pos]
    assert text[pos + 1] == ":", text[pos:pos + 20]
    tok, pos = _token(text, pos + 2)
    if tag == "a":
        return ("a", bytes.fromhex(tok).decode("utf-8")), pos
    if tag == "i":
        return ("i", int(tok)), pos
    if tag == "f":
        return ("f", tok), pos
    if tag == "b":
        return ("b", bytes.fromhex(tok)), pos
    if tag == "s":
        assert text[pos] == ":"
        data, pos = _token(text, pos + 1)
        return ("s", int(tok), bytes.fromhex(data)), pos
    if tag in "PROF":
        return (tag, bytes.fromhex(tok)), pos
    raise ValueError(f"bad canonical text at {pos}: {text[:80]}")


class Mapping:
    """The result of mapping a term to Python: the value, and whether the mapping is one to one
    (False when a nil/none/undefined became None or a {bytes, Bin} became bytes)."""

    def __init__(self) -> None:
        self.lossless = True


def to_python(tree: Any, mapping: "Mapping | None" = None) -> Any:
    """The Python value contract section 6 maps a term to. Raises Unrepresentable for a map
    whose keys a dict cannot hold."""
    m = mapping if mapping is not None else Mapping()
    tag = tree[0]
    if tag == "a":
        if tree[1] in _SPECIAL:
            if _SPECIAL[tree[1]] is None:
                m.lossless = False
            return _SPECIAL[tree[1]]
        return Atom(tree[1])
    if tag == "i":
        return tree[1]
    if tag == "f":
        return struct.unpack(">d", bytes.fromhex(tree[1]))[0]
    if tag == "b":
        try:
            return tree[1].decode("utf-8")
        except UnicodeDecodeError:
            return tree[1]
    if tag == "s":
        nbits, data = tree[1], tree[2]
        return BitString.from_bits(data, nbits % 8)
    if tag == "L":
        return [to_python(x, m) for x in tree[1]]
    if tag == "I":
        return ImproperList([to_python(x, m) for x in tree[1]], to_python(tree[2], m))
    if tag == "T":
        items = tree[1]
        if len(items) == 2 and items[0] == ("a", "bytes") and items[1][0] == "b":
            m.lossless = False
            return bytes(items[1][1])
        return tuple(to_python(x, m) for x in items)
    if tag == "M":
        d = {}
        for k, v in tree[1]:
            key = to_python(k, m)
            try:
                hash(key)
            except TypeError:
                key = _freeze(key)  # the client decodes such keys frozen (issue 15.6)
            if key in d:
                raise Unrepresentable(f"two map keys are equal in Python ({key!r})")
            d[key] = to_python(v, m)
        return d
    cls = {"P": Pid, "R": Ref, "O": Port, "F": Fun}[tag]
    return cls(tree[1])


def _freeze(value: Any) -> Any:
    """The hashable value a list, map or improper list gets as a map key (vertx_channels.terms)."""
    t = type(value)
    if t is list:
        return FrozenList(_freeze(x) for x in value)
    if t is dict:
        return FrozenMap((k, _freeze(x)) for k, x in value.items())
    if t is ImproperList:
        return FrozenImproperList([_freeze(x) for x in value.elements], _freeze(value.tail))
    if t is tuple:
        return tuple(_freeze(x) for x in value)
    return value


def has_multi_key_map(tree: Any) -> bool:
    """True when the term holds a map of two keys or more (built in canonical order, which is
    not Erlang's, so byte equality of a built value is not expected)."""
    stack = [tree]
    while stack:
        t = stack.pop()
        tag = t[0]
        if tag == "M":
            if len(t[1]) > 1:
                return True
            for k, v in t[1]:
                stack.extend((k, v))
        elif tag in ("L", "T"):
            stack.extend(t[1])
        elif tag == "I":
            stack.extend(t[1])
            stack.append(t[2])
    return False


def py_canon(v: Any) -> str:
    """Prints a Python value with its exact types."""
    out: List[str] = []
    _py_canon(v, out)
    return "".join(out)


def _py_canon(v: Any, out: List[str]) -> None:
    t = type(v)
    if v is None:
        out.append("None")
    elif v is True or v is False:
        out.append(str(v))
    elif t is Atom:
        out.append("Atom:" + str.encode(v, "utf-8").hex())
    elif t is int:
        out.append("int:" + str(v))
    elif t is float:
        out.append("float:" + struct.pack(">d", v).hex())
    elif t is str:
        out.append("str:" + v.encode("utf-8", "surrogatepass").hex())
    elif t is bytes:
        out.append("bytes:" + v.hex())
    elif t is list or t is FrozenList:
        out.append("list[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _py_canon(x, out)
        out.append("]")
    elif t is tuple:
        out.append("tuple(")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _py_canon(x, out)
        out.append(")")
    elif t is dict or t is FrozenMap:
        entries = sorted((py_canon(k), py_canon(x)) for k, x in v.items())
        out.append("dict{" + ",".join(f"{k}={x}" for k, x in entries) + "}")
    elif t is ImproperList or t is FrozenImproperList:
        out.append("improper[")
        for i, x in enumerate(v.elements):
            if i:
                out.append(",")
            _py_canon(x, out)
        out.append("|")
        _py_canon(v.tail, out)
        out.append("]")
    elif t in (Pid, Ref, Port, Fun, BitString):
        out.append(f"{t.__name__}:{v.etf.hex()}")
    else:
        out.append(f"unknown:{t.__module__}.{t.__name__}")


def pyview(canon: str) -> str:
    """The py_canon of the Python value a canonical Erlang text maps to (for the Java engine)."""
    try:
        return py_canon(to_python(parse(canon)))
    except Unrepresentable as e:
        return f"unrepresentable: {e}"
