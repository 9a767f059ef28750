import warnings

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _quiet_numpy():
    # overflow/underflow warnings inside saddle iterations that then converge are expected noise
    with np.errstate(over="ignore", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def pytest_collection_modifyitems(config, items):
    """Slow tests first (stable order otherwise): with pytest-xdist (``-n auto --dist worksteal``,
    the README's test command) the workers then finish together instead of one of them starting a
    minutes-long test at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
