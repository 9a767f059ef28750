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
(:func:`fingerprint` of the functional's parts and of every extra, see :func:`theory.derive.derive`:
a Merkle hash of their ``sympy.srepr`` trees).

**File.**  Three comment lines, then the module body::

    # fewbits generated equations (theory.codecache); do not edit
    # key: <64 hex digits: the full key>
    # sha256: <64 hex digits: SHA-256 of the body's UTF-8 bytes>
    <body>

A file whose header is malformed, whose key differs from the one asked for, or whose body does not
match its checksum (garbage written into it, a truncated file) is never executed: :func:`load`
returns None and the caller rebuilds the entry, which replaces the file.  Writes go to a temporary
file in the same folder and are moved into place with ``os.replace`` (atomic), so two processes
writing the same entry at once each leave a complete file.  :func:`load_or_build` builds an entry
under an exclusive advisory lock (``fcntl.flock`` on ``<entry stem>.lock``; none where fcntl is missing
or the folder cannot be written): a second process that needs the same entry meanwhile waits and then
loads it, instead of deriving it again beside the first (pytest-xdist workers, the main job's α_U
processes and Dask workers start together on an empty cache).

Beside an entry, ``<entry stem>.<cache tag>.code`` holds its compiled code object (``marshal``), with
a header naming the interpreter's magic number, the SHA-256 of the entry text it was compiled from
and that of the marshal bytes; any mismatch and the text is compiled again (and the file rewritten).

Writing an entry removes the entries, code files (and temporary files) of the folder older than 30 days.

**Unwritable folder.**  An entry that cannot be written is kept in memory for the rest of the
process, with one ``warnings.warn`` per process naming the folder and ``FEWBITS_CACHE``.

``STATS`` counts, per process, the entries built (generated) and loaded (read from disk or memory).
"""
from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import re
import sys
import tempfile
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

try:
    import fcntl
except ImportError:  # not POSIX: entries are built without the lock (two builders each write a whole file)
    fcntl = None

__all__ = ["ENV", "FORMAT", "STATS", "cache_folder", "code_version", "make_key", "fingerprint", "entry_path",
           "verify", "load", "store", "load_or_build", "execute"]

ENV = "FEWBITS_CACHE"
FORMAT = "fewbits-codecache-1"
_FIRST_LINE = "# fewbits generated equations (theory.codecache); do not edit\n"
_HEADER = re.compile(r"# key: ([0-9a-f]{64})\n# sha256: ([0-9a-f]{64})\n")
_ENTRY_NAME = re.compile(r"(derived|compiled)-.*\.(py|code|tmp|lock)\Z")  # tmp: a writer killed mid-write
# the modules whose source decides what is generated (the functionals are in the key by value)
_GENERATORS = ("symbolic.py", "derive.py", "compile.py", "special.py", "codegen.py", "codecache.py")

STATS: Dict[str, int] = {"built": 0, "loaded": 0}
_memory: Dict[str, str] = {}  # key -> full text of the entries this process could not write
_warned = False


def cache_folder() -> Path:
    """``$FEWBITS_CACHE`` if set (and not empty), else ``platformdirs.user_cache_dir("fewbits")``.

    A source tree run without installing (``PYTHONPATH``) may lack platformdirs; the folder is then
    the XDG one, ``$XDG_CACHE_HOME/fewbits`` or ``~/.cache/fewbits``, which is platformdirs' answer
    on Linux.
    """
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env).expanduser()
    try:
        import platformdirs
    except ImportError:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "fewbits"
    return Path(platformdirs.user_cache_dir("fewbits"))


@lru_cache(maxsize=None)
def code_version() -> str:
    """What the generated code depends on besides the functional: versions and generator sources.
    The sympy version is read from the installed distribution's metadata (importing sympy, ~0.3 s,
    is what a process that only loads its equations, :mod:`theory.recipes`, does not do)."""
    from importlib import metadata

    try:
        fewbits = metadata.version("fewbits")
    except Exception:  # a source tree that is not installed
        fewbits = "0+unknown"
    try:
        sympy_version = metadata.version("sympy")
    except Exception:  # no distribution metadata: ask the module
        import sympy

        sympy_version = sympy.__version__
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _GENERATORS:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return f"fewbits {fewbits}; sympy {sympy_version}; generators {h.hexdigest()}"


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


def body(text: str) -> str:
    """The body of a verified entry's text (what follows its three header lines)."""
    return text.split("\n", 3)[3]


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


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file in path's folder and move it into place (os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would keep the entry from other users of a shared folder
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def store(kind: str, name: str, key: str, body: str) -> Tuple[str, Optional[Path]]:
    """Write the entry atomically; return (its text, its path), or (text, None) if it is kept in
    memory only because the folder cannot be written (warned once per process)."""
    global _warned
    text = _text(key, body)
    folder = cache_folder()
    path = entry_path(kind, name, key, folder)
    try:
        _write_atomic(path, text.encode("utf-8"))
        _prune(folder)
        return text, path
    except OSError as exc:
        _memory[key] = text
        if not _warned:
            _warned = True
            warnings.warn(f"fewbits: cannot write the equation cache in {str(folder)!r} ({exc}); derived "
                          f"equations are kept in memory for this process only. Set {ENV} to a writable "
                          f"folder to keep them across processes.", UserWarning, stacklevel=3)
        return text, None


