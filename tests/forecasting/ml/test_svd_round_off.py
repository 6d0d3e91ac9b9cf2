"""The SVD profile reconstructs a series without a sale yet (a row of zeros) and a week without a sale in any
store (a column of zeros) as exactly 0, not as round-off whose sign depends on the machine's BLAS kernel:
LightGBM bins the profile at 0, so ±1e-17 moved its trees (Walmart's WMAE differed by machine). Checked on
this machine's kernel and, in a child process, on OpenBLAS's Haswell kernel (where the round-off showed)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from forecasting.ml.models import svd_smooth
from tests.conftest import REPO

CHECK = """
import numpy as np
from forecasting.ml.models import svd_smooth
rng = np.random.default_rng(0)
Y = rng.gamma(2.0, 100.0, size=(8, 30))
Y[3] = 0.0
Y[:, 10] = 0.0
S, bases = svd_smooth(Y, [np.arange(8)], k=3)
print((S[3] == 0.0).all() and (S[:, 10] == 0.0).all())
"""


def test_zero_rows_and_columns_come_back_exactly_zero():
    rng = np.random.default_rng(0)
    Y = rng.gamma(2.0, 100.0, size=(8, 30))
    Y[3] = 0.0  # a store that has not sold yet
    Y[:, 10] = 0.0  # a week nothing sold
    S, bases = svd_smooth(Y, [np.arange(8)], k=3)
    assert (S[3] == 0.0).all() and (S[:, 10] == 0.0).all()
    assert not np.allclose(S, Y) and np.abs(S - Y).max() < Y.max()  # the rest is smoothed, not zeroed
    assert len(bases) == 1 and bases[0].shape == (3, 30)


@pytest.mark.parametrize("kernel", ["Haswell", "Sandybridge"])
def test_the_same_on_another_blas_kernel(kernel):
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "True"
