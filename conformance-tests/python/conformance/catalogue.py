"""The case catalogue (cases/*.json), read the same way as the Java engine's Catalogue."""

from __future__ import annotations

import json
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set

BOTH_KINDS = ["term", "bytes"]


@dataclass
class Case:
    group: str
    name: str
    kinds: List[Optional[str]]
    rules: List[str]
    roles: List[str]
    needs: List[str]
    json: Dict[str, Any] = field(repr=False)

    def row(self, kind: Optional[str]) -> str:
        prefix = "" if self.group == "channel" else self.group + "/"
        return f"{prefix}{self.name}" if kind is None else f"{prefix}{self.name} [{kind}]"

    @property
    def node(self) -> str:
        """"default", or "bounded": the node with a small max_total_bytes (S-EXT-MEMORY cases)."""
        node = self.json.get("node", "default")
        if node not in ("default", "bounded"):
            raise ValueError(f"{self.name}: node must be \"default\" or \"bounded\", got {node!r}")
        return str(node)

    @property
    def steps(self) -> List[Dict[str, Any]]:
        return self.json.get("steps", [])


class Catalogue:
    def __init__(self, directory: pathlib.Path) -> None:
        self.dir = directory
        channel = json.loads((directory / "channel.json").read_text())
        cross = json.loads((directory / "cross_language.json").read_text())
        etf = json.loads((directory / "etf.json").read_text())
        self.channel_cases = [_case("channel", c) for c in channel["cases"]]
        self.cross_cases = [_case("x", c) for c in cross["cases"]]
        self.value_sets: Dict[str, List[str]] = cross.get("values", {})
        self.etf_categories = [Case("etf", c["name"], [None], c["rules"], [], [], c) for c in etf["categories"]]

    def all(self) -> List[Case]:
        return self.channel_cases + self.cross_cases + self.etf_categories

    def citations(self) -> Dict[str, List[str]]:
        out: Dict[str, List[str]] = {}
        for c in self.all():
            for r in c.rules:
                out.setdefault(r, []).append(c.row(None))
        return out


def _case(group: str, c: Dict[str, Any]) -> Case:
    if not c.get("name") or not c.get("rules"):
        raise ValueError(f"a case needs a name and at least one rule id: {c}")
    return Case(group, c["name"], c.get("kinds", BOTH_KINDS), c["rules"], c.get("roles", ["default"]),
                c.get("needs", []), c)


_RULE = re.compile(r"^\s*-\s+(S-[A-Z]+(?:-[A-Z0-9]+)+)\.", re.MULTILINE)
_SECTION = re.compile(r"^## (\d+)\.", re.MULTILINE)


def contract_rules(contract: pathlib.Path) -> List[str]:
    """The rule ids defined (as list items starting with the id) in sections 2 to 5."""
    text = contract.read_text()
    marks = [(m.start(), int(m.group(1))) for m in _SECTION.finditer(text)] + [(len(text), 99)]
    rules: List[str] = []
    for (start, n), (end, _) in zip(marks, marks[1:]):
        if 2 <= n <= 5:
            rules += [m.group(1) for m in _RULE.finditer(text[start:end]) if m.group(1) not in rules]
    return rules
