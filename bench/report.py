"""Turns the benchmark's raw results into figures (median, min, max, ratios to the ceiling),
checks the targets of issue 6, and writes the table (terminal and Markdown) and the chart."""

from __future__ import annotations

import statistics
from typing import Any, Dict, List, Optional

CLIENTS = ["py-sync", "py-aio", "java-grpc", "java-local"]
CLIENT_NAMES = {
    "py-sync": "Python sync",
    "py-aio": "Python asyncio",
    "java-grpc": "Java gRPC",
    "java-local": "Java event bus",
}
GRPC_CLIENTS = ["py-sync", "py-aio", "java-grpc"]
KINDS = {"bytes": "ByteChannel", "term_binary": "Channel"}
# Cross-node cells (bench.py's cluster section) are those of a client with this suffix:
# ``py-sync-cluster/bytes/65536`` is the cross-node counterpart of ``py-sync/bytes/65536``.
CLUSTER_SUFFIX = "-cluster"
CLUSTER_CLIENTS = ["py-sync", "py-aio"]


def key(client: str, what: str, chunk: Any, endpoint: str = "batched") -> str:
    """The id of a cell: ``py-sync/bytes/1024``, ``java-grpc/ceiling/65536``,
    ``py-aio/term_small/0/unbatched``."""
    k = f"{client}/{what}/{chunk}"
    return k if endpoint == "batched" else f"{k}/{endpoint}"


# ----------------------------------------------------------------------------------- figures

