"""Instances: generation, the storage condition, the file format and its errors."""
import itertools

import numpy as np
import pytest

from numerics.simulate.instances import generate, load_instance, save_instance
from theory.states import StateSet


def _stored_plain(inst, W):
    """Independent check of the storage inequality, one pattern at a time in plain Python."""
    N = inst.N
    for mu in range(inst.M):
        h = sum(float(inst.patterns[mu, i]) * W[i] for i in range(N))
        if inst.input_model == "pm1":
            stab = inst.labels[mu] * (h / N ** 0.5 + inst.bias)
        else:
            stab = inst.labels[mu] * (h - inst.threshold) / (N * inst.f * (1 - inst.f)) ** 0.5
        if not stab > inst.kappa + 1e-12:
            return False
    return True


def test_generate_shapes_and_values():
    inst = generate("symmetric:3", 30, 0.5, seed=1)
    assert inst.patterns.shape == (15, 30) and inst.patterns.dtype == np.int8
    assert set(np.unique(inst.patterns)) == {-1, 1}
    assert set(np.unique(inst.labels)) <= {-1, 1}
    inst01 = generate("excitatory:3", 400, 0.5, seed=1, inputs="01", f=0.2)
    assert set(np.unique(inst01.patterns)) == {0, 1}
    assert abs(inst01.patterns.mean() - 0.2) < 0.01  # coding level
    # default threshold f N <s>: <s> = 0.5 for excitatory:3
    assert inst01.threshold == pytest.approx(0.2 * 400 * 0.5)


def test_same_seed_same_instance():
    a = generate("binary", 25, 0.6, seed=7)
    b = generate("binary", 25, 0.6, seed=7)
    c = generate("binary", 25, 0.6, seed=8)
    assert np.array_equal(a.patterns, b.patterns) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.patterns, c.patterns)


def test_fout_controls_labels():
    inst = generate("binary", 101, 20.0, seed=0, f_out=0.8)
    assert abs((inst.labels == 1).mean() - 0.8) < 0.02


@pytest.mark.parametrize("inputs", ["pm1", "01"])
def test_is_solution_matches_plain_loop(inputs):
    S = StateSet.parse("symmetric:3")
    inst = generate(S, 7, 0.6, seed=2, inputs=inputs, f=0.3, kappa=0.1)
    for W in itertools.product(S.values, repeat=7):
        assert inst.is_solution(np.array(W)) == _stored_plain(inst, W)


def test_strict_inequality_ties_not_stored():
    inst = generate("symmetric:3", 6, 1.0, seed=0)
    W = np.zeros(6)  # every field is exactly zero: not stored at kappa = 0
    assert inst.n_errors(W) == inst.M


def test_roundtrip_and_no_overwrite(tmp_path):
    inst = generate("values:-1,0,2@1,2,1", 11, 0.5, seed=4, inputs="01", f=0.3, kappa=0.2)
    p = tmp_path / "i.npz"
    save_instance(inst, p)
    back = load_instance(p)
    assert back.states == inst.states and back.input_model == "01"
    assert np.array_equal(back.patterns, inst.patterns) and back.threshold == inst.threshold
    assert back.kappa == 0.2 and back.seed == 4 and back.version
    with pytest.raises(FileExistsError):
        save_instance(inst, p)
    save_instance(inst, p, force=True)


def _corrupt(tmp_path, **changes):
    inst = generate("binary", 11, 0.5, seed=0)
    arrays = inst.to_arrays()
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v
    p = tmp_path / "bad.npz"
    np.savez(p, **arrays)
    return p


@pytest.mark.parametrize("changes, field", [
    ({"labels": None}, "labels"),
    ({"patterns": np.ones((5, 11), dtype=np.float64)}, "patterns"),
    ({"labels": np.zeros(6, dtype=np.int8)}, "labels"),
    ({"labels": np.ones(4, dtype=np.int8)}, "labels"),
    ({"kappa": np.array([1.0, 2.0])}, "kappa"),
    ({"input_model": np.array("xx")}, "input_model"),
    ({"states": np.array([1.0, 1.0])}, "states"),
    ({"patterns": np.full((6, 11), 3, dtype=np.int8)}, "patterns"),
])
def test_bad_files_name_the_field(tmp_path, changes, field):
    p = _corrupt(tmp_path, **changes)
    with pytest.raises(ValueError, match=field):
        load_instance(p)


def test_bad_arguments():
    with pytest.raises(ValueError, match="alpha"):
        generate("binary", 10, -0.1, seed=0)
    with pytest.raises(ValueError, match="N"):
        generate("binary", 0, 0.5, seed=0)
    with pytest.raises(ValueError, match="states"):
        generate("trinary", 10, 0.5, seed=0)
    with pytest.raises(ValueError, match="f"):
        generate("binary", 10, 0.5, seed=0, inputs="01", f=1.5)
