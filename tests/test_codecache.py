"""Derived and compiled equations cached on disk as generated source (theory.codecache).

A second process loads what a first one derived (and derives nothing), with the same numbers bit
for bit; a corrupt, truncated or foreign entry is rebuilt, never executed; an unwritable folder
warns once and keeps computing.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from theory import codecache
from theory.compile import NUMERIC_FUNCTIONS, CompiledSet
from theory.derive import STATS, derive
from theory.functionals.equilibrium import SYMBOLS as EQ
from theory.functionals.equilibrium import equilibrium
from theory.functionals.large_deviation import franz_parisi
from theory.symbolic import GH, LogH, LogSum, Neq, gauss

ROOT = Path(__file__).resolve().parents[1]

# Outputs of the three compiled sets of equilibrium and Franz-Parisi at fixed inputs, as float.hex
# strings (exact); run in this process and in a subprocess that loads the cache.
OUTPUTS = r'''
import numpy as np
from numerics.solver.quadrature import GaussianRule
from theory.functionals.equilibrium import SYMBOLS as EQ
from theory.functionals.large_deviation import SYMBOLS as LD

def _hex(out):
    return {k: [float(x).hex() for x in np.ravel(v)] for k, v in out.items()}

def outputs(D_eq, D_fp):
    w = (np.array([-1.0, 1.0]), np.zeros(2))
    eq_nodes = {EQ["z"]: GaussianRule().nodes(), EQ["W"]: w}
    eq_vals = {"Q": 0.9, "q": 0.37, "A": 0.41, "qhat": 0.83, "alpha": 0.61, "kappa": 0.2, "b": 0.13, "f_out": 0.4}
    fp_nodes = {LD["z1"]: GaussianRule(24, 8).nodes(), LD["Wt"]: w, LD["u"]: GaussianRule(16, 8).nodes(),
                LD["W"]: w, LD["v"]: GaussianRule(16, 8).nodes()}
    fp_vals = {"Qt": 1.0, "P": 0.6, "Qth": 0.45, "Ph": 0.67, "Q": 1.0, "q1": 0.95, "R": 0.7, "Qh": 0.2,
               "q1h": 0.9, "Rh": 0.25, "Sh": 0.4, "alpha": 0.5, "kappa": 0.0, "d": 0.1, "Delta": 2.0}
    out = {}
    for tag, D, vals, nodes in (("eq", D_eq, eq_vals, eq_nodes), ("fp", D_fp, fp_vals, fp_nodes)):
        for s in ("energetic", "entropic", "full"):
            out.update({f"{tag}.{s}.{k}": v for k, v in _hex(getattr(D, s)(vals, nodes)).items()})
    return out
'''


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("FEWBITS_CACHE", str(folder))
    monkeypatch.setattr(codecache, "_memory", {})
    monkeypatch.setattr(codecache, "_warned", False)
    return folder


def _outputs(D_eq, D_fp):
    ns = {}
    exec(OUTPUTS, ns)
    return ns["outputs"](D_eq, D_fp)


def test_second_process_loads_without_deriving_and_reproduces_bit_for_bit(cache_dir):
    """This process derives (and writes); a fresh interpreter loads, derives nothing, and its
    compiled equations give identical floats on identical inputs."""
    n0 = STATS["derived"]
    D_eq, D_fp = derive(equilibrium()), derive(franz_parisi("squared"))
    assert STATS["derived"] == n0 + 2
    assert len(list(cache_dir.glob("derived-*.py"))) == 2
    fresh = _outputs(D_eq, D_fp)
    finite = [float.fromhex(x) for v in fresh.values() for x in v]
    assert np.isfinite(finite).all()  # a real point, not NaN against NaN
    code = (OUTPUTS + "\nimport json\nfrom theory import codecache\nfrom theory.derive import STATS, derive\n"
            "from theory.functionals.equilibrium import equilibrium\n"
            "from theory.functionals.large_deviation import franz_parisi\n"
            "out = outputs(derive(equilibrium()), derive(franz_parisi('squared')))\n"
            "print(json.dumps({'derived': STATS['derived'], 'loaded': codecache.STATS['loaded'], 'out': out}))\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "FEWBITS_CACHE": str(cache_dir)})
    assert p.returncode == 0, p.stderr[-3000:]
    child = json.loads(p.stdout.strip().splitlines()[-1])
    assert child["derived"] == 0 and child["loaded"] == 2
    assert child["out"] == fresh


def test_loaded_entry_derives_its_sympy_results_on_first_access_only(cache_dir):
    """A loaded entry holds code only: its sympy expressions are derived when first asked for
    (once), and equal a fresh derivation's; the solvers, which never ask, derive nothing."""
    fresh = derive(equilibrium(), cache=False)
    derive(equilibrium())  # writes
    n0 = STATS["derived"]
    loaded = derive(equilibrium())
    assert STATS["derived"] == n0 and loaded.extra == {}
    for part in ("gradient", "conjugate_update", "order_update", "energetic_residuals", "entropic_residuals"):
        assert getattr(loaded, part) == getattr(fresh, part), part
    assert STATS["derived"] == n0 + 1


