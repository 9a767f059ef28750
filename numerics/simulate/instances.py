"""Random perceptron instances, the storage condition, and the ``.npz`` file format.

Two input models (physics.md §1):

``pm1``
    ``xi[mu, i] = +-1`` uniform.  ``W`` stores pattern mu when
    ``labels[mu] * (patterns[mu] @ W / sqrt(N) + bias) > kappa``.
``01``
    ``xi[mu, i] in {0, 1}`` with ``P(xi = 1) = f`` (coding level).  ``W`` stores pattern mu when
    ``labels[mu] * (patterns[mu] @ W - threshold) / sqrt(N f (1 - f)) > kappa``.
    Default threshold: ``threshold = f * N * <s>_pi``, the value of ``f * sum_i W_i`` for a ``W`` drawn
    from the prior (``<s>_pi`` is the prior-weighted mean of the state values).  This is the constant
    that makes ``sum_i xi_i W_i - threshold`` equal to the centred field ``sum_i (xi_i - f) W_i`` for
    configurations with the typical ``sum_i W_i``; it is stored in the file, never recomputed.

The inequality is **strict** (``>``): at ``kappa = 0`` a pattern whose field is exactly zero is not
stored.  Such ties happen for synapse sets containing 0 or for even N; binary examples use odd N.

Both models are written as ``labels * (x @ W + offset) > kappa`` with the scaled inputs
``x = patterns / scale`` (``scale = sqrt(N)`` or ``sqrt(N f (1 - f))``) and ``offset = bias`` or
``-threshold / scale``; :func:`Instance.linear_form` returns ``(x, offset)`` for the solvers and BP.
For exact decisions (ties), :meth:`Instance.margins` compares the raw field ``patterns @ W`` (exact
for dyadic state values) with a per-pattern real threshold, see :meth:`Instance.raw_thresholds`.

File format (``.npz``, written atomically through a temporary file and ``os.replace``):
``patterns`` (M x N int8), ``labels`` (M int8, +-1), ``states`` and ``prior`` (float64, length L),
``states_name`` (str), ``kappa``, ``bias``, ``threshold``, ``f``, ``f_out`` (float64 scalars),
``input_model`` ("pm1" or "01"), ``seed`` (int64), ``version`` (str, the package version).
:func:`load_instance` reads any integer or boolean dtype for patterns and labels, and needs only
``patterns``, ``labels`` and ``states``: the other fields have the defaults listed there.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from theory.states import StateSet

__all__ = ["Instance", "generate", "load_instance", "save_instance", "atomic_save_npy",
           "load_configuration", "INPUT_MODELS"]

INPUT_MODELS = ("pm1", "01")
TIE_TOL = 1e-9
_SCALARS = ("kappa", "bias", "threshold", "f", "f_out")


@dataclass(frozen=True)
class Instance:
    """One perceptron instance (patterns, labels, synapse set and storage condition)."""

    patterns: np.ndarray
    labels: np.ndarray
    states: StateSet
    kappa: float = 0.0
    bias: float = 0.0
    threshold: float = 0.0
    f: float = 0.5
    f_out: float = 0.5
    input_model: str = "pm1"
    seed: int = -1
    version: str = ""
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def M(self) -> int:
        return int(self.patterns.shape[0])

    @property
    def N(self) -> int:
        return int(self.patterns.shape[1])

    @property
    def alpha(self) -> float:
        return self.M / self.N

    @property
    def scale(self) -> float:
        """Normalisation of the field: sqrt(N) for +-1 inputs, sqrt(N f (1-f)) for 0/1 inputs."""
        if self.input_model == "pm1":
            return math.sqrt(self.N)
        return math.sqrt(self.N * self.f * (1.0 - self.f))

    @property
    def offset(self) -> float:
        """Constant added to ``x @ W``: the bias (pm1) or ``-threshold / scale`` (01)."""
        return self.bias if self.input_model == "pm1" else -self.threshold / self.scale

    def linear_form(self):
        """``(x, offset)`` with ``x = patterns / scale`` (float64, M x N): stored iff labels*(x@W+offset) > kappa."""
        return self.patterns.astype(np.float64) / self.scale, self.offset

    def raw_thresholds(self) -> np.ndarray:
        """T (length M) such that pattern mu is stored iff ``labels[mu] * (patterns[mu] @ W) > T[mu]``.

        pm1: ``T = (kappa - labels * bias) * sqrt(N)``;  01: ``T = labels * threshold + kappa * scale``.
        """
        lab = self.labels.astype(np.float64)
        if self.input_model == "pm1":
            return (self.kappa - lab * self.bias) * self.scale
        return lab * self.threshold + self.kappa * self.scale

    def margins(self, W) -> np.ndarray:
        """``labels * field - kappa`` per pattern (the stability minus kappa, > 0 means stored).

        Ties are decided on the raw field, so a margin that is exactly zero in exact arithmetic is
        returned as 0 (not stored); a raw difference within ``TIE_TOL * max(1, |T|)`` counts as a tie."""
        W = np.asarray(W, dtype=np.float64)
        if W.ndim != 1 or W.shape[0] != self.N:
            raise ValueError(f"configuration: expected a vector of length N={self.N}, got shape {W.shape}")
        raw = self.labels.astype(np.float64) * (self.patterns.astype(np.float64) @ W)
        T = self.raw_thresholds()
        diff = raw - T
        diff[np.abs(diff) <= TIE_TOL * np.maximum(1.0, np.abs(T))] = 0.0  # exact ties: not stored
        return diff / self.scale

    def n_errors(self, W) -> int:
        """Number of patterns not stored by W (strict inequality)."""
        return int(np.count_nonzero(self.margins(W) <= 0))

    def is_solution(self, W) -> bool:
        return self.n_errors(W) == 0

    def to_arrays(self) -> dict:
        from numerics import __version__

        return {
            "patterns": self.patterns.astype(np.int8),
            "labels": self.labels.astype(np.int8),
            "states": self.states.array,
            "prior": np.asarray(self.states.prior, dtype=np.float64),
            "states_name": np.array(self.states.name),
            "kappa": np.float64(self.kappa), "bias": np.float64(self.bias),
            "threshold": np.float64(self.threshold), "f": np.float64(self.f),
            "f_out": np.float64(self.f_out),
            "input_model": np.array(self.input_model),
            "seed": np.int64(self.seed),
            "version": np.array(self.version or __version__),
        }


def _check_real(name, x, lo=None, hi=None, lo_open=False, hi_open=False):
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a real number, got {x!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name}: must be finite, got {x}")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise ValueError(f"{name}: must be {'>' if lo_open else '>='} {lo}, got {x}")
    if hi is not None and (x > hi or (hi_open and x == hi)):
        raise ValueError(f"{name}: must be {'<' if hi_open else '<='} {hi}, got {x}")
    return x


def generate(states, N: int, alpha: float, seed: int, inputs: str = "pm1", f: float = 0.5,
             kappa: float = 0.0, f_out: float = 0.5, bias: float = 0.0, threshold: float | None = None,
             M: int | None = None) -> Instance:
    """A random instance: ``M = round(alpha N)`` patterns, i.i.d. inputs and labels.

    Random stream (numpy ``default_rng(seed)``): patterns first (M x N), then labels; labels are +1 with
    probability ``f_out``.  Same arguments, same instance.  Ranges (those of the theory): N >= 1,
    alpha >= 0 finite, kappa >= 0 finite, f_out and f in (0, 1), bias finite.
    """
    S = StateSet.parse(states)
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N: must be an integer >= 1, got {N!r}")
    N = int(N)
    alpha = _check_real("alpha", alpha, lo=0.0)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be an integer >= 0, got {seed!r}")
    if inputs not in INPUT_MODELS:
        raise ValueError(f"inputs: must be one of {', '.join(INPUT_MODELS)}, got {inputs!r}")
    f = _check_real("f", f, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    kappa = _check_real("kappa", kappa, lo=0.0)  # the theory's range: kappa >= 0, f_out in (0, 1)
    f_out = _check_real("f_out", f_out, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    bias = _check_real("bias", bias)
    if M is None:
        M = int(round(alpha * N))
    rng = np.random.default_rng(int(seed))
    if inputs == "pm1":
        patterns = np.where(rng.random((M, N)) < 0.5, 1, -1).astype(np.int8)
        threshold = 0.0
    else:
        patterns = (rng.random((M, N)) < f).astype(np.int8)
        if threshold is None:
            w = np.asarray(S.prior) / sum(S.prior)
            threshold = f * N * float(np.dot(w, S.array))
        threshold = _check_real("threshold", threshold)
        bias = 0.0
    labels = np.where(rng.random(M) < f_out, 1, -1).astype(np.int8)
    from numerics import __version__

    return Instance(patterns, labels, S, kappa=kappa, bias=bias, threshold=float(threshold), f=f,
                    f_out=f_out, input_model=inputs, seed=int(seed), version=__version__)


# ---------------------------------------------------------------------------------------------
# files


def _atomic_write(path: str, writer, force: bool):
    path = os.fspath(path)
    if os.path.exists(path) and not force:
        raise FileExistsError(f"{path}: exists; use --force to overwrite")
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise FileNotFoundError(f"{path}: directory {d} does not exist")
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_instance(inst: Instance, path, force: bool = False) -> None:
    """Write ``inst`` to ``path`` (.npz) atomically; refuse to overwrite unless ``force``."""
    arrays = inst.to_arrays()
    _atomic_write(path, lambda fh: np.savez(fh, **arrays), force)


def atomic_save_npy(path, array, force: bool = False) -> None:
    """Write one array as ``.npy`` atomically; refuse to overwrite unless ``force``."""
    arr = np.asarray(array)
    _atomic_write(path, lambda fh: np.save(fh, arr), force)


def _sniff(path: str, what: str, want: str) -> None:
    """Refuse a file that is not the kind of numpy file expected (``want`` = "npz" or "npy") with a message
    that says what it is, instead of numpy's 'allow_pickle' error for anything unrecognised."""
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a folder, not {what}")
    with open(path, "rb") as fh:
        head = fh.read(6)
    kind = "npz" if head[:2] == b"PK" else "npy" if head == b"\x93NUMPY" else None
    if kind == want:
        return
    if kind is None:
        raise ValueError(f"{path}: not {what}: the file is neither an .npz archive nor an .npy array "
                         f"(it starts with {head!r})")
    raise ValueError(f"{path}: not {what}: the file is an .{kind} " + ("archive" if kind == "npz" else "array")
                     + f", {what} is an .{want} " + ("archive" if want == "npz" else "array"))


