"""Fuzzing of the Python ETF decoder ``vertx_channels.terms.binary_to_term`` (issue 8, part 2).

Seed vectors come from ``erl`` at test time (``etf_vectors.generate``); they are mutated, and
random byte strings starting with 131 are added. Each input gives a value or ``ETFDecodeError``,
never another exception, a hang or an unbounded allocation (S-FIX-DECODE; the contract's
section 6: "It rejects malformed input with a clear error, never with a crash, a hang or
unbounded memory"). The run is seeded: the seed is printed, ``FAULTS_SEED=N`` replays it.

Every input runs under a deadline (SIGALRM), generous compared with what a decoder linear in
its input needs; nothing asserts a duration otherwise.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import struct
import subprocess
import tempfile
import tracemalloc
from typing import Iterator, List

import pytest

import etf_vectors
from vertx_channels.terms import ETFDecodeError, binary_to_term, term_to_binary

SEED = int(os.environ.get("FAULTS_SEED", "20260826"))
N_MUTATED = int(os.environ.get("FAULTS_MUTATED", "20000"))
N_RANDOM = int(os.environ.get("FAULTS_RANDOM", "10000"))
PER_INPUT_S = 2.0

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")


class Deadline(BaseException):
    """Raised by SIGALRM inside a decode that ran too long (a BaseException: no `except
    Exception` in the code under test can swallow it)."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def on_alarm(signum, frame):
        raise Deadline()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def seeds() -> List[bytes]:
    if not etf_vectors.erl_available():
        pytest.fail("erl is needed to make the seed vectors: run `make deps`")
    vectors = etf_vectors.generate()
    return [b for variants in vectors.values() for b in variants.values()]


TAGS = [70, 77, 80, 82, 88, 89, 90, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
        112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 68, 0, 255, 131]