def _small_set():
    x, z, W = sp.symbols("x z W", real=True)
    E = -x * W**2 / 2 + sp.sqrt(x) * z * W
    exprs = {"f": gauss(LogSum(E, W), z), "g": gauss(LogH(x * z - 1) + GH(z), z)}
    nodes = {z: (np.linspace(-3, 3, 7), np.full(7, -2.0)), W: (np.array([-1.0, 1.0]), np.zeros(2))}
    return exprs, (z, W), nodes


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other_key", "not_utf8", "empty"])
def test_corrupt_entry_is_detected_and_rebuilt(cache_dir, damage):
    exprs, bound, nodes = _small_set()
    want = CompiledSet(exprs, bound)({"x": 0.7}, nodes)
    (path,) = cache_dir.glob("compiled-*.py")
    good = path.read_bytes()
    key = re.search(rb"# key: ([0-9a-f]{64})", good).group(1).decode()
    bad = {"garbage": good[:400] + b"raise SystemExit('executed a corrupt entry')\n" + good[400:],
           "truncated": good[: len(good) // 2],
           "other_key": good.replace(key.encode(), key[::-1].encode()),
           "not_utf8": good[:400] + b"\xff\xfe" + good[402:],
           "empty": b""}[damage]
    assert bad != good and not codecache.verify(bad.decode("utf-8", "replace"), key)
    path.write_bytes(bad)
    built = codecache.STATS["built"]
    got = CompiledSet(exprs, bound)({"x": 0.7}, nodes)
    assert codecache.STATS["built"] == built + 1  # rebuilt, not loaded
    assert got == want
    assert path.read_bytes() == good  # replaced by a complete entry (the source is deterministic)
    assert not list(cache_dir.glob("*.tmp"))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "stale"])
def test_corrupt_compiled_code_beside_an_entry_is_recompiled(cache_dir, damage):
    """The marshal file of an entry's code object is used only when it matches the entry's text."""
    exprs, bound, nodes = _small_set()
    want = CompiledSet(exprs, bound)({"x": 0.7}, nodes)
    (side,) = cache_dir.glob("compiled-*.code")
    good = side.read_bytes()
    head, blob = good.split(b"\n", 1)
    bad = {"garbage": head + b"\n" + blob[:20] + b"\x00garbage\x00" + blob[29:],
           "truncated": good[: len(good) - 10],
           "stale": head.replace(head.split(b" ")[2], b"0" * 64) + b"\n" + blob}[damage]
    side.write_bytes(bad)
    built = codecache.STATS["built"]
    assert CompiledSet(exprs, bound)({"x": 0.7}, nodes) == want
    assert codecache.STATS["built"] == built  # the entry was sound: loaded, only recompiled
    assert side.read_bytes() == good


def test_corrupt_derived_entry_is_rebuilt_with_the_right_numbers(cache_dir):
    D = derive(equilibrium())
    nodes = {EQ["z"]: (np.linspace(-4, 4, 9), np.full(9, -2.2)), EQ["W"]: (np.array([-1.0, 1.0]), np.zeros(2))}
    vals = {"Q": 1.0, "q": 0.4, "A": 0.5, "qhat": 0.7, "alpha": 0.5, "kappa": 0.0, "b": 0.0, "f_out": 0.5}
    want = D.full(vals, nodes)
    (path,) = cache_dir.glob("derived-*.py")
    text = path.read_text()
    path.write_text(text.replace("return", "return 0*", 1))  # plausible code, wrong numbers
    n0 = STATS["derived"]
    got = derive(equilibrium()).full(vals, nodes)
    assert STATS["derived"] == n0 + 1
    assert got == want and path.read_text() == text


