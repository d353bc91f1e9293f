"""Terms as erl makes them: the vectors file the Java engine writes, or erl/vectors.escript run
here when the Python engine runs on its own."""

from __future__ import annotations

import json
import pathlib
import subprocess
import tempfile
from typing import Dict, Iterable, Tuple

VARIANTS = ("default", "mv0", "mv1", "mv2", "compressed")


class Vectors:
    def __init__(self, vectors: Dict[str, Dict[str, Tuple[bytes, str]]], errors: Dict[str, str]):
        self._vectors = vectors
        self._errors = errors

    @classmethod
    def load(cls, path: pathlib.Path) -> "Vectors":
        data = json.loads(path.read_text())
        vectors = {e: {v: (bytes.fromhex(h), c) for v, (h, c) in variants.items()}
                   for e, variants in data["vectors"].items()}
        return cls(vectors, data.get("errors", {}))

    @classmethod
    def produce(cls, escript: pathlib.Path, expressions: Iterable[str]) -> "Vectors":
        exprs = list(dict.fromkeys(expressions))
        with tempfile.TemporaryDirectory() as tmp:
            inp = pathlib.Path(tmp) / "in.txt"
            inp.write_text("\n".join(exprs) + "\n", encoding="utf-8")
            proc = subprocess.run(["escript", str(escript), str(inp)], capture_output=True, text=True,
                                  timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"erl (vectors.escript) failed: {proc.stderr}")
        vectors: Dict[str, Dict[str, Tuple[bytes, str]]] = {}
        errors: Dict[str, str] = {}
        for line in proc.stdout.splitlines():
            i, variant, rest = line.split("\t", 2)
            expr = exprs[int(i)]
            if variant == "error":
                errors[expr] = rest
                continue
            hexed, canon = rest.split("\t", 1)
            vectors.setdefault(expr, {})[variant] = (bytes.fromhex(hexed), canon)
        return cls(vectors, errors)

    def get(self, expr: str, variant: str = "mv2") -> Tuple[bytes, str]:
        v = self._vectors.get(expr)
        if v is None:
            why = self._errors.get(expr)
            raise KeyError(f"erl could not evaluate {expr}: {why}" if why else f"no erl vector for {expr}")
        return v[variant]
