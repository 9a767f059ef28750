"""Bad input and edge cases on the command line (issue 19): each case runs ``numerics.cli.main`` in-process
and checks the exit code, a one-line message that names the argument (and the allowed range), and that
no traceback is shown.  Add the next case here.

Exit codes: 0 done, 1 not converged / no solution, 2 user error, 3 internal error (a bug)."""
import json
import os
import types

import numpy as np
import pytest

import numerics.cli as cli
from numerics.cli import main
from numerics.simulate.instances import generate, load_instance, save_instance


def _run(capsys, argv):
    """(exit code, stdout, stderr) of one in-process call."""
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err, out.err
    return code, out.out, out.err


def _user_error(capsys, argv, *needles):
    code, _, err = _run(capsys, argv)
    assert code == 2, (code, err)
    line = err.strip().splitlines()[-1]
    for n in needles:
        assert n in line, (n, err)
    return err


@pytest.fixture
def plain_file(tmp_path):
    p = tmp_path / "plain"
    p.write_text("not a folder\n")
    return p


@pytest.fixture
def instance_file(tmp_path):
    f = tmp_path / "a.npz"
    save_instance(generate("binary", 15, 0.5, seed=3), f)
    return f


# -- item 2 and 9: BP on an instance without solution; BP not converged ---------------------------------


def test_bp_entropy_on_unsatisfiable_instance_is_a_contradiction_not_converged(tmp_path, capsys):
    f, ref = tmp_path / "a.npz", tmp_path / "ref.npy"
    assert _run(capsys, ["instance", "new", "--states", "binary", "--N", "21", "--alpha", "5", "-o", str(f)])[0] == 0
    np.save(ref, np.ones(21))
    code, out, _ = _run(capsys, ["enumerate", str(f), "--json"])
    assert code == 0 and json.loads(out)["n_solutions"] == 0  # ground truth: no solution
    code, out, err = _run(capsys, ["bp-entropy", str(f), "--reference", str(ref), "--gammas", "0,1", "--json"])
    assert code == 1 and "contradiction" in err
    pts = json.loads(out)["points"]
    assert all(p["converged"] is False and p["F"] is None and "no solution" in p["message"] for p in pts)


def test_bp_entropy_exits_1_when_bp_does_not_converge(instance_file, tmp_path, capsys):
    inst = load_instance(instance_file)
    ref = tmp_path / "r.npy"
    np.save(ref, np.ones(inst.N))
    code, out, err = _run(capsys, ["bp-entropy", str(instance_file), "--reference", str(ref), "--gammas", "1",
                                   "--damping", "0.999", "--max-iter", "20"])
    assert code == 1 and "did not converge" in err and "NO" in out


# -- item 5: output and cache locations checked before the work ------------------------------------------


def test_output_locations_checked_before_the_work(instance_file, plain_file, capsys):
    bad = str(plain_file / "x.npy")
    _user_error(capsys, ["instance", "new", "--states", "binary", "--N", "11", "--alpha", "0.5", "-o", bad], "-o")
    _user_error(capsys, ["solve", str(instance_file), "-o", bad], "-o", "not a folder")
    _user_error(capsys, ["enumerate", str(instance_file), "--save-sample", bad], "--save-sample")
    _user_error(capsys, ["enumerate", str(instance_file), "--save-densest", bad], "--save-densest")
    _user_error(capsys, ["paper", "--out", str(plain_file)], "--out", "not a folder")
    _user_error(capsys, ["paper", "--out", str(plain_file.parent / "fig"), "--cache", str(plain_file)], "--cache")
    _user_error(capsys, ["solve", str(instance_file), "-o", str(plain_file.parent)], "-o", "is a folder")


def test_unwritable_folder_named_with_the_reason(instance_file, tmp_path, monkeypatch, capsys):
    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(cli.tempfile, "mkstemp", denied)  # root ignores chmod: simulate a read-only folder
    _user_error(capsys, ["solve", str(instance_file), "-o", str(tmp_path / "w.npy")], "-o", "Permission denied")
    _user_error(capsys, ["paper", "--out", str(tmp_path / "fig")], "--out", "Permission denied")


