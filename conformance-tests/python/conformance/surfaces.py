"""The Python surfaces: adapters that map one step to one call of the vertx_channels client and
its answer to the catalogue's vocabulary (an Outcome). They decide nothing: the engine judges.

* ``python-sync``: ``vertx_channels`` (blocking calls, run on a thread pool so that the engine can
  keep several in flight); its cancellable receive is the sync client's ``async_receive``.
* ``python-asyncio``: ``vertx_channels.aio`` (coroutines); its cancellable receive is
  ``receive`` in a task that the engine cancels.

On a term channel a surface sends the Python value contract section 6 maps the term to (built
from erl's canonical text), and reports a received value as its ETF (``term_to_binary``) plus its
typed canonical form, so that the engine can compare it with what erl made.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import vertx_channels
import vertx_channels.aio as vca
from vertx_channels import errors
from vertx_channels.terms import term_to_binary

from . import canonical
from .messages import Payload

RAW_TERM_PAYLOAD = "raw_term_payload"
BREAK_CONNECTION = "break_connection"
PYTHON_API = "python_api"
EVENT_BUS_PROBE = "event_bus_probe"


@dataclass
class Outcome:
    status: str
    payload: Optional[bytes] = None
    pycanon: Optional[str] = None
    items: Optional[List["Outcome"]] = None
    info: Optional[Dict[str, Any]] = None
    detail: Optional[str] = None

    def is_message(self) -> bool:
        return self.status == "message"

    def to_json(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"status": self.status}
        if self.payload is not None:
            d["payload"] = self.payload.hex()
        if self.pycanon is not None:
            d["pycanon"] = self.pycanon
        if self.items is not None:
            d["items"] = [i.to_json() for i in self.items]
        if self.info is not None:
            d["info"] = self.info
        if self.detail is not None:
            d["detail"] = self.detail
        return d

    def __str__(self) -> str:
        if self.is_message():
            p = self.payload or b""
            return f"message({len(p)} bytes: {p[:24].hex()}{'...' if len(p) > 24 else ''})"
        if self.items is not None:
            return "messages[" + ", ".join(str(i) for i in self.items) + "]"
        if self.info is not None:
            return f"info{self.info}"
        return self.status + (f" ({self.detail})" if self.detail else "")


class OutcomeError(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(str(outcome))
        self.outcome = outcome


def outcome_of(e: BaseException) -> Outcome:
    """Maps what the client raised to the vocabulary."""
    if isinstance(e, errors.ChannelBusy):
        return Outcome("busy")
    if isinstance(e, errors.ChannelClosed):
        return Outcome("closed")
    if isinstance(e, errors.MessageTooLarge):
        return Outcome("too_large", detail=str(e))
    if isinstance(e, errors.InvalidArgument):
        return Outcome("invalid_argument", detail=str(e))
    if isinstance(e, errors.ChannelNotFound):
        return Outcome("not_found", detail=str(e))
    if isinstance(e, errors.WrongChannelKind):
        return Outcome("wrong_kind", detail=str(e))
    if isinstance(e, errors.DeadlineExceeded):
        return Outcome("error", detail=f"gRPC deadline exceeded: {e}")
    if isinstance(e, TimeoutError):
        return Outcome("timeout")
    if isinstance(e, asyncio.CancelledError):
        return Outcome("cancelled")
    return Outcome("error", detail=f"{type(e).__name__}: {e}")


def message(value: Any, kind: str) -> Outcome:
    if kind == "bytes":
        return Outcome("message", payload=bytes(value))
    try:
        data = term_to_binary(value)
    except Exception as e:  # a value the client decoded but cannot encode back
        return Outcome("error", detail=f"received {value!r}, which does not encode back: {e}")
    return Outcome("message", payload=data, pycanon=canonical.py_canon(value))


def info_outcome(info: Dict[str, Any]) -> Outcome:
    keys = ("size", "max_size", "closed", "messages", "waiting_receivers", "waiting_senders")
    return Outcome("info", info={k: info.get(k) for k in keys})


def value_of(payload: Payload) -> Any:
    if payload.canon is None:
        raise OutcomeError(Outcome("unsupported", detail="the Python Channel sends values, not raw bytes"))
    return canonical.to_python(canonical.parse(payload.canon))


class Pending:
    """A receive in progress, as an asyncio task resolving to an Outcome."""

    def __init__(self, coro: Any, cancel: Optional[Callable[[], None]] = None) -> None:
        self.task = asyncio.ensure_future(self._wrap(coro))
        self._cancel = cancel

    @staticmethod
    async def _wrap(coro: Any) -> Outcome:
        try:
            return await coro
        except asyncio.CancelledError:
            return Outcome("cancelled")
        except Exception as e:
            return outcome_of(e)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel()
        else:
            self.task.cancel()


SURFACE_REASONS = {
    EVENT_BUS_PROBE: "the Python engine has no event bus to watch the address; the cross-language case "
                     "python_sends_to_an_event_bus_address_a_verticle_consumes checks this surface's send",
    RAW_TERM_PAYLOAD: "the Python Channel encodes the values it is given, so its public API cannot send "
                      "bytes that are not one well-formed term (its side of S-FIX-DECODE is "
                      "python_send_refuses_values_without_an_erlang_form)",
}


class Surface:
    name = ""
    language = "python"

    def __init__(self, target: str) -> None:
        self.target = target

    def cannot(self, capability: str) -> Optional[str]:
        if capability in (BREAK_CONNECTION, PYTHON_API):
            return None
        return SURFACE_REASONS.get(capability, f"unknown capability {capability}")

    async def send_to_address(self, address: str, payload: Payload) -> Outcome:
        raise NotImplementedError


# ------------------------------------------------------------------------------------------------
# python-sync


class SyncSurface(Surface):
    name = "python-sync"

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="sync-surface")
        self.client: Optional[vertx_channels.Client] = None
        self.extra: List[vertx_channels.Client] = []

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    async def start(self) -> None:
        self.client = await self.run(vertx_channels.connect, self.target)

    async def _new_client(self, **options: Any) -> vertx_channels.Client:
        c = await self.run(vertx_channels.connect, self.target, **options)
        self.extra.append(c)
        return c

    async def create(self, kind: str, max_size: int, separate: bool) -> "SyncChan":
        client = await self._new_client() if separate else self.client
        try:
            ch = await self.run(client.new_channel if kind == "term" else client.new_byte_channel, max_size)
        except Exception as e:
            raise OutcomeError(outcome_of(e)) from None
        return SyncChan(self, ch, kind, client if separate else None)

    async def attach(self, channel_id: str, kind: str, new_connection: bool) -> "SyncChan":
        client = await self._new_client() if new_connection else self.client
        try:
            ch = await self.run(client.channel if kind == "term" else client.byte_channel, channel_id)
        except Exception as e:
            raise OutcomeError(outcome_of(e)) from None
        return SyncChan(self, ch, kind, None)

    async def reset(self) -> None:
        extra, self.extra = self.extra, []
        for c in extra:
            await self.run(c.close)

    async def close(self) -> None:
        await self.reset()
        if self.client is not None:
            await self.run(self.client.close)
        self.pool.shutdown(wait=False)

    async def api_check(self, check: str) -> Outcome:
        return await self.run(_sync_api_check, self.client, check)

    async def send_to_address(self, address: str, payload: Payload) -> Outcome:
        def send() -> Outcome:
            if payload.canon is not None:
                self.client.send_to(address, value_of(payload))
            else:
                self.client.send_bytes_to(address, payload.data)
            return Outcome("ok")
        try:
            return await self.run(send)
        except Exception as e:
            return outcome_of(e)


class SyncChan:
    def __init__(self, surface: SyncSurface, ch: Any, kind: str, creator: Optional[vertx_channels.Client]) -> None:
        self.s = surface
        self.ch = ch
        self.kind = kind
        self.creator = creator
        self.id = ch.id

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
        try:
            return await self.s.run(fn, *args, **kwargs)
        except Exception as e:
            return outcome_of(e)

    def _send(self, payload: Payload, timeout_ms: Optional[int]) -> Outcome:
        if self.kind == "term":
            self.ch.send(value_of(payload), timeout_ms=timeout_ms)
        else:
            self.ch.send_bytes(payload.data, timeout_ms=timeout_ms)
        return Outcome("ok")

    async def send(self, payload: Payload) -> Outcome:
        try:
            return await self.s.run(self._send, payload, None)
        except OutcomeError as e:
            return e.outcome
        except Exception as e:
            return outcome_of(e)

    async def send_wait(self, payload: Payload, timeout_ms: int) -> Outcome:
        try:
            return await self.s.run(self._send, payload, timeout_ms)
        except OutcomeError as e:
            return e.outcome
        except Exception as e:
            return outcome_of(e)

    def _try(self) -> Outcome:
        if self.kind == "term":
            v = self.ch.try_receive()
        else:
            v = self.ch.try_receive_bytes()
        return Outcome("empty") if v is None else message(v, self.kind)

    async def try_receive(self) -> Outcome:
        return await self._call(self._try)

    def _receive(self, timeout_ms: int) -> Outcome:
        v = self.ch.receive(timeout_ms) if self.kind == "term" else self.ch.receive_bytes(timeout_ms)
        return message(v, self.kind)

    async def receive(self, timeout_ms: int) -> Outcome:
        return await self._call(self._receive, timeout_ms)

    def receive_cancellable(self, timeout_ms: int) -> Pending:
        async def go() -> Outcome:
            if self.kind == "term":
                return message(await self.ch.async_receive(timeout_ms), self.kind)
            return message(await self.ch.async_receive_bytes(timeout_ms), self.kind)
        return Pending(go())

    async def close(self) -> Outcome:
        return await self._call(lambda: (self.ch.close(), Outcome("ok"))[1])

    async def info(self) -> Outcome:
        return await self._call(lambda: info_outcome(self.ch.info()))

    async def iterate(self, style: str, within_ms: int) -> Outcome:
        if style == "async":
            async def collect() -> Outcome:
                return Outcome("messages", items=[message(m, self.kind) async for m in self.ch])
            coro = collect()
        else:
            coro = self.s.run(lambda: Outcome("messages", items=[message(m, self.kind) for m in self.ch]))
        try:
            return await asyncio.wait_for(coro, within_ms / 1000)
        except asyncio.TimeoutError:
            return Outcome("timeout", detail=f"the iteration did not end within {within_ms} ms")
        except Exception as e:
            return outcome_of(e)

    async def iter_open(self, window: int, new_connection: bool) -> "SyncIter":
        client = await self.s._new_client(credit_messages=window)
        ch = await self.s.run(client.channel if self.kind == "term" else client.byte_channel, self.id)
        it = await self.s.run(iter, ch)
        return SyncIter(self.s, client, it, self.kind)

    async def end_creator(self) -> None:
        if self.creator is not None:
            await self.s.run(self.creator.close)


class SyncIter:
    def __init__(self, s: SyncSurface, client: Any, it: Any, kind: str) -> None:
        self.s, self.client, self.it, self.kind = s, client, it, kind

    async def next(self, timeout_ms: int) -> Outcome:
        def step() -> Outcome:
            try:
                return message(next(self.it), self.kind)
            except StopIteration:
                return Outcome("end")
        try:
            return await asyncio.wait_for(self.s.run(step), timeout_ms / 1000)
        except asyncio.TimeoutError:
            return Outcome("timeout")
        except Exception as e:
            return outcome_of(e)

    async def close(self) -> None:
        await self.s.run(self.it.close)

    async def break_connection(self) -> None:
        await self.s.run(self.client.close)


def _sync_api_check(client: vertx_channels.Client, check: str) -> Outcome:
    problems: List[str] = []

    def expect_raises(what: str, fn: Callable[[], Any], *types: type, not_types: tuple = ()) -> Optional[BaseException]:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - we inspect the type
            for t in types:
                if not isinstance(e, t):
                    problems.append(f"{what} raised {type(e).__name__}, which is not a {t.__name__}")
            for t in not_types:
                if isinstance(e, t):
                    problems.append(f"{what} raised {type(e).__name__}, which should not be a {t.__name__}")
            return e
        problems.append(f"{what} raised nothing")
        return None

    if check == "python_error_types":
        ch = client.new_byte_channel(max_size=4)
        ch.send_bytes(b"abcd")
        e = expect_raises("a busy send_bytes", lambda: ch.send_bytes(b"x"), errors.ChannelBusy, RuntimeError,
                          not_types=(errors.MessageTooLarge,))
        if e is not None and not str(e).startswith("channel busy (backpressure)"):
            problems.append(f"ChannelBusy's message is {str(e)!r}, not 'channel busy (backpressure)...'")
        expect_raises("a waiting send_bytes larger than max_size", lambda: ch.send_bytes(b"12345", timeout_ms=-1),
                      errors.MessageTooLarge, ValueError, not_types=(errors.ChannelBusy,))
        empty = client.new_byte_channel()
        if empty.try_receive_bytes() is not None:
            problems.append("try_receive_bytes of an empty channel did not return None")
        e = expect_raises("receive_bytes(timeout_ms=50) on an empty channel", lambda: empty.receive_bytes(50),
                          TimeoutError, not_types=(errors.DeadlineExceeded,))
        if not issubclass(errors.ByteChannelClosed, errors.ChannelClosed):
            problems.append("ByteChannelClosed is not a subclass of ChannelClosed")
        empty.close()
        expect_raises("try_receive_bytes on a closed, empty byte channel", empty.try_receive_bytes,
                      errors.ByteChannelClosed, errors.ChannelClosed)
        expect_raises("send_bytes of a str", lambda: ch.send_bytes("text"), TypeError)
        ch.close()
    elif check == "python_send_type_error":
        ch = client.new_channel()
        expect_raises("send(object())", lambda: ch.send(object()), TypeError)
        expect_raises("send({1, 2}) (a set)", lambda: ch.send({1, 2}), TypeError)
        if ch.info()["messages"] != 0:
            problems.append("a refused send enqueued something")
        ch.close()
    else:
        return Outcome("error", detail=f"no check named {check}")
    return Outcome("ok") if not problems else Outcome("error", detail="; ".join(problems))


# ------------------------------------------------------------------------------------------------
# python-asyncio


class AioSurface(Surface):
    name = "python-asyncio"

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.client: Optional[vca.Client] = None
        self.extra: List[vca.Client] = []

    async def start(self) -> None:
        self.client = await vca.connect(self.target)

    async def _new_client(self, **options: Any) -> vca.Client:
        c = await vca.connect(self.target, **options)
        self.extra.append(c)
        return c

    async def create(self, kind: str, max_size: int, separate: bool) -> "AioChan":
        client = await self._new_client() if separate else self.client
        try:
            ch = await (client.new_channel(max_size) if kind == "term" else client.new_byte_channel(max_size))
        except Exception as e:
            raise OutcomeError(outcome_of(e)) from None
        return AioChan(self, ch, kind, client if separate else None)

    async def attach(self, channel_id: str, kind: str, new_connection: bool) -> "AioChan":
        client = await self._new_client() if new_connection else self.client
        try:
            ch = await (client.channel(channel_id) if kind == "term" else client.byte_channel(channel_id))
        except Exception as e:
            raise OutcomeError(outcome_of(e)) from None
        return AioChan(self, ch, kind, None)

    async def reset(self) -> None:
        extra, self.extra = self.extra, []
        for c in extra:
            await c.close()

    async def close(self) -> None:
        await self.reset()
        if self.client is not None:
            await self.client.close()

    async def api_check(self, check: str) -> Outcome:
        return await _aio_api_check(self.client, check)

    async def send_to_address(self, address: str, payload: Payload) -> Outcome:
        try:
            if payload.canon is not None:
                await self.client.send_to(address, value_of(payload))
            else:
                await self.client.send_bytes_to(address, payload.data)
            return Outcome("ok")
        except Exception as e:
            return outcome_of(e)


class AioChan:
    def __init__(self, s: AioSurface, ch: Any, kind: str, creator: Optional[vca.Client]) -> None:
        self.s, self.ch, self.kind, self.creator = s, ch, kind, creator
        self.id = ch.id

    async def _send(self, payload: Payload, timeout_ms: Optional[int]) -> Outcome:
        try:
            if self.kind == "term":
                await self.ch.send(value_of(payload), timeout_ms=timeout_ms)
            else:
                await self.ch.send_bytes(payload.data, timeout_ms=timeout_ms)
            return Outcome("ok")
        except OutcomeError as e:
            return e.outcome
        except Exception as e:
            return outcome_of(e)

    async def send(self, payload: Payload) -> Outcome:
        return await self._send(payload, None)

    async def send_wait(self, payload: Payload, timeout_ms: int) -> Outcome:
        return await self._send(payload, timeout_ms)

    async def try_receive(self) -> Outcome:
        try:
            v = await (self.ch.try_receive() if self.kind == "term" else self.ch.try_receive_bytes())
            return Outcome("empty") if v is None else message(v, self.kind)
        except Exception as e:
            return outcome_of(e)

    async def receive(self, timeout_ms: int) -> Outcome:
        try:
            v = await (self.ch.receive(timeout_ms) if self.kind == "term" else self.ch.receive_bytes(timeout_ms))
            return message(v, self.kind)
        except Exception as e:
            return outcome_of(e)

    def receive_cancellable(self, timeout_ms: int) -> Pending:
        async def go() -> Outcome:
            v = await (self.ch.receive(timeout_ms) if self.kind == "term" else self.ch.receive_bytes(timeout_ms))
            return message(v, self.kind)
        return Pending(go())

    async def close(self) -> Outcome:
        try:
            await self.ch.close()
            return Outcome("ok")
        except Exception as e:
            return outcome_of(e)

    async def info(self) -> Outcome:
        try:
            return info_outcome(await self.ch.info())
        except Exception as e:
            return outcome_of(e)

    async def iterate(self, style: str, within_ms: int) -> Outcome:
        async def collect() -> Outcome:
            return Outcome("messages", items=[message(m, self.kind) async for m in self.ch])
        try:
            return await asyncio.wait_for(collect(), within_ms / 1000)
        except asyncio.TimeoutError:
            return Outcome("timeout", detail=f"the iteration did not end within {within_ms} ms")
        except Exception as e:
            return outcome_of(e)

    async def iter_open(self, window: int, new_connection: bool) -> "AioIter":
        client = await self.s._new_client(credit_messages=window)
        ch = await (client.channel(self.id) if self.kind == "term" else client.byte_channel(self.id))
        return AioIter(client, ch.__aiter__(), self.kind)

    async def end_creator(self) -> None:
        if self.creator is not None:
            await self.creator.close()


class AioIter:
    def __init__(self, client: Any, it: Any, kind: str) -> None:
        self.client, self.it, self.kind = client, it, kind

    async def next(self, timeout_ms: int) -> Outcome:
        try:
            return message(await asyncio.wait_for(self.it.__anext__(), timeout_ms / 1000), self.kind)
        except StopAsyncIteration:
            return Outcome("end")
        except asyncio.TimeoutError:
            return Outcome("timeout")
        except Exception as e:
            return outcome_of(e)

    async def close(self) -> None:
        await self.it.aclose()

    async def break_connection(self) -> None:
        await self.client.close()


async def _aio_api_check(client: vca.Client, check: str) -> Outcome:
    problems: List[str] = []

    async def expect_raises(what: str, coro: Any, *types: type, not_types: tuple = ()) -> Optional[BaseException]:
        try:
            await coro
        except BaseException as e:  # noqa: BLE001 - we inspect the type
            for t in types:
                if not isinstance(e, t):
                    problems.append(f"{what} raised {type(e).__name__}, which is not a {t.__name__}")
            for t in not_types:
                if isinstance(e, t):
                    problems.append(f"{what} raised {type(e).__name__}, which should not be a {t.__name__}")
            return e
        problems.append(f"{what} raised nothing")
        return None

    if check == "python_error_types":
        ch = await client.new_byte_channel(max_size=4)
        await ch.send_bytes(b"abcd")
        e = await expect_raises("a busy send_bytes", ch.send_bytes(b"x"), errors.ChannelBusy, RuntimeError,
                                not_types=(errors.MessageTooLarge,))
        if e is not None and not str(e).startswith("channel busy (backpressure)"):
            problems.append(f"ChannelBusy's message is {str(e)!r}, not 'channel busy (backpressure)...'")
        await expect_raises("a waiting send_bytes larger than max_size", ch.send_bytes(b"12345", timeout_ms=-1),
                            errors.MessageTooLarge, ValueError, not_types=(errors.ChannelBusy,))
        empty = await client.new_byte_channel()
        if await empty.try_receive_bytes() is not None:
            problems.append("try_receive_bytes of an empty channel did not return None")
        await expect_raises("receive_bytes(timeout_ms=50) on an empty channel", empty.receive_bytes(50),
                            TimeoutError, not_types=(errors.DeadlineExceeded,))
        await empty.close()
        await expect_raises("try_receive_bytes on a closed, empty byte channel", empty.try_receive_bytes(),
                            errors.ByteChannelClosed, errors.ChannelClosed)
        await expect_raises("send_bytes of a str", ch.send_bytes("text"), TypeError)
        await ch.close()
    elif check == "python_send_type_error":
        ch = await client.new_channel()
        await expect_raises("send(object())", ch.send(object()), TypeError)
        await expect_raises("send({1, 2}) (a set)", ch.send({1, 2}), TypeError)
        if (await ch.info())["messages"] != 0:
            problems.append("a refused send enqueued something")
        await ch.close()
    else:
        return Outcome("error", detail=f"no check named {check}")
    return Outcome("ok") if not problems else Outcome("error", detail="; ".join(problems))


def make(name: str, target: str) -> Surface:
    return {"python-sync": SyncSurface, "python-asyncio": AioSurface}[name](target)
