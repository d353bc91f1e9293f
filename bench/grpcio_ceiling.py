"""A cross-check of the ceiling: the barest gRPC byte stream grpcio can make, on another stack.

The ceiling of the benchmark is a bare stream from the Vert.x gRPC server (the same stack as the
channel service). To show that this denominator is not an artefact of that server, this module
streams the same chunks from a *grpcio* server (Python, in its own process) with no protobuf at
all (raw bytes in, raw bytes out, identity serializers) to the same grpcio sync client. When the
two agree, the client's per-message cost is what bounds an unbatched stream on this machine.

    /usr/bin/python3 bench/grpcio_ceiling.py --serve            # prints the port, serves until killed
    GrpcioCeiling().measure(chunk=1024, count=20000)           # from a client process
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from concurrent import futures
from typing import Any, Dict, Optional

import grpc

METHOD = "/vertx.channels.bench.RawCeiling/Stream"


def _serve() -> None:
    def stream(request: bytes, context: Any):
        chunk = int.from_bytes(request[:4], "big")
        count = int.from_bytes(request[4:12], "big")
        data = bytes(chunk)
        for _ in range(count):
            yield data

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler(
        "vertx.channels.bench.RawCeiling", {"Stream": grpc.unary_stream_rpc_method_handler(stream)})
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")  # loopback only
    server.start()
    print(port, flush=True)
    # Stops when the parent closes our stdin (or dies).
    sys.stdin.read()
    server.stop(0)


class GrpcioCeiling:
    """A grpcio raw-bytes server process and a sync client of it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        port = self.proc.stdout.readline().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError("the grpcio ceiling server did not start")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[
            ("grpc.max_receive_message_length", 32 * 1024 * 1024)])
        self.call = self.channel.unary_stream(METHOD)  # identity: bytes in, bytes out

    def _server_cpu_s(self) -> float:
        """CPU seconds of the server process so far (utime + stime from /proc)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def measure(self, chunk: int, count: int) -> Dict[str, Any]:
        """One run: messages, bytes, seconds and the CPU seconds of this process and the server."""
        request = chunk.to_bytes(4, "big") + count.to_bytes(8, "big")
        s0 = self._server_cpu_s()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        n = nbytes = 0
        for message in self.call(request):
            n += 1
            nbytes += len(message)
        seconds = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        if n != count:
            raise RuntimeError(f"received {n} of {count} messages")
        return {"messages": n, "bytes": nbytes, "seconds": seconds, "client_cpu_s": cpu,
                "server_cpu_s": self._server_cpu_s() - s0}

    def close(self) -> None:
        try:
            self.channel.close()
        except AttributeError:
            pass
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", action="store_true", help="run the server (prints its port)")
    ap.add_argument("--chunk", type=int, default=1024)
    ap.add_argument("--count", type=int, default=20000)
    args = ap.parse_args(argv)
    if args.serve:
        _serve()
        return 0
    c = GrpcioCeiling()
    try:
        for _ in range(3):
            r = c.measure(args.chunk, args.count)
            print(f"{args.chunk} B: {r['messages'] / r['seconds']:,.0f} msg/s, "
                  f"{r['bytes'] / r['seconds'] / 1e6:.1f} MB/s, "
                  f"client CPU {r['client_cpu_s'] / r['messages'] * 1e6:.0f} µs/msg")
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
