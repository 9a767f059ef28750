"""Figure functions on synthetic data: labels, number of lines/points, hollow non-converged points,
and save_figure output.  Plus the on-disk cache (numerics.storage.cache) and the progress bars
(numerics.figures.progress)."""
import io
import json
import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from numerics.figures import plots
from numerics.storage import cache
from numerics.figures.style import DOUBLE, LABELS, SINGLE

D = np.linspace(0.01, 0.4, 12)


def _h2(d):
    return -d * np.log(d) - (1 - d) * np.log(1 - d)


def _curve(alpha, y=math.inf, bad=()):
    conv = np.ones_like(D, bool)
    conv[list(bad)] = False
    return dict(d=D, S_I=_h2(D) - alpha * D, Sigma=0.3 - D, converged=conv, alpha=alpha, y=y)


def _lines_with_data(ax):
    return [ln for ln in ax.get_lines() if len(ln.get_xdata())]


def test_local_entropy_figure_counts_and_hollow_points():
    panels = [
        dict(title="binary", theory=[_curve(0.5), _curve(0.7, bad=(3, 4))], alpha0=(D, _h2(D)),
             franz_parisi=dict(d=D, S_I=_h2(D) - 0.4, converged=np.ones_like(D, bool), alpha=0.5),
             simulations=[dict(label="BP", d=D[::3], S=_h2(D[::3]), S_err=0.01 * np.ones(4), d_err=0.002 * np.ones(4)),
                          dict(label="enum", d=D[::4], S=_h2(D[::4]) - 0.1, S_err=0.02 * np.ones(3))]),
        dict(title="symmetric:3", theory=[], notes=["theory: not available in this build"]),
    ]
    fig = plots.local_entropy_figure(panels)
    assert isinstance(fig, Figure)
    a, b = fig.axes[:2]
    assert fig.get_size_inches()[0] == pytest.approx(DOUBLE)
    for ax in (a, b):
        assert ax.get_xlabel() == LABELS["d"] and ax.get_ylabel() == LABELS["S_I"]
    assert a.get_title() == "binary"
    # alpha0 + 2 theory + 1 hollow set + FP = 5 plain lines; 2 errorbar containers with 4 and 3 points
    styles = [(ln.get_linestyle(), ln.get_marker()) for ln in _lines_with_data(a)]
    assert styles.count((":", "None")) == 1  # alpha = 0
    assert styles.count(("--", "None")) == 1  # Franz-Parisi
    hollow = [ln for ln in _lines_with_data(a) if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and len(hollow[0].get_xdata()) == 2
    # the non-converged points are not on the theory line (NaN there)
    y07 = [ln for ln in _lines_with_data(a) if ln.get_label().endswith(r"$\alpha=0.7$")][0].get_ydata()
    assert np.isnan(y07[3]) and np.isnan(y07[4]) and np.isfinite(y07[5])
    assert [len(c.lines[0].get_xdata()) for c in a.containers] == [4, 3]
    labels = a.get_legend_handles_labels()[1]
    assert "BP" in labels and "enum" in labels and r"$\alpha=0$" in labels
    assert any("not converged" in t.get_text() for t in a.texts)
    assert any("not available" in t.get_text() for t in b.texts)


def test_capacity_bits_figure():
    rows = [dict(states=f"symmetric:{L}", bits=math.log2(L), alpha_c=2 - 1.0 / L, converged=True,
                 alpha_U=0.75 if L <= 4 else None, alpha_U_converged=True) for L in range(2, 8)]
    rows += [dict(states=f"excitatory:{L}", bits=math.log2(L), alpha_c=1 - 0.4 / L, converged=L != 3) for L in range(2, 6)]
    fig = plots.capacity_bits_figure(rows)
    ax = fig.axes[0]
    assert fig.get_size_inches()[0] == pytest.approx(SINGLE)
    assert ax.get_xlabel() == LABELS["bits"] and ax.get_ylabel() == LABELS["capacity"]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert len(lines[r"$\alpha_c$, sym."].get_xdata()) == 6
    assert len(lines[r"$\alpha_U$, sym."].get_xdata()) == 3  # only the sets that have it
    hy = sorted(ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_label().startswith("continuous"))
    assert hy == [1.0, 2.0]
    exc = lines[r"$\alpha_c$, exc."].get_ydata()
    assert np.isnan(exc[1]) and np.isfinite(exc[0])  # non-converged excitatory:3 drawn hollow instead
    assert any(ln.get_markerfacecolor() == "white" for ln in ax.get_lines())


def test_external_entropy_and_entropy_figures(tmp_path):
    fig = plots.external_entropy_figure([_curve(0.5), _curve(0.7, y=5.0)], finite_y=[_curve(0.5, y=3.0)])
    a, b = fig.axes[:2]
    assert a.get_ylabel() == LABELS["Sigma"] and b.get_ylabel() == LABELS["S_I"]
    assert len([ln for ln in _lines_with_data(a) if ln.get_label().startswith("$y")]) == 2
    assert any(ln.get_label() == r"$y=5$, $\alpha=0.7$" for ln in a.get_lines())
    alphas = np.linspace(0, 1, 11)
    fig2 = plots.entropy_figure([dict(states="binary", alpha=alphas, s=np.log(2) - 0.83 * alphas, alpha_c=0.835),
                                 dict(states="symmetric:3", alpha=alphas, s=np.log(3) - alphas, alpha_c=1.0986)])
    ax = fig2.axes[0]
    assert ax.get_xlabel() == LABELS["alpha"] and ax.get_ylabel() == LABELS["s"]
    stars = [ln for ln in ax.get_lines() if ln.get_marker() == "*" and len(ln.get_xdata())]
    assert sorted(ln.get_xdata()[0] for ln in stars) == pytest.approx([0.835, 1.0986])
    paths = plots.save_figure(fig2, tmp_path / "sub" / "entropy")
    assert [p.name for p in paths] == ["entropy.pdf", "entropy.png"]
    assert paths[0].read_bytes()[:4] == b"%PDF" and paths[1].read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in (tmp_path / "sub").iterdir() if p.name.startswith(".")]  # no temp files left


