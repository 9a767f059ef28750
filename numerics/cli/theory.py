"""``fewbits entropy`` and ``fewbits capacity``: the equilibrium theory from the command line."""
from __future__ import annotations

import argparse
import math

from theory.states import parse_states

__all__ = ["register", "add_model_arguments", "parse_bias", "finite_float"]


def finite_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return v


def nonnegative_float(text: str, allowed: str) -> float:
    """A finite number >= 0 from an option's text; otherwise argparse's error "must be ``allowed``"."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
    return v


def kappa_float(text: str) -> float:
    """--kappa: a finite number >= 0 (the theory's range), so that argparse's error names the option."""
    return nonnegative_float(text, "a finite number in [0, inf)")


def _unit_interval(text: str, meaning: str) -> float:
    """A number in the open interval (0, 1), or argparse's error (which names the option) with ``meaning``."""
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (0.0 < v < 1.0):
        raise argparse.ArgumentTypeError(f"must be in (0, 1) ({meaning}), got {text!r}")
    return v


def f_out_float(text: str) -> float:
    """--fout: the output coding level f_out = P(σ = +1), a number in the open interval (0, 1)."""
    return _unit_interval(text, "f_out = P(sigma = +1)")


def parse_bias(text: str):
    return "optimal" if text == "optimal" else finite_float(text)


def input_coding_level(text: str) -> float:
    """--f: the input coding level of 0/1 inputs, a number in the open interval (0, 1)."""
    return _unit_interval(text, "the fraction of active 0/1 inputs")


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """--inputs pm1|01 and --f (numerics.problems.inputs)."""
    p.add_argument("--inputs", choices=["pm1", "01"], default="pm1",
                   help="input model: ±1 (default) or 0/1 with coding level --f and the optimal threshold "
                        "(mapped onto the ±1 theory: kappa/sqrt(f(1-f)), bias optimal)")
    p.add_argument("--f", type=input_coding_level, default=None, help="with --inputs 01: the input coding level in (0, 1)")


def apply_inputs(args) -> None:
    """Replace args.kappa and args.bias by the ±1 theory's for the input model (an error names the argument)."""
    from ..problems.inputs import input_model

    if getattr(args, "inputs", "pm1") == "pm1" and getattr(args, "f", None) is None:
        return
    m = input_model(args.inputs, args.f, args.kappa, args.bias,
                    names={"inputs": "--inputs", "f": "--f", "bias": "--bias", "zero_one": "--inputs 01"})
    args.kappa, args.bias = m["kappa"], m["bias"]


def add_model_arguments(p: argparse.ArgumentParser, bias: bool = True) -> None:
    p.add_argument("--states", required=True, help="state set: binary, symmetric:L, excitatory:L, values:v1,v2[@w1,w2]")
    p.add_argument("--kappa", type=kappa_float, default=0.0, help="stability threshold κ ≥ 0 (default 0)")
    p.add_argument("--fout", type=f_out_float, default=0.5, help="output coding level P(σ=+1) in (0, 1) (default 0.5)")
    if bias:
        p.add_argument("--bias", type=parse_bias, default=0.0, help="bias b, or 'optimal' (default 0)")
        add_input_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


ABOVE_CAPACITY_HELP = ("report a load above the capacity α_c (where the RS entropy is negative and no "
                       "solutions exist as N → ∞) with exit 0 instead of 1")


def above_capacity(s_eq: float, alpha: float, allowed: bool) -> int:
    """Exit status for a load whose equilibrium entropy is ``s_eq``: 1 (and a line on stderr) when it is
    negative, i.e. α is above α_c, unless ``allowed`` (``--above-capacity``); else 0."""
    if not (s_eq < 0):
        return 0
    import sys

    print(f"fewbits: alpha = {alpha:g} is above the capacity: the equilibrium entropy is negative "
          f"(s = {s_eq:.4g}), so no solutions exist there as N → ∞; the numbers above are the RS saddle point "
          f"continued past alpha_c (pass --above-capacity to accept them with exit 0)", file=sys.stderr)
    return 0 if allowed else 1


def _table(rows, header):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(header, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(str(c).rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def _cmd_entropy(args) -> int:
    from . import dump_json
    from ..problems.equilibrium import solve_equilibrium

    states = parse_states(args.states)
    apply_inputs(args)
    r = solve_equilibrium(states, args.alpha, kappa=args.kappa, f_out=args.fout, bias=args.bias)
    nan = math.nan  # a saddle that failed early has no conjugates/parts: reported as NaN, not a KeyError
    out = {"states": states.name, "alpha": args.alpha, "kappa": args.kappa, "f_out": args.fout,
           "inputs": args.inputs, "f": args.f,
           "bias": r.params.get("b", nan), "entropy": r.value, "q": r.params.get("q", nan),
           "Q": r.params.get("Q", nan), "A": r.conjugates.get("A", nan), "qhat": r.conjugates.get("qhat", nan),
           "dentropy_dalpha": r.parts.get("G_E", nan),
           "converged": r.converged, "residual": r.residual, "iterations": r.iterations,
           "message": r.message}
    if args.json:
        print(dump_json(out))
    else:
        print(f"equilibrium entropy, states {states.name}, alpha={args.alpha:g}, kappa={args.kappa:g}, "
              f"f_out={args.fout:g}, bias={out['bias']:.6g}")
        for k in ("entropy", "q", "Q", "A", "qhat", "dentropy_dalpha", "residual", "iterations"):
            print(f"  {k:16s} {out[k]:.10g}" if isinstance(out[k], float) else f"  {k:16s} {out[k]}")
        print(f"  {'status':16s} {r.message}")
    if not r.converged:
        return 1
    return above_capacity(r.value, args.alpha, args.above_capacity)


def _cmd_capacity(args) -> int:
    from . import dump_json
    from ..problems.equilibrium import capacity

    results = []
    apply_inputs(args)
    for s in args.states.split(";") if ";" in args.states else [args.states]:
        states = parse_states(s.strip())
        c = capacity(states, kappa=args.kappa, f_out=args.fout, bias=args.bias)
        d = c.as_dict()
        d.update(bits=states.bits, L=states.L, kappa=args.kappa, f_out=args.fout, inputs=args.inputs, f=args.f)
        results.append(d)
    if args.json:
        print(dump_json({"results": results}))  # the same shape for one state set and for several
    else:
        rows = [(d["states"], d["L"], f"{d['bits']:.3f}", f"{d['alpha_c']:.7f}", f"{d['q']:.5f}",
                 f"{d['Q']:.5f}", "yes" if d["converged"] else "NO") for d in results]
        print(f"RS capacity alpha_c (root of s(alpha) = 0), kappa={args.kappa:g}, f_out={args.fout:g}")
        print(_table(rows, ["states", "L", "bits", "alpha_c", "q", "Q", "converged"]))
    return 0 if all(d["converged"] for d in results) else 1


def register(sub) -> None:
    p = sub.add_parser("entropy", help="RS equilibrium entropy s(alpha) and order parameters",
                       description="Replica-symmetric equilibrium entropy of the perceptron with the given "
                                   "synaptic states (physics.md §2). Exit 1 if the saddle point did not converge.")
    add_model_arguments(p)
    p.add_argument("--above-capacity", action="store_true", help=ABOVE_CAPACITY_HELP)
    p.add_argument("--alpha", type=finite_float, required=True, help="load α = M/N ≥ 0")
    p.set_defaults(func=_cmd_entropy)

    p = sub.add_parser("capacity", help="RS capacity alpha_c, the root of s(alpha) = 0",
                       description="Capacity α_c where the RS entropy vanishes. Several state sets may be "
                                   "given separated by ';'. --json prints {\"results\": [one object per set]}. "
                                   "Exit 1 if any did not converge.")
    add_model_arguments(p)
    p.set_defaults(func=_cmd_capacity)
