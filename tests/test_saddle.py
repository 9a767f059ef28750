"""The saddle-point iterator's Newton–Broyden stage (numerics.solver.saddle) on residuals with a known root."""
import math

import numpy as np

from numerics.solver.saddle import SaddleProblem


def _bare(residual):
    """A SaddleProblem whose residual in the solver's coordinates is ``residual`` (no functional)."""
    p = SaddleProblem.__new__(SaddleProblem)
    p._residual_u = residual
    return p


def test_newton_finds_a_root_and_gives_up_when_it_crawls():
    """Newton–Broyden converges quadratically on a smooth residual (root of u² − 2 and u1 + u0 = 0);
    on r(u) = sign(u)|u|^0.1 (root 0, where r' blows up) every backtracked step cuts |r| by only
    ~19 %: with ``stall`` = 4 it rebuilds the Jacobian once, then gives up after 4 more such steps and
    says so (the solver then hands over to hybr), instead of crawling through all its iterations."""
    smooth = _bare(lambda u: np.array([u[0] ** 2 - 2.0, u[1] + u[0]]))
    msgs = []
    u, nr, _, evals, ok = smooth._newton(np.array([1.0, 0.0]), None, 1e-12, 60, msgs, stall=4)
    assert ok and abs(u[0] - math.sqrt(2)) < 1e-12 and abs(u[1] + math.sqrt(2)) < 1e-12 and evals < 30, (u, evals)

    crawl = _bare(lambda u: np.sign(u) * np.abs(u) ** 0.1)
    msgs = []
    *_, ev_stall, ok = crawl._newton(np.array([1.0]), None, 1e-12, 60, msgs, stall=4)
    assert not ok and any("stalled" in m for m in msgs), msgs
    msgs_free = []
    *_, ev_free, ok_free = crawl._newton(np.array([1.0]), None, 1e-12, 60, msgs_free)
    assert not ok_free and not any("stalled" in m for m in msgs_free)
    assert ev_stall < ev_free / 3, (ev_stall, ev_free)


# -- the inner one-dimensional root (numerics.solver.inner_root) -----------------------------------------
def _counted(g):
    calls = []

    def f(t):
        calls.append(t)
        return g(t)
    return f, calls


def test_inner_root_finds_the_root_of_a_monotone_function():
    """g(t) = e^{−t} − 1/2 has its root at ln 2: found to 1e-12 from t0 = 0 (secant steps) and from
    t0 = 5 (where the secant steps are clipped to 1 + |t|); g(t) = 2.2 − t, undefined (NaN) beyond
    t = 2.5, from t0 = 0; and the expanding bracket alone finds 2.2 too."""
    from numerics.solver.inner_root import expand_bracket, inner_root

    for t0 in (0.0, 5.0):
        r = inner_root(lambda t: math.exp(-t) - 0.5, t0)
        assert not r.jump and abs(r.t - math.log(2)) < 1e-12, (t0, r)
    edge = lambda t: 2.2 - t if t < 2.5 else math.nan  # noqa: E731
    r = inner_root(edge, 0.0)
    assert not r.jump and abs(r.t - 2.2) < 1e-12, r
    r = expand_bracket(lambda t: 2.2 - t, 0.0, 2.2)
    assert r is not None and not r.jump and abs(r.t - 2.2) < 1e-12, r


def test_inner_root_reports_a_jump_for_a_step_function_and_keeps_t0_without_a_root():
    """g = +1 below t = 0.3 and −1 above it jumps through 0: the search stops on a bracket around 0.3
    of at most 1e-6 (1 + |t|) (|g| = 1 there, above 1e-3: the coarse test, the same slope 1e3 as
    1e-9 wide with |g| > 1e-6; in ~20 evaluations, where Brent to 1e-13 took ~50), returns its end,
    and says it is a jump; a jump of size 1e-5 needs the fine test, 1e-9 wide.  g = 1 + t² (no root)
    and g = NaN give back t0."""
    from numerics.solver.inner_root import COARSE, JUMP_WIDTH, inner_root, is_jump

    for size, width, most in ((1.0, COARSE * JUMP_WIDTH, 25), (1e-5, JUMP_WIDTH, 40)):
        step = lambda t, a=size: a if t < 0.3 else -a  # noqa: E731
        g, calls = _counted(step)
        r = inner_root(g, 0.0)
        t1, t2 = r.bracket
        assert r.jump and r.t in (t1, t2) and min(t1, t2) < 0.3 <= max(t1, t2), r
        assert abs(t1 - t2) <= width * (1 + abs(r.t)) and is_jump(step(t1), step(t2))
        assert len(calls) < most, len(calls)
    for g0 in (lambda t: 1.0 + t * t, lambda t: math.nan):
        r = inner_root(g0, 0.5)
        assert r.t == 0.5 and not r.jump, r


# -- the strategies (numerics.solver.strategies) -------------------------------------------------------
def test_damped_step_stays_in_the_domain():
    """x ← (1 − e) x + e x' with e = η, η/2, … : from q = 0.9 towards q' = 1.5 in the domain q < 1,
    η = 0.8: e = 0.8, 0.4, 0.2 leave it (q = 1.38, 1.14, 1.02), e = 0.1 is the first proposal inside
    (q = 0.96); other entries are kept.  A domain that nothing enters gives None.  The step fraction
    is cut ×0.7 (not below 0.05) only when the step grew."""
    from numerics.solver.strategies import damped_proposal, slow_down

    x, xnew = {"q": 0.9, "S": 7.0}, {"q": 1.5}
    prop = damped_proposal(x, xnew, 0.8, ["q"], lambda p: p["q"] < 1.0)
    assert prop == {"q": (1 - 0.1) * 0.9 + 0.1 * 1.5, "S": 7.0}, prop
    assert abs(prop["q"] - 0.96) < 1e-15
    assert damped_proposal(x, xnew, 0.8, ["q"], lambda p: False) is None
    assert slow_down(0.5, 2.0, 1.0) == 0.35 and slow_down(0.06, 2.0, 1.0) == 0.05
    assert slow_down(0.5, 1.0, 2.0) == 0.5


