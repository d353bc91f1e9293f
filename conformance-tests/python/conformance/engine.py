"""The Python engine: interprets a case's steps on a surface and judges every answer (the twin of
the Java engine, io.github.vertxchannels.conformance.engine.Engine; same vocabulary, same
verdicts). Surfaces only map steps to calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

from . import canonical, messages as msgs
from .catalogue import Case, Catalogue
from .messages import Messages
from .surfaces import BREAK_CONNECTION, RAW_TERM_PAYLOAD, Outcome, OutcomeError, Pending

CASE_TIMEOUT_S = 90.0
DEFAULT_WITHIN_MS = 5000


@dataclass
class Result:
    row: str
    column: str
    status: str  # pass | fail | skip
    detail: Optional[str] = None
    ms: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {"row": self.row, "column": self.column, "status": self.status, "detail": self.detail, "ms": self.ms}


class StepFailure(Exception):
    pass


def expressions(catalogue: Catalogue) -> Set[str]:
    """Every Erlang expression the behaviour and cross-language cases need."""
    out: Set[str] = set()
    for c in catalogue.channel_cases + catalogue.cross_cases:
        for kind in c.kinds:
            _collect_steps(catalogue, c.steps, kind, out)
    return out


def _collect_steps(catalogue: Catalogue, steps: List[dict], kind: str, out: Set[str]) -> None:
    for step in steps:
        k = step.get("kind", kind)
        if "msg" in step:
            msgs.collect(step["msg"], k, out)
        expect = step.get("expect")
        if isinstance(expect, list):
            for s in expect:
                msgs.collect(s, k, out)
        elif isinstance(expect, dict) and "msg" in expect:
            msgs.collect(expect["msg"], k, out)
        for key in ("msgs", "expect_interleaving"):
            for s in step.get(key, []):
                msgs.collect(s, k, out)
        if "seq" in step:
            for s in msgs.expand_seq(step["seq"]):
                msgs.collect(s, k, out)
        if "values" in step:
            out.update(catalogue.value_sets[step["values"]])
        if "steps" in step:
            _collect_steps(catalogue, step["steps"], kind, out)


def needs(case: Case, kind: str) -> List[str]:
    out = list(case.needs)

    def walk(steps: List[dict]) -> None:
        for step in steps:
            if step.get("kind", kind) == "term" and msgs.is_raw(step.get("msg")) and RAW_TERM_PAYLOAD not in out:
                out.append(RAW_TERM_PAYLOAD)
            if step.get("op") == "break_connection" and BREAK_CONNECTION not in out:
                out.append(BREAK_CONNECTION)
            walk(step.get("steps", []))
    walk(case.steps)
    return out


@dataclass
class AsyncOp:
    task: "asyncio.Future[Outcome]"
    cancel: Callable[[], None]
    receiver: Any
    kind: str


class Engine:
    def __init__(self, catalogue: Catalogue, messages: Messages) -> None:
        self.catalogue = catalogue
        self.messages = messages

    async def run(self, case: Case, kind: str, column: str, roles: Dict[str, Any]) -> Result:
        row = case.row(kind)
        for need in needs(case, kind):
            for s in roles.values():
                why = s.cannot(need)
                if why is not None:
                    return Result(row, column, "skip", f"{s.name}: {why}")
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        run = _Run(self, case, kind, roles)
        failure = None
        try:
            await asyncio.wait_for(run.steps(case.steps, ""), CASE_TIMEOUT_S)
        except asyncio.TimeoutError:
            failure = f"the case did not finish within {CASE_TIMEOUT_S:.0f} s (at step {run.at})"
        except StepFailure as e:
            failure = f"step {run.at}: {e}"
        except Exception as e:  # a bug of a surface or of the engine: still a failure
            failure = f"step {run.at}: {type(e).__name__}: {e}"
        finally:
            await run.clean_up()
        ms = int((loop.time() - t0) * 1000)
        return Result(row, column, "pass" if failure is None else "fail", failure, ms)

    # -- judging -----------------------------------------------------------------------------------

    def check(self, expect: Any, got: Outcome, kind: str, receiver: Any) -> None:
        if expect is None:
            if got.status in ("error", "unsupported"):
                raise StepFailure(f"answered {got}")
            return
        if isinstance(expect, str):
            ok = got.is_message() if expect == "message" else got.status == expect
            if not ok:
                raise StepFailure(f"answered {got}, expected {expect}")
            return
        if isinstance(expect, dict) and "msg" in expect:
            m = self.payload_mismatch(expect["msg"], got, kind)
            if m:
                raise StepFailure(m)
            return
        if isinstance(expect, list):
            if got.status != "messages":
                raise StepFailure(f"answered {got}, expected the messages {expect}")
            specs = msgs.expand_list(expect)
            if len(specs) != len(got.items):
                raise StepFailure(f"yielded {len(got.items)} messages, expected {len(specs)}: {got}")
            for i, (s, o) in enumerate(zip(specs, got.items)):
                m = self.payload_mismatch(s, o, kind)
                if m:
                    raise StepFailure(f"message {i + 1}: {m}")
            return
        raise StepFailure(f"cannot judge against {expect}")

    def payload_mismatch(self, spec: Any, got: Outcome, kind: str) -> Optional[str]:
        if not got.is_message():
            return f"answered {got}, expected a message"
        if msgs.is_value(spec):
            want = canonical.pyview(self.messages.vectors.get(spec["value"])[1])
            return None if want == got.pycanon else f"received {got.pycanon}, expected {want}"
        want = self.messages.resolve(spec, kind).data
        if want == got.payload:
            return None
        return f"received {got}, expected {Outcome('message', payload=want)} ({spec!r})"

    @staticmethod
    def info_mismatch(want: Dict[str, Any], got: Outcome) -> Optional[str]:
        if got.info is None:
            return f"info answered {got}"
        for key, w in want.items():
            if key == "messages_at_least":
                if got.info["messages"] < w:
                    return f"messages = {got.info['messages']}, expected at least {w}"
                continue
            have = got.info.get(key)
            if isinstance(w, bool) or isinstance(have, bool):
                equal = have is w
            else:
                equal = have == w
            if not equal:
                return f"{key} = {have}, expected {w} (info {got.info})"
        return None


class _Run:
    def __init__(self, engine: Engine, case: Case, kind: str, roles: Dict[str, Any]) -> None:
        self.e = engine
        self.case = case
        self.kind = kind
        self.roles = roles
        self.default_role = case.roles[0]
        self.ids: Dict[str, str] = {}
        self.kinds: Dict[str, str] = {}
        self.handles: Dict[str, Any] = {}
        self.creators: Dict[str, Any] = {}
        self.ops: Dict[str, AsyncOp] = {}
        self.stored: Dict[str, Outcome] = {}
        self.iters: Dict[str, Any] = {}
        self.at = "0"

    async def steps(self, steps: List[dict], prefix: str) -> None:
        for i, step in enumerate(steps, 1):
            self.at = f"{prefix}{i} ({step['op']})"
            await self.step(step, f"{prefix}{i}.")

    def role(self, step: dict) -> str:
        r = step.get("by", self.default_role)
        if r not in self.roles:
            raise StepFailure(f"no surface for role {r}")
        return r

    def surface(self, step: dict) -> Any:
        return self.roles[self.role(step)]

    async def chan(self, step: dict) -> Any:
        name = step.get("ch", "ch")
        role = self.role(step)
        h = self.handles.get(f"{role}/{name}")
        if h is not None:
            return h
        if name not in self.ids:
            raise StepFailure(f"no channel named {name}")
        try:
            h = await self.roles[role].attach(self.ids[name], self.kinds[name], False)
        except OutcomeError as e:
            raise StepFailure(f"attaching to channel {name} answered {e.outcome}") from None
        self.handles[f"{role}/{name}"] = h
        return h

    def kind_of(self, step: dict) -> str:
        return self.kinds.get(step.get("ch", "ch"), self.kind)

    async def step(self, step: dict, prefix: str) -> None:
        op = step["op"]
        loop = asyncio.get_running_loop()
        if op == "new":
            await self.create(step)
        elif op == "attach":
            await self.attach(step)
        elif op == "end_creator":
            creator = self.creators.pop(step.get("of", "ch"), None)
            if creator is None:
                raise StepFailure("the channel has no separate creator")
            await creator.end_creator()
            self.handles = {k: v for k, v in self.handles.items() if v is not creator}
        elif op == "sleep":
            await asyncio.sleep(step["ms"] / 1000)
        elif op == "repeat":
            for i in range(step["times"]):
                await self.steps(step["steps"], f"{prefix}#{i + 1}.")
        elif op == "await":
            await self.await_op(step)
        elif op == "pending":
            a = self.op(step)
            if a.task.done():
                raise StepFailure(f"operation {step['id']} should still be waiting, but answered {a.task.result()}")
        elif op == "cancel":
            self.op(step).cancel()
        elif op == "wait_until":
            await self.wait_until(step)
        elif op == "drain":
            await self.drain(step)
        elif op == "expect_conserved":
            await self.conserved(step)
        elif op == "check_ids":
            await self.check_ids(step)
        elif op == "iter_open":
            ch = await self.chan(step)
            self.iters[step["id"]] = await ch.iter_open(step["window"], step.get("connection") == "new")
        elif op == "iter_next":
            got = await self.iter(step).next(step.get("within_ms", DEFAULT_WITHIN_MS))
            self.e.check(step.get("expect"), got, self.kind_of(step), self.surface(step))
            self.store(step, got)
        elif op == "iter_close":
            await self.iter(step).close()
        elif op == "break_connection":
            await self.iter(step).break_connection()
        elif op == "send_to_address":
            s = self.surface(step)
            got = await s.send_to_address("vertx-channels.reply.conformance", self.e.messages.resolve(step["msg"], self.kind))
            self.e.check(step.get("expect", "ok"), got, self.kind, s)
        elif op == "address_received":
            raise StepFailure("the Python engine has no event bus to check an address on")
        elif op == "api_check":
            got = await self.surface(step).api_check(step["check"])
            if got.status != "ok":
                raise StepFailure(f"{step['check']}: {got.detail or got.status}")
        elif op in ("send_values", "receive_values"):
            raise StepFailure(f"{op} is for the cross-language cases (run by the Java engine)")
        else:
            await self.operation(step)

    async def operation(self, step: dict) -> None:
        ch = await self.chan(step)
        surface = self.surface(step)
        k = self.kind_of(step)
        op = step["op"]
        cancel: Callable[[], None] = lambda: None
        pending: Optional[Pending] = None
        if op == "send":
            p = self.e.messages.resolve(step["msg"], k)
            make = lambda: ch.send(p)
        elif op == "send_wait":
            p = self.e.messages.resolve(step["msg"], k)
            make = lambda: ch.send_wait(p, step["timeout"])
        elif op == "send_seq":
            ps = [self.e.messages.resolve(s, k) for s in msgs.expand_seq(step["seq"])]
            want = step.get("expect", "ok")

            async def send_all() -> Outcome:
                for i, p in enumerate(ps, 1):
                    got = await ch.send(p)
                    if got.status != want:
                        return Outcome(got.status, detail=f"at message {i}: {got}")
                return Outcome(want)
            make = send_all
        elif op == "try_receive":
            make = ch.try_receive
        elif op == "receive":
            t = step.get("timeout", -1)
            if step.get("cancellable"):
                pending = ch.receive_cancellable(t)
                cancel = pending.cancel

                async def wait_pending() -> Outcome:
                    return await asyncio.shield(pending.task)
                make = wait_pending
            else:
                make = lambda: ch.receive(t)
        elif op == "close":
            make = ch.close
        elif op == "info":
            make = ch.info
        elif op == "iterate":
            make = lambda: ch.iterate(step.get("style", "sync"), step.get("within_ms", DEFAULT_WITHIN_MS))
        else:
            raise StepFailure(f"unknown step op {op}")
        expect = step.get("expect")
        if expect is None and op not in ("info", "iterate", "try_receive", "receive"):
            expect = "ok"
        if "async" in step:
            task = pending.task if pending is not None else asyncio.ensure_future(make())
            self.ops[step["async"]] = AsyncOp(task, cancel, surface, k)
            return
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        try:
            got = await make()
        except Exception as e:
            got = Outcome("error", detail=f"{type(e).__name__}: {e}")
        ms = (loop.time() - t0) * 1000
        if op == "info":
            m = Engine.info_mismatch(step.get("expect", {}), got)
            if m:
                raise StepFailure(m)
        elif op == "iterate" and "expect_interleaving" in step:
            self.interleaving(step["expect_interleaving"], got, k)
        else:
            self.e.check(expect, got, k, surface)
        if "min_ms" in step and ms < step["min_ms"]:
            raise StepFailure(f"answered after {ms:.0f} ms, expected at least {step['min_ms']} ms")
        if "max_ms" in step and ms > step["max_ms"]:
            raise StepFailure(f"answered after {ms:.0f} ms, expected at most {step['max_ms']} ms")
        self.store(step, got)

    def store(self, step: dict, got: Outcome) -> None:
        if "store" in step:
            self.stored[step["store"]] = got

    async def create(self, step: dict) -> None:
        s = self.surface(step)
        name = step.get("as", "ch")
        k = step.get("kind", self.kind)
        separate = step.get("creator") == "separate"
        expect = step.get("expect", "ok")
        try:
            ch = await s.create(k, step.get("max_size", 0), separate)
        except OutcomeError as e:
            if e.outcome.status != expect:
                raise StepFailure(f"new answered {e.outcome}, expected {expect}") from None
            return
        self.ids[name] = ch.id
        self.kinds[name] = k
        self.handles[f"{self.role(step)}/{name}"] = ch
        if separate:
            self.creators[name] = ch
        if expect != "ok":
            raise StepFailure(f"new answered a channel, expected {expect}")

    async def attach(self, step: dict) -> None:
        s = self.surface(step)
        name = step["as"]
        of = step.get("of")
        cid = step["id"] if "id" in step else self.ids.get(of)
        if cid is None:
            raise StepFailure(f"no channel named {of}")
        if step.get("mutate_id"):
            cid = cid[:-1] + ("B" if cid[-1] == "A" else "A")
        base = self.kinds.get(of, self.kind) if of else self.kind
        kind = step.get("kind", "same")
        k = base if kind == "same" else ("bytes" if base == "term" else "term") if kind == "other" else kind
        expect = step.get("expect", "ok")
        try:
            ch = await s.attach(cid, k, step.get("connection") == "new")
        except OutcomeError as e:
            if e.outcome.status != expect:
                raise StepFailure(f"attach answered {e.outcome}, expected {expect}") from None
            return
        if expect != "ok":
            raise StepFailure(f"attach answered a channel, expected {expect}")
        self.ids[name] = cid
        self.kinds[name] = k
        self.handles[f"{self.role(step)}/{name}"] = ch

    def op(self, step: dict) -> AsyncOp:
        a = self.ops.get(step["id"])
        if a is None:
            raise StepFailure(f"no operation named {step['id']}")
        return a

    def iter(self, step: dict) -> Any:
        it = self.iters.get(step["id"])
        if it is None:
            raise StepFailure(f"no iterator named {step['id']}")
        return it

    async def await_op(self, step: dict) -> None:
        a = self.op(step)
        within = step.get("within_ms", DEFAULT_WITHIN_MS)
        try:
            got = await asyncio.wait_for(asyncio.shield(a.task), within / 1000)
        except asyncio.TimeoutError:
            raise StepFailure(f"operation {step['id']} did not answer within {within} ms") from None
        except Exception as e:
            got = Outcome("error", detail=f"{type(e).__name__}: {e}")
        expect = step.get("expect")
        if expect is None and "store" not in step:
            expect = "ok"
        self.e.check(expect, got, a.kind, a.receiver)
        self.store(step, got)

    async def wait_until(self, step: dict) -> None:
        ch = await self.chan(step)
        loop = asyncio.get_running_loop()
        within = step.get("within_ms", DEFAULT_WITHIN_MS)
        deadline = loop.time() + within / 1000
        while True:
            got = await ch.info()
            m = Engine.info_mismatch(step["info"], got)
            if m is None:
                return
            if loop.time() > deadline:
                raise StepFailure(f"info never matched {step['info']} within {within} ms: {m}")
            await asyncio.sleep(0.005)

    async def drain(self, step: dict) -> None:
        ch = await self.chan(step)
        k = self.kind_of(step)
        expected = msgs.expand_list(step["expect"])
        got: List[Outcome] = []
        while True:
            last = await ch.try_receive()
            if not last.is_message() or len(got) >= len(expected) + 5:
                break
            got.append(last)
        prefix = step.get("may_start_with", [])
        if prefix and len(got) == len(expected) + len(prefix) and all(
                self.e.payload_mismatch(s, o, k) is None for s, o in zip(prefix, got)):
            got = got[len(prefix):]  # allowed: redelivered at least once
        if len(got) != len(expected):
            raise StepFailure(f"drained {len(got)} messages, expected {len(expected)}: {[str(g) for g in got]}")
        for i, (s, o) in enumerate(zip(expected, got), 1):
            m = self.e.payload_mismatch(s, o, k)
            if m:
                raise StepFailure(f"drained message {i}: {m}")
        then = step.get("then")
        if then is not None and last.status != then:
            raise StepFailure(f"after draining, try_receive answered {last}, expected {then}")

    async def conserved(self, step: dict) -> None:
        ch = await self.chan(step)
        k = self.kind_of(step)
        expected = [self.e.messages.resolve(s, k).data for s in msgs.expand_list(step["msgs"])]
        got: List[bytes] = []
        for name in step.get("received", []):
            o = self.stored.get(name)
            if o is None:
                raise StepFailure(f"nothing stored as {name}")
            if o.is_message():
                got.append(o.payload)
            elif o.status not in ("cancelled", "timeout", "empty", "closed"):
                raise StepFailure(f"{name} answered {o}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + step.get("within_ms", DEFAULT_WITHIN_MS) / 1000
        while len(got) < len(expected) and loop.time() < deadline:
            o = await ch.try_receive()
            if o.is_message():
                got.append(o.payload)
            elif o.status == "empty":
                await asyncio.sleep(0.01)  # a message given back by a cancelled receive may still be on its way
            else:
                raise StepFailure(f"try_receive answered {o}")
        after = await ch.try_receive()
        if after.is_message():
            got.append(after.payload)
        if sorted(expected) != sorted(got):
            raise StepFailure(f"messages not conserved: expected exactly {len(expected)}, "
                              f"received or still queued {len(got)}: {[g[:16].hex() for g in got]}")

    async def check_ids(self, step: dict) -> None:
        s = self.surface(step)
        seen: Set[str] = set()
        for _ in range(step["count"]):
            try:
                ch = await s.create(self.kind, 0, False)
            except OutcomeError as e:
                raise StepFailure(f"new answered {e.outcome}") from None
            if len(ch.id) < 22:
                raise StepFailure(f"id {ch.id} is too short to hold 128 random bits")
            if ch.id in seen:
                raise StepFailure(f"id {ch.id} was given twice")
            seen.add(ch.id)
            await ch.close()

    def interleaving(self, seqs: List[dict], got: Outcome, kind: str) -> None:
        if got.status != "messages":
            raise StepFailure(f"answered {got}, expected messages")
        where: Dict[bytes, tuple] = {}
        lanes = []
        for spec in seqs:
            lane = [self.e.messages.resolve(s, kind).data for s in msgs.expand_list([spec])]
            for i, d in enumerate(lane):
                where[d] = (len(lanes), i)
            lanes.append(lane)
        nxt = [0] * len(lanes)
        for o in got.items:
            w = where.get(o.payload)
            if w is None:
                raise StepFailure(f"received an unexpected message {o}")
            if w[1] != nxt[w[0]]:
                raise StepFailure(f"producer {w[0] + 1}'s message {w[1] + 1} came when its message "
                                  f"{nxt[w[0]] + 1} was due: per-producer FIFO broken")
            nxt[w[0]] += 1
        total = sum(len(l) for l in lanes)
        if len(got.items) != total:
            raise StepFailure(f"received {len(got.items)} messages, expected {total}")

    async def clean_up(self) -> None:
        for it in self.iters.values():
            try:
                await asyncio.wait_for(it.close(), 5)
            except Exception:
                pass
        for a in self.ops.values():
            if not a.task.done():
                try:
                    a.cancel()
                except Exception:
                    pass
        for h in list(self.handles.values()):
            try:
                await asyncio.wait_for(h.close(), 5)
            except Exception:
                pass
        for c in self.creators.values():
            try:
                await c.end_creator()
            except Exception:
                pass
        if self.ops:
            await asyncio.wait([a.task for a in self.ops.values()], timeout=2)
        for s in self.roles.values():
            reset = getattr(s, "reset", None)
            if reset is not None:
                try:
                    await reset()
                except Exception:
                    pass
