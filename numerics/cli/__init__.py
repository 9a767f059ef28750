"""The ``fewbits`` command.

Each group of sub-commands lives in its own module that exposes ``register(subparsers)``; a
sub-command sets ``func`` (taking the parsed namespace, returning an exit code).  Errors a user can
cause (bad arguments, bad files) are raised as ``ValueError``/``FileNotFoundError``/``FileExistsError``
and printed as one line ``fewbits: error: ...`` with exit code 2, never as a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

# modules that add sub-commands; a module that is missing is skipped (so work in progress can land)
COMMAND_MODULES = (
    "numerics.cli.theory",
    "numerics.cli.local",
    "numerics.cli.simulate",
    "numerics.cli.paper",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="fewbits", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"fewbits {__version__}")
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


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError, KeyError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        print(f"fewbits: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fewbits: interrupted (results saved so far are kept)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
