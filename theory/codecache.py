"""Derived and compiled equations kept on disk as generated Python source, so a process loads them.

Deriving a functional with sympy and lambdifying the result takes from ~0.5 s (equilibrium) to
several seconds (finite y) per process.  :func:`theory.derive.derive` and
:class:`theory.compile.CompiledSet` write what they generate, once, as one Python module per entry
and read it back in later processes (see :mod:`theory.codegen` for what a module holds).

**Where.**  The folder is ``$FEWBITS_CACHE`` when set, else ``platformdirs.user_cache_dir("fewbits")``;
an entry is the file ``<kind>-<name>-<key[:32]>.py`` there.

**Key.**  ``make_key(kind, *parts)``: SHA-256 of the cache format, :func:`code_version` (the fewbits
and sympy versions and the bytes of the theory modules that generate the code: a changed derivation
rule is a new key even in an editable install whose version number did not move) and the parts
(``sympy.srepr`` of the functional and of every extra, see :func:`theory.derive.derive`).

**File.**  Three comment lines, then the module body::

    # fewbits generated equations (theory.codecache); do not edit
    # key: <64 hex digits: the full key>
    # sha256: <64 hex digits: SHA-256 of the body's UTF-8 bytes>
    <body>

A file whose header is malformed, whose key differs from the one asked for, or whose body does not
match its checksum (garbage written into it, a truncated file) is never executed: :func:`load`
returns None and the caller rebuilds the entry, which replaces the file.  Writes go to a temporary
file in the same folder and are moved into place with ``os.replace`` (atomic), so two processes
writing the same entry at once each leave a complete file.

**Unwritable folder.**  An entry that cannot be written is kept in memory for the rest of the
process, with one ``warnings.warn`` per process naming the folder and ``FEWBITS_CACHE``.

``STATS`` counts, per process, the entries built (generated) and loaded (read from disk or memory).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

__all__ = ["ENV", "FORMAT", "STATS", "cache_folder", "code_version", "make_key", "entry_path", "load",
           "store", "execute"]

ENV = "FEWBITS_CACHE"
FORMAT = "fewbits-codecache-1"
_FIRST_LINE = "# fewbits generated equations (theory.codecache); do not edit\n"
_HEADER = re.compile(r"# key: ([0-9a-f]{64})\n# sha256: ([0-9a-f]{64})\n")
# the modules whose source decides what is generated (the functionals are in the key by value)
_GENERATORS = ("symbolic.py", "derive.py", "compile.py", "codegen.py", "codecache.py")

STATS: Dict[str, int] = {"built": 0, "loaded": 0}
_memory: Dict[str, str] = {}  # key -> full text of the entries this process could not write
_warned = False


def cache_folder() -> Path:
    """``$FEWBITS_CACHE`` if set (and not empty), else ``platformdirs.user_cache_dir("fewbits")``."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("fewbits"))


@lru_cache(maxsize=None)
def code_version() -> str:
    """What the generated code depends on besides the functional: versions and generator sources."""
    import sympy

    try:
        from importlib import metadata

        fewbits = metadata.version("fewbits")
    except Exception:  # a source tree that is not installed
        fewbits = "0+unknown"
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _GENERATORS:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return f"fewbits {fewbits}; sympy {sympy.__version__}; generators {h.hexdigest()}"


def make_key(kind: str, *parts: str) -> str:
    """SHA-256 (hex) of the format, :func:`code_version`, ``kind`` and the parts (length-prefixed)."""
    h = hashlib.sha256()
    for p in (FORMAT, code_version(), kind) + tuple(parts):
        b = p.encode("utf-8")
        h.update(f"{len(b)}:".encode() + b)
    return h.hexdigest()


def entry_path(kind: str, name: str, key: str, folder: Optional[Path] = None) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60]
    return Path(folder if folder is not None else cache_folder()) / f"{kind}-{safe}-{key[:32]}.py"


def _text(key: str, body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"{_FIRST_LINE}# key: {key}\n# sha256: {digest}\n{body}"


def verify(text: str, key: str) -> bool:
    """True if ``text`` is a complete entry for ``key``: header, key and body checksum all match."""
    if not text.startswith(_FIRST_LINE):
        return False
    m = _HEADER.match(text, len(_FIRST_LINE))
    if m is None or m.group(1) != key:
        return False
    body = text[m.end():]
    return hashlib.sha256(body.encode("utf-8")).hexdigest() == m.group(2)


def load(kind: str, name: str, key: str) -> Optional[Tuple[str, Optional[Path]]]:
    """(verified text, its path or None if from memory) of the entry, or None (missing/stale/corrupt)."""
    if key in _memory:
        return _memory[key], None
    path = entry_path(kind, name, key)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not verify(text, key):
        return None
    return text, path


def store(kind: str, name: str, key: str, body: str) -> Tuple[str, Optional[Path]]:
    """Write the entry atomically; return (its text, its path), or (text, None) if it is kept in
    memory only because the folder cannot be written (warned once per process)."""
    global _warned
    text = _text(key, body)
    folder = cache_folder()
    path = entry_path(kind, name, key, folder)
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep the entry from other users of a shared folder
        os.replace(tmp, path)
        return text, path
    except OSError as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        _memory[key] = text
        if not _warned:
            _warned = True
            warnings.warn(f"fewbits: cannot write the equation cache in {str(folder)!r} ({exc}); derived "
                          f"equations are kept in memory for this process only. Set {ENV} to a writable "
                          f"folder to keep them across processes.", UserWarning, stacklevel=3)
        return text, None


def execute(text: str, path: Optional[Path], label: str) -> dict:
    """Run an entry's text as a module; return its namespace.  Tracebacks point into the file."""
    namespace = {"__name__": f"theory._generated.{label}", "__builtins__": __builtins__}
    exec(compile(text, str(path) if path is not None else f"<fewbits generated: {label}>", "exec"), namespace)
    return namespace
