"""tools/robust.py: the robustness matrix reports what fails, where, and under which setting."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import robust  # noqa: E402


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def test_each_seed_and_cpu_reaches_the_kernel_and_a_failed_claim_is_named(
    tmp_path: Path,
) -> None:
    path = write_notebook(
        tmp_path / "claims.ipynb",
        "import os\nimport coursekit as ck\nrng = ck.setup(seed=0)",
        'assert os.environ.get("ATEN_CPU_CAPABILITY") == "default"\n'
        'assert os.environ.get("MKL_ENABLE_INSTRUCTIONS") == "SSE4_2"',
        "x = ck.seed()\nassert x < 1000  # holds for seed 0 only",
        "print('later cells still run')",
    )
    before = dict(os.environ)
    passed = robust.run_with_seed(path, 0, "default+SSE4_2")
    assert passed.ok and passed.setting == "seed 0, default+SSE4_2", passed.failures
    failed = robust.run_with_seed(path, 2, "default+SSE4_2")
    assert failed.failures == [
        "cell 2: AssertionError:  (at `assert x < 1000  # holds for seed 0 only`)"
    ]
    native = robust.run_with_seed(path, 0)
    assert [f.split(":")[0] for f in native.failures] == ["cell 1"]  # no emulation natively
    assert dict(os.environ) == before  # the test process's environment is left as it was


def test_nbval_compares_every_stored_output_under_an_emulated_cpu(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("import os\nprint(os.environ['ATEN_CPU_CAPABILITY'])")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="default\n")]
    cell.execution_count = 1
    nb.cells = [cell]
    good = tmp_path / "good.ipynb"
    nbformat.write(nb, good)
    assert robust.run_nbval(good, "default+SSE4_2").ok
    outcome = robust.run_nbval(good, "avx2+AVX2")  # prints avx2: the stored output differs
    assert not outcome.ok and "Cell 0" in outcome.failures[0]


def test_the_table_shows_every_setting_of_every_notebook() -> None:
    outcomes = [
        robust.Outcome("5.1-a", "seed 0", 10.2, []),
        robust.Outcome("5.1-a", "seed 1", 9.0, ["cell 3: AssertionError"]),
    ]
    assert robust.table(outcomes, ["seed 0", "seed 1"]).splitlines() == [
        "| notebook | seed 0 | seed 1 |",
        "|---|---|---|",
        "| 5.1-a | ok (10 s) | **1 failed** (9 s) |",
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["seeds", "--seeds", "-1"],
        ["seeds", "--workers", "0"],
        ["seeds", "--notebooks", "none.ipynb"],
    ],
)
def test_bad_arguments_are_named(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stop:
        robust.main(argv)
    assert stop.value.code == 2
    assert argv[1] in capsys.readouterr().err
