import os
import warnings

import numpy as np
import pytest

# converged y → ∞ points kept on disk between processes (numerics.problems.path_store) change a cold
# call's route: off for the suite (and the processes it starts), on in the test of that store
os.environ["FEWBITS_PATH_CACHE"] = "0"


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


@pytest.fixture(autouse=True)
def _empty_path_memo():
    """Each test starts with an empty memo of converged y → ∞ points
    (numerics.problems.large_y_path.MEMO): a cold call's route depends on it, and with xdist which
    tests ran before in the same worker is not fixed (a binary α = 0.6 point left by one test turned
    another's direct solve at d = 0.3 into a path from that point)."""
    from numerics.problems.large_y_path import MEMO

    MEMO.clear()
    yield