def test_external_entropy_figure_skips_curves_without_sigma():
    """y → ∞ curves have Σ = NaN (not given at that order): left out of the Σ panel with a note, drawn
    in the S_I panel (solid, the finite-y curve of the same set dashed); nothing breaks on NaN."""
    inf = {**_curve(0.6), "Sigma": np.full_like(D, np.nan), "states": "binary"}
    fin = {**_curve(0.6, y=3.0, bad=(2,)), "states": "binary"}
    fin["Sigma"] = np.where(np.arange(len(D)) == 5, np.nan, fin["Sigma"])  # a NaN inside a finite-y curve
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.external_entropy_figure([inf, fin], finite_y=[fin, inf])
    a, b = fig.axes[:2]
    la = [ln.get_label() for ln in _lines_with_data(a) if ln.get_label().startswith("$y")]
    assert la == [r"$y=3$, $\alpha=0.6$"]
    assert any("without Σ omitted" in t.get_text() and "y → ∞" in t.get_text() for t in a.texts)
    lines = {ln.get_label(): ln for ln in _lines_with_data(b) if ln.get_label().startswith("$y")}
    assert set(lines) == {r"$y=3$, $\alpha=0.6$", r"$y\to\infty$, $\alpha=0.6$"}
    assert lines[r"$y\to\infty$, $\alpha=0.6$"].get_linestyle() == "-"
    assert lines[r"$y=3$, $\alpha=0.6$"].get_linestyle() == "--"
    assert lines[r"$y=3$, $\alpha=0.6$"].get_color() == lines[r"$y\to\infty$, $\alpha=0.6$"].get_color()
    # only y → ∞ curves: an empty Σ panel with the note, no error
    fig = plots.external_entropy_figure([inf])
    assert any("without Σ omitted" in t.get_text() for t in fig.axes[0].texts)