def test_ladder_check_cache_fails_before_any_point(plain_file, monkeypatch, capsys):
    import numerics.analyses.ladder_check as lc

    monkeypatch.setattr(lc, "_compute", lambda *a: pytest.fail("a point was computed"))
    err = _user_error(capsys, ["ladder-check", "--states", "binary", "--cache", str(plain_file)], "--cache")
    assert "--cache none" in err


def test_cache_falls_back_to_memory_with_one_warning(plain_file):
    from numerics.storage import cache

    folder = plain_file / "sub"  # cannot be created: its parent is a plain file
    with pytest.warns(cache.CacheWarning, match="kept in memory") as rec:
        a = cache.cached(folder, {"kind": "t", "i": 1}, lambda: {"x": 1.5})
        b = cache.cached(folder, {"kind": "t", "i": 2}, lambda: 2)
    assert a == {"x": 1.5} and b == 2 and len(rec) == 1
    assert cache.load(folder, {"kind": "t", "i": 1}) == (True, {"x": 1.5})  # the finished result is kept
    assert cache.cached(folder, {"kind": "t", "i": 1}, lambda: pytest.fail("recomputed")) == {"x": 1.5}


# -- item 6: errno OSErrors, internal errors -------------------------------------------------------------


def test_errno_oserror_prints_file_and_reason(tmp_path, monkeypatch, capsys):
    import numerics.simulate.instances as mod

    def full(*a, **k):
        raise OSError(28, "No space left on device", str(tmp_path / "a.npz"))

    monkeypatch.setattr(mod, "save_instance", full)
    err = _user_error(capsys, ["instance", "new", "--states", "binary", "--N", "11", "--alpha", "0.5",
                               "-o", str(tmp_path / "a.npz")], "a.npz: No space left on device")
    assert "error: 28" not in err


def test_degenerate_state_values_are_not_a_key_error(capsys):
    code, out, err = _run(capsys, ["entropy", "--states", "values:1e-300,2e-300", "--alpha", "0.5", "--json"])
    assert code == 1 and "error" not in err
    res = json.loads(out)
    assert res["converged"] is False and res["A"] is None and "not converged" in res["message"]


def _capacity_runs(monkeypatch, func):
    """Make `fewbits capacity` run ``func(args)`` instead of its command."""
    build = cli.build_parser

    def patched():
        p = build()
        p._subparsers._group_actions[0].choices["capacity"].set_defaults(func=func)
        return p

    monkeypatch.setattr(cli, "build_parser", patched)


@pytest.mark.parametrize("exc", [KeyError("A"), TypeError("bad operand"), IndexError("index 3")])
def test_internal_error_is_a_bug_report_not_a_user_error(exc, monkeypatch, capsys):
    def boom(args):
        raise exc

    _capacity_runs(monkeypatch, boom)
    monkeypatch.delenv("FEWBITS_DEBUG", raising=False)
    code, _, err = _run(capsys, ["capacity", "--states", "binary"])
    assert code == 3 and "internal error" in err and type(exc).__name__ in err and "report" in err
    assert "--debug" in err and "fewbits: error:" not in err
    code = main(["capacity", "--states", "binary", "--debug"])
    assert code == 3 and "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("FEWBITS_DEBUG", "1")
    assert main(["capacity", "--states", "binary"]) == 3 and "Traceback" in capsys.readouterr().err


def test_valueerror_from_inside_numpy_is_a_bug(monkeypatch, capsys):
    _capacity_runs(monkeypatch, lambda args: np.zeros(3).reshape(2, 2))
    code, _, err = _run(capsys, ["capacity", "--states", "binary"])
    assert code == 3 and "internal error: ValueError" in err


# -- item 7, 8: paper --unit-timeout; alpha-u --table with --states --------------------------------------


@pytest.mark.parametrize("value", ["-5", "nan", "inf", "abc"])
def test_paper_unit_timeout(value, tmp_path, capsys):
    _user_error(capsys, ["paper", "--out", str(tmp_path / "fig"), "--unit-timeout", value],
                "--unit-timeout", ">= 0")
    assert not (tmp_path / "fig").exists()


def test_alpha_u_table_refuses_states(capsys):
    _user_error(capsys, ["alpha-u", "--table", "--states", "binary"], "--states", "--table")