def _stats(values: List[float]) -> Dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarize_runs(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """MB/s (10^6 bytes/s) and messages/s: median, min, max over the repetitions; CPU per message."""
    out: Dict[str, Any] = {
        "reps": len(runs),
        "messages": runs[0]["messages"],
        "bytes": runs[0]["bytes"],
        "mb_s": _stats([r["bytes"] / r["seconds"] / 1e6 for r in runs]),
        "msg_s": _stats([r["messages"] / r["seconds"] for r in runs]),
        "seconds": [r["seconds"] for r in runs],
    }
    if all("client_cpu_s" in r for r in runs):
        out["client_cpu_us_per_msg"] = statistics.median(
            r["client_cpu_s"] * 1e6 / r["messages"] for r in runs)
        out["server_cpu_us_per_msg"] = statistics.median(
            r["server_cpu_s"] * 1e6 / r["messages"] for r in runs)
    if all("producer_seconds" in r for r in runs):
        out["producer_msg_s"] = statistics.median(r["messages"] / r["producer_seconds"] for r in runs)
    return out


def summarize_latency(nanos: List[int]) -> Dict[str, Any]:
    s = sorted(nanos)
    n = len(s)

    def pct(p: float) -> float:
        return s[min(n - 1, int(p * n))] / 1e6

    return {"samples": n, "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": s[-1] / 1e6, "mean_ms": sum(s) / n / 1e6, "min_ms": s[0] / 1e6}


def ratios(cells: Dict[str, Any]) -> Dict[str, float]:
    """Every channel cell of a gRPC client divided by the ceiling of the same client and chunk
    size (medians of messages/s, which for the same chunk is the ratio of MB/s); small terms are
    compared with the 64-byte ceiling."""
    out: Dict[str, float] = {}
    for k, cell in cells.items():
        if k.count("/") < 2:
            continue
        client, what, chunk = k.split("/")[:3]
        if client not in GRPC_CLIENTS or what == "ceiling" or "msg_s" not in cell:
            continue
        ceiling = cells.get(key(client, "ceiling", 64 if what == "term_small" else chunk))
        if ceiling and "msg_s" in ceiling:
            out[k] = cell["msg_s"]["median"] / ceiling["msg_s"]["median"]
    return out


def targets(cells: Dict[str, Any], rat: Dict[str, Any], latency: Dict[str, Any],
            codec: Optional[Dict[str, Any]], memory: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The targets of issue 6, each with the measured value and whether it holds."""
    out: List[Dict[str, Any]] = []

    def add(tid: str, what: str, value: Optional[float], op: str, threshold: float, unit: str) -> None:
        met = None if value is None else (value >= threshold if op == ">=" else value <= threshold)
        out.append({"id": tid, "target": what, "value": value, "op": op, "threshold": threshold,
                    "unit": unit, "met": met})

    for client in ("py-sync", "py-aio"):
        for chunk in (16384, 65536):
            add(f"bytes-{client}-{chunk // 1024}k", f"ByteChannel to {CLIENT_NAMES[client]} at "
                f"{chunk // 1024} KiB vs ceiling", rat.get(key(client, "bytes", chunk)), ">=", 0.9, "x")
        add(f"bytes-{client}-1k", f"ByteChannel to {CLIENT_NAMES[client]} at 1 KiB vs ceiling",
            rat.get(key(client, "bytes", 1024)), ">=", 8.0, "x")
        add(f"terms-{client}-1k", f"Channel (terms) to {CLIENT_NAMES[client]} at 1 KiB vs ceiling",
            rat.get(key(client, "term_binary", 1024)), ">=", 5.0, "x")
        cell = cells.get(key(client, "bytes", 64))
        add(f"small-{client}", f"64-byte messages to {CLIENT_NAMES[client]}",
            cell["msg_s"]["median"] if cell and "msg_s" in cell else None, ">=", 300_000, "msg/s")
        lat = latency.get(client)
        add(f"latency-p50-{client}", f"idle-channel latency to {CLIENT_NAMES[client]}, p50",
            lat["p50_ms"] if lat else None, "<=", 1.0, "ms")
        add(f"latency-p99-{client}", f"idle-channel latency to {CLIENT_NAMES[client]}, p99",
            lat["p99_ms"] if lat else None, "<=", 5.0, "ms")
    small = codec.get("small_tuple") if codec else None
    add("codec-small-decode", "small terms decoded by vertx_channels.terms",
        small["decode_per_s"] if small else None, ">=", 150_000, "terms/s")
    add("java-grpc-64k", "ByteChannel to the Java gRPC client at 64 KiB vs ceiling",
        rat.get(key("java-grpc", "bytes", 65536)), ">=", 0.9, "x")
    local = cells.get(key("java-local", "bytes", 65536))
    add("java-local-64k", "ByteChannel to the local event-bus consumer at 64 KiB",
        local["mb_s"]["median"] / 1000 if local and "mb_s" in local else None, ">=", 2.0, "GB/s")
    add("memory-rss", "server peak RSS (as `make run` starts it) while a slow consumer reads 1 GiB through max_size 4 MiB",
        memory["rss_peak_mib"] if memory and "rss_peak_mib" in memory else None, "<=", 512, "MiB")
    return out


def _mb_ratio(cells: Dict[str, Any], num: str, den: str) -> Optional[float]:
    n, d = _mb(cells, num), _mb(cells, den)
    return n / d if n is not None and d else None


def issue14_targets(cells: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The targets of issue 14: the producing side and per-call receives against the drain
    (``for m in ch`` of a pre-filled channel) of the same client and chunk, and the drain against
    the bare gRPC stream (grpcio server, raw bytes: grpcio_ceiling.py) of the sync client."""
    out: List[Dict[str, Any]] = []

    def add(tid: str, what: str, value: Optional[float], threshold: float) -> None:
        out.append({"id": tid, "target": what, "value": value, "op": ">=", "threshold": threshold,
                    "unit": "x", "met": None if value is None else value >= threshold})

    for client in ("py-sync", "py-aio"):
        n = CLIENT_NAMES[client]
        for chunk, thr in ((65536, 0.9), (1024, 0.5)):
            add(f"i14-producer-{client}-{chunk // 1024}k",
                f"{n} producer (`send_many` + `flush`) at {chunk // 1024} KiB vs drain",
                _mb_ratio(cells, key(client, "produce_send_many", chunk), key(client, "drain_bytes", chunk)), thr)
            # The issue names both producer idioms: the per-call loop too.
            add(f"i14-producer-loop-{client}-{chunk // 1024}k",
                f"{n} producer (per-call `send_bytes` loop) at {chunk // 1024} KiB vs drain",
                _mb_ratio(cells, key(client, "produce_send_bytes", chunk), key(client, "drain_bytes", chunk)), thr)
    add("i14-receive-py-sync-1k", "Python sync per-call `receive_bytes` at 1 KiB vs drain",
        _mb_ratio(cells, key("py-sync", "drain_bytes_receive_bytes", 1024), key("py-sync", "drain_bytes", 1024)), 0.5)
    for chunk, thr in ((65536, 0.9), (1024, 8.0)):
        add(f"i14-drain-py-sync-{chunk // 1024}k",
            f"Python sync drain (`for m in ch`) at {chunk // 1024} KiB vs bare gRPC (grpcio)",
            _mb_ratio(cells, key("py-sync", "drain_bytes", chunk), key("py-sync", "grpcio_ceiling", chunk)), thr)
    return out


# erlang_python's published streaming figures (MB/s, their MB being 2^20 bytes): the output of
# examples/bench_byte_channel.erl (run_streaming_bench: 1 MiB in chunks, per-call
# py_byte_channel:send / py_channel:send from Erlang, then per-call try_receive_bytes /
# try_receive in Python, one process, timed together) in the description of
# https://github.com/benoitc/erlang-python/pull/35 ("Add ByteChannel API for raw byte
# streaming", merged 2026-03-17).
ERLANG_PYTHON_STREAMING = {
    "source": "https://github.com/benoitc/erlang-python/pull/35 (examples/bench_byte_channel.erl, "
              "run_streaming_bench)",
    "bytes": {1024: 1445.09, 4096: 4950.50, 16384: 5649.72, 65536: 12500.00},
    "term_binary": {1024: 1009.08, 4096: 3401.36, 16384: 6756.76, 65536: 6250.00},
}


# ------------------------------------------------------------------------------------- tables

def _fmt_rate(v: Optional[float]) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if v >= 10 else f"{v:.1f}"


def _mb(cells: Dict[str, Any], k: str) -> Optional[float]:
    c = cells.get(k)
    return c["mb_s"]["median"] if c and "mb_s" in c else None


def _msg(cells: Dict[str, Any], k: str) -> Optional[float]:
    c = cells.get(k)
    return c["msg_s"]["median"] if c and "msg_s" in c else None


def _with_ratio(v: Optional[float], r: Optional[float]) -> str:
    if v is None:
        return "—"
    return _fmt_rate(v) if r is None else f"{_fmt_rate(v)} ({r:.2f}×)"


def markdown_table(header: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    def line(cols: List[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cols, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 1) + ":" if i else ":" + "-" * (w + 1) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def throughput_tables(summary: Dict[str, Any]) -> str:
    """The seed-shaped tables: rows are chunk sizes, columns the channel kinds per client, with
    the ceiling of the same client and the ratio to it."""
    cells, rat, chunks = summary["cells"], summary["ratios"], summary["params"]["chunks"]
    parts = []
    header = ["chunk"]
    for client in GRPC_CLIENTS:
        n = CLIENT_NAMES[client]
        header += [f"{n}: ceiling", f"{n}: ByteChannel", f"{n}: Channel"]
    header += [f"{CLIENT_NAMES['java-local']}: ByteChannel", f"{CLIENT_NAMES['java-local']}: Channel"]
    rows = []
    for chunk in chunks:
        row = [f"{chunk:,} B"]
        for client in GRPC_CLIENTS:
            row.append(_fmt_rate(_mb(cells, key(client, "ceiling", chunk))))
            for what in ("bytes", "term_binary"):
                k = key(client, what, chunk)
                row.append(_with_ratio(_mb(cells, k), rat.get(k)))
        for what in ("bytes", "term_binary"):
            row.append(_fmt_rate(_mb(cells, key("java-local", what, chunk))))
        rows.append(row)
    parts.append("Streaming throughput, MB/s (10^6 bytes/s, median of "
                 f"{summary['params']['reps']} runs after a warm-up; (×) = ratio to the ceiling of "
                 "the same client and chunk size):\n")
    parts.append(markdown_table(header, rows))
    return "\n".join(parts)


def per_client_tables(summary: Dict[str, Any]) -> str:
    """One narrow table per client: chunk, ceiling, ByteChannel, Channel, with min–max."""
    cells, rat, chunks = summary["cells"], summary["ratios"], summary["params"]["chunks"]
    out = []
    for client in CLIENTS:
        rows = []
        for chunk in chunks:
            row = [f"{chunk:,} B"]
            whats = (["ceiling"] if client in GRPC_CLIENTS else []) + ["bytes", "term_binary"]
            for what in whats:
                k = key(client, what, chunk)
                c = cells.get(k)
                if not c or "mb_s" not in c:
                    row += ["—", "—"]
                    continue
                m = c["mb_s"]
                row.append(_with_ratio(m["median"], rat.get(k)))
                row.append(f"{_fmt_rate(m['min'])}–{_fmt_rate(m['max'])}")
            cpu = cells.get(key(client, "bytes", chunk), {})
            if "client_cpu_us_per_msg" not in cpu:
                row.append("—")
            elif client == "java-local":  # consumer and producer are both in the server
                row.append(f"— / {cpu['server_cpu_us_per_msg']:.1f}")
            else:
                row.append(f"{cpu['client_cpu_us_per_msg']:.1f} / {cpu['server_cpu_us_per_msg']:.1f}")
            rows.append(row)
        header = ["chunk"]
        if client in GRPC_CLIENTS:
            header += ["ceiling MB/s", "min–max"]
        header += ["ByteChannel MB/s", "min–max", "Channel MB/s", "min–max",
                   "ByteChannel CPU µs/msg client / server"]
        out.append(f"**{CLIENT_NAMES[client]}**\n\n" + markdown_table(header, rows))
    return "\n\n".join(out)


def small_table(summary: Dict[str, Any]) -> str:
    cells, rat = summary["cells"], summary["ratios"]
    header = ["client", "ceiling 64 B", "64 B bytes, batched", "64 B bytes, unbatched",
              "small term, batched", "small term, unbatched"]
    rows = []
    for client in CLIENTS:
        row = [CLIENT_NAMES[client]]
        row.append(_fmt_rate(_msg(cells, key(client, "ceiling", 64))) if client in GRPC_CLIENTS else "—")
        for what, chunk in (("bytes", 64), ("term_small", 0)):
            for endpoint in ("batched", "unbatched"):
                k = key(client, what, chunk, endpoint)
                if client == "java-local" and endpoint == "unbatched":
                    row.append("—")
                    continue
                row.append(_with_ratio(_msg(cells, k), rat.get(k)))
        rows.append(row)
    return ("Small messages, messages/s (median; batched = server defaults, unbatched = "
            "`batch_max_messages` 1; (×) = ratio to the 64-byte ceiling of the same client):\n\n"
            + markdown_table(header, rows))


def ceiling_check_table(summary: Dict[str, Any]) -> str:
    """The ceiling next to the same bare stream from a grpcio server (Python sync client)."""
    cells = summary["cells"]
    rows = []
    for chunk in (64, 1024, 4096, 16384, 65536):
        vx, gr = cells.get(key("py-sync", "ceiling", chunk)), cells.get(key("py-sync", "grpcio_ceiling", chunk))
        if not vx and not gr:
            continue

        def fig(c: Optional[Dict[str, Any]]) -> List[str]:
            if not c or "msg_s" not in c:
                return ["—", "—", "—"]
            return [_fmt_rate(c["msg_s"]["median"]), _fmt_rate(c["mb_s"]["median"]),
                    f"{c.get('client_cpu_us_per_msg', float('nan')):.0f}"]
        rows.append([f"{chunk:,} B"] + fig(vx) + fig(gr))
    if not rows:
        return ""
    return ("Ceiling cross-check (Python sync client): the ceiling (a Vert.x gRPC server stream, "
            "protobuf messages) next to the barest stream grpcio can make, from a grpcio server "
            "process with raw bytes and no protobuf (`bench/grpcio_ceiling.py`). Both are bound by "
            "the client's cost per gRPC message:\n\n"
            + markdown_table(["chunk", "Vert.x ceiling msg/s", "MB/s", "client CPU µs/msg",
                              "grpcio server msg/s", "MB/s", "client CPU µs/msg"], rows))


def drain_table(summary: Dict[str, Any]) -> str:
    """The consuming side alone against streaming: how much of the streaming figure the producer
    and the concurrency with it cost."""
    cells, rat = summary["cells"], summary["ratios"]
    rows = []
    for client in GRPC_CLIENTS:
        row = [CLIENT_NAMES[client]]
        row.append(_fmt_rate(_msg(cells, key(client, "drain_bytes", 64))))
        row.append(_fmt_rate(_msg(cells, key(client, "bytes", 64))))
        k = key(client, "drain_bytes", 1024)
        row.append(_with_ratio(_mb(cells, k), rat.get(k)))
        k = key(client, "bytes", 1024)
        row.append(_with_ratio(_mb(cells, k), rat.get(k)))
        rows.append(row)
    pa = summary.get("producer_alone") or {}
    extra = ""
    if "64" in pa and "producer_msg_s" in pa["64"]:
        extra = (f"\n\nThe producer alone (blocking sends into an unlimited channel nobody consumes, "
                 f"{summary['params']['in_flight']} in flight): {pa['64']['producer_msg_s']:,.0f} msg/s "
                 f"at 64 B, {pa['65536']['producer_msg_s']:,.0f} msg/s at 64 KiB; the local consumer "
                 f"alone then drains {pa['64']['consumer_msg_s']:,.0f} msg/s at 64 B.")
    return ("Consuming side alone: the channel (max_size 0) is filled first, then drained by the "
            "client; streaming = producer and consumer at the same time (the tables above):\n\n"
            + markdown_table(["client", "64 B drained, msg/s", "64 B streaming, msg/s",
                              "1 KiB drained, MB/s", "1 KiB streaming, MB/s"], rows) + extra)


def _fallback(cells: Dict[str, Any], k: str) -> bool:
    """Whether a send_many cell ran the per-call fallback (a client without send_many)."""
    runs = (cells.get(k) or {}).get("runs") or []
    return any("no send_many" in str(r.get("api_used", "")) for r in runs)


def issue14_tables(summary: Dict[str, Any]) -> str:
    """Issue 14, side by side: the bare gRPC stream, the drain, the producing side alone and
    per-call receives, per client and chunk size."""
    cells, chunks = summary["cells"], summary["params"]["chunks"]
    if not any(k.split("/")[1].startswith(("produce_", "drain_bytes_")) for k in cells if k.count("/") >= 2):
        return ""
    fallback = False

    def fig(k: str, den: Optional[str]) -> str:
        nonlocal fallback
        v = _mb(cells, k)
        if v is None:
            return "—"
        text = _with_ratio(v, _mb_ratio(cells, k, den) if den else None)
        if _fallback(cells, k):
            fallback = True
            text += "†"
        return text

    rows = []
    for chunk in chunks:
        d = key("py-sync", "drain_bytes", chunk)
        rows.append([f"{chunk:,} B",
                     fig(key("py-sync", "grpcio_ceiling", chunk), None),
                     fig(key("py-sync", "ceiling", chunk), None),
                     fig(d, key("py-sync", "grpcio_ceiling", chunk)),
                     fig(key("py-sync", "produce_send_bytes", chunk), d),
                     fig(key("py-sync", "produce_send_many", chunk), d),
                     fig(key("py-sync", "drain_bytes_receive_bytes", chunk), d),
                     fig(key("py-sync", "drain_bytes_async_receive_bytes", chunk), d)])
    sync = markdown_table(["chunk", "bare gRPC (grpcio)", "Vert.x ceiling", "drain `for m in ch` (× bare gRPC)",
                           "`send_bytes` loop (× drain)", "`send_many` + `flush` (× drain)",
                           "`receive_bytes` loop (× drain)", "`await async_receive_bytes` loop (× drain)"], rows)
    rows = []
    for chunk in chunks:
        d = key("py-aio", "drain_bytes", chunk)
        rows.append([f"{chunk:,} B",
                     fig(key("py-aio", "ceiling", chunk), None),
                     fig(d, key("py-aio", "ceiling", chunk)),
                     fig(key("py-aio", "produce_send_bytes", chunk), d),
                     fig(key("py-aio", "produce_send_many", chunk), d),
                     fig(key("py-aio", "drain_bytes_receive_bytes", chunk), d)])
    aio = markdown_table(["chunk", "Vert.x ceiling", "drain `async for m in ch` (× ceiling)",
                          "`await send_bytes` loop (× drain)", "`await send_many` + `flush` (× drain)",
                          "`await receive_bytes` loop (× drain)"], rows)
    rows = []
    for chunk in (1024, 65536):
        d = key("java-grpc", "drain_bytes", chunk)
        rows.append([f"{chunk:,} B", fig(key("java-grpc", "ceiling", chunk), None),
                     fig(d, key("java-grpc", "ceiling", chunk)),
                     fig(key("java-grpc", "produce_send", chunk), d),
                     fig(key("java-grpc", "drain_bytes_receive", chunk), d)])
    java = markdown_table(["chunk", "Vert.x ceiling", "drain `RemoteStream` (× ceiling)",
                           "per-call `send` (× drain)", "per-call `receive` (× drain)"], rows)
    java_api = next((r.get("api_used") for r in (cells.get(key("java-grpc", "produce_send", 1024)) or {}).get("runs") or []
                     if r.get("api_used")), None)
    i14_reps = summary["params"].get("profile", {}).get("i14_reps")
    text = ("Producing side and per-call receives (issue 14), MB/s (median"
            + (f" of {i14_reps} runs" + (" after a warm-up" if summary["params"].get("warmup") else "")
               + ", the drains too" if i14_reps and i14_reps > 1 else "")
            + "; (×) = ratio to the column named). Drain = the channel (max_size 0) filled by the server's producer first, then consumed "
            "alone; producer = this client fills a new unlimited channel nobody consumes, timed until the "
            "last message is accepted; per-call = one call per message; bare gRPC = a grpcio server "
            "process streaming raw bytes to the same grpcio client (`grpcio_ceiling.py`), one gRPC message "
            "per chunk.\n\n**Python sync**\n\n" + sync + "\n\n**Python asyncio**\n\n" + aio
            + "\n\n**Java gRPC** (`ChannelGrpcClient`" + (f"; sends: {java_api}" if java_api else "") + ")\n\n" + java)
    if fallback:
        text += ("\n\n† this client has no `send_many`: the cell ran a per-call `send_bytes` loop "
                 "instead (the figure is not the producer stream's)")
    return text


def erlang_python_table(summary: Dict[str, Any]) -> str:
    """erlang_python's streaming shape, our figures next to their published ones."""
    cells, chunks = summary["cells"], summary["params"]["chunks"]
    if not any(k.split("/")[1].startswith("ep_stream_") for k in cells if k.count("/") >= 2):
        return ""
    ep = ERLANG_PYTHON_STREAMING
    rows = []
    for chunk in chunks:
        row = [f"{chunk:,} B"]
        for payload in ("bytes", "term_binary"):
            c = cells.get(key("py-sync", "ep_stream_" + payload, chunk))
            ours = c["mb_s"]["median"] * 1e6 / 2**20 if c and "mb_s" in c else None
            theirs = ep[payload].get(chunk)
            row += [_fmt_rate(theirs), _fmt_rate(ours),
                    f"{ours / theirs:.3f}×" if ours and theirs else "—"]
        rows.append(row)
    return ("erlang_python's streaming benchmark shape (`examples/bench_byte_channel.erl`, "
            "`run_streaming_bench`): 1 MiB in chunks, one send call per chunk, then one `try_receive` "
            "call per chunk, timed together; MiB/s (2^20 B/s, as theirs). Theirs: one BEAM process "
            "sending into a NIF queue read by Python embedded in the same OS process (published in "
            f"{ep['source']}, their machine); ours: the Python sync client (`send_bytes` / `send`, "
            "`try_receive_bytes` / `try_receive`), each call a gRPC round trip to the server "
            "process over loopback:\n\n"
            + markdown_table(["chunk", "erlang_python ByteChannel", "ours ByteChannel", "ours / theirs",
                              "erlang_python Channel", "ours Channel", "ours / theirs"], rows))


def latency_table(summary: Dict[str, Any]) -> str:
    rows = []
    for client in CLIENTS:
        lat = summary["latency"].get(client)
        if not lat:
            rows.append([CLIENT_NAMES[client], "—", "—", "—", "—", "—"])
            continue
        rows.append([CLIENT_NAMES[client], f"{lat['samples']}", f"{lat['p50_ms']:.3f}",
                     f"{lat['p90_ms']:.3f}", f"{lat['p99_ms']:.3f}", f"{lat['max_ms']:.3f}"])
    return ("Latency, send → receive on an idle byte channel (64-byte messages, one every "
            f"{summary['params']['latency_interval_ms']} ms), ms:\n\n"
            + markdown_table(["client", "samples", "p50", "p90", "p99", "max"], rows))


def codec_table(summary: Dict[str, Any]) -> str:
    codec = summary.get("codec") or {}
    rows = [[name, f"{c['etf_bytes']:,}", f"{c['decode_per_s']:,.0f}", f"{c['decode_mb_s']:,.1f}",
             f"{c['encode_per_s']:,.0f}", f"{c['encode_mb_s']:,.1f}"] for name, c in codec.items()]
    return ("Python ETF codec (`vertx_channels.terms`, one thread):\n\n"
            + markdown_table(["term", "ETF bytes", "decode/s", "decode MB/s", "encode/s", "encode MB/s"], rows))


def memory_text(summary: Dict[str, Any]) -> str:
    variants = summary.get("memory_variants") or {}
    if not variants:
        return "Memory: not measured."
    rows = []
    first = None
    for name, m in variants.items():
        opts = " ".join(m.get("jvm_args") or []) or "none"
        opts = (f"`make run`: {opts}" if name == "make run"
                else "none (JVM defaults, a bare `java -jar`)" if not m.get("jvm_args") else opts)
        if "rss_peak_mib" not in m:
            rows.append([opts, "—", "—", "—", "—", "—", m.get("error", "no figure")])
            continue
        first = first or m
        rows.append([opts, f"{m['rss_start_mib']:.0f}", f"{m['rss_peak_mib']:.0f}",
                     f"{m['heap_used_max_mib']:.0f} / {m['heap_committed_max_mib']:.0f} / {m['heap_max_mib']:.0f}",
                     f"{m['heap_live_end_mib']:.0f}", f"{m['direct_max_mib']:.0f}", f"{m['consumer_mb_s']:.0f} MB/s"])
    head = "Memory, server process"
    if first:
        head += (f": a slow Python consumer reads {first['stream_mib']:,.0f} MiB in {first['chunk']:,}-byte "
                 f"messages (each a freshly allocated buffer) through a byte channel with max_size "
                 f"{first['max_size'] // 1024 // 1024} MiB; a fresh server per row; MiB")
    return head + ":\n\n" + markdown_table(
        ["JVM options", "RSS at start", "peak RSS (VmHWM)", "heap used max / committed max / max",
         "heap live after GC at end", "direct buffers max", "consumer"], rows)


def cluster_summary(summary: Dict[str, Any]) -> Dict[str, Any]:
    """The cross-node figures next to the single-node ones of the same run: per client and chunk
    size, ByteChannel MB/s when channel, producer and client's endpoint are on one node, and when
    the client consumes through another node of a two-node cluster (every message crosses the
    clustered event bus); ratio = cross-node / single-node (medians). Goes into latest.json
    under ``cluster``."""
    cells = summary["cells"]
    rows = []
    # the chunk sizes measured cross-node (cells py-sync-cluster/bytes/<chunk>)
    chunks = sorted({int(k.split("/")[2]) for k in cells
                     if k.count("/") == 2 and k.split("/")[0].endswith(CLUSTER_SUFFIX)
                     and k.split("/")[1] == "bytes"})
    for client in CLUSTER_CLIENTS:
        for chunk in chunks:
            cross = cells.get(key(client + CLUSTER_SUFFIX, "bytes", chunk))
            if cross is None:
                continue
            single = cells.get(key(client, "bytes", chunk))
            row: Dict[str, Any] = {"client": client, "chunk": chunk,
                                   "single_node_mb_s": _mb(cells, key(client, "bytes", chunk)),
                                   "cross_node_mb_s": _mb(cells, key(client + CLUSTER_SUFFIX, "bytes", chunk))}
            if "mb_s" in cross:
                row.update(cross_node_mb_s_min=cross["mb_s"]["min"], cross_node_mb_s_max=cross["mb_s"]["max"],
                           cross_node_msg_s=cross["msg_s"]["median"],
                           cross_node_client_cpu_us_per_msg=cross.get("client_cpu_us_per_msg"),
                           cross_node_servers_cpu_us_per_msg=cross.get("server_cpu_us_per_msg"))
            else:
                row["error"] = cross.get("error")
            if single and "mb_s" in single:
                row.update(single_node_msg_s=single["msg_s"]["median"],
                           single_node_server_cpu_us_per_msg=single.get("server_cpu_us_per_msg"))
            if row["single_node_mb_s"] and row["cross_node_mb_s"]:
                row["ratio"] = row["cross_node_mb_s"] / row["single_node_mb_s"]
            rows.append(row)
    return {
        "what": ("ByteChannel streaming to a Python client: single-node = channel, producer and the "
                 "client's endpoint on one server; cross-node = two clustered servers, the channel "
                 "created through node A's endpoint (so owned by A), filled by A's producer, "
                 "consumed through node B's endpoint; ratio = cross-node / single-node MB/s (medians)"),
        "rows": rows,
    }


def cluster_table(summary: Dict[str, Any]) -> str:
    c = summary.get("cluster")
    if not c:
        return ""
    rows_in = c.get("rows") or []
    clients = [cl for cl in CLUSTER_CLIENTS if any(r["client"] == cl for r in rows_in)]
    chunks = sorted({r["chunk"] for r in rows_in})
    header = ["chunk"]
    for cl in clients:
        n = CLIENT_NAMES[cl]
        header += [f"{n}: single-node", f"{n}: cross-node", "min–max", "cross / single"]
    rows = []
    for chunk in chunks:
        row = [f"{chunk:,} B"]
        for cl in clients:
            r = next((r for r in rows_in if r["client"] == cl and r["chunk"] == chunk), {})
            row.append(_fmt_rate(r.get("single_node_mb_s")))
            row.append(_fmt_rate(r.get("cross_node_mb_s")))
            row.append(f"{_fmt_rate(r['cross_node_mb_s_min'])}–{_fmt_rate(r['cross_node_mb_s_max'])}"
                       if "cross_node_mb_s_min" in r else "—")
            row.append(f"{r['ratio']:.2f}×" if "ratio" in r else "—")
        rows.append(row)
    p = summary["params"]
    runs = f"median of {p['reps']} runs" + (" after a warm-up run" if p.get("warmup") else "")
    text = (f"Cross-node (cluster), ByteChannel MB/s ({runs}): two bench servers in one Vert.x cluster (Hazelcast, "
            "loopback); the channel is created through node A's endpoint (owned by A) and filled by "
            "A's producer, the Python client consumes it through node B's endpoint, so every message "
            "crosses the clustered event bus under B's credit. Single-node = the same client and "
            f"chunk in this run's streaming table. Bytes per run: {p.get('cluster_bytes_desc', '?')}; "
            "the two server JVMs and the client share the machine")
    if c.get("startup_s") is not None:
        text += f"; cluster start-up {c['startup_s']} s, section {c.get('elapsed_s', '?')} s"
    text += ":\n\n"
    if not rows:
        failed = [k for k, v in summary["cells"].items() if k.split("/")[0] in
                  [cl + CLUSTER_SUFFIX for cl in CLUSTER_CLIENTS] + ["cluster"] and "error" in v]
        return text + "no figure" + (f" (failed: {', '.join(failed)})" if failed else "")
    return text + markdown_table(header, rows)


def targets_table(summary: Dict[str, Any], which: str = "targets", title: str = "Targets (issue 6)") -> str:
    rows = []
    for t in summary.get(which) or []:
        v = t["value"]
        if v is None:
            value = "—"
        elif t["unit"] == "x":
            value = f"{v:.2f}×"
        elif t["unit"] in ("ms", "GB/s"):
            value = f"{v:.3f} {t['unit']}" if t["unit"] == "ms" else f"{v:.2f} {t['unit']}"
        else:
            value = f"{v:,.0f} {t['unit']}"
        thr = (f"{t['threshold']}×" if t["unit"] == "x" else f"{t['threshold']:,} {t['unit']}")
        met = {True: "met", False: "**not met**", None: "no figure"}[t["met"]]
        rows.append([t["target"], value, f"{t['op']} {thr}", met])
    if not rows:
        return ""
    return f"{title}:\n\n" + markdown_table(["target", "measured", "wanted", ""], rows)


def markdown(summary: Dict[str, Any]) -> str:
    m = summary["machine"]
    p = summary["params"]
    head = (f"# vertx-channels benchmark\n\n"
            f"{summary['date']}, commit `{summary['commit']}`{' (dirty tree)' if summary.get('dirty') else ''}; "
            f"{m['cpu']} ({m['cores']} cores), {m['mem_gib']:.0f} GiB, {m['kernel']}; "
            f"{m['java']}; Python {m['python']}, grpcio {m['grpcio']}. Load average before/after: "
            f"{m['load_before']} / {m['load_after']}. Server, clients and producer share the machine "
            f"(loopback). Before anything is measured the server is warmed up (JIT): "
            f"{p.get('warmup_messages', 0):,} local sends, then each gRPC client process first runs "
            f"its own paths unmeasured ({p.get('grpc_warmup_messages', 0):,} streamed messages, "
            f"per-call receives and sends). Reproduce: `{summary['command']}`.\n\n"
            f"The **ceiling** is a bare gRPC server stream on the same server stack (a Vert.x gRPC "
            f"server in the same process, the same HTTP/2 settings), **one gRPC message per chunk**, "
            f"no channel semantics, read by the same client; it is the denominator of every ratio. "
            f"Channel runs: a producer verticle in the server fills a new channel "
            f"(max_size {p['max_size'] // 1024 // 1024} MiB) with blocking batch sends (`Channel.sendAll`, up to 64 "
            f"messages / 1 MiB per request, {p['in_flight']} messages in flight) while the "
            f"client iterates over it (`for m in ch`, `async for m in ch`, `RemoteStream.next`, "
            f"`Channel.stream({p['local_window']})`) until it is closed and drained. Channel = a term "
            f"channel whose messages are binaries of the chunk size (MB/s counts the binary bytes). "
            f"Bytes per run: {p['bytes_desc']}. Clients use their defaults (Python: `connect()` "
            f"options {p.get('client_options') or 'default'}; Java: `RemoteStream` window "
            f"{p['java_window']['messages']} messages / {p['java_window']['bytes'] // 1024 // 1024} MiB). The event-bus "
            f"consumer runs in the server and gets the producer's buffers by reference (no copy): its "
            f"MB/s is its message rate times the chunk size. CPU µs/msg: CPU time of the client "
            f"process and of the whole server process per message, which share 2 cores.\n")
    sections = [head, throughput_tables(summary), per_client_tables(summary), small_table(summary),
                ceiling_check_table(summary), drain_table(summary), issue14_tables(summary),
                erlang_python_table(summary), latency_table(summary), codec_table(summary), memory_text(summary)]
    sections = [x for x in sections if x]
    if summary.get("cluster"):
        sections.append(cluster_table(summary))
    sections.append(targets_table(summary))
    sections.append(targets_table(summary, "targets_issue14", "Targets (issue 14; `--quick` asserts none)"))
    sections = [x for x in sections if x]
    failed = [k for k, c in summary["cells"].items() if "error" in c]
    if failed:
        sections.append("Failed cells: " + ", ".join(f"`{k}`" for k in failed))
    return "\n\n".join(sections) + "\n"


# -------------------------------------------------------------------------------------- chart

def chart(summary: Dict[str, Any], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells, chunks = summary["cells"], summary["params"]["chunks"]
    fig, axes = plt.subplots(1, len(CLIENTS), figsize=(4.2 * len(CLIENTS), 4.2), sharey=True)
    for ax, client in zip(axes, CLIENTS):
        series = [("ceiling", "ceiling (bare gRPC stream)", "k", "--", "s")] if client in GRPC_CLIENTS else []
        series += [("bytes", "ByteChannel", "tab:blue", "-", "o"),
                   ("term_binary", "Channel (binary terms)", "tab:orange", "-", "^")]
        if client in CLUSTER_CLIENTS:
            series.append(("bytes" + CLUSTER_SUFFIX, "ByteChannel, cross-node (cluster)", "tab:green", ":", "D"))
        for what, label, color, style, marker in series:
            xs, ys, lo, hi = [], [], [], []
            for chunk in chunks:
                c = cells.get(key(client + CLUSTER_SUFFIX, "bytes", chunk) if what.endswith(CLUSTER_SUFFIX)
                              else key(client, what, chunk))
                if c and "mb_s" in c:
                    xs.append(chunk)
                    ys.append(c["mb_s"]["median"])
                    lo.append(c["mb_s"]["median"] - c["mb_s"]["min"])
                    hi.append(c["mb_s"]["max"] - c["mb_s"]["median"])
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], label=label, color=color, linestyle=style,
                            marker=marker, capsize=3)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(chunks)
        ax.set_xticklabels([f"{c // 1024} KiB" for c in chunks])
        ax.set_title(CLIENT_NAMES[client] + (" (payloads passed by reference)" if client == "java-local" else ""),
                     fontsize=10)
        ax.set_xlabel("chunk size")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("MB/s (median, min–max bars)")
    fig.suptitle(f"vertx-channels streaming throughput ({summary['date']}, {summary['commit'][:10]})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
