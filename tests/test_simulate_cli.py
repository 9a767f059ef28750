"""The fewbits simulation sub-commands, through numerics.cli.main."""
import json

import numpy as np
import pytest

from numerics.cli import main
from numerics.simulate.instances import load_instance


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_instance_new_enumerate_roundtrip(tmp_path, capsys):
    f = tmp_path / "a.npz"
    assert main(["instance", "new", "--states", "binary", "--N", "15", "--alpha", "0.5", "--seed", "3",
                 "-o", str(f), "--json"]) == 0
    info = _json(capsys)
    assert info["M"] == 8 and info["N"] == 15
    inst = load_instance(f)
    assert inst.M == 8 and inst.seed == 3
    assert main(["enumerate", str(f), "--json"]) == 0
    out = _json(capsys)
    n = out["n_solutions"]
    assert n > 0
    # a reference: the first solution, from a plain loop
    import itertools

    sols = [np.array(w) for w in itertools.product([-1.0, 1.0], repeat=15) if inst.is_solution(np.array(w))]
    assert len(sols) == n
    ref = tmp_path / "ref.npy"
    np.save(ref, sols[0])
    assert main(["enumerate", str(f), "--reference", str(ref), "--distance", "hamming", "--json"]) == 0
    out = _json(capsys)
    assert len(out["distances"]) == len(out["counts"]) and sum(out["counts"]) == n
    assert out["counts"][0] == 1 and out["distances"][0] == 0.0


def test_instance_01_inputs_and_threshold(tmp_path, capsys):
    f = tmp_path / "b.npz"
    assert main(["instance", "new", "--states", "excitatory:3", "--N", "40", "--alpha", "0.5",
                 "--inputs", "01", "--f", "0.25", "-o", str(f), "--json"]) == 0
    info = _json(capsys)
    assert info["threshold"] == pytest.approx(0.25 * 40 * 0.5)
    inst = load_instance(f)
    assert inst.input_model == "01" and set(np.unique(inst.patterns)) <= {0, 1}


def test_no_overwrite_without_force(tmp_path, capsys):
    f = tmp_path / "a.npz"
    args = ["instance", "new", "--states", "binary", "--N", "11", "--alpha", "0.5", "-o", str(f)]
    assert main(args) == 0
    before = f.read_bytes()
    assert main(args[:-2] + ["--seed", "5", "-o", str(f)]) == 2
    assert "exists" in capsys.readouterr().err
    assert f.read_bytes() == before
    assert main(args[:-2] + ["--seed", "5", "-o", str(f), "--force"]) == 0
    assert f.read_bytes() != before


