"""Results on disk, keyed by every parameter and the package version.

A *key* is a JSON-able dict naming the computation and all its parameters, for example
``{"kind": "capacity", "states": "symmetric:3", "kappa": 0.0, "f_out": 0.5, "version": "0.1.0"}``;
:func:`cached` adds ``"version"`` (``numerics.__version__``) when the key lacks it, so a new version
never reads an old result.  The file is ``<folder>/<kind>-<hash>.json`` where ``hash`` is the SHA-256 of
the canonical JSON of the key (sorted keys, no whitespace, floats as ``repr``); the file holds
``{"key": key, "value": value, "elapsed": seconds}`` so it is self-describing.

Writes are atomic (temporary file in the same folder + ``os.replace``): an interrupted run leaves
either the old file, the new one, or none — never half of one.  A file that cannot be read, is not
valid JSON, or whose stored key differs from the requested one is reported with a
:class:`CacheWarning` and recomputed (and overwritten); it never stops the run.

A folder that cannot be written (read-only, a plain file where the folder should be, a full disk) never
loses a finished result: :func:`store` keeps the value in memory for the rest of the process (where
:func:`load` finds it) and warns once per folder with a :class:`CacheWarning`.

Values are stored with Python's JSON (``NaN``/``Infinity`` allowed, floats round-trip exactly);
numpy scalars and arrays become numbers and lists.  Callers rebuild arrays with ``np.asarray``.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
import warnings
from pathlib import Path
from typing import Any, Callable

__all__ = ["CacheWarning", "canonical", "key_hash", "cache_path", "load", "store", "cached", "with_version"]


class CacheWarning(UserWarning):
    """A cache file could not be used (it is recomputed), or a folder could not be written (kept in memory)."""


_MEMORY: dict = {}  # (absolute folder, file name) -> value: results a folder could not take
_WARNED: set = set()  # folders already warned about


def _memory_key(folder, key: dict):
    return os.path.abspath(os.fspath(folder)), cache_path(folder, key).name


def _default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cache: not JSON serialisable: {type(obj).__name__}")


def _normalise(obj):
    """Make a key canonical: tuples become lists, -0.0 becomes 0.0, integral floats stay floats."""
    if isinstance(obj, dict):
        return {str(k): _normalise(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_normalise(v) for v in obj]
    if isinstance(obj, float) and obj == 0.0:
        return 0.0
    return obj


def canonical(key: dict) -> str:
    """The canonical JSON text of a key (sorted keys, compact, floats as repr)."""
    return json.dumps(_normalise(json.loads(json.dumps(key, default=_default))), sort_keys=True,
                      separators=(",", ":"), allow_nan=True)


def key_hash(key: dict) -> str:
    return hashlib.sha256(canonical(key).encode()).hexdigest()[:32]


def with_version(key: dict) -> dict:
    if "version" in key:
        return dict(key)
    from .. import __version__

    return {**key, "version": __version__}


def cache_path(folder, key: dict) -> Path:
    key = with_version(key)
    kind = str(key.get("kind", "result")).replace("/", "_").replace(" ", "_")
    return Path(folder) / f"{kind}-{key_hash(key)}.json"


def load(folder, key: dict):
    """``(True, value)`` when a valid entry exists, else ``(False, None)`` (warning on a bad file)."""
    key = with_version(key)
    mk = _memory_key(folder, key)
    if mk in _MEMORY:
        return True, _MEMORY[mk]
    path = cache_path(folder, key)
    if not path.is_file():
        return False, None
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or "value" not in data:
            raise ValueError("no 'value' entry")
        if canonical(data.get("key")) != canonical(key):
            raise ValueError("stored key differs from the requested one")
        return True, data["value"]
    except Exception as exc:  # noqa: BLE001 - any unreadable file is recomputed, never fatal
        warnings.warn(f"cache: ignoring unreadable entry {path.name} ({type(exc).__name__}: {exc}); "
                      "recomputing", CacheWarning, stacklevel=2)
        return False, None


def store(folder, key: dict, value: Any, elapsed: float = math.nan) -> Path | None:
    """Write ``value`` under ``key`` atomically; returns the file path, or None when the folder cannot be
    written (then the value is kept in memory for this process, with one :class:`CacheWarning` per folder)."""
    key = with_version(key)
    folder = Path(folder)
    path = cache_path(folder, key)
    text = json.dumps({"key": _normalise(json.loads(json.dumps(key, default=_default))), "value": value,
                       "elapsed": elapsed}, default=_default, allow_nan=True, indent=1)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError as exc:
        where = os.path.abspath(folder)
        if where not in _WARNED:
            _WARNED.add(where)
            reason = "it is a file, not a folder" if folder.exists() and not folder.is_dir() else exc.strerror or str(exc)
            warnings.warn(f"cache: cannot write to the folder {folder} ({reason}); results are kept in memory "
                          "for this run only", CacheWarning, stacklevel=2)
        _MEMORY[_memory_key(folder, key)] = json.loads(text)["value"]
        return None
    return path


def write_atomic(path, text: str) -> None:
    """Write text to path via a temporary file in the same folder and an atomic rename: an
    interrupted write never leaves a half-written file, and an existing file stays intact."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def cached(folder, key: dict, compute: Callable[[], Any]):
    """The stored value for ``key`` if present (and readable), else ``compute()``, stored then returned.

    ``folder=None`` disables the cache (always computes).  The returned value is what a later run will
    read back (the JSON round trip of ``compute()``), so first and second runs give identical values.
    """
    if folder is None:
        return json.loads(json.dumps(compute(), default=_default, allow_nan=True))
    key = with_version(key)
    hit, value = load(folder, key)
    if hit:
        return value
    t0 = time.perf_counter()
    value = compute()
    value = json.loads(json.dumps(value, default=_default, allow_nan=True))
    store(folder, key, value, elapsed=time.perf_counter() - t0)
    return value