def _field(data, name, path):
    if name not in data.files:
        raise ValueError(f"{path}: field '{name}' is missing")
    return data[name]


def _scalar(data, name, path, default=None):
    if default is not None and name not in data.files:
        return default
    a = _field(data, name, path)
    if a.shape != () or a.dtype.kind not in "fiu":
        raise ValueError(f"{path}: field '{name}' must be a real scalar, got dtype {a.dtype} shape {a.shape}")
    x = float(a)
    if not math.isfinite(x):
        raise ValueError(f"{path}: field '{name}' must be finite, got {x}")
    return x


def _integer_array(data, name, path, ndim):
    """An integer or boolean array field (any width), as int64."""
    a = _field(data, name, path)
    if a.dtype.kind not in "biu" or a.ndim != ndim:
        raise ValueError(f"{path}: field '{name}' must be a {ndim}-d integer or boolean array, got dtype "
                         f"{a.dtype} ndim {a.ndim}")
    return a.astype(np.int64)


def _patterns_labels(data, path):
    patterns = _integer_array(data, "patterns", path, 2)
    labels = _integer_array(data, "labels", path, 1)
    if labels.shape[0] != patterns.shape[0]:
        raise ValueError(f"{path}: field 'labels' has length {labels.shape[0]} but 'patterns' has "
                         f"{patterns.shape[0]} rows")
    if patterns.shape[1] < 1:
        raise ValueError(f"{path}: field 'patterns' has no columns (N = 0)")
    if not np.all(np.abs(labels) == 1):
        raise ValueError(f"{path}: field 'labels' must contain only -1 and +1")
    return patterns, labels