def test_concurrent_writers_leave_complete_entries(cache_dir):
    """Writers racing on one entry (threads here; os.replace is the same across processes): every
    read sees a complete, verified entry, never a partial one, and no temporary file is left."""
    import threading

    key = codecache.make_key("test", "race")
    codecache.store("test", "race", key, "X = 0\n")
    seen, stop = [], threading.Event()

    def write(i):
        for j in range(30):
            codecache.store("test", "race", key, f"X = {i * 100 + j}\n" + "# padding\n" * 2000)

    def read():
        while not stop.is_set():
            hit = codecache.load("test", "race", key)
            seen.append(hit is not None and hit[0].startswith("# fewbits"))

    writers = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    reader = threading.Thread(target=read)
    reader.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    reader.join()
    assert seen and all(seen)
    assert len(list(cache_dir.iterdir())) == 1


@pytest.mark.skipif(codecache.fcntl is None, reason="the build lock needs fcntl (POSIX)")
def test_a_process_waits_for_the_entry_another_is_building_and_loads_it(cache_dir):
    """While this process holds the build lock of equilibrium's derived entry (as a process deriving
    it does), a second process that needs it waits instead of deriving it too; once the entry is
    written and the lock released it loads it: it builds nothing and its numbers are this process's."""
    from theory.derive import _functional_key, _module_source, _derive_symbolic

    F = equilibrium()
    key = codecache.make_key("derive", *_functional_key(F, {}))
    script = ("import json; from theory import codecache; from numerics.problems.equilibrium import solve_equilibrium;"
              "r = solve_equilibrium('binary', 0.5); print(json.dumps([codecache.STATS['built'], r.value]))")
    env = dict(os.environ, FEWBITS_CACHE=str(cache_dir), PYTHONPATH=str(ROOT))
    with codecache._build_lock("derived", F.name, key):
        child = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
        body = _module_source(F, _derive_symbolic(F, {}))
        try:
            child.wait(timeout=4)  # would have derived (~1 s) and finished by now without the lock
        except subprocess.TimeoutExpired:
            pass
        assert child.poll() is None, "the second process did not wait for the entry being built"
        codecache.store("derived", F.name, key, body)
    built, value = json.loads(child.communicate(timeout=120)[0])
    assert built == 0
    from numerics.problems.equilibrium import solve_equilibrium

    assert value == solve_equilibrium("binary", 0.5).value


def test_writing_an_entry_prunes_entries_unused_for_a_month(cache_dir):
    import time

    cache_dir.mkdir(parents=True)
    old = [cache_dir / "derived-x-00.py", cache_dir / "derived-x-00.cpython-311.code", cache_dir / "compiled-y-1.py",
           cache_dir / "derived-x-00.k2j3.tmp"]
    kept = [cache_dir / "derived-x-01.py", cache_dir / "results-old.json"]
    for f in old + kept:
        f.write_text("x")
    month_ago = time.time() - 40 * 86400
    for f in old + [kept[1]]:
        os.utime(f, (month_ago, month_ago))
    codecache.store("derived", "z", codecache.make_key("test", "prune"), "X = 1\n")
    assert not any(f.exists() for f in old) and all(f.exists() for f in kept)


