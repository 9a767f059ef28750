"""Symbolic building blocks of the replica free entropies, with their own differentiation rules.

Every free entropy of fewbits is a sympy expression made of ordinary algebra in the order parameters
and three kinds of special atoms:

``LogSum(E, v)``
    ``log Σ_v μ(v) exp(E)`` over a *bound variable* ``v`` carrying a measure μ: the synaptic states
    with their prior weights (a sum), or a standard Gaussian (an integral ``∫Dv``).  The measure is
    not normalised (for states, ``LogSum(0, W) = log Σ_k π_k``).
``Avg(f, E, v)``
    the tilted average ``Σ_v μ(v) f e^E / Σ_v μ(v) e^E``.  With ``E = 0`` over a Gaussian variable it
    is a plain Gaussian expectation ``E_z f``: that is how the outer averages over the quenched fields
    are written (see :func:`gauss`).
``LogH(x)``, ``GH(x)``
    ``log H(x)`` with ``H(x) = ∫_x^∞ Dz``, and the ratio ``G(x)/H(x)`` (``G`` the standard normal
    density).  Numerically ``log_ndtr(-x)`` and ``sqrt(2/π)/erfcx(x/√2)``: stable for any real x.

Differentiation rules (``sympy.diff`` applies them):

    ∂ LogSum(E, v)  = Avg(∂E, E, v)
    ∂ Avg(f, E, v)  = Avg(∂f, E, v) + Avg(f ∂E, E, v) − Avg(f, E, v) Avg(∂E, E, v)
    ∂ LogH(x)       = −GH(x) ∂x
    ∂ GH(x)         = GH(x) (GH(x) − x) ∂x

``Avg`` is linear and pulls out factors that do not depend on its bound variable, so derived
expressions come out as polynomials in tilted moments such as ``Avg(W**2, E, W)``.
:func:`integrate_by_parts` applies ``E_z[z X(z)] = E_z[∂_z X(z)]`` (Stein's lemma) to every outer
Gaussian average, which turns ``∂_q̂ E_z log Z`` into the familiar ``½ E_z(⟨W²⟩ − ⟨W⟩²)``.
"""
from __future__ import annotations

import sympy as sp

__all__ = ["LogSum", "Avg", "LogH", "GH", "Neq", "Tied", "gauss", "integrate_by_parts", "special_atoms", "distribute"]


class LogH(sp.Function):
    """log H(x), H(x) = ½ erfc(x/√2)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return -GH(self.args[0])


class GH(sp.Function):
    """G(x)/H(x): standard normal density over its upper tail (the inverse Mills ratio)."""

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return GH(x) * (GH(x) - x)


class Neq(sp.Function):
    """1[a ≠ b] for two synaptic values (numerically ``a != b``); its derivatives vanish."""

    nargs = 2

    def fdiff(self, argindex=1):
        return sp.S.Zero


class Tied(sp.Function):
    """x itself, except that |x| < 2⁻⁴⁰ becomes exactly 0 (numerically ``where(|x| < 2**-40, 0, x)``);
    its derivative is 1.

    For an objective maximised over discrete values that is a sum c(x) + s(x) of a part c of order
    one, which ties between several values (the ± values of a symmetric set) and vanishes at the
    maximum up to rounding, and a small part s that breaks the tie: c + s rounds s to the ulp of
    c's rounding residue (~1e-16), so where s is below that (s ~ 1e-32 at δq ~ 1e31 in the y → ∞
    reference objective) the maximiser saw ties and took the first value.  Tied(c) + s is s
    exactly where c is a residue; values of c further from 0 than 2⁻⁴⁰ ≈ 9e-13 are unchanged."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.S.One


def _split_independent(f, v):
    """f = c * g with c free of v (c, g sympy expressions)."""
    if isinstance(f, sp.Mul):
        c, g = [], []
        for a in f.args:
            (g if a.has(v) else c).append(a)
        return sp.Mul(*c), sp.Mul(*g)
    if f.has(v):
        return sp.S.One, f
    return f, sp.S.One