def test_broyden_update_meets_the_secant_condition():
    """J ← J + (Δr − J s) sᵀ / sᵀs: the new J maps s to Δr and is unchanged on vectors ⊥ s."""
    from numerics.solver.strategies import broyden_update

    rng = np.random.default_rng(3)
    J, s, dr = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)
    Jn = broyden_update(J, s, dr)
    assert np.allclose(Jn @ s, dr, atol=1e-13)
    w = np.cross(s, rng.normal(size=3))  # ⊥ s
    assert np.allclose(Jn @ w, J @ w, atol=1e-13)


def test_stall_rule_rebuilds_once_then_gives_up():
    """k = 2 slow steps (each cutting max|r| by < 30 %) in a row: "rebuild" the first time, counted
    afresh, then "give up"; a fast step resets the count; k = None never fires."""
    from numerics.solver.strategies import StallRule

    rule = StallRule(2)
    verdicts = [rule.after_step(new, 1.0) for new in (0.9, 0.5, 0.9, 0.9, 0.9, 0.9)]
    assert verdicts == [None, None, None, "rebuild", None, "give up"], verdicts
    never = StallRule(None)
    assert all(never.after_step(0.99, 1.0) is None for _ in range(10))


# -- the whole solve on a made-up functional -------------------------------------------------------------
class _Derived:
    """One order parameter q with the map q' = 1/2 + q/4 and one free conjugate Sh with the
    equation g(Sh, q) = 0; Φ's gradient is (q' − q, g)."""

    names = {"order": ["q"], "paired_order": ["q"], "conjugates": ["Sh"], "paired_conjugates": [], "extremised": []}

    def __init__(self, g):
        self.g = g

    def energetic(self, vals, nodes):
        return {}

    def entropic(self, vals, nodes):
        return {"new_q": 0.5 + 0.25 * vals["q"], "res_Sh": self.g(vals["Sh"], vals["q"])}

    def full(self, vals, nodes):
        q, Sh = vals["q"], vals["Sh"]
        return {"phi": q * Sh, "grad_q": 0.5 + 0.25 * q - q, "grad_Sh": self.g(Sh, q)}


def _made_up(g):
    from numerics.solver.saddle import Parametrisation

    param = Parametrisation(["q", "Sh"], lambda x: np.array([math.log(x["q"]), x["Sh"]]),
                            lambda u: {"q": math.exp(u[0]), "Sh": float(u[1])})
    return SaddleProblem(_Derived(g), lambda vals, step: {}, param, {}, inner_roots=True)


def test_solve_finds_the_fixed_point_of_a_made_up_functional():
    """q' = 1/2 + q/4 and Sh = q: the saddle point is q = Sh = 2/3, found with its diagnostics."""
    p = _made_up(lambda Sh, q: q - Sh)
    res = p.solve({"q": 0.2, "Sh": 0.0})
    assert res.converged and res.message == "converged" and res.residual < 1e-8, res
    assert abs(res.params["q"] - 2 / 3) < 1e-10 and abs(res.params["Sh"] - 2 / 3) < 1e-10
    assert res.iterations > 0 and p.evaluations >= res.iterations and p.jacobian is not None
    assert not p.stopped_at_jump


def test_solve_stops_where_the_free_conjugate_jumps_through_zero():
    """g = +1 for Sh < 0 and −1 above (no root): Newton and hybr fail, the damped fallback is
    pinned at Sh = 0 and stops after two sweeps with a message instead of running its maxiter
    sweeps; the result is not converged and says why."""
    p = _made_up(lambda Sh, q: 1.0 if Sh < 0 else -1.0)
    res = p.solve({"q": 0.2, "Sh": 0.5}, maxiter=400)
    assert not res.converged and p.stopped_at_jump and res.residual >= 1.0, res
    assert "jumped through 0" in res.message and "Sh" in res.message, res.message
    assert abs(res.params["Sh"]) < 1e-8 and res.iterations < 100, res


def test_secant_stationary_finds_the_maximum_and_reports_failures():
    """numerics.solver.continuation.secant_stationary (the optimal-bias searches): on g(x) = 4 − x², the
    derivative of Φ = 4x − x³/3, from x0 = 0 it steps uphill (+0.05, g > 0) and reaches the maximum at
    x = 2 to the tolerance; a failed evaluation stops it with status "failed", a NaN with "not finite", and
    a budget of two evaluations on g = 1 (no root) ends in "maxiter" after exactly two."""
    from numerics.solver.continuation import secant_stationary

    calls = []

    def g(x):
        calls.append(x)
        return 4.0 - x * x, {"x": x}

    r = secant_stationary(g, 0.0, tol=1e-12, maxiter=40)
    assert r.status == "found" and abs(r.x - 2.0) < 1e-12 and r.result == {"x": r.x}
    assert calls[1] == 0.05 and r.evaluations == len(calls)
    assert secant_stationary(lambda x: (None, "fail"), 0.0, tol=1e-9, maxiter=5).status == "failed"
    assert secant_stationary(lambda x: (float("nan"), None), 0.0, tol=1e-9, maxiter=5).status == "not finite"
    n = []
    r = secant_stationary(lambda x: (n.append(x) or 1.0, None), 0.0, tol=1e-9, maxiter=2)
    assert r.status == "maxiter" and len(n) == 2 and r.evaluations == 2
