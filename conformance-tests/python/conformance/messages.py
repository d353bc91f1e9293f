"""The catalogue's message specs, resolved for one channel kind (mirror of the Java engine's
Messages: the Erlang expressions must come out character for character the same, since they
are the keys of the vectors erl produced)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Set

from .vectors import Vectors


@dataclass(frozen=True)
class Payload:
    data: bytes            # raw bytes, or the ETF erl produced for a term
    canon: Optional[str]   # the canonical text of the term; None for raw bytes


def term_expression(spec: Any) -> Optional[str]:
    if isinstance(spec, str):
        return '<<"' + spec.replace("\\", "\\\\").replace('"', '\\"') + '"/utf8>>'
    if "erl" in spec:
        return spec["erl"]
    if "value" in spec:
        return spec["value"]
    if "len" in spec:
        n = spec["len"] - 6
        if n < 0:
            raise ValueError(f"a term message of {spec['len']} bytes is impossible")
        if spec.get("ramp"):
            return "<<>>" if n == 0 else f"list_to_binary([I rem 251 || I <- lists:seq(0, {n - 1})])"
        return f'binary:copy(<<"{spec.get("fill", "x")}">>, {n})'
    return None


def expand_seq(seq: dict) -> List[str]:
    return [f"{seq['prefix']}{i}" for i in range(seq["from"], seq["to"] + 1)]


def expand_list(specs: Iterable[Any]) -> List[Any]:
    out: List[Any] = []
    for s in specs:
        if isinstance(s, dict) and "seq" in s:
            out += expand_seq(s["seq"])
        else:
            out.append(s)
    return out


def is_raw(spec: Any) -> bool:
    return isinstance(spec, dict) and "etf_of" in spec


def is_value(spec: Any) -> bool:
    return isinstance(spec, dict) and "value" in spec


def collect(spec: Any, kind: str, out: Set[str]) -> None:
    if isinstance(spec, dict):
        if "seq" in spec:
            for s in expand_seq(spec["seq"]):
                collect(s, kind, out)
            return
        if "etf_of" in spec:
            out.add(spec["etf_of"])
            if "append_etf_body_of" in spec:
                out.add(spec["append_etf_body_of"])
            return
        if "value" in spec:
            out.add(spec["value"])
            return
    if kind == "term":
        e = term_expression(spec)
        if e is not None:
            out.add(e)


class Messages:
    def __init__(self, vectors: Vectors) -> None:
        self.vectors = vectors

    def resolve(self, spec: Any, kind: str) -> Payload:
        if is_raw(spec):
            return Payload(self._mutate(spec), None)
        if kind == "term":
            expr = term_expression(spec)
            data, canon = self.vectors.get(expr)
            if isinstance(spec, dict) and "len" in spec and len(data) != spec["len"]:
                raise ValueError(f"erl made {len(data)} bytes of {expr}, expected {spec['len']}")
            return Payload(data, canon)
        if isinstance(spec, str):
            return Payload(spec.encode("utf-8"), None)
        if "len" in spec:
            n = spec["len"]
            if spec.get("ramp"):
                return Payload((bytes(range(251)) * (n // 251 + 1))[:n], None)
            return Payload(spec.get("fill", "x").encode()[:1] * n, None)
        raise ValueError(f"message spec {spec} has no meaning on a byte channel")

    def _mutate(self, spec: dict) -> bytes:
        b = self.vectors.get(spec["etf_of"])[0]
        if "truncate" in spec:
            b = b[:spec["truncate"]]
        if spec.get("drop_version"):
            b = b[1:]
        if "append_hex" in spec:
            b += bytes.fromhex(spec["append_hex"])
        if "append_etf_body_of" in spec:
            b += self.vectors.get(spec["append_etf_body_of"])[0][1:]
        return b
