"""Command line: ``python3 -m vertx_channels [--target HOST:PORT] COMMAND ...``.

Commands::

    new [--bytes] [--max-size N]             create a channel, print its id
    send ID [--file F | -] [--chunk-size N]  byte channel: send a file or stdin, in chunks
    send ID --term LITERAL | --atom NAME     term channel: send one term (a Python literal)
    recv ID [--count N] [--timeout-ms T]     receive N messages (0 = until closed): bytes to
                                             stdout as they are, terms printed with repr()
    info ID                                  print the channel's info as JSON
    close ID                                 close the channel

Exit codes: 0 ok, 1 error, 2 usage, 3 channel not found, 4 channel closed, 5 timeout.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from typing import IO, Any, List, Optional

from . import _base
from ._sync import ByteChannel, Channel, Client, connect
from .errors import ChannelClosed, ChannelError, ChannelNotFound, WrongChannelKind
from .terms import Atom

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CLOSED = 4
EXIT_TIMEOUT = 5

DEFAULT_CHUNK_SIZE = 64 * 1024


class _Usage(Exception):
    """A usage error found after parsing (exit code 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python3 -m vertx_channels",
        description="Use vertx-channels channels from the command line.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 closed, 5 timeout.",
    )
    p.add_argument("--target", default=os.environ.get("VERTX_CHANNELS_TARGET", _base.DEFAULT_TARGET),
                   help="server host:port (default: $VERTX_CHANNELS_TARGET or %(default)s)")
    p.add_argument("--connect-timeout", type=float, default=_base.DEFAULT_CONNECT_TIMEOUT,
                   metavar="SECONDS", help="how long to wait for the server (default %(default)s)")
    progress = p.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="show a progress bar on stderr (needs tqdm)")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="never show a progress bar")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = sub.add_parser("new", help="create a channel and print its id")
    new.add_argument("--bytes", action="store_true", help="a byte channel (default: term channel)")
    new.add_argument("--max-size", type=int, default=0, metavar="N",
                     help="backpressure limit in bytes (default 0 = unlimited)")

    send = sub.add_parser("send", help="send to a channel")
    send.add_argument("id", help="the channel id")
    src = send.add_mutually_exclusive_group()
    src.add_argument("--file", "-f", metavar="F",
                     help="byte channel: the file to send (default: stdin)")
    src.add_argument("stdin", nargs="?", choices=["-"], help="byte channel: read stdin")
    src.add_argument("--term", metavar="LITERAL",
                     help="term channel: a Python literal, e.g. \"('ok', [1, 2.5, b'x'])\"")
    src.add_argument("--atom", metavar="NAME", help="term channel: send the atom NAME")
    send.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, metavar="N",
                      help="byte channel: bytes per message (default %(default)s)")
    send.add_argument("--timeout-ms", type=int, default=-1, metavar="T",
                      help="how long each send waits for room (default -1 = forever)")

    recv = sub.add_parser("recv", help="receive from a channel")
    recv.add_argument("id", help="the channel id")
    recv.add_argument("--count", "-n", type=int, default=1, metavar="N",
                      help="messages to receive (default 1; 0 = all until the channel is closed)")
    recv.add_argument("--timeout-ms", type=int, default=-1, metavar="T",
                      help="how long each receive waits (default -1 = forever)")

    info = sub.add_parser("info", help="print the channel's info as JSON")
    info.add_argument("id", help="the channel id")

    close = sub.add_parser("close", help="close the channel")
    close.add_argument("id", help="the channel id")
    return p


def _attach(client: Client, channel_id: str) -> Any:
    try:
        return client.byte_channel(channel_id)
    except WrongChannelKind:
        return client.channel(channel_id)


def _progress_bar(args: argparse.Namespace, total: Optional[int], desc: str) -> Any:
    want = args.progress if args.progress is not None else sys.stderr.isatty()
    if not want:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        if args.progress:
            print("vertx_channels: --progress needs tqdm (pip install 'vertx-channels[progress]')",
                  file=sys.stderr)
        return None
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr, leave=False)