def test_external_entropy_figure_tells_the_y_of_one_set_apart():
    """The main job's binary panel: y = 1, 3, 10 and y → ∞ of one (set, α) share a colour and each has
    its own line style (y → ∞ solid; in the Σ panel, without y → ∞, the smallest y solid)."""
    inf = {**_curve(0.6), "Sigma": np.full_like(D, np.nan), "states": "binary"}
    fins = [{**_curve(0.6, y=y), "states": "binary"} for y in (10.0, 1.0, 3.0)]
    fig = plots.external_entropy_figure(fins, finite_y=fins + [inf])
    for ax, expected in zip(fig.axes[:2], ({"1": "-", "3": "--", "10": "-."},
                                           {"1": "--", "3": "-.", "10": ":", r"\infty": "-"})):
        lines = [ln for ln in _lines_with_data(ax) if ln.get_label().startswith("$y")]
        styles = {lab: ln.get_linestyle() for ln in lines for lab in expected
                  if ln.get_label().startswith(f"$y={lab}$") or ln.get_label().startswith(f"$y\\to{lab}$")}
        assert styles == expected, [(ln.get_label(), ln.get_linestyle()) for ln in lines]
        assert len({ln.get_color() for ln in lines}) == 1


def test_cache_roundtrip_version_and_corruption(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3) * 0.1, "y": math.inf, "n": np.int64(4)}

    key = {"kind": "demo", "states": "binary", "alpha": 0.5}
    v1 = cache.cached(tmp_path, key, compute)
    v2 = cache.cached(tmp_path, key, compute)
    assert v1 == v2 == {"x": [0.0, 0.1, 0.2], "y": math.inf, "n": 4} and len(calls) == 1
    path = cache.cache_path(tmp_path, key)
    stored = json.loads(path.read_text())
    assert stored["key"]["version"] and stored["key"]["alpha"] == 0.5  # the key is stored with the value
    # every parameter matters, including the version
    assert cache.cache_path(tmp_path, {**key, "alpha": 0.50001}) != path
    assert cache.cache_path(tmp_path, {**key, "version": "0.0.0"}) != path
    assert cache.key_hash({"a": 1, "b": (1.0, 2)}) == cache.key_hash({"b": [1.0, 2], "a": 1})
    # a corrupted file warns and is recomputed, never crashes
    path.write_text('{"key": {"kind": "de')
    with pytest.warns(cache.CacheWarning):
        v3 = cache.cached(tmp_path, key, compute)
    assert v3 == v1 and len(calls) == 2
    assert json.loads(path.read_text())["value"] == v1  # rewritten
    # a file holding another key (collision/tampering) is not trusted
    data = json.loads(path.read_text())
    data["key"]["alpha"] = 0.7
    path.write_text(json.dumps(data))
    with pytest.warns(cache.CacheWarning):
        cache.cached(tmp_path, key, compute)
    assert len(calls) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.cached(tmp_path, key, compute) == v1 and len(calls) == 3


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_silent_unless_terminal_or_asked():
    """numerics.figures.progress: a bar is drawn (counts and the last label) on a terminal or with
    progress=True; on a stream that is not a terminal (a file, a pipe, captured stderr) nothing is
    written unless asked; progress=False is silent even on a terminal."""
    from numerics.figures.progress import progress_bar, show_progress, step

    def run(stream, progress):
        with progress_bar(3, "capacity", stream, show_progress(progress, stream)) as bar:
            for lab in ("binary", "symmetric:3", "excitatory:2"):
                step(bar, lab)
        return stream.getvalue()

    assert run(io.StringIO(), None) == ""
    assert run(_Terminal(), False) == ""
    for stream, progress in ((io.StringIO(), True), (_Terminal(), None)):
        out = run(stream, progress)
        assert "capacity" in out and "3/3" in out and "excitatory:2" in out, out
    closed = io.StringIO()
    closed.close()
    assert show_progress(None, closed) is False and show_progress(None, object()) is False