class Avg(sp.Function):
    """Avg(f, E, v): average of f over the bound variable v in the measure μ(v) e^E, normalised."""

    nargs = 3

    @classmethod
    def eval(cls, f, E, v):
        if not f.has(v):
            return f
        if isinstance(f, sp.Add):
            return sp.Add(*[cls(a, E, v) for a in f.args])
        c, g = _split_independent(f, v)
        if c != 1:
            return c * cls(g, E, v)
        return None

    def _eval_derivative(self, s):
        f, E, v = self.args
        df, dE = sp.diff(f, s), sp.diff(E, s)
        out = Avg(df, E, v)
        if dE != 0:
            out += Avg(f * dE, E, v) - self * Avg(dE, E, v)
        return out

    @property
    def variable(self):
        return self.args[2]


class LogSum(sp.Function):
    """LogSum(E, v) = log Σ_v μ(v) e^E (sum over states or Gaussian integral over v)."""

    nargs = 2

    def _eval_derivative(self, s):
        E, v = self.args
        dE = sp.diff(E, s)
        if dE == 0:
            return sp.S.Zero
        return Avg(dE, E, v)

    @property
    def variable(self):
        return self.args[1]


def gauss(f, z):
    """The Gaussian expectation E_z f, written as Avg(f, 0, z) (z must carry a Gaussian measure)."""
    return Avg(f, sp.S.Zero, z)


def special_atoms(expr, types=None):
    """The outermost nodes of the given types (default Avg/LogSum) in expr, not nested in another."""
    types = types or (Avg, LogSum)
    found = []

    def walk(e):
        if isinstance(e, types):
            if e not in found:
                found.append(e)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return found


def _ibp_term(t, z):
    """E_z[z^k X] -> E_z[∂_z (z^{k-1} X)] for one additive term t (k ≥ 1), recursively."""
    k = 0
    rest = []
    for a in sp.Mul.make_args(t):
        if a == z:
            k += 1
        elif isinstance(a, sp.Pow) and a.base == z and a.exp.is_Integer and a.exp > 0:
            k += int(a.exp)
        else:
            rest.append(a)
    if k == 0:
        return t
    X = sp.Mul(*rest) * z ** (k - 1)
    return sp.diff(X, z)


def integrate_by_parts(expr, gaussian_vars):
    """Apply Stein's lemma E_z[z X] = E_z[∂_z X] inside every outer Gaussian average Avg(·, 0, z).

    ``gaussian_vars`` are the bound variables with a standard Gaussian measure.  Only averages with
    ``E = 0`` (plain expectations) are transformed, once (see the comment inside).
    """
    gaussian_vars = set(gaussian_vars)

    def transform(e):
        if isinstance(e, Avg):
            f, E, v = e.args
            if E == 0 and v in gaussian_vars:
                f = transform(f)
                # one pass: terms with an explicit factor z^k become E[∂_z(z^{k-1} X)].  A single pass
                # is enough to remove the 1/sqrt(q) singular factors that differentiating sqrt(q)*z
                # creates; a second one would act on z's exposed inside the derivative and need not
                # terminate.
                terms = sp.Add.make_args(sp.expand_mul(f, deep=False))
                new = sp.Add(*[_ibp_term(t, v) for t in terms])
                return Avg(new, E, v)
            return e
        if not e.args:
            return e
        return e.func(*[transform(a) for a in e.args])

    return distribute(transform(expr))


def distribute(expr):
    """Multiply out products over sums, treating every function application as an opaque atom.

    This is what lets factors such as ``sqrt(qhat) * qhat**(-1/2)`` cancel after integration by
    parts (no 0/0 at qhat = 0), without rewriting the arguments of Avg/LogSum/LogH (which would
    defeat the sharing of identical atoms at evaluation time).
    """
    funcs = {}

    def collect(e):
        if isinstance(e, sp.Function) or isinstance(e, sp.core.function.AppliedUndef):
            funcs.setdefault(e, sp.Dummy("F"))
            return
        for a in e.args:
            collect(a)

    collect(expr)
    back = {d: f for f, d in funcs.items()}
    return sp.expand_mul(expr.xreplace(funcs)).xreplace(back)
