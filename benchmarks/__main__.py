"""Run one benchmark: ``python -m benchmarks NAME [args]``; with no NAME, list them."""
import importlib
import pkgutil
import sys

import benchmarks


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))
    if not argv or argv[0] not in names:
        print("usage: python -m benchmarks NAME [args]\navailable: " + ", ".join(names))
        return 2
    return int(importlib.import_module(f"benchmarks.{argv[0]}").main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
