#!/usr/bin/env python3
"""The Python runner of the vertx-channels conformance suite.

    run_conformance.py run --target HOST:PORT [--bounded-target HOST:PORT] [--vectors FILE] [--out FILE] [--surface NAME]... [--only TEXT]
        Runs the catalogue (conformance-tests/cases) on python-sync and python-asyncio against a
        running server, and the ETF categories on etf-python; prints a table and the final line;
        exit status 1 when something failed. Without --vectors it runs erl itself. The cases
        marked "node": "bounded" (S-EXT-MEMORY) run against --bounded-target, a server started
        with max_total_bytes 1048576; without it they fail, saying so.
    run_conformance.py agent --target HOST:PORT
        Serves the Java engine (cross-language cases): JSON requests on stdin, answers on stdout.

`make conformance` runs both from the Java runner (see conformance-tests/README.md). Needs
/usr/bin/python3 with grpcio and protobuf, and PYTHONPATH=python-grpc-client:conformance-tests/python.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import sys
from typing import List

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT.parent / "python-grpc-client"))

from conformance import engine as eng, etf  # noqa: E402
from conformance.catalogue import Catalogue, contract_rules  # noqa: E402
from conformance.messages import Messages  # noqa: E402
from conformance.surfaces import make  # noqa: E402
from conformance.vectors import Vectors  # noqa: E402

SURFACES = ["python-sync", "python-asyncio"]


def find_contract() -> "pathlib.Path | None":
    """$CONFORMANCE_CONTRACT, else the copy in the repository (proto/channel-semantics.md)."""
    chosen = os.environ.get("CONFORMANCE_CONTRACT") or str(ROOT.parent / "proto" / "channel-semantics.md")
    path = pathlib.Path(chosen)
    return path if path.is_file() else None


async def run(args: argparse.Namespace) -> int:
    catalogue = Catalogue(pathlib.Path(args.cases))
    if args.vectors:
        vectors = Vectors.load(pathlib.Path(args.vectors))
    else:
        vectors = Vectors.produce(ROOT / "erl" / "vectors.escript", eng.expressions(catalogue) | etf.expressions(catalogue))
    engine = eng.Engine(catalogue, Messages(vectors))
    results: List[eng.Result] = []
    other: List[str] = []
    for name in args.surface or SURFACES:
        surface = make(name, args.target)
        try:
            await surface.start()
        except Exception as e:
            other.append(f"{name}: could not connect to {args.target}: {e}")
            continue
        bounded = None
        try:
            for case in catalogue.channel_cases:
                if args.only and args.only not in case.name:
                    continue
                on = surface
                if case.node == "bounded":
                    if not args.bounded_target:
                        other.append(f"{name}: {case.name} needs --bounded-target (a node with max_total_bytes 1048576)")
                        continue
                    if bounded is None:
                        bounded = make(name, args.bounded_target)
                        await bounded.start()
                    on = bounded
                for kind in case.kinds:
                    r = await engine.run(case, kind, name, {"default": on})
                    results.append(r)
                    print(f"{r.status:4}  {r.row} × {r.column}  {r.ms} ms" + (f"  {r.detail}" if r.status != "pass" else ""),
                          flush=True)
        finally:
            await surface.close()
            if bounded is not None:
                await bounded.close()
    for category in catalogue.etf_categories:
        if args.only and args.only not in category.name:
            continue
        r = etf.run(category, vectors)
        results.append(r)
        print(f"{r.status:4}  {r.row} × {r.column}  {r.ms} ms  {r.detail}", flush=True)

    contract = find_contract()
    if contract is None:
        coverage = "rule coverage: FAILED, the contract (channel-semantics.md) was not found"
    else:
        cited = catalogue.citations()
        missing = [r for r in contract_rules(contract) if r not in cited]
        coverage = ("rule coverage: FAILED, not cited: " + ", ".join(missing)) if missing else \
            f"rule coverage: every rule id of sections 2-5 of {contract} is cited by a case"

    if args.out:
        pathlib.Path(args.out).write_text(json.dumps({
            "results": [r.to_json() for r in results], "other_failures": other, "rule_coverage": coverage}, indent=1))
    passed = sum(r.status == "pass" for r in results)
    failed = sum(r.status == "fail" for r in results) + len(other) + ("FAILED" in coverage)
    skipped = sum(r.status == "skip" for r in results)
    for o in other:
        print("FAIL  " + o)
    print(coverage)
    print(f"conformance (python): {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the catalogue on the Python surfaces")
    r.add_argument("--target", required=True, help="the server, host:port")
    r.add_argument("--bounded-target", help="the server of the \"node\": \"bounded\" cases (max_total_bytes 1048576)")
    r.add_argument("--cases", default=str(ROOT / "cases"), help="the catalogue directory")
    r.add_argument("--vectors", help="erl's vectors as JSON (from the Java runner); default: run erl here")
    r.add_argument("--out", help="write the verdicts as JSON here")
    r.add_argument("--surface", action="append", choices=SURFACES, help="only this surface (repeatable)")
    r.add_argument("--only", help="only the cases whose name contains this text")
    a = sub.add_parser("agent", help="serve the Java engine for the cross-language cases")
    a.add_argument("--target", required=True)
    args = p.parse_args()
    if args.command == "agent":
        from conformance.agent import Agent
        asyncio.run(Agent(args.target).serve())
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
