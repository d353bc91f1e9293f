"""ETF test vectors produced at test time by a real Erlang runtime (``erl``).

Nothing here hand-types ETF bytes: :func:`generate` evaluates Erlang
expressions in one ``erl`` process and returns what ``term_to_binary/2``
gives for each of them under several option lists, and :func:`erl_check`
asks Erlang to ``binary_to_term/1`` bytes produced by Python and evaluate a
predicate on the result.

Erlang source passed on the command line is kept ASCII-only (non-ASCII atoms
and binaries are built from code point lists) so that it does not depend on
how the runtime interprets command-line encodings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Dict, Iterable, Tuple

# Variant name -> term_to_binary/2 option list.
VARIANTS: Dict[str, str] = {
    "default": "[]",
    "v0": "[{minor_version, 0}]",  # FLOAT_EXT string floats, ATOM_EXT atoms
    "v1": "[{minor_version, 1}]",  # NEW_FLOAT_EXT, ATOM_EXT (Latin-1) atoms
    "v2": "[{minor_version, 2}]",  # UTF-8 atoms; the OTP 26+ default
    "z": "[compressed, {minor_version, 2}]",
    "z9": "[{compressed, 9}, {minor_version, 1}]",
}


def cps(text: str) -> str:
    """An Erlang list of the code points of ``text`` (ASCII-safe source)."""
    return "[" + ",".join(str(ord(c)) for c in text) + "]"


def utf8_bin(text: str) -> str:
    """Erlang expression for the UTF-8 binary of ``text``."""
    return f"unicode:characters_to_binary({cps(text)})"


def atom(text: str) -> str:
    """Erlang expression for the atom named ``text``."""
    return f"list_to_atom({cps(text)})"


# name -> Erlang expression.  The expected Python values live in the tests.
VECTORS: Dict[str, str] = {
    # atoms
    "atom_ok": "ok",
    "atom_empty": "''",
    "atom_true": "true",
    "atom_false": "false",
    "atom_nil": "nil",
    "atom_none": "none",
    "atom_undefined": "undefined",
    "atom_bytes": "bytes",
    "atom_cafe": atom("café"),
    "atom_nihon": atom("日本"),
    "atom_255_latin1": atom("é" * 255),  # 510 UTF-8 bytes: ATOM_UTF8_EXT
    "atom_255_ascii": atom("a" * 255),
    "atom_nan": "nan",
    "atom_infinity": "infinity",
    "atom_neg_infinity": "neg_infinity",
    # integers
    "int_0": "0",
    "int_255": "255",
    "int_256": "256",
    "int_m1": "-1",
    "int_m256": "-256",
    "int_i32_max": "2147483647",
    "int_i32_min": "-2147483648",
    "int_2_31": "2147483648",
    "int_m2_31_m1": "-2147483649",
    "int_2_64": "(1 bsl 64)",
    "int_m2_64": "-(1 bsl 64)",
    "int_2_64_m1": "((1 bsl 64) - 1)",
    "int_2_1000": "(1 bsl 1000)",
    "int_255_bytes": "((1 bsl 2040) - 1)",
    "int_256_bytes": "(1 bsl 2040)",
    "int_2_3000": "(1 bsl 3000)",
    "int_m2_3000": "-(1 bsl 3000)",
    # floats
    "float_0_1": "0.1",
    "float_0": "0.0",
    "float_neg_0": "begin <<F/float>> = <<16#8000000000000000:64>>, F end",
    "float_1e308": "1.0e308",
    "float_m1_5": "-1.5",
    "float_denormal": "5.0e-324",
    "float_pi": "math:pi()",
    "float_big_int": "1.0e20",
    # binaries
    "bin_empty": "<<>>",
    "bin_hello": "<<\"hello\">>",
    "bin_utf8": utf8_bin("héllo 日本 \U0001F600"),
    "bin_not_utf8": "<<255, 0, 1>>",
    "bin_surrogate": "<<16#ED, 16#A0, 16#80>>",  # CESU surrogate: not valid UTF-8
    "bin_1000": "binary:copy(<<\"ab\">>, 500)",
    "bytes_tuple": "{bytes, <<1, 2, 255>>}",
    "bytes_tuple_utf8": "{bytes, <<\"abc\">>}",
    "bytes_tuple_3": "{bytes, <<\"abc\">>, 1}",
    "bytes_tuple_list": "{bytes, \"abc\"}",
    # lists and charlists
    "nil": "[]",
    "charlist_abc": "\"abc\"",
    "charlist_bytes": "[0, 255, 1]",
    "charlist_0_255": "lists:seq(0, 255)",
    "charlist_max": "lists:duplicate(65535, 7)",
    "list_65536_small": "lists:duplicate(65536, 7)",
    "list_ints": "[1, 256, -1]",
    "list_mixed": "[a, <<\"b\">>, [c], {d}, 1.5, true]",
    "list_nested_nil": "[[]]",
    "list_bool_int": "[true, 1]",
    "list_big_ints": "[1, 1 bsl 70]",
    "list_of_tuples": "[{item, I, <<\"v\">>} || I <- lists:seq(1, 50)]",
    "improper_int": "[1, 2 | 3]",
    "improper_bin": "[a | <<\"b\">>]",
    "improper_list_head": "[[1] | x]",
    # tuples
    "tuple_empty": "{}",
    "tuple_1": "{1}",
    "tuple_msg": "{ok, 42, <<\"x\">>}",
    "tuple_255": "list_to_tuple(lists:seq(1, 255))",
    "tuple_256": "list_to_tuple(lists:seq(1, 256))",
    "tuple_300": "list_to_tuple(lists:seq(1, 300))",
    # maps
    "map_empty": "#{}",
    "map_atom_key": "#{a => 1}",
    "map_int_key": "#{1 => <<\"x\">>}",
    "map_bin_key": "#{<<\"k\">> => [1, 2]}",
    "map_tuple_key": "#{{t, 1} => #{}}",
    "map_nested_1": "#{k => #{k2 => #{k3 => [x]}}}",
    "map_multi": (
        "#{a => #{b => #{c => 1}}, 1 => 2, <<\"bin\">> => {t}, {t, 1} => [1], "
        "2.5 => <<255>>, nil => []}"
    ),
    # maps that cannot be represented as a Python dict (must be refused)
    "map_list_key": "#{[1] => 2}",
    "map_map_key": "#{#{} => 1}",
    "map_tuple_list_key": "#{{a, [b]} => 1}",
    "map_keys_collide_atom_bin": "#{ok => 1, <<\"ok\">> => 2}",
    "map_keys_collide_int_float": "#{1 => a, 1.0 => b}",
    "map_keys_collide_nil_none": "#{nil => 1, none => 2}",
    "map_40": "maps:from_list([{I, I * I} || I <- lists:seq(1, 40)])",
    # opaque values
    "pid": "self()",
    "ref": "make_ref()",
    "port": "hd(erlang:ports())",
    "fun_local": "fun() -> ok end",
    "fun_closure": "(fun(A) -> fun(B) -> {A, B} end end)(42)",
    "fun_export": "fun erlang:abs/1",
    "bits_3": "<<1:3>>",
    "bits_27": "<<1, 2, 3:3>>",
    "opaque_mix": "{self(), make_ref(), [fun erlang:abs/1], #{k => <<5:4>>}}",
    # compression-friendly and deep terms
    "repetitive": "lists:duplicate(200, {ok, <<\"abcdef\">>})",
    "deep_lists_200": "lists:foldl(fun(_, A) -> [A] end, [], lists:seq(1, 200))",
    "deep_tuples_200": "lists:foldl(fun(_, A) -> {A} end, x, lists:seq(1, 200))",
    "deep_maps_100": "lists:foldl(fun(_, A) -> #{k => A} end, 0, lists:seq(1, 100))",
    "message": "{call, 7, #{method => <<\"put\">>, args => [<<\"k\">>, {bytes, <<0, 1>>}, 3.25]}}",
}


def erl_available() -> bool:
    return shutil.which("erl") is not None


def _run_erl(script: str, timeout: float = 120.0) -> str:
    proc = subprocess.run(
        ["erl", "-noshell", "-eval", script, "-s", "init", "stop"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"erl failed ({proc.returncode}): {proc.stderr[-2000:]} {proc.stdout[-2000:]}")
    return proc.stdout


def generate(vectors: Dict[str, str] = VECTORS) -> Dict[str, Dict[str, bytes]]:
    """Run one ``erl`` and return ``{name: {variant: etf_bytes}}``."""
    variants = list(VARIANTS.items())
    opts = "[" + ", ".join(opt for _, opt in variants) + "]"
    entries = ",\n".join(f"{{<<\"{name}\">>, fun() -> {expr} end}}" for name, expr in vectors.items())
    script = f"""
    Opts = {opts},
    Vs = [{entries}],
    lists:foreach(
      fun({{N, F}}) ->
        T = F(),
        Hs = [binary:encode_hex(term_to_binary(T, O)) || O <- Opts],
        io:format("~s~s~n", [N, [[" ", H] || H <- Hs]])
      end, Vs),
    io:format("END~n").
    """
    out = _run_erl(script)
    result: Dict[str, Dict[str, bytes]] = {}
    lines = out.split("\n")
    if "END" not in lines:
        raise RuntimeError(f"erl output incomplete: {out[-2000:]}")
    for line in lines:
        parts = line.split()
        if len(parts) != len(variants) + 1:
            continue
        name, hexes = parts[0], parts[1:]
        result[name] = {v: bytes.fromhex(h) for (v, _), h in zip(variants, hexes)}
    missing = set(vectors) - set(result)
    if missing:
        raise RuntimeError(f"erl produced no vectors for {sorted(missing)}")
    return result


def erl_check(cases: Iterable[Tuple[str, bytes, str]]) -> Dict[str, str]:
    """Ask Erlang to decode each ETF and evaluate a predicate on it.

    ``cases`` holds ``(name, etf_bytes, predicate)`` where ``predicate`` is an
    Erlang expression over the variable ``X`` (the decoded term).  Returns
    ``{name: result}`` where result is ``"true"`` when the predicate held,
    else Erlang's printed result or error.  The ETF bytes travel through a
    temporary file (they can exceed the command-line length limit).
    """
    cases = list(cases)
    with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as f:
        for name, etf, _ in cases:
            f.write(f"{name} {etf.hex()}\n")
        path = f.name
    try:
        calls = ",\n    ".join(f"Check(<<\"{name}\">>, fun(X) -> {pred} end)" for name, _, pred in cases)
        script = f"""
        {{ok, Data}} = file:read_file("{path}"),
        Hexes = maps:from_list([list_to_tuple(binary:split(L, <<" ">>))
                                || L <- binary:split(Data, <<"\n">>, [global]), L =/= <<>>]),
        Check = fun(N, P) ->
            R = (catch P(binary_to_term(binary:decode_hex(maps:get(N, Hexes))))),
            io:format("~s ~w~n", [N, R])
        end,
        {calls},
        io:format("END~n").
        """
        out = _run_erl(script)
    finally:
        os.unlink(path)
    results: Dict[str, str] = {}
    for line in out.split("\n"):
        name, _, rest = line.partition(" ")
        if rest:
            results[name] = rest.strip()
    return results


if __name__ == "__main__":  # pragma: no cover
    for n, vs in generate().items():
        print(n, {k: v.hex()[:40] for k, v in vs.items()})
