"""benchmarks/: the measurements behind the README's speed table are themselves tested."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest
import torch
from matplotlib.figure import Figure

import coursekit as ck

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from widget_probe import candidate_values, widget_latencies  # noqa: E402

spec = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["benchmarks_run"] = bench  # dataclasses look their module up there
spec.loader.exec_module(bench)


def toy_app() -> ck.widgets.SliderApp:
    figure = Figure(figsize=(2, 2), dpi=40)
    (line,) = figure.subplots().plot([0, 1], [0, 0])

    def draw(progress: widgets.IntProgress, slope: float, points: int) -> str:
        line.set_data(range(points), [slope * i for i in range(points)])
        return f"slope {slope}"

    controls = {
        "slope": widgets.FloatSlider(value=1.0, min=-2.0, max=2.0, step=0.5),
        "points": widgets.IntSlider(value=3, min=2, max=10),
    }
    return ck.widgets.slider_app(controls, figure, draw, artists={"line": line})


def test_candidate_values_cover_each_kind_of_control() -> None:
    selection = widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32], value=4)
    assert candidate_values(selection, 3) == [("index", 0), ("index", 2), ("index", 5)]
    assert candidate_values(selection, 50) == [("index", i) for i in range(6)]
    log = widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1)
    assert candidate_values(log, 3) == [("value", 0.001), ("value", 0.1), ("value", 10.0)]
    ints = widgets.IntSlider(value=3, min=0, max=10, step=2)
    # 5 is off the step grid; NumPy rounds 2.5 steps half to even, to 4
    assert candidate_values(ints, 3) == [("value", 0), ("value", 4), ("value", 10)]
    floats = widgets.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.5)
    assert candidate_values(floats, 3) == [("value", -1.0), ("value", 0.0), ("value", 1.0)]
    assert candidate_values(widgets.Checkbox(value=True), 3) == [("value", False), ("value", True)]
    assert candidate_values(widgets.Text(), 3) == []
    with pytest.raises(ValueError, match="count must be >= 1"):
        candidate_values(ints, 0)


def test_widget_latencies_move_every_control_and_put_it_back() -> None:
    app = toy_app()
    before = app.image.value
    (result,) = widget_latencies([app], values_per_control=4)
    assert result["kind"] == "toy" and result["controls"] == ["slope", "points"]
    assert result["changes"] >= 6
    assert 0 < result["p50"] <= result["p95"] < 5
    assert app.controls["slope"].value == 1.0 and app.controls["points"].value == 3
    assert app.image.value == before  # redrawn at the original setting: the same figure


def test_the_optimizer_ratio_is_one_for_the_same_optimizer_and_sees_a_slow_one() -> None:
    def single_tensor(params, **kwargs):
        return torch.optim.SGD(params, foreach=False, **kwargs)

    class TwiceAsMuch(torch.optim.SGD):
        def step(self, closure=None):
            super().step()
            return super().step()

    same, t_ours, t_ref = bench.optimizer_step_ratio(
        single_tensor, single_tensor, {"lr": 0.1}, steps=50, repeats=5
    )
    assert 0.6 < same < 1.6 and t_ours > 0 and t_ref > 0
    slow, _, _ = bench.optimizer_step_ratio(
        lambda p, **kw: TwiceAsMuch(p, foreach=False, **kw), single_tensor, {"lr": 0.1}
    )
    assert slow > 1.5


def test_the_table_marks_what_misses_its_budget_and_replaces_the_readme_section() -> None:
    rows = [bench.Row("a", "1 s", "<= 2 s", True), bench.Row("b", "3 s", "<= 2 s", False)]
    table = bench.markdown_table(rows, "a test machine")
    assert "*Measured on a test machine.*" in table
    assert "| a | 1 s | <= 2 s | yes |" in table and "| b | 3 s | <= 2 s | **no** |" in table
    readme = f"intro\n{bench.README_START}\nold\n{bench.README_END}\nrest\n"
    assert bench.replace_table(readme, table) == (
        f"intro\n{bench.README_START}\n{table}\n{bench.README_END}\nrest\n"
    )
    with pytest.raises(ValueError, match="exactly one"):
        bench.replace_table("no markers", table)


def test_marked_json_is_found_among_any_other_output() -> None:
    code = bench.print_marked_json("[1, 2]")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})
    noisy = f"warning: before\n{printed.getvalue()}UserWarning: after\n[3]\n"
    assert bench.read_marked_json(noisy) == [1, 2]
    with pytest.raises(ValueError, match="no line starting with"):
        bench.read_marked_json("UserWarning: only noise\n[3]\n")


def test_the_readme_holds_a_benchmark_table() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(bench.README_START)[1].split(bench.README_END)[0]
    assert "*Measured on" in section and "| what | measured | budget | within |" in section
    assert "**no**" not in section, "the README reports a missed budget"


def test_run_notebook_times_it_and_probes_its_widgets(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import sys\n"
            f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
            "from test_benchmarks import toy_app\n"
            "app = toy_app()\n"
            "app.widget"
        ),
        # What another CPU's kernel did: a warning on stderr and stray lines on stdout, printed
        # while the probe runs and after its JSON. The probe must still read its JSON.
        nbformat.v4.new_code_cell(
            "import atexit, sys, warnings\n"
            "def _noise(change):\n"
            "    print('a stray line on stdout')\n"
            "    warnings.warn('a kernel warning on stderr', stacklevel=1)\n"
            "    sys.stderr.write('{not json}\\n')\n"
            "app.controls['slope'].observe(_noise, 'value')\n"
            "def _trailing(*args):\n"
            "    print('UserWarning: a line printed after every cell')\n"
            "get_ipython().events.register('post_run_cell', _trailing)"
        ),
    ]
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, path)
    elapsed, found = bench.run_notebook(path, values_per_control=3)
    assert 0 < elapsed < 120
    assert [w["kind"] for w in found] == ["toy"]
    assert found[0]["changes"] >= 4 and found[0]["p95"] < 5
