"""Erlang External Term Format (ETF) codec: pure Python, strict and bounded.

``binary_to_term(data)`` decodes one ETF term (the bytes produced by Erlang's
``term_to_binary/1,2``, starting with the version byte 131) into a Python
value; ``term_to_binary(value)`` encodes a Python value into ETF.

Erlang -> Python (``binary_to_term``)
=====================================

==============================================  =================================
Erlang                                          Python
==============================================  =================================
``true``, ``false``                             ``True``, ``False``
``nil``, ``none``, ``undefined``                ``None``
any other atom                                  :class:`Atom` (a ``str`` subclass)
integer (any size, bignums included)            ``int``
float                                           ``float``
binary that is valid UTF-8                      ``str``
binary that is not valid UTF-8                  ``bytes``
``{bytes, Bin}`` (``Bin`` a BINARY_EXT)         ``bytes`` (whatever ``Bin`` holds)
proper list, charlist (STRING_EXT)              ``list`` (a charlist is a list of ints)
improper list ``[A, B | T]``                    :class:`ImproperList` ``([A, B], T)``
tuple                                           ``tuple``
map                                             ``dict``
list / map / improper list used as a map key    :class:`FrozenList` / :class:`FrozenMap` /
                                                :class:`FrozenImproperList` (hashable)
pid, reference, port                            :class:`Pid`, :class:`Ref`, :class:`Port`
fun (NEW_FUN_EXT, EXPORT_EXT)                   :class:`Fun`
bitstring (BIT_BINARY_EXT, not byte-aligned)    :class:`BitString`
==============================================  =================================

Pids, references, ports, funs and bitstrings are *opaque*: they keep their
original ETF bytes (without the 131 version byte), encode back to exactly
those bytes, and compare and hash by those bytes.  (So the same pid encoded
once with an ``ATOM_EXT`` node name and once with a ``SMALL_ATOM_UTF8_EXT``
node name gives two unequal :class:`Pid` values.)

Python -> Erlang (``term_to_binary``)
=====================================

=========================================  ==========================================
Python                                     Erlang
=========================================  ==========================================
``str``                                    UTF-8 binary (BINARY_EXT)
``bytes``, ``bytearray``, ``memoryview``   binary
``True``, ``False``                        ``true``, ``false``
``None``                                   ``none``
``int``                                    integer (SMALL_INTEGER_EXT, INTEGER_EXT,
                                           SMALL_BIG_EXT, LARGE_BIG_EXT)
``float``                                  float (NEW_FLOAT_EXT); NaN, +inf, -inf
                                           become the atoms ``nan``, ``infinity``,
                                           ``neg_infinity``
:class:`Atom`                              atom (SMALL_ATOM_UTF8_EXT / ATOM_UTF8_EXT)
``list``                                   list: ``[]`` is NIL_EXT, a list of
                                           1..65535 ints in 0..255 is STRING_EXT,
                                           anything else LIST_EXT (as Erlang does)
``tuple``                                  tuple
``dict``                                   map
:class:`ImproperList`                      improper list
:class:`FrozenMap`, :class:`FrozenList`    map, list (as ``dict``, ``list``)
:class:`FrozenImproperList`                improper list
opaque values                              their original bytes
=========================================  ==========================================

Anything else raises ``TypeError``.  Subclasses of the types above (an
``IntEnum``, a ``namedtuple``, an ``OrderedDict``...) are encoded like their
base type.

For integers, floats, binaries, atoms, tuples, lists and maps with at most one
key, the output is byte-identical to Erlang's
``term_to_binary(T, [{minor_version, 2}])`` (the OTP 26+ default).  For maps
with several keys the key order differs from Erlang's internal order; the
decoded values are equal.

Limits and strictness
=====================

* Every decoding error raises :class:`ETFDecodeError` (a ``ValueError``) whose
  message says what is wrong and at which byte offset.  Declared lengths are
  checked against the bytes actually present before anything is allocated.
* ``max_depth`` (default 512) bounds the nesting of containers, both when
  decoding and when encoding (a cyclic structure therefore raises
  ``ValueError`` in the encoder).  Both directions are iterative: they never
  raise ``RecursionError`` whatever ``max_depth`` is.
* ``max_inflated_size`` (default 64 MiB) bounds the inflated size of
  compressed terms (tag 80); the inflation itself is capped, so a zip bomb
  never allocates more than that.
* Trailing bytes after the term, a missing or wrong version byte, atom cache
  references (tag 82), LOCAL_EXT (tag 121), distribution headers, invalid
  UTF-8 in UTF-8 atoms, atoms longer than 255 characters, non-finite floats,
  bignum sign bytes other than 0 or 1 are all rejected.
* Map keys: a map key whose Python value would be unhashable (a list, a map,
  an improper list, or a tuple containing one of those) is decoded *frozen*:
  a list key becomes a :class:`FrozenList`, a map key a :class:`FrozenMap`, an
  improper list key a :class:`FrozenImproperList` (recursively, inside tuples
  too).  They are immutable and hashable, equal to the ``list`` / ``dict`` /
  :class:`ImproperList` with the same contents, and encode back to the same
  term: ``#{#{a => 1} => x}`` decodes to ``{FrozenMap({Atom('a'): 1}): 'x'}``
  and ``d[FrozenMap({Atom("a"): 1})]`` finds it.  Two distinct Erlang keys that
  become equal Python keys (``1`` and ``1.0``, ``ok`` and ``<<"ok">>``, ``nil``
  and ``undefined``...) raise ``ETFDecodeError`` rather than silently losing
  an entry.
* A BIT_BINARY_EXT whose last byte is complete (8 bits) or that is empty is a
  binary in Erlang and decodes like one (``str``/``bytes``).
"""