@contextmanager
def _build_lock(kind: str, name: str, key: str):
    """Hold an exclusive ``fcntl.flock`` on ``<entry stem>.lock`` (released when the block ends, or
    when the process dies); no lock where fcntl is missing or the lock file cannot be opened.  The
    lock file is removed at the end: a process still waiting on it holds the old file, gets the lock
    and finds the entry written; one that comes later finds the entry and takes no lock."""
    path = entry_path(kind, name, key).with_suffix(".lock")
    handle = None
    if fcntl is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a")
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # not taken (e.g. a file system without locks): build without it
            if handle is not None:
                handle.close()
            handle = None
    try:
        yield
    finally:
        if handle is not None:
            try:
                os.unlink(path)
            except OSError:
                pass
            handle.close()  # closing the file releases the lock


def load_or_build(kind: str, name: str, key: str, build: Callable[[], str]) -> Tuple[Tuple[str, Optional[Path]], bool]:
    """``((text, path), built)``: the entry loaded, or ``build()`` (its body) stored under the build lock.

    A process that finds the entry missing takes the lock and looks again before building: the entry
    another process built while this one waited is loaded, not built twice."""
    hit = load(kind, name, key)
    if hit is None:
        with _build_lock(kind, name, key):
            hit = load(kind, name, key)
            if hit is None:
                STATS["built"] += 1
                return store(kind, name, key, build()), True
    STATS["loaded"] += 1
    return hit, False


def _prune(folder: Path, max_age_days: float = 30.0) -> None:
    """Remove entries (and code files) of this cache not written for ``max_age_days``: what a change
    of the generating code or of a functional left behind.  An entry still in use is rewritten,
    once, after that (the price of not touching files on every load).  Other files are left alone."""
    import time

    limit = time.time() - max_age_days * 86400
    for f in folder.iterdir():
        if _ENTRY_NAME.match(f.name):
            try:
                if f.stat().st_mtime < limit:
                    f.unlink()
            except OSError:
                pass


def _code_header(text_digest: str, blob: bytes) -> bytes:
    return (f"fewbits-code {importlib.util.MAGIC_NUMBER.hex()} {text_digest} "
            f"{hashlib.sha256(blob).hexdigest()}\n").encode()


def _code(text: str, path: Optional[Path], label: str):
    """The code object of an entry's text: from the marshal file beside the entry when that file is
    intact and was compiled from this very text by this Python (checked by its header), else compiled
    (and that file written, if possible; compiling the finite-y entry takes ~0.1 s)."""
    if path is None:
        return compile(text, f"<fewbits generated: {label}>", "exec")
    side = path.with_name(f"{path.stem}.{sys.implementation.cache_tag}.code")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        data = side.read_bytes()
        head, blob = data.split(b"\n", 1)
        if head + b"\n" == _code_header(digest, blob):
            return marshal.loads(blob)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    code = compile(text, str(path), "exec")
    blob = marshal.dumps(code)
    try:
        _write_atomic(side, _code_header(digest, blob) + blob)
    except OSError:
        pass
    return code


def execute(text: str, path: Optional[Path], label: str) -> dict:
    """Run an entry's text as a module; return its namespace.  Tracebacks point into the file."""
    namespace = {"__name__": f"theory._generated.{label}", "__builtins__": __builtins__}
    exec(_code(text, path, label), namespace)
    return namespace


def fingerprint(obj) -> str:
    """SHA-256 (hex) of a sympy object (or nested tuples/lists of them, strings, numbers), as a
    Merkle hash: a leaf (no args) hashes its ``sympy.srepr``, a node its class name and its
    children's hashes.  The same information as ``srepr(obj)``, but each shared subexpression is
    hashed once: 1 ms instead of 0.14 s for the finite-y functional, whose srepr is a 60 kB tree."""
    memo: Dict[int, str] = {}
    return _fingerprint(obj, memo)


def _fingerprint(obj, memo) -> str:
    h = memo.get(id(obj))
    if h is not None:
        return h
    if isinstance(obj, (tuple, list)):
        s = "(" + ",".join(_fingerprint(o, memo) for o in obj) + ")"
    elif isinstance(obj, str):
        s = repr(obj)
    elif not getattr(obj, "args", ()):
        import sympy

        s = sympy.srepr(obj)
    else:
        s = type(obj).__name__ + "(" + ",".join(_fingerprint(a, memo) for a in obj.args) + ")"
    h = memo[id(obj)] = hashlib.sha256(s.encode("utf-8")).hexdigest()
    return h