# -- item 11: instance new validates like the theory; the loader ----------------------------------------


@pytest.mark.parametrize("opt, value, rng", [
    ("--fout", "0", "(0, 1)"), ("--fout", "1", "(0, 1)"), ("--kappa", "-1", "[0, inf)"),
    ("--kappa", "inf", "[0, inf)"), ("--alpha", "nan", "[0, inf)"), ("--alpha", "-inf", "[0, inf)"),
    ("--alpha", "-1e9", "[0, inf)"), ("--N", "0", "[1, inf)"), ("--N", "1.5", "integer"),
    ("--f", "1", "(0, 1)"), ("--seed", "-1", "[0,"), ("--bias", "nan", "number"),
])
def test_instance_new_ranges(opt, value, rng, tmp_path, capsys):
    args = {"--states": "binary", "--N": "11", "--alpha": "0.5", opt: value}
    argv = ["instance", "new", "-o", str(tmp_path / "x.npz")] + [t for kv in args.items() for t in kv]
    _user_error(capsys, argv, opt, rng)
    assert not (tmp_path / "x.npz").exists()


def test_instance_too_large_is_refused_before_allocation(tmp_path, capsys):
    _user_error(capsys, ["instance", "new", "--states", "binary", "--N", "100000", "--alpha", "1e6",
                         "-o", str(tmp_path / "x.npz")], "--alpha", "--N", "at most")


def test_loader_accepts_any_integer_dtype_and_a_minimal_file(tmp_path):
    inst = generate("symmetric:3", 13, 0.6, seed=5)
    W = np.random.default_rng(0).choice(inst.states.array, size=13)
    p = tmp_path / "min.npz"
    np.savez(p, patterns=inst.patterns.astype(np.int64), labels=inst.labels.astype(np.int32),
             states=np.array([-1, 0, 1]))
    back = load_instance(p)
    assert back.input_model == "pm1" and back.kappa == 0.0 and back.seed == -1 and back.states == inst.states
    assert back.n_errors(W) == inst.n_errors(W) and back.patterns.dtype == np.int8
    inst01 = generate("binary", 12, 0.5, seed=1, inputs="01", f=0.5)
    np.savez(p, patterns=inst01.patterns.astype(bool), labels=inst01.labels.astype(np.int64),
             states=np.array([-1.0, 1.0]))
    back = load_instance(p)
    assert back.input_model == "01" and np.array_equal(back.patterns, inst01.patterns)
    assert back.f == pytest.approx(inst01.patterns.mean()) and back.threshold == 0.0  # <s> = 0 for +-1
    np.savez(p, patterns=inst.patterns.astype(float), labels=inst.labels, states=np.array([-1.0, 0, 1]))
    with pytest.raises(ValueError, match="'patterns' must be a 2-d integer or boolean array"):
        load_instance(p)
    np.savez(p, patterns=np.full((3, 4), 2), labels=np.ones(3, int), states=np.array([-1.0, 1]))
    with pytest.raises(ValueError, match="only -1 and \\+1, or only 0 and 1"):
        load_instance(p)


def test_text_file_named_npz(tmp_path, capsys):
    p = tmp_path / "t.npz"
    p.write_text("hello\n")
    err = _user_error(capsys, ["enumerate", str(p)], "t.npz", "neither an .npz archive nor an .npy array")
    assert "pickle" not in err


# -- item 12: smaller ones -------------------------------------------------------------------------------