def _input_model(data, patterns, path) -> str:
    """The stored input model, or (absent) the one the pattern values allow: pm1 for +-1, 01 for 0/1."""
    pm1, zero_one = bool(np.all(np.abs(patterns) == 1)), bool(np.all((patterns == 0) | (patterns == 1)))
    if "input_model" not in data.files:
        if not (pm1 or zero_one):
            raise ValueError(f"{path}: field 'patterns' must contain only -1 and +1, or only 0 and 1")
        return "pm1" if pm1 else "01"
    im = data["input_model"]
    if im.dtype.kind != "U" or im.shape != ():
        raise ValueError(f"{path}: field 'input_model' must be a string")
    im = str(im)
    if im not in INPUT_MODELS:
        raise ValueError(f"{path}: field 'input_model' must be 'pm1' or '01', got {im!r}")
    if im == "pm1" and not pm1:
        raise ValueError(f"{path}: field 'patterns' must contain only -1 and +1 for input_model 'pm1'")
    if im == "01" and not zero_one:
        raise ValueError(f"{path}: field 'patterns' must contain only 0 and 1 for input_model '01'")
    return im


def _state_set(data, path) -> StateSet:
    states = _field(data, "states", path)
    prior = data["prior"] if "prior" in data.files else np.ones(len(states))
    for nm, a in (("states", states), ("prior", prior)):
        if a.dtype.kind not in "fiu" or a.ndim != 1:
            raise ValueError(f"{path}: field '{nm}' must be a 1-d array of real numbers, got dtype {a.dtype} "
                             f"ndim {a.ndim}")
    try:
        S = StateSet([float(v) for v in states], [float(w) for w in prior])
    except ValueError as exc:
        raise ValueError(f"{path}: fields 'states'/'prior': {exc}") from None
    if "states_name" in data.files:
        try:
            if StateSet.parse(str(data["states_name"])) == S:
                S = StateSet.parse(str(data["states_name"]))
        except ValueError:
            pass
    return S