from __future__ import annotations

import re
from collections import Counter
import struct
import zlib
from itertools import chain
# typing's Mapping / Sequence, not collections.abc's: subscripted as base classes they also run on Python 3.8
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Type,
                    TypeVar, Union)

__all__ = [
    "binary_to_term",
    "term_to_binary",
    "Atom",
    "ImproperList",
    "Pid",
    "Ref",
    "Port",
    "Fun",
    "BitString",
    "FrozenMap",
    "FrozenList",
    "FrozenImproperList",
    "ETFDecodeError",
]

DEFAULT_MAX_DEPTH = 512
DEFAULT_MAX_INFLATED_SIZE = 64 * 1024 * 1024

_VERSION = 131

_TAG_NAMES = {
    70: "NEW_FLOAT_EXT",
    77: "BIT_BINARY_EXT",
    80: "compressed term",
    82: "ATOM_CACHE_REF",
    88: "NEW_PID_EXT",
    89: "NEW_PORT_EXT",
    90: "NEWER_REFERENCE_EXT",
    97: "SMALL_INTEGER_EXT",
    98: "INTEGER_EXT",
    99: "FLOAT_EXT",
    100: "ATOM_EXT",
    101: "REFERENCE_EXT",
    102: "PORT_EXT",
    103: "PID_EXT",
    104: "SMALL_TUPLE_EXT",
    105: "LARGE_TUPLE_EXT",
    106: "NIL_EXT",
    107: "STRING_EXT",
    108: "LIST_EXT",
    109: "BINARY_EXT",
    110: "SMALL_BIG_EXT",
    111: "LARGE_BIG_EXT",
    112: "NEW_FUN_EXT",
    113: "EXPORT_EXT",
    114: "NEW_REFERENCE_EXT",
    115: "SMALL_ATOM_EXT",
    116: "MAP_EXT",
    118: "ATOM_UTF8_EXT",
    119: "SMALL_ATOM_UTF8_EXT",
    120: "V4_PORT_EXT",
    121: "LOCAL_EXT",
}

_u16 = struct.Struct(">H").unpack_from
_u32 = struct.Struct(">I").unpack_from
_i32 = struct.Struct(">i").unpack_from
_f64 = struct.Struct(">d").unpack_from

_pack_tag_u32 = struct.Struct(">BI").pack
_pack_tag_u16 = struct.Struct(">BH").pack
_pack_int_ext = struct.Struct(">Bi").pack
_pack_float_ext = struct.Struct(">Bd").pack
_pack_large_big = struct.Struct(">BIB").pack
_pack_bit_binary = struct.Struct(">BIB").pack


class ETFDecodeError(ValueError):
    """Raised for any malformed, unsupported or over-limit ETF input."""


# --------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------


