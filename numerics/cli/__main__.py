"""``python -m numerics.cli``: the ``fewbits`` command."""
import sys

from . import main

sys.exit(main())
