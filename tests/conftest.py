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


def _expected_seconds(item) -> float:
    """Sort weight: ``@pytest.mark.slow(seconds)`` (about that long on the 2-core CI machine with an
    empty cache), 1 for other slow tests, 0 for the rest."""
    mark = item.get_closest_marker("slow")
    if mark is None:
        return 0.0
    return float(mark.args[0]) if mark.args else 1.0


def pytest_collection_modifyitems(config, items):
    """Longest tests first, then the other slow ones, then the rest (stable order within each): with
    pytest-xdist (``-n auto --dist worksteal``, the README's test command) the first worker's share
    starts with the minutes-long tests and the other worker steals the shorter ones from its end, so
    the workers finish together instead of one of them starting a two-minute notebook at the end."""
    items.sort(key=lambda item: -_expected_seconds(item))


@pytest.fixture(autouse=True)
def _empty_path_memo():
    """Each test starts with an empty memo of converged y → ∞ points
    (numerics.problems.large_y_path.MEMO): a cold call's route depends on it, and with xdist which
    tests ran before in the same worker is not fixed (a binary α = 0.6 point left by one test turned
    another's direct solve at d = 0.3 into a path from that point)."""
    from numerics.problems.large_y_path import MEMO

    MEMO.clear()
    yield