class Atom(str):
    """An Erlang atom.

    A ``str`` subclass, so ``Atom("ok") == "ok"`` and atoms work as dict keys
    interchangeably with strings, but :func:`term_to_binary` encodes it as an
    atom rather than as a binary.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Atom({str.__repr__(self)})"


class ImproperList:
    """An improper Erlang list ``[E1, ..., En | Tail]``.

    ``elements`` is a non-empty Python list and ``tail`` is any value that is
    not a list (a list tail would make the list proper).
    """

    __slots__ = ("elements", "tail")

    def __init__(self, elements: List[Any], tail: Any) -> None:
        if not isinstance(elements, list) or not elements:
            raise ValueError("ImproperList elements must be a non-empty list")
        if isinstance(tail, (list, ImproperList)):
            raise ValueError(
                "ImproperList tail must not be a list (that would make a proper "
                "or longer improper list)"
            )
        self.elements = elements
        self.tail = tail

    def __eq__(self, other: object) -> bool:
        if type(other) is not ImproperList:
            return NotImplemented
        return self.elements == other.elements and self.tail == other.tail

    __hash__ = None  # type: ignore[assignment]  # mutable, like list

    def __repr__(self) -> str:
        return f"ImproperList({self.elements!r}, {self.tail!r})"


class FrozenImproperList(ImproperList):
    """An improper list that is hashable: how an improper list used as a map key
    decodes.  Equal to the :class:`ImproperList` with the same contents."""

    __slots__ = ()

    def __init__(self, elements: List[Any], tail: Any) -> None:
        super().__init__(list(elements), tail)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImproperList):
            return NotImplemented
        return list(self.elements) == list(other.elements) and self.tail == other.tail

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "tail"):
            raise AttributeError("FrozenImproperList is immutable")
        object.__setattr__(self, name, value)

    def __hash__(self) -> int:  # type: ignore[override]  # ImproperList is unhashable
        return hash(("improper list", tuple(self.elements), self.tail))

    def __repr__(self) -> str:
        return f"FrozenImproperList({self.elements!r}, {self.tail!r})"


class FrozenList(Sequence[Any]):
    """An immutable, hashable Erlang list: how a list used as a map key decodes
    (``#{[1, 2] => x}`` gives ``{FrozenList([1, 2]): 'x'}``).

    Equal to the ``list`` with the same elements (not to a ``tuple``: a tuple
    is another Erlang term), and encoded as that list.
    """

    __slots__ = ("_items",)
    _items: Tuple[Any, ...]

    def __init__(self, items: Iterable[Any] = ()) -> None:
        object.__setattr__(self, "_items", tuple(items))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenList is immutable")

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return FrozenList(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenList):
            return self._items == other._items
        if isinstance(other, list):
            return list(self._items) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("list", self._items))

    def __repr__(self) -> str:
        return f"FrozenList({list(self._items)!r})"


class FrozenMap(Mapping[Any, Any]):
    """An immutable, hashable Erlang map: how a map used as a map key decodes
    (``#{#{a => 1} => x}`` gives ``{FrozenMap({Atom('a'): 1}): 'x'}``).

    A read-only ``Mapping``, equal to the ``dict`` with the same items, and
    encoded as that map.  Its values must be hashable (decoded keys are frozen
    all the way down).
    """

    __slots__ = ("_d", "_hash")
    _d: Dict[Any, Any]
    _hash: Optional[int]

    def __init__(self, items: Any = ()) -> None:
        d = dict(items)
        object.__setattr__(self, "_d", d)
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(("map", frozenset(self._d.items())))
            object.__setattr__(self, "_hash", h)
        return h

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"


def _freeze(value: Any) -> Any:
    """The hashable form of a decoded value used as a map key."""
    t = type(value)
    if t is list:
        return FrozenList(_freeze(v) for v in value)
    if t is dict:
        return FrozenMap((k, _freeze(v)) for k, v in value.items())
    if t is ImproperList:
        return FrozenImproperList([_freeze(v) for v in value.elements], _freeze(value.tail))
    if t is tuple:
        return tuple(_freeze(v) for v in value)
    return value


class _Opaque:
    """Base class for values kept as their original ETF bytes."""

    __slots__ = ("_etf",)
    _tags: Tuple[int, ...] = ()

    def __init__(self, etf: Union[bytes, bytearray, memoryview]) -> None:
        """Wrap ``etf``: the encoding of one term of this kind, without the
        131 version byte.  It is validated by decoding it."""
        raw = bytes(etf)
        try:
            value = binary_to_term(b"\x83" + raw)
        except ETFDecodeError as exc:
            raise ValueError(f"invalid {type(self).__name__} encoding: {exc}") from None
        if type(value) is not type(self):
            raise ValueError(
                f"bytes encode a {type(value).__name__}, not a {type(self).__name__}"
            )
        self._etf = raw

    @property
    def etf(self) -> bytes:
        """The ETF encoding of this value (without the 131 version byte)."""
        return self._etf

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._etf == other._etf)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._etf))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._etf!r})"


class Pid(_Opaque):
    """An Erlang pid (PID_EXT or NEW_PID_EXT), kept as its ETF bytes."""

    __slots__ = ()


class Ref(_Opaque):
    """An Erlang reference (REFERENCE_EXT, NEW_REFERENCE_EXT or
    NEWER_REFERENCE_EXT), kept as its ETF bytes."""

    __slots__ = ()


class Port(_Opaque):
    """An Erlang port (PORT_EXT, NEW_PORT_EXT or V4_PORT_EXT), kept as its
    ETF bytes."""

    __slots__ = ()


class Fun(_Opaque):
    """An Erlang fun (NEW_FUN_EXT or EXPORT_EXT), kept as its ETF bytes."""

    __slots__ = ()


class BitString(_Opaque):
    """An Erlang bitstring whose size is not a multiple of 8 (BIT_BINARY_EXT),
    kept as its ETF bytes."""

    __slots__ = ()

    @property
    def data(self) -> bytes:
        """The bytes holding the bits; only the ``bits`` most significant
        bits of the last byte belong to the bitstring."""
        return self._etf[6:]

    @property
    def bits(self) -> int:
        """Number of bits used in the last byte (1..7)."""
        return self._etf[5]

    @classmethod
    def from_bits(cls, data: Union[bytes, bytearray], bits: int) -> "BitString":
        """Build a bitstring from ``data`` whose last byte holds ``bits``
        (1..7) significant bits (the most significant ones)."""
        data = bytes(data)
        if not data or not 1 <= bits <= 7:
            raise ValueError("a BitString needs at least one byte and 1..7 bits in the last one")
        if len(data) > 0xFFFFFFFF:
            raise ValueError("bitstring too large for ETF")
        return _opaque(cls, _pack_bit_binary(77, len(data), bits) + data)


_T = TypeVar("_T")


def _opaque(cls: Type[_T], raw: bytes) -> _T:
    """An instance of one of the opaque term classes (Pid, Ref, Fun, ...) holding ``raw`` ETF,
    made without running its constructor."""
    obj: _T = object.__new__(cls)
    obj._etf = raw  # type: ignore[attr-defined]
    return obj


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------

_SPECIAL_ATOMS = {
    "true": True,
    "false": False,
    "nil": None,
    "none": None,
    "undefined": None,
}

_ATOM_CACHE_MAX = 8192
# raw atom bytes -> decoded value; separate caches as Latin-1 and UTF-8
# give different text for the same non-ASCII bytes.
_utf8_atoms: Dict[bytes, Any] = {}
_latin1_atoms: Dict[bytes, Any] = {}

_MISSING = object()

# {bytes, Bin}: SMALL_TUPLE_EXT arity 2, the atom `bytes` in any atom
# encoding, then a BINARY_EXT tag.
_BYTES_TUPLE_PREFIXES = (
    b"h\x02w\x05bytesm",
    b"h\x02d\x00\x05bytesm",
    b"h\x02s\x05bytesm",
    b"h\x02v\x00\x05bytesm",
)

# As binary_to_term: digits, a point, digits (an exponent optional); "1", "1." or "1e5" are refused.
_FLOAT_EXT_RE = re.compile(rb"[+-]?[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?")

# Frame kinds for the explicit decoding stack.
_K_TUPLE = 0
_K_LIST = 1  # collecting elements; a NIL tail is peeked at
_K_LIST_TAIL = 2  # elements done, collecting a non-NIL tail
_K_MAP = 3
_K_FUN = 4

def _atom_value(raw: bytes, utf8: bool, offset: int) -> Any:
    """Decode atom text bytes (cache miss path)."""
    if utf8:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ETFDecodeError(
                f"invalid UTF-8 in atom at offset {offset}: {exc.reason} at byte {exc.start}"
            ) from None
        cache = _utf8_atoms
    else:
        text = raw.decode("latin-1")
        cache = _latin1_atoms
    if len(text) > 255:
        raise ETFDecodeError(
            f"atom at offset {offset} has {len(text)} characters, more than the Erlang limit of 255"
        )
    value = _SPECIAL_ATOMS.get(text, _MISSING)
    if value is _MISSING:
        value = Atom(text)
    if len(cache) < _ATOM_CACHE_MAX:
        cache[raw] = value
    return value


def _read_atom(buf: bytes, pos: int, end: int) -> Tuple[Any, int]:
    """Read one atom (any atom encoding) at ``pos``; return (value, next pos)."""
    tag = buf[pos]
    if tag == 119 or tag == 115:
        n = buf[pos + 1]
        p = pos + 2
    elif tag == 100 or tag == 118:
        n = _u16(buf, pos + 1)[0]
        p = pos + 3
    elif tag == 82:
        raise ETFDecodeError(f"atom cache reference (ATOM_CACHE_REF) at offset {pos} is not supported")
    else:
        raise ETFDecodeError(f"expected an atom at offset {pos}, found tag {tag}")
    q = p + n
    if q > end:
        raise ETFDecodeError(
            f"truncated {_TAG_NAMES[tag]} at offset {pos}: declares {n} bytes, {max(end - p, 0)} present"
        )
    raw = buf[p:q]
    cache = _utf8_atoms if tag >= 118 else _latin1_atoms
    value = cache.get(raw, _MISSING)
    if value is _MISSING:
        value = _atom_value(raw, tag >= 118, pos)
    return value, q


def _skip_atom(buf: bytes, pos: int, end: int) -> int:
    return _read_atom(buf, pos, end)[1]


def _need(buf_end: int, pos: int, size: int, tag: int, start: int) -> int:
    """Check that ``size`` bytes are present at ``pos``; return ``pos + size``."""
    if pos + size > buf_end:
        raise ETFDecodeError(
            f"truncated {_TAG_NAMES[tag]} at offset {start}: needs {size} bytes at offset {pos}, "
            f"{max(buf_end - pos, 0)} present"
        )
    return pos + size


def _decode(buf: bytes, pos: int, max_depth: int) -> Any:
    """Decode exactly one term from ``buf[pos:]`` (no trailing bytes)."""
    end = len(buf)
    stack: List[Any] = []
    push = stack.append
    val: Any
    utf8_atoms = _utf8_atoms
    latin1_atoms = _latin1_atoms
    missing = _MISSING
    start = pos
    try:
        while True:
            start = pos
            tag = buf[pos]
            # ---- scalars, most frequent first --------------------------------
            if tag == 97:  # SMALL_INTEGER_EXT
                val = buf[pos + 1]
                pos += 2
            elif tag == 119 or tag == 100:  # SMALL_ATOM_UTF8_EXT, ATOM_EXT
                if tag == 119:
                    n = buf[pos + 1]
                    p = pos + 2
                    cache = utf8_atoms
                else:
                    n = _u16(buf, pos + 1)[0]
                    p = pos + 3
                    cache = latin1_atoms
                pos = p + n
                if pos > end:
                    raise ETFDecodeError(
                        f"truncated {_TAG_NAMES[tag]} at offset {start}: declares {n} bytes, "
                        f"{max(end - p, 0)} present"
                    )
                raw = buf[p:pos]
                val = cache.get(raw, missing)
                if val is missing:
                    val = _atom_value(raw, tag == 119, start)
            elif tag == 109:  # BINARY_EXT
                n = _u32(buf, pos + 1)[0]
                p = pos + 5
                pos = p + n
                if pos > end:
                    raise ETFDecodeError(
                        f"truncated BINARY_EXT at offset {start}: declares {n} bytes, "
                        f"{max(end - p, 0)} present"
                    )
                val = buf[p:pos]
                try:
                    val = val.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            elif tag == 104:  # SMALL_TUPLE_EXT
                n = buf[pos + 1]
                pos += 2
                if n == 0:
                    val = ()
                elif n == 2 and buf.startswith(_BYTES_TUPLE_PREFIXES, start):
                    # {bytes, Bin} -> bytes
                    # position of the 4-byte length after the BINARY_EXT tag
                    p = start + (10 if buf[start + 2] in (119, 115) else 11)
                    n = _u32(buf, p)[0]
                    p += 4
                    pos = p + n
                    if pos > end:
                        raise ETFDecodeError(
                            f"truncated BINARY_EXT at offset {p - 5}: declares {n} bytes, "
                            f"{max(end - p, 0)} present"
                        )
                    val = buf[p:pos]
                else:
                    if len(stack) >= max_depth:
                        raise ETFDecodeError(f"nesting deeper than max_depth={max_depth} at offset {start}")
                    if n > end - pos:
                        raise ETFDecodeError(
                            f"truncated SMALL_TUPLE_EXT at offset {start}: declares {n} elements, "
                            f"only {end - pos} bytes left"
                        )
                    push((_K_TUPLE, [], n, start))
                    continue
            elif tag == 98:  # INTEGER_EXT
                val = _i32(buf, pos + 1)[0]
                pos += 5
            elif tag == 106:  # NIL_EXT
                val = []
                pos += 1
            elif tag == 108:  # LIST_EXT
                n = _u32(buf, pos + 1)[0]
                pos += 5
                if n == 0:
                    # [ | Tail] is just Tail in Erlang; decode the tail in place.
                    continue
                if stack and stack[-1][0] == _K_LIST_TAIL:
                    # This list is the tail of the enclosing list: go on collecting into that one
                    # (lists are flattened) instead of nesting and joining, which would copy the
                    # growing tail at every level of a chain of one-element lists.
                    _, items, _, fstart = stack[-1]
                    if n >= end - pos:
                        raise ETFDecodeError(
                            f"truncated LIST_EXT at offset {start}: declares {n} elements, "
                            f"only {end - pos} bytes left"
                        )
                    stack[-1] = (_K_LIST, items, len(items) + n, fstart)
                    continue
                if len(stack) >= max_depth:
                    raise ETFDecodeError(f"nesting deeper than max_depth={max_depth} at offset {start}")
                if n >= end - pos:  # n elements + a tail, >= 1 byte each
                    raise ETFDecodeError(
                        f"truncated LIST_EXT at offset {start}: declares {n} elements, "
                        f"only {end - pos} bytes left"
                    )
                push((_K_LIST, [], n, start))
                continue
            elif tag == 107:  # STRING_EXT
                n = _u16(buf, pos + 1)[0]
                p = pos + 3
                pos = p + n
                if pos > end:
                    raise ETFDecodeError(
                        f"truncated STRING_EXT at offset {start}: declares {n} bytes, "
                        f"{max(end - p, 0)} present"
                    )
                val = list(buf[p:pos])
            elif tag == 116:  # MAP_EXT
                n = _u32(buf, pos + 1)[0]
                pos += 5
                if n == 0:
                    val = {}
                else:
                    if len(stack) >= max_depth:
                        raise ETFDecodeError(f"nesting deeper than max_depth={max_depth} at offset {start}")
                    if 2 * n > end - pos:
                        raise ETFDecodeError(
                            f"truncated MAP_EXT at offset {start}: declares {n} pairs, "
                            f"only {end - pos} bytes left"
                        )
                    push((_K_MAP, [], 2 * n, start))
                    continue
            elif tag == 70:  # NEW_FLOAT_EXT
                val = _f64(buf, pos + 1)[0]
                if val - val:  # NaN or +/-inf (x - x is NaN, which is truthy)
                    raise ETFDecodeError(f"non-finite float at offset {start}")
                pos += 9
            elif tag == 110 or tag == 111:  # SMALL_BIG_EXT, LARGE_BIG_EXT
                if tag == 110:
                    n = buf[pos + 1]
                    sign = buf[pos + 2]
                    p = pos + 3
                else:
                    n = _u32(buf, pos + 1)[0]
                    sign = buf[pos + 5]
                    p = pos + 6
                pos = p + n
                if pos > end:
                    raise ETFDecodeError(
                        f"truncated {_TAG_NAMES[tag]} at offset {start}: declares {n} digit bytes, "
                        f"{max(end - p, 0)} present"
                    )
                if sign > 1:
                    raise ETFDecodeError(f"invalid sign byte {sign} in {_TAG_NAMES[tag]} at offset {start}")
                val = int.from_bytes(buf[p:pos], "little")
                if sign:
                    val = -val
            elif tag == 105:  # LARGE_TUPLE_EXT
                n = _u32(buf, pos + 1)[0]
                pos += 5
                if n == 0:
                    val = ()
                else:
                    if len(stack) >= max_depth:
                        raise ETFDecodeError(f"nesting deeper than max_depth={max_depth} at offset {start}")
                    if n > end - pos:
                        raise ETFDecodeError(
                            f"truncated LARGE_TUPLE_EXT at offset {start}: declares {n} elements, "
                            f"only {end - pos} bytes left"
                        )
                    push((_K_TUPLE, [], n, start))
                    continue
            elif tag == 115 or tag == 118:  # SMALL_ATOM_EXT, ATOM_UTF8_EXT
                val, pos = _read_atom(buf, pos, end)
            elif tag == 99:  # FLOAT_EXT: 31 bytes of "%.20e" text, NUL padded
                _need(end, pos + 1, 31, tag, start)  # raises if short
                text = buf[pos + 1 : pos + 32].split(b"\x00", 1)[0]
                if not _FLOAT_EXT_RE.fullmatch(text):
                    raise ETFDecodeError(f"invalid FLOAT_EXT text at offset {start}: {text[:40]!r}")
                val = float(text)
                if val - val:
                    raise ETFDecodeError(f"non-finite float at offset {start}")
                pos += 32
            elif tag == 77:  # BIT_BINARY_EXT
                n = _u32(buf, pos + 1)[0]
                bits = buf[pos + 5]
                p = pos + 6
                pos = p + n
                if pos > end:
                    raise ETFDecodeError(
                        f"truncated BIT_BINARY_EXT at offset {start}: declares {n} bytes, "
                        f"{max(end - p, 0)} present"
                    )
                if bits > 8 or (bits == 0) != (n == 0):
                    raise ETFDecodeError(
                        f"invalid BIT_BINARY_EXT at offset {start}: {bits} bits in the last of {n} bytes"
                    )
                if bits == 8 or n == 0:  # byte aligned: a plain binary
                    val = buf[p:pos]
                    try:
                        val = val.decode("utf-8")
                    except UnicodeDecodeError:
                        pass
                else:
                    val = _opaque(BitString, buf[start:pos])
            elif tag == 88 or tag == 103:  # NEW_PID_EXT, PID_EXT
                p = _skip_atom(buf, pos + 1, end)
                pos = _need(end, p, 12 if tag == 88 else 9, tag, start)
                val = _opaque(Pid, buf[start:pos])
            elif tag == 90 or tag == 114:  # NEWER_REFERENCE_EXT, NEW_REFERENCE_EXT
                n = _u16(buf, pos + 1)[0]
                p = _skip_atom(buf, pos + 3, end)
                pos = _need(end, p, (4 if tag == 90 else 1) + 4 * n, tag, start)
                val = _opaque(Ref, buf[start:pos])
            elif tag == 101:  # REFERENCE_EXT
                p = _skip_atom(buf, pos + 1, end)
                pos = _need(end, p, 5, tag, start)
                val = _opaque(Ref, buf[start:pos])
            elif tag == 89 or tag == 102 or tag == 120:  # NEW_PORT_EXT, PORT_EXT, V4_PORT_EXT
                p = _skip_atom(buf, pos + 1, end)
                pos = _need(end, p, 8 if tag == 89 else 5 if tag == 102 else 12, tag, start)
                val = _opaque(Port, buf[start:pos])
            elif tag == 113:  # EXPORT_EXT: Module atom, Function atom, Arity small int
                pos = _skip_atom(buf, pos + 1, end)
                pos = _skip_atom(buf, pos, end)
                if buf[pos] != 97:
                    raise ETFDecodeError(
                        f"invalid EXPORT_EXT at offset {start}: arity at offset {pos} is not a SMALL_INTEGER_EXT"
                    )
                pos = _need(end, pos, 2, tag, start)
                val = _opaque(Fun, buf[start:pos])
            elif tag == 112:  # NEW_FUN_EXT
                size = _u32(buf, pos + 1)[0]
                num_free = _u32(buf, pos + 26)[0]
                fun_end = start + 1 + size
                if size < 29 or fun_end > end:
                    raise ETFDecodeError(
                        f"invalid NEW_FUN_EXT at offset {start}: declared size {size}, "
                        f"{end - start - 1} bytes present"
                    )
                pos += 30
                if len(stack) >= max_depth:
                    raise ETFDecodeError(f"nesting deeper than max_depth={max_depth} at offset {start}")
                if num_free > fun_end - pos:
                    raise ETFDecodeError(
                        f"invalid NEW_FUN_EXT at offset {start}: declares {num_free} free variables, "
                        f"only {fun_end - pos} bytes left"
                    )
                # Module, OldIndex, OldUniq, Pid, then the free variables.
                push((_K_FUN, [], 4 + num_free, start))
                continue
            elif tag == 82:
                raise ETFDecodeError(f"atom cache reference (ATOM_CACHE_REF) at offset {start} is not supported")
            elif tag == 121:
                raise ETFDecodeError(f"LOCAL_EXT at offset {start} is not supported")
            elif tag == 80:
                raise ETFDecodeError(f"compressed term (tag 80) at offset {start}: only allowed at the top level")
            elif tag == 68:
                raise ETFDecodeError(f"distribution header (tag 68) at offset {start} is not supported")
            else:
                raise ETFDecodeError(f"unknown tag {tag} at offset {start}")

            # ---- deliver `val` to the enclosing containers ------------------
            while stack:
                kind, items, n, fstart = stack[-1]
                items.append(val)
                if len(items) < n:
                    break
                if kind == _K_TUPLE:
                    val = tuple(items)
                elif kind == _K_LIST:
                    if pos < end and buf[pos] == 106:  # NIL tail: proper list
                        pos += 1
                        val = items
                    else:  # some other tail: decode one more term
                        stack[-1] = (_K_LIST_TAIL, items, n + 1, fstart)
                        break
                elif kind == _K_LIST_TAIL:
                    tail = items.pop()
                    ttype = type(tail)
                    if ttype is list:
                        items += tail
                        val = items
                    elif ttype is ImproperList:
                        items += tail.elements
                        val = ImproperList(items, tail.tail)
                    else:
                        val = object.__new__(ImproperList)
                        val.elements = items
                        val.tail = tail
                elif kind == _K_MAP:
                    val = _make_map(items, fstart)
                else:  # _K_FUN
                    val = _make_fun(buf, items, fstart, pos)
                stack.pop()
            else:
                if pos != end:
                    raise ETFDecodeError(f"trailing data at offset {pos}: {end - pos} bytes after the term")
                return val
    except (IndexError, struct.error):
        if start >= end:
            raise ETFDecodeError(f"truncated data: expected a term at offset {start}") from None
        name = _TAG_NAMES.get(buf[start], f"tag {buf[start]}")
        raise ETFDecodeError(f"truncated {name} at offset {start}") from None


# A dict whose keys share one hash value costs quadratic time to build (ints hash to themselves,
# so an input can choose colliding keys); maps with more keys than this on one hash are refused.
_MAX_KEYS_PER_HASH = 64


def _make_map(items: List[Any], offset: int, frozen: bool = False) -> Dict[Any, Any]:
    try:
        if len(items) > 2 * _MAX_KEYS_PER_HASH:
            crowd = max(Counter(map(hash, items[::2])).values())
            if crowd > _MAX_KEYS_PER_HASH:
                raise ETFDecodeError(
                    f"map at offset {offset}: {crowd} keys share one hash value in Python; refused "
                    f"(building such a dict takes quadratic time)"
                )
        d = dict(zip(items[::2], items[1::2]))
    except TypeError:
        # A key that is a list, map or improper list (or holds one): decode it frozen.
        if frozen:  # pragma: no cover - frozen keys are hashable
            raise ETFDecodeError(f"map at offset {offset}: a map key is not hashable in Python") from None
        items = list(items)
        items[::2] = [_freeze(key) for key in items[::2]]
        return _make_map(items, offset, True)
    if 2 * len(d) != len(items):
        raise ETFDecodeError(
            f"map at offset {offset}: duplicate keys, or distinct Erlang keys that are equal in Python"
        )
    return d


def _make_fun(buf: bytes, items: List[Any], offset: int, pos: int) -> Fun:
    size = _u32(buf, offset + 1)[0]
    module, old_index, old_uniq, pid = items[0], items[1], items[2], items[3]
    if not (
        (type(module) is Atom or module is None or type(module) is bool)
        and type(old_index) is int
        and type(old_uniq) is int
        and type(pid) is Pid
    ):
        raise ETFDecodeError(f"invalid NEW_FUN_EXT at offset {offset}: bad module, index, uniq or pid field")
    if offset + 1 + size != pos:
        raise ETFDecodeError(
            f"invalid NEW_FUN_EXT at offset {offset}: declared size {size}, actual size {pos - offset - 1}"
        )
    return _opaque(Fun, buf[offset:pos])


def _inflate(data: bytes, max_inflated_size: int) -> bytes:
    if len(data) < 6:
        raise ETFDecodeError("truncated compressed term at offset 1: missing the 4-byte size")
    size = _u32(data, 2)[0]
    if size > max_inflated_size:
        raise ETFDecodeError(
            f"compressed term at offset 1 declares {size} inflated bytes, "
            f"more than max_inflated_size={max_inflated_size}"
        )
    if size == 0:
        raise ETFDecodeError("compressed term at offset 1 declares an empty term")
    d = zlib.decompressobj()
    try:
        out = d.decompress(memoryview(data)[6:], size)
        # The declared size is reached (or the input ran out); make sure the
        # stream ends here, consuming its checksum, without inflating more.
        while not d.eof and d.unconsumed_tail:
            if d.decompress(d.unconsumed_tail, 1):
                raise ETFDecodeError(
                    f"compressed term at offset 1 inflates to more than its declared {size} bytes"
                )
    except zlib.error as exc:
        raise ETFDecodeError(f"invalid zlib data in compressed term at offset 6: {exc}") from None
    if not d.eof:
        raise ETFDecodeError("truncated zlib data in compressed term at offset 6")
    if d.unused_data:
        raise ETFDecodeError(
            f"trailing data: {len(d.unused_data)} bytes after the zlib stream of the compressed term"
        )
    if len(out) != size:
        raise ETFDecodeError(f"compressed term inflates to {len(out)} bytes, declared {size}")
    return out


def binary_to_term(
    data: Union[bytes, bytearray, memoryview],
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_inflated_size: int = DEFAULT_MAX_INFLATED_SIZE,
) -> Any:
    """Decode one ETF term (starting with the version byte 131).

    See the module docstring for the type mapping.  ``max_depth`` bounds
    container nesting; ``max_inflated_size`` bounds the inflated size of a
    compressed term.  Raises :class:`ETFDecodeError` on any malformed,
    unsupported or over-limit input (including trailing bytes).
    """
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"binary_to_term() needs bytes, bytearray or memoryview, not {type(data).__name__}")
        data = bytes(data)
    if not data or data[0] != _VERSION:
        if not data:
            raise ETFDecodeError("empty data: expected the version byte 131 at offset 0")
        raise ETFDecodeError(f"wrong version byte {data[0]} at offset 0, expected 131")
    if len(data) > 1 and data[1] == 80:
        inflated = _inflate(data, max_inflated_size)
        try:
            return _decode(inflated, 0, max_depth)
        except ETFDecodeError as exc:
            raise ETFDecodeError(f"in compressed term (offsets within the inflated data): {exc}") from None
    return _decode(data, 1, max_depth)


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------

_SMALL_INTS = [bytes((97, i)) for i in range(256)]
_TRUE = b"w\x04true"
_FALSE = b"w\x05false"
_NONE = b"w\x04none"
_NAN = b"w\x03nan"
_INF = b"w\x08infinity"
_NEG_INF = b"w\x0cneg_infinity"
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


def _encode_int(out: bytearray, v: int) -> None:
    if 0 <= v <= 255:
        out += _SMALL_INTS[v]
    elif _INT32_MIN <= v <= _INT32_MAX:
        out += _pack_int_ext(98, v)
    else:
        neg = v < 0
        a = -v if neg else v
        n = (a.bit_length() + 7) >> 3
        if n <= 255:
            out += bytes((110, n, neg))
        elif n <= 0xFFFFFFFF:
            out += _pack_large_big(111, n, neg)
        else:
            raise ValueError("integer too large for ETF")
        out += a.to_bytes(n, "little")


def _encode_atom(out: bytearray, text: str) -> None:
    b = text.encode("utf-8")
    n = len(b)
    if n <= 255:
        out += bytes((119, n))
    elif len(text) <= 255:
        out += _pack_tag_u16(118, n)
    else:
        raise ValueError(f"atom too long: {len(text)} characters, the Erlang limit is 255")
    out += b


def _encode_binary(out: bytearray, b: Union[bytes, bytearray]) -> None:
    n = len(b)
    if n > 0xFFFFFFFF:
        raise ValueError("binary too large for ETF (4 GiB limit)")
    out += _pack_tag_u32(109, n)
    out += b


def term_to_binary(value: Any, *, max_depth: int = DEFAULT_MAX_DEPTH) -> bytes:
    """Encode ``value`` as ETF (uncompressed, starting with 131).

    See the module docstring for the type mapping.  Raises ``TypeError`` for
    unsupported types and ``ValueError`` for values outside ETF limits or
    nested deeper than ``max_depth`` containers (e.g. cyclic structures).
    """
    out = bytearray(b"\x83")
    stack: List[Tuple[Iterator[Any], bytes]] = []
    it: Iterator[Any] = iter((value,))
    trailer = b""
    while True:
        for v in it:
            t = type(v)
            if t is str:
                b = v.encode("utf-8")
                n = len(b)
                if n > 0xFFFFFFFF:
                    raise ValueError("binary too large for ETF (4 GiB limit)")
                out += _pack_tag_u32(109, n)
                out += b
            elif t is int:
                if 0 <= v <= 255:
                    out += _SMALL_INTS[v]
                elif _INT32_MIN <= v <= _INT32_MAX:
                    out += _pack_int_ext(98, v)
                else:
                    _encode_int(out, v)
            elif t is Atom:
                _encode_atom(out, v)
            elif t is tuple:
                n = len(v)
                if n <= 255:
                    out += bytes((104, n))
                else:
                    out += _pack_tag_u32(105, n)
                if n:
                    if len(stack) >= max_depth:
                        raise ValueError(_depth_msg(max_depth))
                    stack.append((it, trailer))
                    it = iter(v)
                    trailer = b""
                    break
            elif t is list:
                n = len(v)
                if not n:
                    out.append(106)
                elif n <= 65535 and type(v[0]) is int and _is_byte_list(v):
                    out += _pack_tag_u16(107, n)
                    out += bytes(v)
                else:
                    out += _pack_tag_u32(108, n)
                    if len(stack) >= max_depth:
                        raise ValueError(_depth_msg(max_depth))
                    stack.append((it, trailer))
                    it = iter(v)
                    trailer = b"j"
                    break
            elif t is bool:
                out += _TRUE if v else _FALSE
            elif v is None:
                out += _NONE
            elif t is float:
                _encode_float(out, v)
            elif t is dict:
                out += _pack_tag_u32(116, len(v))
                if v:
                    if len(stack) >= max_depth:
                        raise ValueError(_depth_msg(max_depth))
                    stack.append((it, trailer))
                    it = chain.from_iterable(v.items())
                    trailer = b""
                    break
            elif t is bytes or t is bytearray:
                _encode_binary(out, v)
            elif isinstance(v, _Opaque):
                out += v._etf
            elif t is FrozenMap:
                stack.append((it, trailer))
                it = iter((v._d,))
                trailer = b""
                break
            elif t is FrozenList:
                stack.append((it, trailer))
                it = iter((list(v._items),))
                trailer = b""
                break
            elif t is ImproperList or t is FrozenImproperList:
                out += _pack_tag_u32(108, len(v.elements))
                if len(stack) >= max_depth:
                    raise ValueError(_depth_msg(max_depth))
                stack.append((it, trailer))
                it = chain(v.elements, (v.tail,))
                trailer = b""
                break
            # ---- subclasses and other buffers --------------------------------
            elif isinstance(v, memoryview):
                _encode_binary(out, v.tobytes())
            elif isinstance(v, (bytes, bytearray)):
                _encode_binary(out, bytes(v))
            elif isinstance(v, Atom):
                _encode_atom(out, str(v))
            elif isinstance(v, str):
                _encode_binary(out, str(v).encode("utf-8"))
            elif isinstance(v, int):  # IntEnum, ... (bool was handled above)
                _encode_int(out, int(v))
            elif isinstance(v, float):
                _encode_float(out, float(v))
            elif isinstance(v, (tuple, list, dict)):
                # Re-dispatch as the base type.
                base = tuple(v) if isinstance(v, tuple) else list(v) if isinstance(v, list) else dict(v)
                stack.append((it, trailer))
                it = iter((base,))
                trailer = b""
                break
            else:
                raise TypeError(f"cannot encode a value of type {t.__module__}.{t.__qualname__} as ETF")
        else:
            out += trailer
            if not stack:
                break
            it, trailer = stack.pop()
    return bytes(out)


def _is_byte_list(v: List[Any]) -> bool:
    for x in v:
        if type(x) is not int or not 0 <= x <= 255:
            return False
    return True


def _encode_float(out: bytearray, v: float) -> None:
    if v - v == 0.0:  # finite
        out += _pack_float_ext(70, v)
    elif v != v:
        out += _NAN
    elif v > 0:
        out += _INF
    else:
        out += _NEG_INF


def _depth_msg(max_depth: int) -> str:
    return f"nesting deeper than max_depth={max_depth} while encoding (cyclic structure?)"


# --------------------------------------------------------------------------
# Micro-benchmark
# --------------------------------------------------------------------------


def _bench(seconds: float = 1.0) -> None:
    """Print decode/encode rates for a small and two large terms."""
    import time

    cases = [
        ("small {ok, 42, <<\"x\">>}", (Atom("ok"), 42, "x")),
        ("list of 10,000 small tuples", [(Atom("item"), i, "v") for i in range(10_000)]),
        ("1 MiB binary", bytes(range(256)) * 4096),
    ]
    for name, value in cases:
        data = term_to_binary(value)
        assert binary_to_term(data) == value
        ops: List[Tuple[str, Callable[[Any], Any], Any]] = [
            ("decode", binary_to_term, data), ("encode", term_to_binary, value)]
        for label, fn, arg in ops:
            count = 0
            t0 = time.perf_counter()
            deadline = t0 + seconds
            while True:
                for _ in range(10 if len(data) > 1000 else 1000):
                    fn(arg)
                count += 10 if len(data) > 1000 else 1000
                t1 = time.perf_counter()
                if t1 >= deadline:
                    break
            rate = count / (t1 - t0)
            mb = rate * len(data) / 1e6
            print(f"{label:6} {name:30} {rate:12,.0f} terms/s  {mb:10,.1f} MB/s")


if __name__ == "__main__":  # pragma: no cover
    _bench()
