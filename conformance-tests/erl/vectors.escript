#!/usr/bin/env escript
%% -*- erlang -*-
%%! -noinput
%%
%% The conformance suite's source of truth for terms: real Erlang/OTP turns Erlang expressions
%% into ETF bytes (term_to_binary/2) and into a canonical text that the Java and the Python
%% engines compare their decoders against. Nothing in the suite types ETF bytes by hand.
%%
%% Usage: escript vectors.escript INPUT
%%   INPUT: one Erlang expression per line (UTF-8, no trailing dot).
%% Output, per input line I (0-based) and per encoding variant:
%%   I <TAB> Variant <TAB> HexOfEtf <TAB> Canonical
%% or, when the expression does not evaluate:
%%   I <TAB> error <TAB> Reason
%% Variants: default, mv0, mv1, mv2 ({minor_version, N}) and compressed.
%%
%% Canonical text (ASCII; see conformance-tests/README.md):
%%   a:HEX          atom (HEX = its name in UTF-8)
%%   i:DECIMAL      integer
%%   f:HEX16        float (its IEEE 754 bits)
%%   b:HEX          binary
%%   s:BITS:HEX     bitstring that is not a whole number of bytes (zero-padded)
%%   L[E,...]       proper list      I[E,...|T]  improper list
%%   T{E,...}       tuple            M{K=V,...}  map, entries sorted by the text of K
%%   P:HEX R:HEX O:HEX F:HEX  pid, reference, port, fun: their ETF bytes from the tag on,
%%                  encoded with the same options as the vector (never compressed)
-mode(compile).

main([File]) ->
    {ok, Data} = file:read_file(File),
    Lines = binary:split(Data, <<"\n">>, [global]),
    lists:foldl(fun(<<>>, I) -> I + 1;
                   (Line, I) -> emit(I, Line), I + 1
                end, 0, Lines),
    halt(0);
main(_) ->
    io:format(standard_error, "usage: escript vectors.escript INPUT~n", []),
    halt(2).

variants() ->
    [{"default", []}, {"mv0", [{minor_version, 0}]}, {"mv1", [{minor_version, 1}]},
     {"mv2", [{minor_version, 2}]}, {"compressed", [compressed]}].

emit(I, Line) ->
    case catch eval(unicode:characters_to_list(Line)) of
        {'EXIT', Reason} ->
            io:put_chars([integer_to_list(I), "\terror\t", io_lib:format("~w", [Reason]), "\n"]);
        {value, T} ->
            [variant(I, Name, Opts, T) || {Name, Opts} <- variants()]
    end.

eval(Source) ->
    {ok, Tokens, _} = erl_scan:string(Source ++ "."),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
    {value, V}.

variant(I, Name, Opts, T) ->
    put(opaque_opts, [O || O <- Opts, O =/= compressed]),
    io:put_chars([integer_to_list(I), "\t", Name, "\t", hex(term_to_binary(T, Opts)), "\t", canon(T), "\n"]).

canon(A) when is_atom(A) -> ["a:", hex(atom_to_binary(A, utf8))];
canon(N) when is_integer(N) -> ["i:", integer_to_list(N)];
canon(F) when is_float(F) -> ["f:", hex(<<F:64/float>>)];
canon(B) when is_binary(B) -> ["b:", hex(B)];
canon(B) when is_bitstring(B) ->
    Bits = bit_size(B),
    Pad = 8 - Bits rem 8,
    ["s:", integer_to_list(Bits), ":", hex(<<B/bitstring, 0:Pad>>)];
canon([]) -> "L[]";
canon(L) when is_list(L) -> canon_list(L, []);
canon(T) when is_tuple(T) -> ["T{", lists:join(",", [canon(E) || E <- tuple_to_list(T)]), "}"];
canon(M) when is_map(M) ->
    Entries = lists:sort([{iolist_to_binary(canon(K)), iolist_to_binary(canon(V))}
                          || {K, V} <- maps:to_list(M)]),
    ["M{", lists:join(",", [[K, "=", V] || {K, V} <- Entries]), "}"];
canon(P) when is_pid(P) -> ["P:", opaque(P)];
canon(R) when is_reference(R) -> ["R:", opaque(R)];
canon(P) when is_port(P) -> ["O:", opaque(P)];
canon(F) when is_function(F) -> ["F:", opaque(F)].

canon_list([H | T], Acc) -> canon_list(T, [canon(H) | Acc]);
canon_list([], Acc) -> ["L[", lists:join(",", lists:reverse(Acc)), "]"];
canon_list(Tail, Acc) -> ["I[", lists:join(",", lists:reverse(Acc)), "|", canon(Tail), "]"].

opaque(X) ->
    <<131, Body/binary>> = term_to_binary(X, get(opaque_opts)),
    hex(Body).

hex(B) -> string:lowercase(binary:encode_hex(B)).
