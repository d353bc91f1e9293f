"""The ETF categories on the surface etf-python (vertx_channels.terms): the twin of the Java
engine's EtfCases, with the Python mapping of contract section 6 as the expected value."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Set

from vertx_channels.terms import ETFDecodeError, binary_to_term, term_to_binary

from . import canonical
from .catalogue import Case, Catalogue
from .engine import Result
from .vectors import VARIANTS, Vectors

SURFACE = "etf-python"
MAX_REPORTED = 6


def expressions(catalogue: Catalogue) -> Set[str]:
    out: Set[str] = set()
    for c in catalogue.etf_categories:
        j = c.json
        for v in j.get("vectors", []):
            out.add(v["erl"] if isinstance(v, dict) else v)
        out.update(j.get("truncate", []))
        for m in j.get("mutations", []):
            out.add(m["of"])
            if "append_body_of" in m:
                out.add(m["append_body_of"])
    return out


def cut_points(length: int) -> List[int]:
    if length <= 200:
        return list(range(length))
    cuts = set(range(40)) | {length - 1 - i for i in range(40)} | {length * i // 40 for i in range(40)}
    return sorted(cuts)


def mutate(vectors: Vectors, m: Dict[str, Any]) -> bytes:
    b = bytearray(vectors.get(m["of"], m.get("variant", "mv2"))[0])
    for pos, value in m.get("set", []):
        b[pos] = value
    for pos, delta in m.get("add", []):
        b[pos] = (b[pos] + delta) % 256
    if "truncate" in m:
        b = b[:m["truncate"]]
    if "append_hex" in m:
        b += bytes.fromhex(m["append_hex"])
    if "append_body_of" in m:
        b += vectors.get(m["append_body_of"])[0][1:]
    return bytes(b)


def run(category: Case, vectors: Vectors) -> Result:
    t0 = time.monotonic()
    failures: List[str] = []
    checks = 0
    j = category.json
    for v in j.get("vectors", []):
        expr = v["erl"] if isinstance(v, dict) else v
        try:
            if isinstance(v, dict) and v.get("expect") == "refused":
                for variant in ("default", "mv2", "compressed"):
                    checks += 1
                    _refuse(vectors.get(expr, variant)[0], f"{expr} ({variant})", failures)
            else:
                checks += _accept(expr, vectors, failures)
        except Exception as e:
            failures.append(f"{expr}: {type(e).__name__}: {e}")
    for expr in j.get("truncate", []):
        for variant in ("mv2", "compressed"):
            whole = vectors.get(expr, variant)[0]
            for cut in cut_points(len(whole)):
                checks += 1
                _refuse(whole[:cut], f"{expr} ({variant}) cut to {cut} of {len(whole)} bytes", failures)
    for m in j.get("mutations", []):
        checks += 1
        _refuse(mutate(vectors, m), m["name"], failures)
    ms = int((time.monotonic() - t0) * 1000)
    if not failures:
        return Result(category.row(None), SURFACE, "pass", f"{checks} checks", ms)
    detail = (f"{len(failures)} of {checks} checks failed: " + "; ".join(failures[:MAX_REPORTED])
              + ("; ..." if len(failures) > MAX_REPORTED else ""))
    return Result(category.row(None), SURFACE, "fail", detail, ms)


def _accept(expr: str, vectors: Vectors, failures: List[str]) -> int:
    checks = 0
    for variant in VARIANTS:
        data, canon = vectors.get(expr, variant)
        checks += 1
        tree = canonical.parse(canon)
        try:
            want = canonical.py_canon(canonical.to_python(tree))
        except canonical.Unrepresentable as why:
            # Documented: such maps are refused by the Python decoder with ETFDecodeError.
            try:
                value = binary_to_term(data)
                failures.append(f"{expr} ({variant}): has no Python value ({why}), yet decoded to {value!r}")
            except ETFDecodeError:
                pass
            except Exception as e:
                failures.append(f"{expr} ({variant}): crashed with {type(e).__name__}: {e}")
            continue
        try:
            got = canonical.py_canon(binary_to_term(data))
        except Exception as e:
            failures.append(f"{expr} ({variant}) refused: {type(e).__name__}: {e}")
            return checks
        if got != want:
            failures.append(f"{expr} ({variant}) decoded to {_short(got)}, expected {_short(want)}")
    data, canon = vectors.get(expr, "mv2")
    tree = canonical.parse(canon)
    mapping = canonical.Mapping()
    try:
        built = canonical.to_python(tree, mapping)
    except canonical.Unrepresentable:
        return checks
    if mapping.lossless:
        checks += 1
        again = term_to_binary(binary_to_term(data))
        if again != data:
            failures.append(f"{expr}: re-encoding the decoded value is not byte-equal to "
                            f"term_to_binary(T, [{{minor_version, 2}}])")
        checks += 1
        encoded = term_to_binary(built)
        if encoded != data:
            if not canonical.has_multi_key_map(tree) or canonical.py_canon(binary_to_term(encoded)) != canonical.py_canon(built):
                failures.append(f"{expr}: the value built in Python encodes differently from "
                                f"term_to_binary(T, [{{minor_version, 2}}])")
    return checks


def _refuse(data: bytes, what: str, failures: List[str]) -> None:
    try:
        value = binary_to_term(data)
    except ETFDecodeError:
        return
    except BaseException as e:  # a crash, not a clear refusal
        failures.append(f"{what}: crashed with {type(e).__name__}: {e}")
        return
    failures.append(f"{what}: decoded to {_short(repr(value))}")


def _short(s: str) -> str:
    return s if len(s) <= 120 else s[:117] + "..."