def _cmd_new(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    ch = (client.new_byte_channel if args.bytes else client.new_channel)(max_size=args.max_size)
    print(ch.id, file=out)
    return EXIT_OK


def _parse_term(args: argparse.Namespace) -> Any:
    if args.atom is not None:
        return Atom(args.atom)
    try:
        return ast.literal_eval(args.term)
    except (ValueError, SyntaxError) as e:
        raise _Usage(f"--term: not a Python literal: {args.term!r} ({e.__class__.__name__})") from None


def _cmd_send(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    ch = _attach(client, args.id)
    if isinstance(ch, Channel):
        if args.term is None and args.atom is None:
            raise _Usage(f"channel {args.id} is a term channel: give --term LITERAL or --atom NAME")
        ch.send(_parse_term(args), timeout_ms=args.timeout_ms)
        return EXIT_OK
    if args.term is not None or args.atom is not None:
        raise _Usage(f"channel {args.id} is a byte channel: send a file or stdin, not a term")
    if args.chunk_size <= 0:
        raise _Usage("--chunk-size must be > 0")
    assert isinstance(ch, ByteChannel)
    if args.file is not None and args.file != "-":
        with open(args.file, "rb") as f:
            return _send_stream(ch, f, args, os.fstat(f.fileno()).st_size)
    return _send_stream(ch, sys.stdin.buffer, args, None)


def _send_stream(ch: ByteChannel, src: IO[bytes], args: argparse.Namespace,
                 total: Optional[int]) -> int:
    bar = _progress_bar(args, total, "send")
    try:
        while True:
            chunk = src.read(args.chunk_size)
            if not chunk:
                return EXIT_OK
            ch.send_bytes(chunk, timeout_ms=args.timeout_ms)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def _cmd_recv(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    if args.count < 0:
        raise _Usage("--count must be >= 0")
    ch = _attach(client, args.id)
    is_bytes = isinstance(ch, ByteChannel)
    bar = _progress_bar(args, None, "recv") if is_bytes else None
    sink = sys.stdout.buffer if is_bytes else None

    def emit(message: Any) -> None:
        if is_bytes:
            sink.write(message)
            sink.flush()
            if bar is not None:
                bar.update(len(message))
        else:
            print(repr(message), file=out, flush=True)

    try:
        if args.count == 0 and args.timeout_ms < 0:
            for message in ch:  # the Stream rpc: fast, ends when closed and drained
                emit(message)
            return EXIT_OK
        received = 0
        while args.count == 0 or received < args.count:
            try:
                message = (ch.receive_bytes if is_bytes else ch.receive)(args.timeout_ms)
            except ChannelClosed:
                if args.count == 0:
                    return EXIT_OK
                raise
            emit(message)
            received += 1
        return EXIT_OK
    finally:
        if bar is not None:
            bar.close()


def _cmd_info(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    print(json.dumps(_attach(client, args.id).info(), sort_keys=True), file=out)
    return EXIT_OK


def _cmd_close(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    _attach(client, args.id).close()
    return EXIT_OK


_COMMANDS = {"new": _cmd_new, "send": _cmd_send, "recv": _cmd_recv, "info": _cmd_info,
             "close": _cmd_close}


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)  # exits with 2 on a usage error
    try:
        with connect(args.target, timeout=args.connect_timeout) as client:
            return _COMMANDS[args.command](client, args, sys.stdout)
    except _Usage as e:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ChannelNotFound as e:
        return _fail(e, EXIT_NOT_FOUND)
    except ChannelClosed as e:
        return _fail(e, EXIT_CLOSED)
    except TimeoutError as e:
        return _fail(e, EXIT_TIMEOUT)
    except (ChannelError, OSError, TypeError, ValueError) as e:
        return _fail(e, EXIT_ERROR)
    except KeyboardInterrupt:
        return 130


def _fail(error: BaseException, code: int) -> int:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"vertx_channels: {text}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
