"""``fewbits paper --quick``: every figure and CSV is written, the CSV values are what the theory and
simulation functions return for those parameters, and the cache makes a second run identical and fast."""
import io
import json
import math
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

try:
    import fcntl  # POSIX: the workers' lock on the shared quick-paper runs
except ImportError:  # Windows: each worker runs them itself
    fcntl = None

from numerics.figures.paper import CONFIG, SEED0, read_csv

pytestmark = pytest.mark.slow(80)  # the two quick-paper runs of the shared fixture

FIGURES = ["capacity_bits", "capacity_bio", "entropy", "local_entropy", "dense_regions"]
CSVS = ["capacity.csv", "capacity_bio.csv", "entropy.csv", "local_entropy_theory.csv", "local_entropy_sim.csv",
        "enumeration_entropy.csv", "comparison.csv", "dense_regions.csv", "bp_finite_size.csv"]


def _run(out):
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "numerics.cli", "paper", "--quick", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    return p, time.perf_counter() - t0


def _two_runs(out):
    first, t1 = _run(out)
    snapshot = {name: (out / name).read_text() for name in CSVS}
    second, t2 = _run(out)
    return first, t1, second, t2, snapshot


def _as_json(first, t1, second, t2, snapshot):
    run = lambda p: {"args": p.args, "returncode": p.returncode, "stdout": p.stdout, "stderr": p.stderr}
    return json.dumps({"first": run(first), "t1": t1, "second": run(second), "t2": t2, "snapshot": snapshot})


def _from_json(text):
    j = json.loads(text)
    run = lambda r: subprocess.CompletedProcess(r["args"], r["returncode"], r["stdout"], r["stderr"])
    return run(j["first"]), j["t1"], run(j["second"]), j["t2"], j["snapshot"]


@pytest.fixture(scope="module")
def paper(tmp_path_factory, request):
    """The two ``paper --quick`` runs, once per test session: with pytest-xdist the workers share them
    through the session's base folder under a file lock (the first worker to ask runs them, the
    others wait for its record) instead of each worker running them again.  The tests read the files
    of ``out`` and never write there."""
    if getattr(request.config, "workerinput", None) is None or fcntl is None:  # one process
        out = tmp_path_factory.mktemp("paper")
        return (out, *_two_runs(out))
    root = tmp_path_factory.getbasetemp().parent  # shared by the workers of this session
    out, record = root / "paper_quick", root / "paper_quick.json"
    with open(root / "paper_quick.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            out.mkdir(exist_ok=True)
            record.write_text(_as_json(*_two_runs(out)))
    return (out, *_from_json(record.read_text()))


def test_files_written(paper):
    out, first, *_ = paper
    report = (out / "report.md").read_text()
    # exit 0 only when everything written converged; otherwise 1 with the failures listed
    assert first.returncode in (0, 1), first.stderr[-2000:]
    assert (first.returncode == 0) == ("Every theory quantity written converged." in report)
    for stem in FIGURES:
        for ext, magic in (("pdf", b"%PDF"), ("png", b"\x89PNG")):
            f = out / f"{stem}.{ext}"
            assert f.exists() and f.read_bytes()[:4] == magic, f
    for name in CSVS:
        text = (out / name).read_text()
        assert text.startswith("# fewbits "), name  # header with version and parameters
        assert read_csv(out / name), name
    assert "α_c" in report and "Convergence" in report
    assert "simulations" not in first.stderr and "\r" not in first.stderr  # stderr not a terminal: no bars
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".cache"]
    # a theory module missing from the build is reported, not silently dropped
    for mod, what in (("numerics.problems.local_entropy", "local entropy"), ("numerics.analyses.alpha_u", "α_U")):
        try:
            __import__(mod)
        except ImportError:
            assert what in report and "not available in this build" in report


def test_csv_values_equal_theory(paper):
    from numerics.problems.equilibrium import capacity, entropy_curve

    out = paper[0]
    cap = {r["states"]: r for r in read_csv(out / "capacity.csv")}
    assert set(CONFIG["quick"]["capacity_sets"]) <= set(cap)
    for s in ("symmetric:3", "excitatory:2"):
        assert float(cap[s]["alpha_c"]) == pytest.approx(capacity(s).alpha_c, abs=1e-9)
    assert float(cap["symmetric:2"]["alpha_c"]) == pytest.approx(0.8331, abs=1e-4)  # physics.md check
    rows = [r for r in read_csv(out / "entropy.csv") if r["states"] == "symmetric:3"]
    alphas = [float(r["alpha"]) for r in rows]
    direct = entropy_curve("symmetric:3", alphas)
    assert len(rows) == CONFIG["quick"]["entropy_points"]
    for r, d in zip(rows, direct):
        assert float(r["s"]) == pytest.approx(d.value, abs=1e-9)
        assert float(r["q"]) == pytest.approx(d.params["q"], abs=1e-9)
        assert (r["converged"] == "True") == d.converged


def test_biological_table_is_the_optimal_bias_theory(paper):
    """capacity_bio.csv (excitatory:L, 0/1 inputs, optimal threshold): at f_out = ½ the optimal bias is 0 and
    α_c is the capacity table's (to 1e-9); at f_out = 0.1 it is capacity(..., f_out=0.1, bias='optimal'),
    larger than at ½ and growing with L (sparse outputs store more patterns)."""
    from numerics.problems.equilibrium import capacity

    out = paper[0]
    cap = {r["states"]: r for r in read_csv(out / "capacity.csv")}
    rows = read_csv(out / "capacity_bio.csv")
    half = {r["states"]: r for r in rows if float(r["f_out"]) == 0.5}
    sparse = {r["states"]: r for r in rows if float(r["f_out"]) == 0.1}
    assert len(half) == len(sparse) == 7
    for name, r in half.items():
        assert abs(float(r["bias_at_alpha_c"])) < 1e-9
        if name in cap:
            assert float(r["alpha_c"]) == pytest.approx(float(cap[name]["alpha_c"]), abs=1e-9)
    assert float(sparse["excitatory:3"]["alpha_c"]) == pytest.approx(
        capacity("excitatory:3", f_out=0.1, bias="optimal").alpha_c, abs=1e-9)
    ac = [float(sparse[f"excitatory:{L}"]["alpha_c"]) for L in range(2, 9)]
    assert all(a > float(half[f"excitatory:{L}"]["alpha_c"]) for a, L in zip(ac, range(2, 9)))
    assert all(np.diff(ac) > 0)
    assert "Biological model" in (out / "report.md").read_text()


def test_csv_local_entropy_is_the_y_inf_theory(paper):
    """The panels' local-entropy curves are the y → ∞ equations on each panel's own d grid (below the
    branch end): every point converged, Σ not given (NaN), the slope positive; the first point equals
    a direct local_entropy_curve(..., math.inf, ...) solve (the sweep goes upwards from a cold start)."""
    from numerics.problems.local_entropy import alpha0_curve, local_entropy_curve

    out = paper[0]
    assert math.isinf(CONFIG["quick"]["y"]) and math.isinf(CONFIG["full"]["y"])
    rows = read_csv(out / "local_entropy_theory.csv")
    panel = [p for p in CONFIG["quick"]["panels"] if p["theory"]][0]
    s, a = panel["states"], panel["alphas"][0]
    inf_rows = [r for r in rows if r["curve"] == "y_inf" and r["states"] == s]
    assert [float(r["d"]) for r in inf_rows] == panel["ds"]
    assert max(panel["ds"]) < panel["branch_end"]
    for r in inf_rows:
        assert float(r["y"]) == math.inf and float(r["alpha"]) == a
        assert r["converged"] == "True" and math.isnan(float(r["Sigma"])) and float(r["dS_dd"]) > 0
    S = [float(r["S_I"]) for r in inf_rows]
    assert all(np.diff(S) > 0)
    direct = local_entropy_curve(s, a, math.inf, panel["ds"][:1])
    assert direct.converged[0]
    assert float(inf_rows[0]["S_I"]) == pytest.approx(float(direct.S_I[0]), abs=1e-8)
    bound = alpha0_curve(s, np.array(panel["ds"]), distance="squared")  # S_I <= the alpha = 0 curve
    assert all(np.array(S) <= bound + 1e-9)
    report = (out / "report.md").read_text()
    assert "y → ∞" in report and "branch ends" in report
    assert f"d ≈ {panel['branch_end']:g}" in report
    # the comparison with BP and the densest solutions is against the y → ∞ curve
    cmp_rows = [r for r in read_csv(out / "comparison.csv") if r["states"] == s and r["simulation"] == "bp_rbp"]
    assert cmp_rows and cmp_rows[0]["theory"] == "local entropy y → ∞"
    # ... and against the band between the Franz–Parisi and the y → ∞ curves, recomputed from the CSVs
    from numerics.figures.paper import compare_between

    def curve(label):
        rs = [r for r in rows if r["curve"] == label and r["states"] == s]
        return {"d": [float(r["d"]) for r in rs], "S_I": [float(r["S_I"]) for r in rs],
                "converged": [r["converged"] == "True" for r in rs]}

    sim = [{"d": float(r["d"]), "S": float(r["S"]), "S_err": float(r["S_err"])}
           for r in read_csv(out / "local_entropy_sim.csv") if r["states"] == s and r["method"] == "bp_rbp"]
    band = compare_between(curve("franz_parisi"), curve("y_inf"), sim)
    rows_band = [r for r in cmp_rows if r["theory"].startswith("between")]
    if band["n_points"]:
        (rb,) = rows_band
        assert int(rb["n_points"]) == band["n_points"] and int(rb["within_2se"]) == band["within_2se"]
        assert float(rb["mean_dS"]) == pytest.approx(band["mean_dS"], abs=1e-9)
        # the y -> inf curve bounds every reference: BP around a solution is not above it by more than noise
        assert band["mean_dS"] < 2 * max(x["S_err"] for x in sim)
    else:
        assert not rows_band


def test_csv_values_equal_simulation(paper):
    """Recompute the enumeration entries directly from the simulate API (seed SEED0 + i)."""
    from theory.states import parse_states
    from numerics.simulate import enumeration, instances

    out = paper[0]
    panel = CONFIG["quick"]["panels"][1]
    s, N, a = panel["states"], panel["enum_N"], panel["sim_alpha"]
    S = parse_states(s)
    logs, per_d = [], {}
    for i in range(CONFIG["quick"]["enum_instances"]):
        inst = instances.generate(S, N=N, alpha=a, seed=SEED0 + i)
        r = enumeration.enumerate_solutions(inst)
        logs.append(math.log(r.n_solutions) / N)
        typ = enumeration.sample_solutions(r, S, 1, seed=i)[0]
        d, c, _ = enumeration.distance_histogram(r.solutions(S), typ, S, "squared")
        for dd, cc in zip(d, c):
            per_d.setdefault(round(float(dd), 9), []).append(cc)
    ent = [r for r in read_csv(out / "enumeration_entropy.csv") if r["states"] == s][0]
    assert float(ent["mean_log_count_over_N"]) == pytest.approx(np.mean(logs), abs=1e-12)
    sim = [r for r in read_csv(out / "local_entropy_sim.csv") if r["states"] == s and r["method"] == "enum_typical"]
    assert sim
    for r in sim:
        counts = np.array(per_d[round(float(r["d"]), 9)], float)
        assert float(r["S"]) == pytest.approx(np.mean(np.log(counts) / N), abs=1e-12)
        assert float(r["S_err"]) == pytest.approx(np.std(np.log(counts) / N, ddof=1) / math.sqrt(len(counts)),
                                                  abs=1e-12)
    bp = [r for r in read_csv(out / "local_entropy_sim.csv") if r["method"] == "bp_rbp"]
    assert bp and all(0 <= float(r["d"]) <= 1 and float(r["S_err"]) >= 0 for r in bp)


def test_bp_finite_size_rows_are_theory_differences_and_their_fit_in_one_over_n(paper):
    """bp_finite_size.csv: at every size dF = F - S_I(d) with S_I the y -> inf curve solved at that d (to
    1e-7), and the N = inf row is the weighted fit dF = c + b/N through the sizes' rows."""
    from numerics.figures.finite_size import fit_in_inverse_n
    from numerics.problems.large_y import solve_large_y

    out = paper[0]
    fs = CONFIG["quick"]["bp_finite_size"][0]
    rows = [r for r in read_csv(out / "bp_finite_size.csv") if r["states"] == fs["states"]]
    assert rows
    gammas = sorted({float(r["gamma"]) for r in rows})
    for g in gammas:
        fin = [r for r in rows if float(r["gamma"]) == g and r["N"] != "inf"]
        inf = [r for r in rows if float(r["gamma"]) == g and r["N"] == "inf"]
        assert [int(r["N"]) for r in fin] == fs["Ns"] and len(inf) == 1
        for r in fin:
            assert float(r["dF"]) == pytest.approx(float(r["F"]) - float(r["S_I_theory"]), abs=1e-12)
        r = fin[-1]
        p = solve_large_y(fs["states"], fs["alpha"], float(r["d"]))
        assert p.converged and abs(p.S_I - float(r["S_I_theory"])) < 1e-7
        c, c_err, _ = fit_in_inverse_n([int(r["N"]) for r in fin], [float(r["dF"]) for r in fin],
                                       [float(r["F_err"]) for r in fin])
        assert float(inf[0]["dF"]) == pytest.approx(c, abs=1e-12)
        assert float(inf[0]["F_err"]) == pytest.approx(c_err, abs=1e-12)


def test_fit_in_one_over_n_recovers_a_line_and_its_error():
    """Exact points on c + b/N give back c and b; with two sizes the error of c is the propagated one,
    sqrt(x1^2 e2^2 + x2^2 e1^2) / |x1 - x2| with x = 1/N."""
    from numerics.figures.finite_size import fit_in_inverse_n

    Ns = [1000, 2000, 4000]
    c, c_err, b = fit_in_inverse_n(Ns, [-0.002 - 9.0 / N for N in Ns], [0.004, 0.003, 0.0015])
    assert c == pytest.approx(-0.002, abs=1e-12) and b == pytest.approx(-9.0, rel=1e-9)
    x1, x2, e1, e2 = 1 / 1000, 1 / 4000, 0.004, 0.0015
    _, c_err, _ = fit_in_inverse_n([1000, 4000], [0.0, 0.0], [e1, e2])
    assert c_err == pytest.approx(math.sqrt(x1 ** 2 * e2 ** 2 + x2 ** 2 * e1 ** 2) / abs(x1 - x2), rel=1e-9)


def test_second_run_uses_cache(paper):
    out, first, t1, second, t2, snapshot = paper
    assert second.returncode == first.returncode
    for name in CSVS:
        assert (out / name).read_text() == snapshot[name], name
    assert t2 < 0.6 * t1, (t1, t2)


def test_corrupted_cache_entry_is_recomputed(paper, tmp_path):
    out = paper[0]
    work = tmp_path / "copy"
    shutil.copytree(out, work)
    victim = sorted((work / ".cache").glob("capacity-*.json"))[0]
    victim.write_text("{ not json")
    p, _ = _run(work)
    assert p.returncode == paper[1].returncode
    assert "CacheWarning" in p.stderr or "unreadable" in p.stderr
    assert (work / "capacity.csv").read_text() == (out / "capacity.csv").read_text()


def test_report_shows_cached_ladder_checks(paper, tmp_path, monkeypatch):
    """Ladder checks already in the cache (`fewbits ladder-check`, `fewbits paper --ladder-check`) are
    reported without being recomputed: a row per point in report.md and ladder_check.csv, and a point
    that does not agree makes the exit status 1 and is listed under Convergence.  (The two points
    here are made-up numbers written into a copy of the cache: this tests the plumbing; the physics
    of the check is in tests/test_large_y.py.)"""
    import numerics.analyses.ladder_check as lc

    out = paper[0]
    work = tmp_path / "copy"
    shutil.copytree(out, work)
    (good_pt, bad_pt) = lc.CHECK_POINTS[2:4]

    def fake(states, alpha, d, ys):
        S_inf = 0.3 if (states, alpha, d) == good_pt else 0.31  # ratio 2 (agrees) and 5 (does not)
        return {"S_inf": S_inf, "inf_converged": True, "seconds": 1.0, "messages": [],
                "ladder": [[y, 0.3 - 0.1 / y, True] for y in ys]}

    monkeypatch.setattr(lc, "_compute", fake)
    for pt in (good_pt, bad_pt):
        lc.check_point(*pt, cache=work / ".cache")
    p, _ = _run(work)
    report = (work / "report.md").read_text()
    assert p.returncode == 1, p.stderr[-2000:]
    assert f"| {good_pt[0]} | {good_pt[1]:g} | {good_pt[2]:g} | 0.30000 |" in report
    assert "2 of 16 points are in the cache" in report
    assert f"ladder check {bad_pt[0]} α={bad_pt[1]:g} d={bad_pt[2]:g}" in report.split("## Convergence")[1]
    rows = read_csv(work / "ladder_check.csv")
    assert [(r["states"], r["agrees"]) for r in rows] == [(good_pt[0], "True"), (bad_pt[0], "False")]
    assert "ladder_check.csv" not in {p.name for p in out.iterdir()}  # the original run had none cached


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bars_on_a_terminal_or_when_asked(paper, tmp_path, capsys):
    """Progress bars (tqdm) go to stderr only when it is a terminal or when asked (``progress=True``,
    ``fewbits paper --progress``); ``progress=False`` hides them even on a terminal.  Runs on a copy of
    the quick run's cache, so every unit is read from it; the CSVs are the same either way."""
    from numerics.cli import build_parser
    from numerics.figures.paper import run_paper

    work = tmp_path / "copy"
    shutil.copytree(paper[0], work)
    rc = run_paper(work, quick=True)  # stderr captured by pytest: not a terminal
    err = capsys.readouterr().err
    assert rc == paper[1].returncode and "simulations" not in err and "capacity" not in err, err
    rc = run_paper(work, quick=True, progress=True)
    err = capsys.readouterr().err
    n_sim = sum(CONFIG["quick"]["bp_instances"] + CONFIG["quick"]["enum_instances"] for _ in CONFIG["quick"]["panels"])
    assert rc == paper[1].returncode
    assert "capacity" in err and "entropy s(α)" in err and f"{n_sim}/{n_sim}" in err, err
    tty = _Terminal()
    run_paper(work, quick=True, stream=tty)
    assert "simulations" in tty.getvalue()
    quiet = _Terminal()
    run_paper(work, quick=True, stream=quiet, progress=False)
    assert quiet.getvalue() == ""
    for name in CSVS:
        assert (work / name).read_text() == paper[5][name], name
    assert build_parser().parse_args(["paper", "--progress"]).progress is True
    assert build_parser().parse_args(["paper"]).progress is None


