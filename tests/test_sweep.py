"""fewbits sweep (numerics.analyses.sweep): the grid, the table, resuming, and a real Dask cluster.

The cluster tests use a LocalCluster of 2 single-threaded worker processes and a few cheap
equilibrium and Franz–Parisi points (binary synapses)."""
import math
import os
import signal
import socket
import time

import pytest

from numerics.analyses import sweep as sweep_pkg
from numerics.analyses.sweep import make_grid, sweep
from numerics.analyses.sweep import points as sweep_points
from numerics.analyses.sweep.table import csv_text, read_table, write_table

distributed = pytest.importorskip("distributed")

FP_GRID = dict(states="binary", alpha=[0.4, 0.5, 0.6], d=[0.08, 0.12])
EQ_GRID = dict(states=["binary", "symmetric:3"], alpha=[0.1, 0.2, 0.3, 0.4, 0.5])


def same(a, b) -> bool:
    """Two tables equal bit for bit (every float by repr, so NaN equals NaN)."""
    return a.columns == b.columns and csv_text(a.rows, a.columns) == csv_text(b.rows, b.columns)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=50) as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def fp_serial():
    return sweep("franz_parisi", **FP_GRID, scheduler="none")


# ------------------------------------------------------------------------------------------ grid and table
def test_grid_chunks_follow_d_downwards_and_keep_table_order():
    g = make_grid("franz_parisi", states="binary", alpha=[0.5, 0.6], d=[0.05, 0.2, 0.1])
    assert [(p["alpha"], p["d"]) for p in g.points] == [(0.5, 0.05), (0.5, 0.2), (0.5, 0.1),
                                                        (0.6, 0.05), (0.6, 0.2), (0.6, 0.1)]
    chunks = g.chunks()
    assert [[p["d"] for p in c.points] for c in chunks] == [[0.2, 0.1, 0.05]] * 2  # largest d first
    assert chunks[0].rows == [1, 2, 0]
    # the entropy continues upwards in α; capacity points are tasks of their own
    eq = make_grid("entropy", states="binary", alpha=[0.3, 0.1]).chunks()
    assert [p["alpha"] for p in eq[0].points] == [0.1, 0.3]
    assert len(make_grid("capacity", states=["binary", "symmetric:3"]).chunks()) == 2