def load_instance(path) -> Instance:
    """Read and validate an instance file; errors name the offending field.

    Required: ``patterns`` (M x N) and ``labels`` (M), any integer or boolean dtype with the right values
    (+-1, or 0/1 for 0/1 inputs; labels +-1), and ``states`` (L real values).  Defaults for the rest:
    ``prior`` all 1; ``input_model`` pm1 when the patterns are +-1, else 01; ``kappa`` 0, ``bias`` 0;
    ``f`` the fraction of ones in the patterns for 01 inputs (0.5 for +-1); ``threshold`` f N <s>_pi for
    01 inputs (as :func:`generate`), 0 for +-1; ``f_out`` 0.5; ``seed`` -1 (unknown); ``version`` ''."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such instance file")
    _sniff(path, "an instance file", "npz")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:  # corrupt archive
        raise ValueError(f"{path}: not a readable .npz instance file ({exc})") from None
    with data:
        patterns, labels = _patterns_labels(data, path)
        im = _input_model(data, patterns, path)
        S = _state_set(data, path)
        f0 = float(patterns.mean()) if im == "01" and 0 < patterns.mean() < 1 else 0.5
        sc = {"kappa": _scalar(data, "kappa", path, 0.0), "bias": _scalar(data, "bias", path, 0.0),
              "f": _scalar(data, "f", path, f0), "f_out": _scalar(data, "f_out", path, 0.5)}
        if im == "01" and not (0 < sc["f"] < 1):
            raise ValueError(f"{path}: field 'f' must be in (0, 1), got {sc['f']}")
        w = np.asarray(S.prior) / sum(S.prior)
        t0 = sc["f"] * patterns.shape[1] * float(np.dot(w, S.array)) if im == "01" else 0.0
        sc["threshold"] = _scalar(data, "threshold", path, t0)
        seed = int(_scalar(data, "seed", path, -1.0))
        version = str(data["version"]) if "version" in data.files else ""
    return Instance(patterns.astype(np.int8), labels.astype(np.int8), S, kappa=sc["kappa"], bias=sc["bias"],
                    threshold=sc["threshold"], f=sc["f"], f_out=sc["f_out"], input_model=im, seed=seed,
                    version=version)


def load_configuration(path, inst: Instance, what: str = "reference") -> np.ndarray:
    """Read a configuration W (``.npy``, length N, values in the instance's state set)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such {what} file")
    _sniff(path, f"a {what} configuration", "npy")
    try:
        W = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise ValueError(f"{path}: not a readable .npy {what} ({exc})") from None
    if not isinstance(W, np.ndarray) or W.ndim != 1 or W.shape[0] != inst.N:
        raise ValueError(f"{path}: {what} must be a 1-d array of length N={inst.N}, got shape "
                         f"{getattr(W, 'shape', None)}")
    if W.dtype.kind not in "fiu":
        raise ValueError(f"{path}: {what} must be numeric, got dtype {W.dtype}")
    W = W.astype(np.float64)
    vals = inst.states.array
    if not np.all(np.isin(W, vals)):
        bad = W[~np.isin(W, vals)][0]
        raise ValueError(f"{path}: {what} value {bad} is not in the state set {inst.states.name}")
    return W