def test_unwritable_folder_warns_once_and_still_computes(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FEWBITS_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(codecache, "_memory", {})
    monkeypatch.setattr(codecache, "_warned", False)
    exprs, bound, nodes = _small_set()
    with pytest.warns(UserWarning) as record:
        a = CompiledSet(exprs, bound)({"x": 0.7}, nodes)
        b = CompiledSet({"h": exprs["f"] * 2}, bound)({"x": 0.7}, nodes)
        loaded = codecache.STATS["loaded"]
        c = CompiledSet(exprs, bound)({"x": 0.7}, nodes)  # from memory
    assert codecache.STATS["loaded"] == loaded + 1
    ours = [w for w in record if "equation cache" in str(w.message)]
    assert len(ours) == 1
    msg = str(ours[0].message)
    assert str(blocker / "cache") in msg and "FEWBITS_CACHE" in msg
    assert np.isfinite(a["f"]) and b["h"] == 2 * a["f"] and c == a


def test_generated_functions_are_lambdify_bit_for_bit(cache_dir):
    """The generated source is lambdify's, on the same numpy/scipy objects: identical floats."""
    from theory.codegen import SourceBuilder

    x, y = sp.symbols("x y", positive=True)
    k = sp.Symbol("k", real=True)
    expr = (sp.sqrt(x) * sp.exp(-y) + LogH(x - y) ** 2 + sp.log(1 + x * y) * GH(y) + sp.pi * Neq(k, 1)
            + sp.erfc(x) / (x + y) ** sp.Rational(3, 2) + sp.Abs(k) * (sp.sqrt(x) * sp.exp(-y)) ** 2)
    builder = SourceBuilder()
    plan = builder.plan({"e": expr}, ())
    ns = codecache.execute(builder.source({"set": plan}), None, "test")
    cs = CompiledSet.from_plan(ns["PLANS"]["set"], ns)
    ref = sp.lambdify([x, y, k], expr, modules=[NUMERIC_FUNCTIONS, "numpy", "scipy"], cse=True)
    rng = np.random.default_rng(1)
    for xv, yv, kv in rng.uniform(0.05, 3.0, size=(50, 3)):
        got = cs({"x": xv, "y": yv, "k": np.round(kv)}, {})["e"]
        assert got == ref(xv, yv, np.round(kv)) and np.isfinite(got)


def test_key_names_the_functional_and_extras(cache_dir):
    F = equilibrium()
    from theory.derive import _functional_key

    k0 = codecache.make_key("derive", *_functional_key(F, {}))
    k1 = codecache.make_key("derive", *_functional_key(F, {"dphi": sp.diff(F.value, EQ["q"])}))
    k2 = codecache.make_key("derive", *_functional_key(F, {"dphi": sp.diff(F.value, EQ["Q"])}))
    assert len({k0, k1, k2}) == 3 and k0 == codecache.make_key("derive", *_functional_key(equilibrium(), {}))


def test_theory_compile_imports_without_sympy():
    """Evaluating loaded equations needs numpy/scipy only: theory.compile does not import sympy."""
    p = subprocess.run([sys.executable, "-c", "import sys, theory.compile; print('sympy' in sys.modules)"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "False", p.stderr


# -- recipes: a process whose cache holds its equations starts without sympy (theory.recipes) -----------
RECIPE_CHILD = r'''
import json, sys
from theory import codecache
from numerics.problems.large_y import solve_large_y
p = solve_large_y("symmetric:3", 0.5, 0.06)
derive = sys.modules.get("theory.derive")  # (imported with sympy, only where something is derived)
print(json.dumps({"sympy": "sympy" in sys.modules, "derived": derive.STATS["derived"] if derive else 0,
                  "built": codecache.STATS["built"], "S_I": p.S_I.hex(), "converged": p.converged}))
'''


def _recipe_child(cache_dir):
    env = {**os.environ, "FEWBITS_CACHE": str(cache_dir), "FEWBITS_PATH_CACHE": "0"}
    p = subprocess.run([sys.executable, "-c", RECIPE_CHILD], cwd=ROOT, capture_output=True, text=True,
                       timeout=600, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_a_second_process_solves_from_the_cache_without_importing_sympy(cache_dir):
    """The first process derives the y → ∞ equations with sympy and writes their recipes' aliases; the
    second loads by alias, never imports sympy (~0.4 s of its start), derives and builds nothing, and
    gets the same S_I bit for bit (symmetric(3), α = 0.5, d = 0.06, a converged cold point)."""
    first = _recipe_child(cache_dir)
    assert first["converged"] and first["sympy"] and first["built"] >= 1
    assert len(list(cache_dir.glob("recipe-*.py"))) >= 2  # the equations and the reference's objective
    second = _recipe_child(cache_dir)
    assert second["converged"] and not second["sympy"], second
    assert second["derived"] == 0 and second["built"] == 0 and second["S_I"] == first["S_I"]


def test_a_corrupt_alias_is_rebuilt_with_sympy_and_gives_the_same_numbers(cache_dir):
    """Garbage in an alias, or an alias naming an entry that is gone: the recipe is built again (sympy
    imported), the alias rewritten, the numbers the same; the process after that loads without sympy."""
    first = _recipe_child(cache_dir)
    aliases = sorted(cache_dir.glob("recipe-*.py"))
    aliases[0].write_text("garbage")
    for path in cache_dir.glob("derived-large_y*.py"):
        path.unlink()
    again = _recipe_child(cache_dir)
    assert again["sympy"] and again["S_I"] == first["S_I"] and again["built"] >= 1
    third = _recipe_child(cache_dir)
    assert not third["sympy"] and third["S_I"] == first["S_I"]
