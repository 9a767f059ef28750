"""StateSet: presets, the string syntax and its errors (physics.md §1)."""
import math

import numpy as np
import pytest

from theory.states import StateSet, binary, excitatory, parse_states, symmetric


def test_presets_match_physics_definitions():
    assert binary().values == (-1.0, 1.0)
    assert symmetric(3).values == (-1.0, 0.0, 1.0)
    s5 = symmetric(5).array
    np.testing.assert_allclose(s5, np.linspace(-1, 1, 5), atol=0)
    # exactly antisymmetric, so symmetric sets give exactly zero mean
    for L in range(2, 16):
        v = symmetric(L).array
        assert np.all(v == -v[::-1]) and (L % 2 == 0 or 0.0 in v)
    assert excitatory(2).values == (0.0, 1.0)
    np.testing.assert_allclose(excitatory(4).array, [0, 1 / 3, 2 / 3, 1])
    assert symmetric(4).spread == 2.0 and excitatory(3).spread == 1.0


@pytest.mark.parametrize("text", ["binary", "symmetric:3", "symmetric:8", "excitatory:5",
                                  "values:-1,0,1", "values:-1,0,1@1,2,1", "values:0.5,-2,3.25@0.1,1,2"])
def test_string_round_trip(text):
    s = StateSet.parse(text)
    assert StateSet.parse(str(s)) == s
    assert parse_states(s) is s


def test_custom_set_is_sorted_with_its_prior():
    s = StateSet.parse("values:1,-1,0@3,1,2")
    assert s.values == (-1.0, 0.0, 1.0) and s.prior == (1.0, 2.0, 3.0)
    assert math.isclose(s.log_measure, math.log(6))
    assert s.L == 3 and math.isclose(s.bits, math.log2(3))


@pytest.mark.parametrize("text, needle", [
    ("values:1", "at least two"),
    ("values:1,1", "distinct"),
    ("symmetric:1", "L >= 2"),
    ("symmetric:x", "integer"),
    ("values:1,nan", "finite"),
    ("values:1,inf", "finite"),
    ("values:-1,1@1,0", "> 0"),
    ("values:-1,1@1,-2", "> 0"),
    ("values:-1,1@1", "weights"),
    ("values:1,,2", "empty"),
    ("values:a,b", "numbers"),
    ("trinary", "cannot read"),
    ("foo:3", "unknown kind"),
])
def test_bad_state_strings_name_the_problem(text, needle):
    with pytest.raises(ValueError, match="states") as e:
        StateSet.parse(text)
    assert needle in str(e.value)


def test_state_set_is_immutable_and_hashable():
    s = symmetric(3)
    with pytest.raises(Exception):
        s.values = (0, 1)
    assert {s: 1}[StateSet.parse("values:-1,0,1")] == 1