def test_negative_infinity_after_a_space_names_the_option(capsys):
    _user_error(capsys, ["entropy", "--states", "binary", "--alpha", "-inf"], "--alpha", "finite")
    _user_error(capsys, ["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "-1e3", "--d", "0.1"],
                "y must be > 0")


def test_gammas_empty_entry(instance_file, tmp_path, capsys):
    ref = tmp_path / "r.npy"
    np.save(ref, np.ones(15))
    _user_error(capsys, ["bp-entropy", str(instance_file), "--reference", str(ref), "--gammas", "1,,2"],
                "--gammas", "entry 2")
    _user_error(capsys, ["bp-entropy", str(instance_file), "--reference", str(ref), "--gammas", "1,-2"],
                "--gammas", ">= 0")


def test_enumerate_options_that_would_be_ignored(instance_file, tmp_path, capsys):
    _user_error(capsys, ["enumerate", str(instance_file), "--distance", "hamming"], "--distance", "--reference")
    _user_error(capsys, ["enumerate", str(instance_file), "--n-sample", "3"], "--n-sample", "--save-sample")
    _user_error(capsys, ["enumerate", str(instance_file), "--seed", "3"], "--seed", "--save-sample")


def test_check_ys_says_it_implies_check(monkeypatch, capsys):
    import numerics.problems.local_entropy as le

    def stop(*a, **k):
        raise FileNotFoundError("stopped before the curve")  # a user error, to stop early

    monkeypatch.setattr(le, "local_entropy_curve", stop)
    err = _user_error(capsys, ["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "inf", "--d",
                               "0.1", "--check-ys", "15", "20", "30"], "stopped")
    assert "--check-ys implies --check" in err


def test_d_grid_number_of_points(capsys):
    from numerics.cli.local import parse_d_grid

    assert parse_d_grid("0.1:0.2:2e0") == [0.1, 0.2]
    _user_error(capsys, ["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "3",
                         "--d-grid", "0.01:0.4:1e9"], "--d-grid", "from 1 to 10000")
    _user_error(capsys, ["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "3",
                         "--d-grid", "0.01:0.4:2.5"], "--d-grid", "whole number")


def test_capacity_json_same_shape_for_one_and_several_sets(capsys):
    code, out, _ = _run(capsys, ["capacity", "--states", "binary", "--json"])
    res = json.loads(out)
    assert code == 0 and list(res) == ["results"] and abs(res["results"][0]["alpha_c"] - 0.8331) < 1e-3


def test_sigma_at_y_infinity_is_not_printed_as_nan(capsys):
    from numerics.cli.local import _print_curve

    pt = types.SimpleNamespace(d=0.1, S_I=0.2, Sigma=float("nan"), converged=True, residual=1e-12,
                               message="ok", note="")
    _print_curve(types.SimpleNamespace(points=[pt]), types.SimpleNamespace(json=False), "header")
    row = capsys.readouterr().out.splitlines()[-1]
    assert "nan" not in row and row.split()[2] == "-"


# -- item 13: solve keeps its best configuration; progress; settings and defaults in --help ---------------


def test_solve_failure_writes_the_best_configuration(tmp_path, capsys):
    g, out = tmp_path / "hard.npz", tmp_path / "w.npy"
    save_instance(generate("binary", 31, 3.0, seed=0), g)
    code, text, err = _run(capsys, ["solve", str(g), "--max-iter", "20", "-o", str(out), "--json"])
    info = json.loads(text)
    assert code == 1 and not out.exists() and info["errors"] > 0
    failed = tmp_path / f"w.failed-{info['errors']}errors.npy"
    assert info["failed_output"] == str(failed) and str(failed) in err
    assert load_instance(g).n_errors(np.load(failed)) == info["errors"]
    code, text, _ = _run(capsys, ["solve", str(g), "--max-iter", "20", "-o", str(out), "--json"])
    assert code == 1 and json.loads(text)["failed_output"].endswith(".1.npy")  # never overwritten


def test_solve_settings_reach_the_solver_and_are_checked(instance_file, tmp_path, monkeypatch, capsys):
    import numerics.simulate.solvers as sv

    import functools

    seen = {}
    real = sv.SOLVERS["sa"]

    @functools.wraps(real)  # the same signature (the CLI reads the defaults from it)
    def spy(inst, **kw):
        seen.update(kw)
        return real(inst, **kw)

    monkeypatch.setitem(sv.SOLVERS, "sa", spy)
    code, text, _ = _run(capsys, ["solve", str(instance_file), "--algorithm", "sa", "--T0", "0.5",
                                  "-o", str(tmp_path / "w.npy"), "--json"])
    assert code == 0 and seen["T0"] == 0.5 and json.loads(text)["settings"] == {"T0": 0.5}
    _user_error(capsys, ["solve", str(instance_file), "--eta", "0.1", "-o", str(tmp_path / "v.npy")],
                "--eta", "cpr", "rbp")
    _user_error(capsys, ["solve", str(instance_file), "--damping", "1", "-o", str(tmp_path / "v.npy")],
                "--damping", "[0, 1)")


def test_solve_progress_and_help_defaults(instance_file, tmp_path, capsys):
    code, _, err = _run(capsys, ["solve", str(instance_file), "--algorithm", "cpr", "--progress",
                                 "-o", str(tmp_path / "w.npy")])
    assert code == 0 and "cpr" in err and "it" in err
    assert main(["solve", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("rbp 1000", "cpr 5000", "edmc 200", "sa 3000", "rbp 0.2", "--dr", "--y0", "--T1"):
        assert needle in text, needle
    assert main(["bp-entropy", "--help"]) == 0
    assert "(default: 1000)" in " ".join(capsys.readouterr().out.split())


def test_debug_flag_anywhere_is_not_an_argument_error(capsys):
    code, out, _ = _run(capsys, ["capacity", "--states", "binary", "--json", "--debug"])
    assert code == 0 and json.loads(out)["results"][0]["converged"]
    assert os.environ.get("FEWBITS_DEBUG", "") in ("", "0")


# -- items 1, 3, 4, 10: the theory verbs -----------------------------------------------------------------


def test_hamming_distance_works_and_equals_squared_for_binary(capsys):
    # item 1: was "fewbits: error: Sh"; for ±1 weights the two distances are the same number
    out = {}
    for dist in ("hamming", "squared"):
        code, o, _ = _run(capsys, ["franz-parisi", "--states", "binary", "--alpha", "0.5", "--d", "0.1",
                                   "--distance", dist, "--json"])
        assert code == 0
        out[dist] = json.loads(o)["points"][0]["S_I"]
    assert abs(out["hamming"] - out["squared"]) < 1e-9


def test_capacity_collapsing_onto_zero_weights_is_not_converged(capsys):
    # item 3: a prior this skewed towards 0 gave alpha_c = 13.72 (above the bound 2) with q ~ 2e-12
    code, o, _ = _run(capsys, ["capacity", "--states", "values:-1,0,1@1,100000,1", "--json"])
    (row,) = json.loads(o)["results"]
    assert code == 1 and row["converged"] is False and "collapsed onto W = 0" in row["message"]


@pytest.mark.parametrize("argv", [["entropy", "--states", "binary", "--alpha", "1.0"],
                                  ["franz-parisi", "--states", "binary", "--alpha", "0.9", "--d", "0.1"]])
def test_load_above_capacity_exits_1_unless_asked_for(capsys, argv):
    # item 4: s(alpha) < 0 above alpha_c = 0.833 (binary): said on stderr, exit 1; --above-capacity accepts it
    code, _, err = _run(capsys, argv)
    assert code == 1 and "above the capacity" in err and "--above-capacity" in err
    code, _, _ = _run(capsys, argv + ["--above-capacity"])
    assert code == 0


def test_non_converged_point_has_no_value_and_a_failing_residual(capsys):
    # item 10: d = 0.999 printed "residual": 0.0 (a NaN gradient entry skipped by max) and, at y -> inf,
    # S_I = -728.2 for a point that did not converge.  The residual is null where the last map left its
    # domain (NaN), or the residual where the damped sweeps stopped at a jump (the equation of Sh jumps
    # through 0 near Sh = -2.9e9, since the sweeps' inner roots start from the previous root)
    code, o, _ = _run(capsys, ["franz-parisi", "--states", "binary", "--alpha", "0.5", "--d", "0.999", "--json"])
    (p,) = json.loads(o)["points"]
    assert code == 1 and p["converged"] is False
    assert p["S_I"] is None  # null: not a number
    # never 0; at d = 0.999 the probes are pushed onto -W~, one configuration: they collapse (q1 -> Q)
    assert p["residual"] is None or (p["residual"] > 0 and "jumped through 0" in p["message"]
                                     and "collapse onto one configuration" in p["message"])


def test_a_missing_dependency_is_named_not_a_bug(tmp_path):
    """A dependency of the default install that cannot be imported (tqdm, for the main job's progress
    bars) is an environment problem: exit 2 with one line naming the package and how to reinstall, nothing
    written, no bug report."""
    import subprocess
    import sys

    out = tmp_path / "figs"
    code = ("import sys; sys.modules['tqdm'] = None\n"
            "from numerics.cli import main; sys.exit(main(['paper', '--quick', '--out', sys.argv[1]]))")
    r = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert "'tqdm' is missing" in line and "pip install" in line and "internal error" not in r.stderr
    assert not out.exists()


# -- the model options of the theory commands name themselves ---------------------------------------------


@pytest.mark.parametrize("command", [["entropy", "--alpha", "0.5"], ["capacity"]])
@pytest.mark.parametrize("opt, value, rng", [
    ("--fout", "0", "(0, 1)"), ("--fout", "1", "(0, 1)"), ("--fout", "1.5", "(0, 1)"), ("--fout", "-0.2", "(0, 1)"),
    ("--fout", "nan", "(0, 1)"), ("--fout", "x", "(0, 1)"), ("--kappa", "nan", "[0, inf)"),
    ("--kappa", "inf", "[0, inf)"), ("--kappa", "-1", "[0, inf)"), ("--bias", "nan", "finite"),
    ("--bias", "best", "number"),
])
def test_theory_model_options_name_the_option(command, opt, value, rng, capsys):
    """fewbits entropy / capacity: f_out outside (0, 1), a non-finite or negative kappa, a non-finite or
    non-numeric bias (other than 'optimal') exit 2 with one line naming the option and its range."""
    err = _user_error(capsys, command[:1] + ["--states", "binary"] + command[1:] + [opt, value], opt, rng)
    assert "Traceback" not in err


def test_theory_model_options_accept_optimal_bias(capsys):
    """--bias optimal, --fout and --kappa are accepted by both commands."""
    code, out, _ = _run(capsys, ["capacity", "--states", "binary", "--fout", "0.3", "--bias", "optimal",
                                 "--kappa", "0.1", "--json"])
    assert code == 0 and '"f_out": 0.3' in out
    code, out, _ = _run(capsys, ["entropy", "--states", "binary", "--alpha", "0.3", "--fout", "0.3",
                                 "--bias", "optimal", "--kappa", "0.1", "--json"])
    assert code == 0 and '"kappa": 0.1' in out


@pytest.mark.parametrize("argv, needle", [
    (["alpha-u", "--table", "--bias", "optimal"], "--bias"),
    (["alpha-u", "--states", "binary", "--y", "3", "--bias", "optimal"], "--bias optimal"),
    (["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "inf", "--d", "0.1", "--fout", "1"], "--fout"),
    (["franz-parisi", "--states", "binary", "--alpha", "0.5", "--d", "0.1", "--bias", "nan"], "--bias"),
    (["franz-parisi", "--states", "binary", "--alpha", "0.5", "--d", "0.1", "--bias", "0.2",
      "--reference-kappa", "max"], "bias"),
])
def test_output_model_options_that_are_not_covered_name_the_option(argv, needle, capsys):
    """The output bias and coding level of the local-entropy verbs: an optimal bias for α_U at finite y, a bias with
    the α_U table or with a reference margin of its own, f_out outside (0, 1), a NaN bias: exit 2, one line
    naming the option."""
    _user_error(capsys, argv, needle)


@pytest.mark.parametrize("argv, needle", [
    (["capacity", "--states", "binary", "--inputs", "01"], "--f"),
    (["capacity", "--states", "binary", "--f", "0.3"], "--f"),
    (["entropy", "--states", "binary", "--alpha", "0.5", "--inputs", "01", "--f", "0.3", "--bias", "0.2"], "--bias"),
    (["capacity", "--states", "binary", "--inputs", "01", "--f", "1"], "--f"),
    (["franz-parisi", "--states", "binary", "--alpha", "0.5", "--d", "0.1", "--inputs", "2"], "--inputs"),
    (["alpha-u", "--table", "--inputs", "01", "--f", "0.2"], "--inputs go with --states"),
])
def test_input_model_options_name_the_option(argv, needle, capsys):
    """--inputs 01 needs --f in (0, 1) and the optimal threshold; --f alone, a fixed bias with 0/1 inputs,
    an unknown input model, 0/1 inputs with the α_U table: exit 2, one line naming the option."""
    _user_error(capsys, argv, needle)
