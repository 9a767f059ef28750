"""The ``fewbits`` command.

Each group of sub-commands lives in its own module that exposes ``register(subparsers)``; a
sub-command sets ``func`` (taking the parsed namespace, returning an exit code).

Exit codes: 0 done; 1 a result that did not converge / no solution found; 2 a user error; 3 an internal
error (a bug); 130 interrupted; 141 stdout closed by its reader (``fewbits ... | head``).

* User errors (bad arguments, bad files, unusable output folders) are raised as ``ValueError`` (from the
  package's own code) or ``OSError`` and printed as one line ``fewbits: error: ...`` that names the
  argument and the allowed range (an ``OSError`` with an errno: the file name and the reason).
* Anything else (``KeyError``, ``TypeError``, a ``ValueError`` raised inside numpy/scipy, ...) is a bug: a
  short message saying where to report it; the full traceback with ``--debug`` (anywhere on the command
  line) or the environment variable ``FEWBITS_DEBUG=1``.
* Output files and folders are checked before the work starts (:func:`check_output_file`,
  :func:`check_output_folder`), so a long run never fails at the end for want of a writable folder.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import sys
import tempfile
import traceback
import warnings

# modules that add sub-commands; a module that is missing is skipped (so work in progress can land)
COMMAND_MODULES = (
    "numerics.cli.theory",
    "numerics.cli.local",
    "numerics.cli.simulate",
    "numerics.cli.paper",
    "numerics.cli.break_up",
    "numerics.cli.sweep",
    "numerics.cli.replicated",
)


REPORT_TO = "the fewbits issue tracker (with the command line and the output of the same command with --debug)"
EXIT_USER_ERROR, EXIT_BUG = 2, 3

# '-inf', '-1e9', '-.5', '-nan' are values, not options (argparse's own pattern knows only -1 and -1.5)
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|infinity|nan)$", re.I)


class DefaultsFormatter(argparse.HelpFormatter):
    """Help text with ``(default: X)`` appended where an option has a default its help does not state."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (not action.option_strings or action.default in (None, False, argparse.SUPPRESS)
                or "default" in text.lower() or not text):
            return text
        return text + " (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="fewbits", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fewbits {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an unexpected error (also FEWBITS_DEBUG=1); "
                             "may be given anywhere on the command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        mod.register(sub)
    return parser


def add_scheduler_option(p: argparse.ArgumentParser, what: str, default: str | None = None) -> None:
    """``--scheduler local|ADDRESS|none``: run ``what`` as Dask tasks (numerics.analyses.sweep.execute);
    ``default`` None runs them in this process, one after another."""
    said = f"default: {default}" if default else "default: in this process, one after another"
    p.add_argument("--scheduler", default=default,
                   help=f"run {what} as Dask tasks: local (a LocalCluster, one worker process per core), "
                        f"ADDRESS (tcp://host:8786) or none (tasks in this process) ({said})")


def json_default(obj):
    """JSON encoder for numpy scalars/arrays; non-finite floats become null."""
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def dump_json(obj) -> str:
    """One JSON object, NaN/inf written as null (strict JSON)."""
    return json.dumps(_clean(json.loads(json.dumps(obj, default=json_default))), indent=2)


def check_output_file(path, option: str, force: bool = False) -> None:
    """Before the work: ``path`` can be written as a file (its folder exists and is writable, it is not a
    folder, and it does not exist unless ``force``).  Errors name ``option``."""
    path = os.fspath(path)
    full = os.path.abspath(path)
    if os.path.isdir(full):
        raise ValueError(f"{option}: {path} is a folder; give a file name")
    if os.path.lexists(full) and not force:
        raise FileExistsError(f"{option}: {path} exists; use --force to overwrite")
    _check_writable_folder(os.path.dirname(full), option, what=f"the folder of {path}")


def check_output_folder(path, option: str) -> None:
    """Before the work: ``path`` is (or can be created as) a writable folder: not a plain file, and the
    folder itself or, when it does not exist yet, its nearest existing parent is writable."""
    path = os.fspath(path)
    full = os.path.abspath(path)
    if os.path.exists(full):
        if not os.path.isdir(full):
            raise ValueError(f"{option}: {path} exists and is not a folder; give a folder (or a new name)")
        _check_writable_folder(full, option, what=path)
        return
    parent = os.path.dirname(full)
    while not os.path.exists(parent) and os.path.dirname(parent) != parent:
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise ValueError(f"{option}: cannot create the folder {path}: {parent} is a file, not a folder")
    _check_writable_folder(parent, option, what=f"{parent} (to create {path})")


def _check_writable_folder(folder: str, option: str, what: str) -> None:
    if not os.path.exists(folder):
        raise FileNotFoundError(f"{option}: {what}: folder {folder} does not exist")
    if not os.path.isdir(folder):
        raise ValueError(f"{option}: {what}: {folder} is not a folder")
    try:  # a real probe: os.access is wrong for root, read-only mounts and ACLs
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".fewbits-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise PermissionError(f"{option}: cannot write to {what}: {exc.strerror or exc}") from None


def _os_message(exc: OSError) -> str:
    """``FILE: reason`` for an errno-style OSError; the message itself for one raised with a text."""
    if exc.errno is not None and exc.strerror:
        names = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        return f"{names}: {exc.strerror}" if names else exc.strerror
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _from_project(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by the package's own code (theory/, numerics/), not inside a library."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last, tb = tb.tb_frame.f_code.co_filename, tb.tb_next
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds numerics/, theory/
    return last is not None and any(os.path.abspath(last).startswith(os.path.join(top, d) + os.sep)
                                    for d in ("numerics", "theory"))


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"fewbits: warning: {message}", file=sys.stderr if file is None else file, flush=True)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("FEWBITS_DEBUG", "").strip() not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    try:
        parser = build_parser()
    except ModuleNotFoundError as exc:
        return _report(exc, debug)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors (2), --help/--version (0)
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            print("fewbits: interrupted (results saved so far are kept)", file=sys.stderr)
            return 130
        except Exception as exc:  # noqa: BLE001 - sorted into user errors and bugs below
            return _report(exc, debug)


def _report(exc: Exception, debug: bool) -> int:
    """Print one line for a user error, a short 'this is a bug' message for anything else."""
    if isinstance(exc, BrokenPipeError):  # `fewbits ... | head`: the reader left; nothing to report
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        except (OSError, ValueError, AttributeError):
            pass
        return 141  # 128 + SIGPIPE, as a shell reports it
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    if isinstance(exc, OSError):
        print(f"fewbits: error: {_os_message(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.split(".")[0] not in ("numerics", "theory"):
        # a dependency of the default install is not importable: the environment, not fewbits, is broken
        print(f"fewbits: error: the package '{exc.name.split('.')[0]}' is missing from this Python environment "
              f"({sys.executable}); it is a dependency of fewbits: reinstall with `python -m pip install -e .`",
              file=sys.stderr)
        return EXIT_USER_ERROR
    if type(exc) is ValueError and _from_project(exc):
        print(f"fewbits: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    print(f"fewbits: internal error: {type(exc).__name__}: {exc}{at}\n"
          f"  This is a bug in fewbits, not a problem with your input. Please report it to {REPORT_TO}."
          + ("" if debug else "\n  Run again with --debug (or FEWBITS_DEBUG=1) to see the full traceback."),
          file=sys.stderr)
    return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
