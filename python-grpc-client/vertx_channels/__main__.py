"""Command line: ``vertx-channels [OPTIONS] COMMAND ...`` (or ``python3 -m vertx_channels``).

Commands::

    new [--bytes] [--max-size N]             create a channel, print its id
    send ID [--file F | -] [--chunk-size N]  byte channel: send a file or stdin, in chunks, over
                                             one stream (send_many + flush)
    send ID --term LITERAL | --atom NAME     term channel: send one term (a Python literal)
    recv ID [--count N] [--timeout-ms T]     receive N messages (0 = until closed): bytes to
                                             stdout as they are, terms printed with repr()
    info ID                                  print the channel's info as JSON
    close ID                                 close the channel

Connection options (before the command): ``--target HOST:PORT`` ($VERTX_CHANNELS_TARGET),
``--token TOKEN`` ($VERTX_CHANNELS_TOKEN), ``--tls-ca FILE`` (TLS, trusting that CA) or
``--tls`` (TLS, the system's CAs), ``--connect-timeout SECONDS``. ``send`` and ``recv`` take
``--progress`` / ``--no-progress`` (a tqdm bar on stderr; default: when stderr is a terminal).

Exit codes: 0 ok, 1 error, 2 usage, 3 channel not found, 4 channel closed, 5 timeout,
130 interrupted. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import ast
import ipaddress
import json
import os
import sys
from typing import IO, Any, Callable, Dict, Iterator, List, NoReturn, Optional, Union

import grpc

from . import _base
from ._sync import ByteChannel, Channel, Client, connect
from .errors import (
    ChannelClosed,
    ChannelError,
    ChannelNotFound,
    ConnectionLost,
    SendFailed,
    Unauthenticated,
    WrongChannelKind,
    from_rpc_error,
)
from .terms import Atom

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CLOSED = 4
EXIT_TIMEOUT = 5
EXIT_INTERRUPTED = 130

DEFAULT_CHUNK_SIZE = 64 * 1024
# The largest chunk: one message of the contract (16 MiB payloads).
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TOKEN_ENV = "VERTX_CHANNELS_TOKEN"
TARGET_ENV = "VERTX_CHANNELS_TARGET"

AnyChannel = Union[Channel, ByteChannel]


class _Usage(Exception):
    """A usage error found after parsing (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with the usage error reported as one line plus the usage (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _int_at_least(minimum: int, maximum: Optional[int] = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name and name not in ("__main__.py", "-c") else "python3 -m vertx_channels"


def _add_progress(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="show a progress bar on stderr (needs tqdm); it stays when done")
    group.add_argument("--no-progress", dest="progress", action="store_false",
                       help="never show a progress bar (default: a bar when stderr is a terminal)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=_prog(),
        description="Use vertx-channels channels from the command line.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 closed, 5 timeout, "
               "130 interrupted.",
    )
    p.add_argument("--target", default=os.environ.get(TARGET_ENV, _base.DEFAULT_TARGET),
                   help=f"server host:port (default: ${TARGET_ENV} or %(default)s)")
    p.add_argument("--connect-timeout", type=_seconds, default=_base.DEFAULT_CONNECT_TIMEOUT,
                   metavar="SECONDS", help="how long to wait for the server (default %(default)s)")
    p.add_argument("--token", default=None,
                   help=f"bearer token for a server with auth_tokens (default: ${TOKEN_ENV}); "
                        "without TLS only allowed to a loopback target")
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--tls-ca", metavar="FILE",
                     help="connect with TLS, trusting the CA certificate(s) in FILE (PEM)")
    tls.add_argument("--tls", action="store_true",
                     help="connect with TLS, trusting the system's CA certificates")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           parser_class=_Parser)

    new = sub.add_parser("new", help="create a channel and print its id")
    new.add_argument("--bytes", action="store_true", help="a byte channel (default: term channel)")
    new.add_argument("--max-size", type=_int_at_least(0), default=0, metavar="N",
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
    send.add_argument("--chunk-size", type=_int_at_least(1, MAX_CHUNK_SIZE),
                      default=DEFAULT_CHUNK_SIZE, metavar="N",
                      help="byte channel: bytes per message (default %(default)s)")
    send.add_argument("--timeout-ms", type=int, default=-1, metavar="T",
                      help="term channel: how long the send waits for room (default -1 = "
                           "forever); a byte stream always waits for room")
    _add_progress(send)

    recv = sub.add_parser("recv", help="receive from a channel")
    recv.add_argument("id", help="the channel id")
    recv.add_argument("--count", "-n", type=_int_at_least(0), default=1, metavar="N",
                      help="messages to receive (default 1; 0 = all until the channel is closed)")
    recv.add_argument("--timeout-ms", type=int, default=-1, metavar="T",
                      help="how long each receive waits (default -1 = forever)")
    _add_progress(recv)

    info = sub.add_parser("info", help="print the channel's info as JSON")
    info.add_argument("id", help="the channel id")

    close = sub.add_parser("close", help="close the channel")
    close.add_argument("id", help="the channel id")
    return p


# ------------------------------------------------------------------------------ connection

def _is_loopback(target: str) -> bool:
    """Whether a host:port target names this machine (a token may then travel without TLS)."""
    host = target.rsplit(":", 1)[0] if target.count(":") == 1 or target.startswith("[") else target
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credentials(args: argparse.Namespace) -> Optional[grpc.ChannelCredentials]:
    if args.tls_ca is not None:
        try:
            with open(args.tls_ca, "rb") as f:
                ca = f.read()
        except OSError as e:
            raise _Usage(f"--tls-ca: cannot read {args.tls_ca}: {e.strerror or e}") from None
        if b"-----BEGIN CERTIFICATE-----" not in ca:
            raise _Usage(f"--tls-ca: {args.tls_ca} holds no PEM certificate")
        return grpc.ssl_channel_credentials(root_certificates=ca)
    if args.tls:
        return grpc.ssl_channel_credentials()
    return None


def _token(args: argparse.Namespace) -> Optional[str]:
    token: Optional[str] = args.token if args.token is not None else os.environ.get(TOKEN_ENV)
    if token is None:
        return None
    if not token:
        raise _Usage(f"--token / ${TOKEN_ENV} is empty")
    if args.tls_ca is None and not args.tls and not _is_loopback(args.target):
        raise _Usage(f"a token is only sent over TLS to {args.target}: add --tls-ca FILE or --tls "
                     "(without TLS a token is allowed to a loopback target only)")
    return token


def _attach(client: Client, channel_id: str) -> AnyChannel:
    try:
        return client.byte_channel(channel_id)
    except WrongChannelKind:
        return client.channel(channel_id)


# -------------------------------------------------------------------------------- progress

def _progress_bar(args: argparse.Namespace, total: Optional[int], desc: str,
                  unit: str = "B") -> Any:
    """A tqdm bar on stderr, or None. It stays on the terminal when done (leave=True), so that
    the total and the rate of the transfer remain visible."""
    want = args.progress if args.progress is not None else sys.stderr.isatty()
    if not want:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        if args.progress:
            print(f"{_prog()}: --progress needs tqdm (pip install 'vertx-channels[progress]')",
                  file=sys.stderr)
        return None
    scale = unit == "B"
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=scale,
                unit_divisor=1024 if scale else 1000, file=sys.stderr, leave=True)


# -------------------------------------------------------------------------------- commands

def _cmd_new(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    ch: AnyChannel = (client.new_byte_channel(max_size=args.max_size) if args.bytes
                      else client.new_channel(max_size=args.max_size))
    print(ch.id, file=out)
    return EXIT_OK


def _parse_term(args: argparse.Namespace) -> Any:
    if args.atom is not None:
        return Atom(args.atom)
    try:
        return ast.literal_eval(args.term)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as e:
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
    if args.file is not None and args.file != "-":
        try:
            f = open(args.file, "rb")
        except OSError as e:
            raise _Usage(f"--file: cannot open {args.file}: {e.strerror or e}") from None
        with f:
            return _send_stream(ch, f, args, os.fstat(f.fileno()).st_size, args.file)
    return _send_stream(ch, sys.stdin.buffer, args, None, "stdin")


def _chunks(src: IO[bytes], size: int, bar: Any) -> Iterator[bytes]:
    """The chunks of src, read as the sender takes them (so a file of any size is streamed with
    a bounded amount in memory); the bar counts what was handed to the sender."""
    while True:
        chunk = src.read(size)
        if not chunk:
            return
        yield chunk
        if bar is not None:
            bar.update(len(chunk))


def _send_stream(ch: ByteChannel, src: IO[bytes], args: argparse.Namespace,
                 total: Optional[int], name: str) -> int:
    """Sends src in chunks over one producer stream (``send_many``), then ``flush()`` waits until
    the server has accepted every chunk: exit 0 means everything is in the channel."""
    bar = _progress_bar(args, total, f"send {name}")
    try:
        # timeout_ms=-1: a send waits for room as long as it takes (backpressure of a bounded
        # channel slows the file down, never fails it)
        ch.send_many(_chunks(src, args.chunk_size, bar), timeout_ms=-1)
        ch.flush()
        return EXIT_OK
    finally:
        if bar is not None:
            bar.close()


def _cmd_recv(client: Client, args: argparse.Namespace, out: IO[str]) -> int:
    ch = _attach(client, args.id)
    total = args.count or None
    bar = (_progress_bar(args, None, "recv") if isinstance(ch, ByteChannel)
           else _progress_bar(args, total, "recv", unit="msg"))
    sink = sys.stdout.buffer

    def emit(message: Any) -> None:
        if isinstance(ch, ByteChannel):
            sink.write(message)
            sink.flush()
            if bar is not None:
                bar.update(len(message))
        else:
            print(repr(message), file=out, flush=True)
            if bar is not None:
                bar.update(1)

    try:
        if args.count == 0 and args.timeout_ms < 0:
            for message in ch:  # the Stream rpc: fast, ends when closed and drained
                emit(message)
            return EXIT_OK
        received = 0
        while args.count == 0 or received < args.count:
            try:
                message = (ch.receive_bytes(args.timeout_ms) if isinstance(ch, ByteChannel)
                           else ch.receive(args.timeout_ms))
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


_COMMANDS: Dict[str, Callable[[Client, argparse.Namespace, IO[str]], int]] = {
    "new": _cmd_new, "send": _cmd_send, "recv": _cmd_recv, "info": _cmd_info, "close": _cmd_close,
}


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line (the console script ``vertx-channels``); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)  # exits with 2 on a usage error
    try:
        credentials = _credentials(args)
        token = _token(args)
        with connect(args.target, timeout=args.connect_timeout, credentials=credentials,
                     token=token) as client:
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
    except Unauthenticated as e:
        hint = "" if (args.token or os.environ.get(TOKEN_ENV)) else \
            f" (the server wants a token: --token or ${TOKEN_ENV})"
        return _fail(e, EXIT_ERROR, hint)
    except ConnectionLost as e:
        hint = "" if args.tls_ca or args.tls else " (is it up? a TLS server needs --tls-ca FILE)"
        return _fail(e, EXIT_ERROR, hint if "could not connect" in str(e) else "")
    except BrokenPipeError:
        # the reader of stdout went away (`| head`): stop quietly, as a Unix filter does
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return EXIT_INTERRUPTED
    except grpc.RpcError as e:  # a call the client did not map (should not happen)
        return _fail(from_rpc_error(e), EXIT_ERROR)
    except SendFailed as e:
        return _fail(e, EXIT_ERROR, f" ({len(e.indexes)} chunk(s) not confirmed)")
    except (ChannelError, OSError, TypeError, ValueError) as e:
        return _fail(e, EXIT_ERROR)


def _fail(error: BaseException, code: int, hint: str = "") -> int:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"{_prog()}: {text}{hint}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