@pytest.mark.parametrize("kw, named", [
    (dict(alpha=[0.5, -0.1], d=0.1), "alpha: -0.1"),
    (dict(alpha=0.5, d=[0.1, 1.0]), "d: 1.0"),
    (dict(alpha=0.5, d=0.1, kappa=math.nan), "kappa: nan"),
    (dict(alpha=0.0, d=0.1), "alpha: 0.0"),  # Franz–Parisi needs α > 0
    (dict(alpha=0.5, d=0.1, y=3.0), "y: the quantity franz_parisi does not depend on y"),
    (dict(alpha=0.5, d=0.1, states="ternary"), "states: 'ternary'"),
])
def test_invalid_grid_value_is_named_before_any_work(monkeypatch, tmp_path, kw, named):
    def no_cluster(*a, **k):
        raise AssertionError("a cluster was started before the grid was checked")

    monkeypatch.setattr(sweep_pkg, "open_client", no_cluster)
    kw = {"states": "binary", **kw}
    with pytest.raises(ValueError, match="^" + named.replace("(", r"\(")):
        sweep("franz_parisi", **kw, scheduler="local", cache=tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_cli_names_the_option_of_an_invalid_value(tmp_path, capsys):
    from numerics.cli import main

    code = main(["sweep", "local_entropy", "--states", "binary", "--alpha", "0.5", "--d", "0.1", "--y", "-1",
                 "--scheduler", "none", "--cache", "none", "--out", str(tmp_path / "t")])
    assert code == 2
    assert "--y: " in capsys.readouterr().err
    assert main(["sweep", "entropy", "--states", "binary", "--alpha", "0.1:0.5:x", "--scheduler", "none"]) == 2
    assert "--alpha: '0.1:0.5:x'" in capsys.readouterr().err


def test_entropy_table_obeys_the_envelope_theorem_and_reads_back_exactly(tmp_path):
    """ds/dα (the G_E column, envelope theorem) matches the finite difference of s between neighbours,
    and the CSV reads back bit for bit."""
    res = sweep("entropy", states="binary", alpha=[0.30, 0.301, 0.302], scheduler="none", out=tmp_path / "eq")
    assert res.converged and [f.name for f in res.files][0] == "eq.csv"
    s = [r["s"] for r in res.rows]
    assert (s[2] - s[0]) / 0.002 == pytest.approx(res.rows[1]["ds_dalpha"], rel=1e-5)
    back = read_table(tmp_path / "eq.csv")
    assert back == res.rows
    if res.files[-1].suffix == ".parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(res.files[-1]).to_pylist() == res.rows


def test_interrupted_sweep_resumes_from_the_cache_with_the_same_numbers(monkeypatch, tmp_path):
    """Stopped in the middle of a chunk, a rerun solves only the missing points and gives the table of
    an uninterrupted run, bit for bit (the warm starts come back from the cache exactly)."""
    plain = sweep("entropy", **EQ_GRID, scheduler="none")
    real, calls = sweep_points._entropy, []

    def stop_at_third(p, warm):
        calls.append(p)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(p, warm)

    monkeypatch.setitem(sweep_points._COMPUTE, "entropy", stop_at_third)
    with pytest.raises(KeyboardInterrupt):
        sweep("entropy", **EQ_GRID, scheduler="none", cache=tmp_path)
    assert len(list(tmp_path.glob("sweep-entropy-*.json"))) == 2
    calls.clear()
    monkeypatch.setitem(sweep_points._COMPUTE, "entropy", lambda p, w: (calls.append(p), real(p, w))[1])
    resumed = sweep("entropy", **EQ_GRID, scheduler="none", cache=tmp_path)
    assert len(calls) == len(plain.rows) - 2
    assert same(resumed, plain)


def test_a_point_whose_solver_fails_is_a_row_that_says_so(tmp_path):
    """Binary synapses at α = 1.6 > α_c = 0.833: no equilibrium reference for the Franz–Parisi potential.
    The row is there, not converged, NaN values, the reason as its message; it is not cached."""
    res = sweep("franz_parisi", states="binary", alpha=1.6, d=0.1, scheduler="none", cache=tmp_path)
    (row,) = res.rows
    assert row["converged"] is False and math.isnan(row["S_I"]) and math.isnan(row["s_eq"])
    assert row["message"].startswith("error: ValueError: the equilibrium saddle point at alpha=1.6")
    assert not list(tmp_path.glob("sweep-*.json"))


# ------------------------------------------------------------------------------------------ a real cluster
def test_two_workers_give_the_serial_table_bit_for_bit(client, fp_serial):
    assert fp_serial.converged, fp_serial.failed
    par = sweep("franz_parisi", **FP_GRID, client=client)
    assert same(par, fp_serial)  # every float equal, not approximately
    # physics: S_FP(d) rises with d towards the typical distance and stays below s(α)
    for a in FP_GRID["alpha"]:
        r = [row for row in par.rows if row["alpha"] == a]
        assert 0 < r[0]["S_I"] < r[1]["S_I"] < r[1]["s_eq"]


def test_y_inf_sweep_on_two_workers_equals_the_serial_one(client):
    """The y → ∞ local entropy (secant predictor and warm starts inside a chunk, the process memo
    emptied per task): the same table on 2 workers as in this process; S_I rises with d with the exact
    slope dS_I/dd > 0 (below α_U), and Σ, Φ are NaN (not given at this order)."""
    kw = dict(states="binary", alpha=[0.5, 0.6], d=[0.02, 0.05, 0.08], y=math.inf)
    serial = sweep("local_entropy", **kw, scheduler="none")
    assert serial.converged and same(sweep("local_entropy", **kw, client=client), serial)
    for a in kw["alpha"]:
        r = [row for row in serial.rows if row["alpha"] == a]
        assert r[0]["S_I"] < r[1]["S_I"] < r[2]["S_I"] and all(x["slope"] > 0 for x in r)
        assert all(math.isnan(x["Sigma"]) and math.isnan(x["phi"]) for x in r)


def _fp_builds():
    from numerics.problems.franz_parisi import derived_fp

    return derived_fp.cache_info().currsize


def test_every_worker_builds_the_derived_code_once_when_the_sweep_starts(client):
    """The warm-up plugin builds what a sweep needs on every worker, also on one that runs no task (the
    Hamming-distance Franz–Parisi equations: no other test builds them)."""
    from numerics.analyses.sweep import map_tasks

    before = client.run(_fp_builds)
    need = [("numerics.problems.franz_parisi", "derived_fp", ("hamming",))]
    assert [v for _, v in map_tasks(abs, [(-2,)], client, warm=need)] == [2]
    after = client.run(_fp_builds)
    assert len(after) == 2 and all(after[w] == before[w] + 1 for w in after)
    list(map_tasks(abs, [(-3,)], client, warm=need))
    assert client.run(_fp_builds) == after  # once: a second sweep builds nothing new


def test_a_worker_killed_mid_sweep_loses_no_finished_point(client, fp_serial, tmp_path):
    pids = client.run(os.getpid)
    seen = {}

    def kill_one(k, records):
        if seen:
            return
        seen.update({f.name: f.stat().st_mtime_ns for f in tmp_path.glob("sweep-*.json")})
        busy = [w for w, keys in client.processing().items() if keys]
        assert busy, "no task in flight to interrupt"
        seen["killed"] = busy[0]
        os.kill(pids[busy[0]], signal.SIGKILL)

    res = sweep("franz_parisi", **FP_GRID, client=client, cache=tmp_path, on_chunk=kill_one)
    assert "killed" in seen
    assert same(res, fp_serial)
    finished = {k: v for k, v in seen.items() if k != "killed"}
    assert len(finished) >= 2  # the first chunk's points were cached when the worker was killed
    assert all((tmp_path / name).stat().st_mtime_ns == t for name, t in finished.items())  # never recomputed
    assert len(list(tmp_path.glob("sweep-*.json"))) == len(fp_serial.rows)


def test_unreachable_scheduler_is_a_clear_error_within_10_s():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    with pytest.raises(ConnectionError, match=f"no Dask scheduler answered at tcp://127.0.0.1:{port}"):
        sweep("entropy", states="binary", alpha=0.5, scheduler=f"tcp://127.0.0.1:{port}")
    assert time.perf_counter() - t0 < 10


def test_scheduler_address_runs_the_alpha_u_table(client, tmp_path):
    """The α_U table goes through the same path: one task per set on the cluster at an address; the row
    reads the main job's cached α_U entry and computes α_c on the worker (binary: 0.8331)."""
    from numerics.analyses.alpha_u import alpha_u_cache_key, alpha_u_table
    from numerics.storage.cache import store

    fake = {"alpha_U": 0.7555, "interval": [0.7536, 0.7565], "y": math.inf, "converged": True,
            "upper_bound": False, "message": "stored"}
    store(tmp_path, alpha_u_cache_key("binary"), fake)
    rows = alpha_u_table(["binary"], cache=tmp_path, scheduler=client.scheduler.address)
    assert rows[0]["alpha_U"] == 0.7555 and rows[0]["message"] == "stored"
    assert rows[0]["alpha_c"] == pytest.approx(0.8331, abs=1e-4)
    assert rows == alpha_u_table(["binary"], cache=tmp_path)


def test_table_files_round_trip(tmp_path):
    rows = [{"quantity": "x", "a": 0.1 + 0.2, "b": math.inf, "c": True, "m": "ok, fine"}]
    files = write_table(rows, list(rows[0]), tmp_path / "t.csv", comment="hello")
    assert files[0] == tmp_path / "t.csv"
    back = read_table(files[0])
    assert back[0]["a"] == 0.1 + 0.2 and back[0]["b"] == math.inf and back[0]["c"] is True
    assert back[0]["m"] == "ok, fine"


def test_ladder_checks_through_the_task_path_match_the_serial_table(monkeypatch):
    """check_table with a scheduler runs one task per point (here in this process, scheduler 'none',
    with the ladder's numbers stubbed as S = 0.3 − 0.1/y, S∞ = 0.3: ratio 2 exactly) and gives the
    checks of the serial loop, in the points' order, the progress counting them."""
    import numerics.analyses.ladder_check as lc

    monkeypatch.setattr(lc, "_compute", lambda st, a, d, ys: {
        "S_inf": 0.3, "inf_converged": True, "seconds": 1.0, "messages": [],
        "ladder": [[y, 0.3 - 0.1 / y, True] for y in ys]})
    points = lc.CHECK_POINTS[:3]
    seen = []
    tasks = lc.check_table(points, scheduler="none", progress=lambda i, n, c: seen.append((i, n)))
    assert [c.as_dict() for c in tasks] == [c.as_dict() for c in lc.check_table(points)]
    assert all(c.agrees and abs(c.ratio - 2) < 1e-9 for c in tasks)
    assert seen == [(1, 3), (2, 3), (3, 3)]