U32 = [0, 1, 2, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


def mutate(r: random.Random, data: bytes, others: List[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(r.randint(1, 3)):
        if not b:
            return b"\x83"
        at = r.randrange(len(b))
        op = r.randrange(8)
        if op == 0:
            b[at] ^= 1 << r.randrange(8)
        elif op == 1:
            b[at] = r.choice(TAGS) if r.random() < 0.5 else r.choice([0, 1, 0x7F, 0x80, 0xFF])
        elif op == 2:
            v = len(b) + r.randint(-1, 1) if r.random() < 0.25 else r.choice(U32)
            width = r.choice([2, 4])
            chunk = (v & (2 ** (8 * width) - 1)).to_bytes(width, "big")
            b[at:at + width] = chunk[:len(b) - at]
        elif op == 3:
            b[at:at] = bytes(r.randrange(256) for _ in range(r.randint(1, 8)))
        elif op == 4:
            del b[at:at + r.randint(1, 8)]
        elif op == 5:
            del b[at:]
        elif op == 6:
            piece = b[at:at + r.randint(1, 16)]
            to = r.randrange(len(b))
            b[to:to] = piece
        else:
            o = r.choice(others)
            start = r.randrange(1, max(2, len(o)))
            b[at:at + r.randrange(24)] = o[start:start + r.randint(1, 24)]
    return bytes(b)


def random_input(r: random.Random) -> bytes:
    out = bytearray([131])
    for _ in range(r.randrange(48)):
        kind = r.randrange(4)
        out.append(r.choice(TAGS) if kind == 0 else r.randrange(4) if kind == 1 else r.randrange(256))
    return bytes(out)


def check(data: bytes) -> bool:
    """True when accepted (and re-encodes stably), False when refused with ETFDecodeError; any
    other exception propagates."""
    try:
        value = binary_to_term(data)
    except ETFDecodeError as e:
        assert str(e), "a refusal says what is wrong"
        return False
    # A decoded value encodes, and one more round trip is a fixed point.
    once = term_to_binary(value)
    assert term_to_binary(binary_to_term(once)) == once
    repr(value)
    return True


def test_mutated_and_random_payloads_decode_to_a_value_or_an_etf_decode_error_never_anything_else__S_FIX_DECODE(seeds):
    print(f"test_fuzz seed {SEED} (replay with FAULTS_SEED={SEED})")
    r = random.Random(SEED)
    inputs = [mutate(r, r.choice(seeds), seeds) for _ in range(N_MUTATED)]
    inputs += [random_input(r) for _ in range(N_RANDOM)]
    accepted = refused = 0
    failures = []
    for data in inputs:
        try:
            with deadline(PER_INPUT_S):
                if check(data):
                    accepted += 1
                else:
                    refused += 1
        except Deadline:
            failures.append(f"ran over {PER_INPUT_S} s: {data.hex()}")
        except Exception as e:  # noqa: BLE001 - the failure under test
            failures.append(f"{type(e).__name__}: {e} for {data.hex()}")
        if len(failures) >= 10:
            break
    print(f"{len(inputs)} inputs: {accepted} accepted, {refused} refused")
    assert not failures, f"seed {SEED}: " + "\n".join(failures)
    assert accepted > 100 and refused > 1000, "the fuzzer reaches both outcomes"


def _erlang_verdicts(inputs: List[bytes]) -> List[str]:
    """For each input: ok when binary_to_term(B, [used]) takes all of it, else trailing/badarg."""
    with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as f:
        for b in inputs:
            f.write(b.hex() + "\n")
        path = f.name
    try:
        script = f"""
        {{ok, Data}} = file:read_file("{path}"),
        lists:foreach(fun(L) ->
            B = binary:decode_hex(L),
            R = try binary_to_term(B, [used]) of
                  {{_, U}} when U =:= byte_size(B) -> ok;
                  _ -> trailing
                catch _:_ -> badarg end,
            io:format("~s~n", [R])
          end, binary:split(Data, <<"\\n">>, [global, trim_all])),
        io:format("END~n").
        """
        out = subprocess.run(["erl", "-noshell", "-eval", script, "-s", "init", "stop"],
                             capture_output=True, text=True, timeout=120, check=True).stdout.split()
    finally:
        os.unlink(path)
    assert out and out[-1] == "END", out[-5:]
    assert len(out) - 1 == len(inputs)
    return out[:-1]


@pytest.mark.skipif(shutil.which("erl") is None, reason="needs erl")
def test_every_mutated_payload_the_decoder_accepts_is_one_term_for_erlang_too__S_FIX_DECODE(seeds):
    r = random.Random(SEED ^ 0xE71)
    accepted, seen = [], set()
    for _ in range(200_000):
        data = mutate(r, r.choice(seeds), seeds)
        if data in seen:
            continue
        seen.add(data)
        try:
            binary_to_term(data)
        except ETFDecodeError:
            continue
        accepted.append(data)
        if len(accepted) >= 3000:
            break
    verdicts = _erlang_verdicts(accepted)
    local_node = b"nonode@nohost"
    # Documented leniency (as in the Java validator): a pid/port/ref naming the decoding node
    # itself with numbers its internal form cannot hold is refused by that node only.
    disagreements = [f"{v} {d.hex()}" for d, v in zip(accepted, verdicts) if v != "ok" and local_node not in d]
    print(f"{len(accepted)} accepted mutants checked with binary_to_term: {len(disagreements)} disagreements")
    assert not disagreements, f"seed {SEED}: the decoder accepts bytes binary_to_term refuses: {disagreements[:10]}"


BOMBS = {
    "BINARY_EXT of 2^32-1 bytes": bytes([131, 109, 255, 255, 255, 255, 1, 2, 3]),
    "LIST_EXT of 2^32-1 elements": bytes([131, 108, 255, 255, 255, 255, 97, 1, 106]),
    "LARGE_TUPLE_EXT of 2^32-1 elements": bytes([131, 105, 255, 255, 255, 255, 97, 1]),
    "MAP_EXT of 2^32-1 pairs": bytes([131, 116, 255, 255, 255, 255, 97, 1, 97, 2]),
    "LARGE_BIG_EXT of 2^32-1 digits": bytes([131, 111, 255, 255, 255, 255, 0, 1, 2]),
    "BIT_BINARY_EXT of 2^32-1 bytes": bytes([131, 77, 255, 255, 255, 255, 3, 1]),
    "STRING_EXT of 65535 bytes": bytes([131, 107, 255, 255, 1, 2]),
    "ATOM_UTF8_EXT of 65535 bytes": bytes([131, 118, 255, 255, 97]),
    "NEWER_REFERENCE_EXT of 65535 words": bytes([131, 90, 255, 255, 119, 1, 97, 0, 0, 0, 0]),
    "NEW_FUN_EXT of 2^32-1 bytes": bytes([131, 112, 255, 255, 255, 255, 0]),
    "compressed term of 2^32-1 bytes": bytes([131, 80, 255, 255, 255, 255, 120, 156, 3, 0]),
    "compressed term of 64 MiB of nothing": bytes([131, 80, 4, 0, 0, 0, 120, 156, 3, 0, 0, 0, 0, 1]),
    "nested LIST_EXTs each of 2^32-1": bytes([131] + [108, 255, 255, 255, 255] * 3),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_declared_length_bomb_fails_fast_with_etf_decode_error_and_allocates_almost_nothing__S_FIX_DECODE(name):
    tracemalloc.start()
    try:
        with deadline(PER_INPUT_S):
            with pytest.raises(ETFDecodeError):
                binary_to_term(BOMBS[name])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"{name}: peak allocation {peak} bytes"


def _nested_list_tails(depth: int, n: int) -> bytes:
    """[[] | [[] | ... [n x []]]] `depth` deep: lists whose tails are lists (binary_to_term takes
    them; term_to_binary never writes them)."""
    return b"\x83" + bytes([108, 0, 0, 0, 1, 106]) * depth + b"\x6c" + struct.pack(">I", n) + b"\x6a" * (n + 1)


def test_decoding_a_list_whose_tails_are_lists_takes_work_proportional_to_the_input__S_FIX_DECODE():
    # 1 MB, far below the 16 MiB message limit; a flat list of as many elements decodes in well
    # under a second.
    data = _nested_list_tails(511, 1_000_000)
    try:
        with deadline(1.5 * PER_INPUT_S):
            value = binary_to_term(data)
    except Deadline:
        pytest.fail(f"binary_to_term of a {len(data)}-byte list whose tail is a list, 511 deep, ran over "
                    f"{1.5 * PER_INPUT_S} s: every level copies the whole rest of the list")
    assert len(value) == 1_000_511


def test_decoding_a_map_whose_keys_share_one_hash_takes_work_proportional_to_the_input__S_FIX_DECODE():
    # Python hashes an int modulo 2^61 - 1: the keys k * (2^61 - 1) all hash to 0. (The dict is
    # built by one C call that SIGALRM cannot interrupt: n is kept small so that the quadratic
    # build ends within seconds; a linear one takes milliseconds.)
    n = 15_000
    out = bytearray(b"\x83t" + struct.pack(">I", n))
    for k in range(1, n + 1):
        out += term_to_binary(k * (2**61 - 1))[1:] + b"a\x00"
    data = bytes(out)
    try:
        with deadline(PER_INPUT_S / 2):
            value = binary_to_term(data)
    except Deadline:
        pytest.fail(f"binary_to_term of a {len(data)}-byte map of {n} integer keys k * (2^61-1) (one hash) ran "
                    f"over {PER_INPUT_S / 2} s: building the dict is quadratic (hash flooding)")
    except ETFDecodeError as e:
        # The decoder's answer to hash flooding: a clear refusal, in time.
        assert "share one hash value" in str(e)
        return
    assert len(value) == n