@pytest.mark.parametrize("extra, word", [
    (["--alpha", "-1"], "--alpha"),
    (["--N", "0"], "--N"),
    (["--N", "ten"], "--N"),
    (["--states", "quaternary"], "--states"),
    (["--f", "2", "--inputs", "01"], "--f"),
    (["--inputs", "pm2"], "--inputs"),
])
def test_bad_arguments_one_line_error(tmp_path, capsys, extra, word):
    base = {"--states": "binary", "--N": "11", "--alpha": "0.5"}
    for k, v in zip(extra[::2], extra[1::2]):
        base[k] = v
    argv = ["instance", "new", "-o", str(tmp_path / "x.npz")] + [t for kv in base.items() for t in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("fewbits: error:") and word in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.npz").exists()


def test_bad_files(tmp_path, capsys):
    assert main(["enumerate", str(tmp_path / "missing.npz")]) == 2
    assert "missing.npz" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    np.savez(bad, patterns=np.ones((3, 5), dtype=np.int8))
    assert main(["enumerate", str(bad)]) == 2
    assert "labels" in capsys.readouterr().err
    f = tmp_path / "a.npz"
    main(["instance", "new", "--states", "symmetric:3", "--N", "9", "--alpha", "0.5", "-o", str(f)])
    capsys.readouterr()
    ref = tmp_path / "r.npy"
    np.save(ref, np.full(9, 0.5))
    assert main(["enumerate", str(f), "--reference", str(ref)]) == 2
    assert "not in the state set" in capsys.readouterr().err
    np.save(ref, np.zeros(4))
    assert main(["bp-entropy", str(f), "--reference", str(ref)]) == 2
    assert "length" in capsys.readouterr().err
    np.save(ref, np.zeros(9))
    assert main(["enumerate", str(f), "--reference", str(ref), "--distance", "manhattan"]) == 2
    assert "distance" in capsys.readouterr().err


def test_bp_entropy_cli(tmp_path, capsys):
    f = tmp_path / "a.npz"
    main(["instance", "new", "--states", "binary", "--N", "101", "--alpha", "0", "-o", str(f)])
    capsys.readouterr()
    ref = tmp_path / "r.npy"
    np.save(ref, np.ones(101))
    assert main(["bp-entropy", str(f), "--reference", str(ref), "--gammas", "1,2", "--json"]) == 0
    out = _json(capsys)
    assert [p["gamma"] for p in out["points"]] == [1.0, 2.0]
    for p in out["points"]:
        d = p["d"]
        assert p["converged"] and abs(p["F"] - (-d * np.log(d) - (1 - d) * np.log(1 - d))) < 1e-9
    assert main(["bp-entropy", str(f), "--reference", str(ref), "--gammas", "1,x"]) == 2
    assert "--gammas" in capsys.readouterr().err
    # the relaxed form: the same exact F(d) at alpha = 0
    assert main(["bp-entropy", str(f), "--reference", str(ref), "--gammas", "1,2", "--form", "relaxed", "--json"]) == 0
    out = _json(capsys)
    assert out["form"] == "relaxed"
    for p in out["points"]:
        assert p["converged"] and abs(p["F"] - (-p["d"] * np.log(p["d"]) - (1 - p["d"]) * np.log(1 - p["d"]))) < 1e-9
    assert main(["bp-entropy", str(f), "--reference", str(ref), "--form", "amp"]) == 2
    assert "--form" in capsys.readouterr().err
    g = tmp_path / "b.npz"
    main(["instance", "new", "--states", "binary", "--N", "51", "--alpha", "0.3", "--inputs", "01", "--f", "0.3",
          "-o", str(g)])
    capsys.readouterr()
    np.save(ref, np.ones(51))
    assert main(["bp-entropy", str(g), "--reference", str(ref), "--form", "relaxed"]) == 2
    assert "--form relaxed" in capsys.readouterr().err
    # reinforced BP on the relaxed form, from the command line; a word it does not know is an error
    h = tmp_path / "c.npz"
    main(["instance", "new", "--states", "binary", "--N", "301", "--alpha", "0.5", "--seed", "2", "-o", str(h)])
    capsys.readouterr()
    w = tmp_path / "w.npy"
    assert main(["solve", str(h), "--algorithm", "rbp", "--bp-form", "relaxed", "-o", str(w), "--json"]) == 0
    assert _json(capsys)["solved"]
    assert main(["solve", str(h), "--algorithm", "rbp", "--bp-form", "amp", "-o", str(w), "--force"]) == 2
    assert "--bp-form" in capsys.readouterr().err


def test_solve_cli_writes_only_solutions(tmp_path, capsys):
    f = tmp_path / "a.npz"
    main(["instance", "new", "--states", "binary", "--N", "201", "--alpha", "0.4", "--seed", "1", "-o", str(f)])
    capsys.readouterr()
    out = tmp_path / "w.npy"
    assert main(["solve", str(f), "--algorithm", "rbp", "--seed", "0", "-o", str(out), "--json"]) == 0
    info = _json(capsys)
    assert info["solved"] and info["errors"] == 0
    W = np.load(out)
    assert W.dtype == np.float64 and load_instance(f).is_solution(W)
    # plain re-check of the inequality
    inst = load_instance(f)
    stab = inst.labels * (inst.patterns.astype(float) @ W) / np.sqrt(inst.N)
    assert np.all(stab > 0)
    # refuses to overwrite
    assert main(["solve", str(f), "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    # an impossible instance (alpha far above capacity): exit 1, -o not written, the best configuration
    # under a name that says it failed
    g = tmp_path / "hard.npz"
    main(["instance", "new", "--states", "binary", "--N", "31", "--alpha", "3", "-o", str(g)])
    capsys.readouterr()
    out2 = tmp_path / "w2.npy"
    assert main(["solve", str(g), "--algorithm", "rbp", "--max-iter", "30", "-o", str(out2)]) == 1
    assert "errors left" in capsys.readouterr().err
    assert not out2.exists()
    (failed,) = tmp_path.glob("w2.failed-*errors.npy")
    assert int(failed.name.split("-")[1].split("errors")[0]) == load_instance(g).n_errors(np.load(failed)) > 0
    assert main(["solve", str(g), "--algorithm", "magic", "-o", str(out2)]) == 2
    assert "--algorithm" in capsys.readouterr().err


def test_enumerate_sample_and_densest(tmp_path, capsys):
    f = tmp_path / "a.npz"
    main(["instance", "new", "--states", "symmetric:3", "--N", "9", "--alpha", "0.6", "--seed", "2", "-o", str(f)])
    capsys.readouterr()
    s, d = tmp_path / "s.npy", tmp_path / "d.npy"
    assert main(["enumerate", str(f), "--save-sample", str(s), "--n-sample", "3", "--seed", "1",
                 "--save-densest", str(d), "--json"]) == 0
    out = _json(capsys)
    inst = load_instance(f)
    S = np.load(s)
    assert S.shape == (3, 9) and all(inst.is_solution(w) for w in S)
    assert inst.is_solution(np.load(d)) and out["densest"]["n_within"] >= out["densest"]["mean_n_within"]
    assert main(["enumerate", str(f), "--save-sample", str(s)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["instance"]) == 2
