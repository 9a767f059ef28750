"""The equilibrium CLI: JSON keys, tables, and one-line errors."""
import json
import subprocess
import sys

import pytest

from numerics.cli import main


def test_entropy_json(capsys):
    assert main(["entropy", "--states", "binary", "--alpha", "0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"entropy", "q", "Q", "converged", "residual"} <= set(out)
    assert out["converged"] and abs(out["entropy"] - 0.31439) < 1e-4 and abs(out["q"] - 0.32239) < 1e-4


def test_capacity_json_and_table(capsys):
    assert main(["capacity", "--states", "binary", "--json"]) == 0
    (out,) = json.loads(capsys.readouterr().out)["results"]
    assert abs(out["alpha_c"] - 0.8331) < 1e-3 and out["converged"]
    assert main(["capacity", "--states", "binary;excitatory:2"]) == 0
    table = capsys.readouterr().out
    assert "0.83" in table and "0.58" in table


@pytest.mark.parametrize("argv, needle", [
    (["entropy", "--states", "values:1", "--alpha", "0.5"], "two distinct values"),
    (["entropy", "--states", "binary", "--alpha", "-1"], "alpha"),
    (["entropy", "--states", "binary", "--alpha", "abc"], "--alpha"),
    (["entropy", "--states", "binary", "--alpha", "0.5", "--fout", "2"], "f_out"),
    (["capacity", "--states", "symmetric:0"], "L >= 2"),
    (["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "3", "--d", "0.1", "--check"], "--y inf"),
    (["local-entropy", "--states", "binary", "--alpha", "0.5", "--y", "inf", "--d", "0.1",
      "--check-ys", "20", "15", "30"], "--check-ys"),
])
def test_bad_arguments_exit_2_with_one_line(argv, needle):
    r = subprocess.run([sys.executable, "-m", "numerics.cli", *argv], capture_output=True, text=True)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr
