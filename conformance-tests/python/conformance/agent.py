"""Agent mode: the Java engine drives the Python surfaces for the cross-language cases. One JSON
request per line on stdin, one answer per line on stdout (matched by "rid"); requests run
concurrently (a waiting receive does not block the next request)."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import threading
import traceback
from typing import Any, Dict

from . import canonical
from .messages import Payload
from .surfaces import Outcome, OutcomeError, Pending, make


class Agent:
    def __init__(self, target: str) -> None:
        self.target = target
        self.surfaces: Dict[str, Any] = {}
        self.handles: Dict[str, Any] = {}
        self.iters: Dict[str, Any] = {}
        self.pendings: Dict[str, Pending] = {}
        self.ids = itertools.count(1)
        self.out_lock = threading.Lock()

    async def surface(self, name: str) -> Any:
        s = self.surfaces.get(name)
        if s is None:
            s = make(name, self.target)
            await s.start()
            self.surfaces[name] = s
        return s

    def reply(self, rid: Any, answer: Dict[str, Any]) -> None:
        answer["rid"] = rid
        with self.out_lock:
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()

    async def handle(self, req: Dict[str, Any]) -> None:
        rid = req.get("rid")
        try:
            answer = await self.dispatch(req)
        except OutcomeError as e:
            answer = e.outcome.to_json()
        except Exception as e:
            answer = {"status": "error", "detail": f"{type(e).__name__}: {e}",
                      "trace": traceback.format_exc(limit=5)}
        self.reply(rid, answer)

    async def dispatch(self, req: Dict[str, Any]) -> Dict[str, Any]:
        op = req["op"]
        if op == "hello":
            return {"status": "ok"}
        if op == "pyview":
            return {"status": "ok", "pycanon": canonical.pyview(req["canon"])}
        s = await self.surface(req["surface"])
        if op == "cannot":
            return {"status": "ok", "reason": s.cannot(req["capability"])}
        if op == "create":
            ch = await s.create(req["kind"], req["max_size"], req["separate"])
            return self._handle(ch)
        if op == "attach":
            ch = await s.attach(req["id"], req["kind"], req["new_connection"])
            return self._handle(ch)
        if op == "send_to_address":
            return (await s.send_to_address(req["address"], self._payload(req))).to_json()
        if op == "cancel":
            p = self.pendings.get(req["op_id"])
            if p is not None:
                p.cancel()
            return {"status": "ok"}
        if op in ("iter_next", "iter_close", "break_connection"):
            it = self.iters[req["iter"]]
            if op == "iter_next":
                return (await it.next(req["timeout"])).to_json()
            if op == "iter_close":
                await it.close()
            else:
                await it.break_connection()
            return {"status": "ok"}
        ch = self.handles[req["handle"]]
        if op == "send":
            return (await ch.send(self._payload(req))).to_json()
        if op == "send_wait":
            return (await ch.send_wait(self._payload(req), req["timeout"])).to_json()
        if op == "try_receive":
            return (await ch.try_receive()).to_json()
        if op == "receive":
            return (await ch.receive(req["timeout"])).to_json()
        if op == "receive_cancellable":
            p = ch.receive_cancellable(req["timeout"])
            self.pendings[req["op_id"]] = p
            try:
                return (await p.task).to_json()
            finally:
                self.pendings.pop(req["op_id"], None)
        if op == "close":
            return (await ch.close()).to_json()
        if op == "info":
            return (await ch.info()).to_json()
        if op == "iterate":
            return (await ch.iterate(req["style"], req["within_ms"])).to_json()
        if op == "iter_open":
            it = await ch.iter_open(req["window"], req["new_connection"])
            iid = f"i{next(self.ids)}"
            self.iters[iid] = it
            return {"status": "ok", "iter": iid}
        if op == "end_creator":
            await ch.end_creator()
            return {"status": "ok"}
        return {"status": "error", "detail": f"unknown agent op {op}"}

    def _handle(self, ch: Any) -> Dict[str, Any]:
        h = f"h{next(self.ids)}"
        self.handles[h] = ch
        return {"status": "ok", "handle": h, "id": ch.id}

    @staticmethod
    def _payload(req: Dict[str, Any]) -> Payload:
        return Payload(bytes.fromhex(req["payload"]), req.get("canon"))

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        queue: "asyncio.Queue[Any]" = asyncio.Queue()

        def read() -> None:
            for line in sys.stdin:
                if line.strip():
                    loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=read, daemon=True, name="agent-stdin").start()
        tasks = set()
        while True:
            line = await queue.get()
            if line is None:
                break
            t = asyncio.ensure_future(self.handle(json.loads(line)))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
        for s in self.surfaces.values():
            try:
                await asyncio.wait_for(s.close(), 10)
            except Exception:
                pass
