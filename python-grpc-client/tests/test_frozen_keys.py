"""Issue 15.6: a valid term whose map keys are lists, maps or improper lists (unhashable in
Python) decodes, to hashable frozen keys that encode back to the same term, instead of raising
ETFDecodeError on every attempt (which wedged a consumer on that message forever). Vectors come
from a real Erlang runtime (term_to_binary) and Python's output is checked by binary_to_term."""

import pytest

from tests import etf_vectors
from vertx_channels.terms import (Atom, FrozenImproperList, FrozenList, FrozenMap, ImproperList,
                                  binary_to_term, term_to_binary)

VECTORS = {
    "map_key": "#{#{a => 1} => x}",
    "list_key": "#{[1, 2] => y}",
    "charlist_key": "#{\"ab\" => 1}",
    "improper_key": "#{[a | b] => 1}",
    "tuple_key": "#{{k, [1], #{z => [2]}} => 3}",
    "nested": "#{#{[1] => #{#{} => []}} => #{[] => [[]]}}",
    "two_keys": "#{#{a => 1} => 1, [a] => 2, a => 3}",
}


@pytest.fixture(scope="module")
def erl_vectors():
    if not etf_vectors.erl_available():
        pytest.skip("erl (Erlang) is not installed")
    return etf_vectors.generate(VECTORS)


def test_map_as_map_key_decodes_to_a_frozen_map(erl_vectors):
    for variant, data in erl_vectors["map_key"].items():
        v = binary_to_term(data)
        assert v == {FrozenMap({Atom("a"): 1}): Atom("x")}, variant
        key = next(iter(v))
        assert type(key) is FrozenMap and key == {"a": 1}
        assert v[FrozenMap({Atom("a"): 1})] == "x"


def test_list_and_improper_list_keys(erl_vectors):
    v = binary_to_term(erl_vectors["list_key"]["v2"])
    assert v == {FrozenList([1, 2]): Atom("y")}
    assert next(iter(v)) == [1, 2] and next(iter(v)) != (1, 2)
    v = binary_to_term(erl_vectors["charlist_key"]["v2"])
    assert v == {FrozenList([97, 98]): 1}
    v = binary_to_term(erl_vectors["improper_key"]["v2"])
    key = next(iter(v))
    assert type(key) is FrozenImproperList and key == ImproperList([Atom("a")], Atom("b"))
    v = binary_to_term(erl_vectors["tuple_key"]["v2"])
    assert v == {(Atom("k"), FrozenList([1]), FrozenMap({Atom("z"): FrozenList([2])})): 3}


@pytest.mark.parametrize("name", list(VECTORS))
def test_frozen_keys_encode_back_to_the_same_term(erl_vectors, name):
    for variant, data in erl_vectors[name].items():
        v = binary_to_term(data)
        again = term_to_binary(v)
        assert binary_to_term(again) == v, (name, variant)
        if len(v) == 1 and variant == "v2":
            # one key: byte-identical to Erlang's own encoding (see the module docs)
            assert again == data, name


def test_erlang_decodes_the_python_encoding_to_the_same_term(erl_vectors):
    cases = [(name, term_to_binary(binary_to_term(erl_vectors[name]["v2"])), f"X =:= ({expr})")
             for name, expr in VECTORS.items()]
    results = etf_vectors.erl_check(cases)
    assert results == {name: "true" for name in VECTORS}, results


def test_frozen_types_are_immutable():
    m, lst = FrozenMap({1: 2}), FrozenList([1])
    with pytest.raises((AttributeError, TypeError)):
        m._d = {}
    with pytest.raises((AttributeError, TypeError)):
        lst[0] = 2
    assert hash(FrozenMap({1: FrozenList([2])})) == hash(FrozenMap({1: FrozenList([2])}))