def test_dense_regions_approach_the_alpha_zero_curve(paper):
    """dense_regions.csv (binary, α = 0.5, 0.6, 0.7 = 0.6, 0.72, 0.84 α_c): every point converged, S_I
    below the α = 0 curve and rising with d, S_I/S_0 → 1 at d = 0.002 (physics.md §3.2: below α_U the
    curve approaches the α = 0 one faster than any power of d), and a point equal to a lone cold call."""
    from numerics.problems.large_y import solve_large_y
    from numerics.problems.large_y_path import MEMO

    out = paper[0]
    every = read_csv(out / "dense_regions.csv")
    rows = [r for r in every if r["curve"] == "y_inf"]
    assert sorted({float(r["alpha"]) for r in rows}) == [0.5, 0.6, 0.7]
    for a in (0.5, 0.6, 0.7):
        rr = sorted((r for r in rows if float(r["alpha"]) == a), key=lambda r: float(r["d"]))
        assert all(r["converged"] in (True, "True") for r in rr)
        d = np.array([float(r["d"]) for r in rr])
        S, S0 = (np.array([float(r[k]) for r in rr]) for k in ("S_I", "S_alpha0"))
        assert d[0] == pytest.approx(0.002) and np.all(np.diff(S) > 0)
        assert np.all(S <= S0 + 1e-12)
        assert S[0] / S0[0] > (0.9999 if a < 0.65 else 0.999)
        assert S[-1] / S0[-1] < 0.7  # far from the α = 0 curve near the end of the branch
    # the Franz–Parisi curve at the middle load: typical solutions are isolated (S_FP < 0 at small d,
    # binary α = 0.6: −0.0159 at d = 0.002; physics.md §3) and lie below the dense references' curve
    fp = sorted((r for r in every if r["curve"] == "franz_parisi"), key=lambda r: float(r["d"]))
    assert {float(r["alpha"]) for r in fp} == {0.6} and all(r["converged"] in (True, "True") for r in fp)
    d_fp, S_fp = (np.array([float(r[k]) for r in fp]) for k in ("d", "S_I"))
    assert d_fp[0] == pytest.approx(0.002) and S_fp[0] < -0.01
    inf6 = sorted((r for r in rows if float(r["alpha"]) == 0.6), key=lambda r: float(r["d"]))
    d6, S6 = (np.array([float(r[k]) for r in inf6]) for k in ("d", "S_I"))
    inside = d_fp <= d6[-1]
    assert np.all(S_fp[inside] < np.interp(d_fp[inside], d6, S6))
    r = [r for r in rows if float(r["alpha"]) == 0.6][5]
    MEMO.clear()
    p = solve_large_y("binary", 0.6, float(r["d"]))
    assert p.converged and abs(p.S_I - float(r["S_I"])) < 1e-7
