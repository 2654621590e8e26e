"""coursekit.plot: curve data, smoothing, loss curves and heatmaps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import coursekit as ck
from coursekit.plot import curve_data, figure_png, heatmap, plot_loss_curves, smooth
from coursekit.train import History


@pytest.fixture
def history() -> History:
    h = History(batch_size=2, n_train=8, steps_per_epoch=4)
    h.step_loss = [2.0, 1.5, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6]
    h.step_time = [0.1 * (i + 1) for i in range(8)]
    h.eval_epoch, h.eval_step, h.eval_time = [0.0, 1.0, 2.0], [0, 4, 8], [0.0, 0.4, 0.8]
    h.train_loss, h.train_acc = [2.3, 1.0, 0.6], [0.1, 0.6, 0.8]
    h.val_loss, h.val_acc = [2.3, 1.1, 0.7], [0.1, 0.5, 0.7]
    return h


def test_curve_data_for_every_axis(history: History) -> None:
    xs, ys = curve_data(history, "step", "step_loss")
    np.testing.assert_array_equal(xs, np.arange(1, 9))
    np.testing.assert_array_equal(ys, history.step_loss)
    xs, _ = curve_data(history, "epoch", "step_loss")
    np.testing.assert_allclose(xs, np.arange(1, 9) / 4)
    xs, _ = curve_data(history, "time", "step_loss")
    np.testing.assert_allclose(xs, history.step_time)
    xs, ys = curve_data(history, "epoch", "val_acc")
    np.testing.assert_array_equal(xs, [0, 1, 2])
    np.testing.assert_array_equal(ys, [0.1, 0.5, 0.7])
    xs, _ = curve_data(history, "step", "train_loss")
    np.testing.assert_array_equal(xs, [0, 4, 8])
    with pytest.raises(ValueError, match="x must be one of"):
        curve_data(history, "seconds")
    with pytest.raises(ValueError, match="y must be one of"):
        curve_data(history, "step", "loss")


def test_smooth_is_a_trailing_moving_average(rng: np.random.Generator) -> None:
    v = rng.standard_normal(50)
    s = smooth(v, 5)
    np.testing.assert_allclose(s[4:], np.convolve(v, np.ones(5) / 5, mode="valid"), atol=1e-12)
    np.testing.assert_allclose(s[:4], np.cumsum(v[:4]) / np.arange(1, 5), atol=1e-12)
    np.testing.assert_allclose(smooth(v, 1), v, atol=1e-12)
    assert smooth([], 3).size == 0
    with pytest.raises(ValueError, match="window must be an integer >= 1"):
        smooth(v, 0)


def test_plot_loss_curves_draws_one_line_per_run(history: History) -> None:
    ax = plot_loss_curves({"a": history, "b": history}, x="epoch", y="train_loss")
    assert len(ax.get_lines()) == 2
    assert ax.get_xlabel().startswith("epoch") and ax.get_yscale() == "log"
    ax = plot_loss_curves({"a": history}, smooth_window=3, logy=False, logx=True)
    assert len(ax.get_lines()) == 2  # faint raw curve + moving average
    assert ax.get_xscale() == "log"
    assert all(np.all(line.get_xdata() > 0) for line in ax.get_lines())  # x = 0: not on log axes
    plt.close("all")
    with pytest.raises(ValueError, match="histories is empty"):
        plot_loss_curves({})


def test_heatmap_annotates_values_and_divergence() -> None:
    values = np.array([[0.5, np.inf], [0.05, np.nan]])
    ax = heatmap(values, ["K=1", "K=2"], [0.1, 1.0], row_title="K", col_title="lr")
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["0.05", "0.5", "div.", "div."]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "1.0"]
    assert ax.figure.axes[-1].get_ylabel() == "value (log scale)"  # the colour bar, in values
    assert ax.images[0].norm.vmin == 0.05 and ax.images[0].norm.vmax == 0.5
    labelled = heatmap(values, [1, 2], [1, 2], log=False, label="validation error")
    assert labelled.figure.axes[-1].get_ylabel() == "validation error"
    shared = heatmap(np.array([[0.2, 0.4]]), [1], [1, 2], log=False, vmin=0, vmax=1)
    assert shared.images[0].get_clim() == (0, 1)
    with pytest.raises(ValueError, match="vmax"):
        heatmap(values, [1, 2], [1, 2], vmax=float("nan"))
    plt.close("all")
    with pytest.raises(TypeError, match="label must be a string"):
        heatmap(values, [1, 2], [1, 2], label=3)
    with pytest.raises(ValueError, match=r"values has shape \(2, 2\) but there are 3 row labels"):
        heatmap(values, [1, 2, 3], [1, 2])


def test_figure_png_renders_at_the_figures_own_dpi() -> None:
    import struct

    fig, _ = plt.subplots(figsize=(4, 2), dpi=80)
    width, height = struct.unpack(">II", figure_png(fig)[16:24])  # the PNG's IHDR chunk
    plt.close(fig)
    assert (width, height) == (320, 160)  # what the widget's image layout expects


def test_figure_png_is_a_png() -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure_png(fig) == png  # same figure, same bytes
    plt.close(fig)


def test_package_exports() -> None:
    assert ck.plot.X_AXES.keys() == {"step", "epoch", "time"}


def test_blitter_redraws_only_the_dynamic_artists() -> None:
    import io

    import PIL.Image

    figure = Figure(figsize=(3, 2), dpi=50)
    ax = figure.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([0, 1], [0, 1], color="red")
    blitter = ck.plot.Blitter(figure, [line])
    first = blitter.png()
    assert first == blitter.png()  # nothing changed: the same pixels
    line.set_data([0, 1], [1, 0])
    second = blitter.png()
    assert second != first
    pixels = np.asarray(PIL.Image.open(io.BytesIO(second)))
    assert pixels.shape[:2] == (100, 150)
    blitter.scene = "other"  # a new scene draws its own background
    ax.set_facecolor("black")
    assert blitter.png() != second
    blitter.scene = None  # the first scene's background was kept (white)
    assert blitter.png() == second


def test_surface_contours_draw_grey_levels_within_the_surface_limits() -> None:
    surface = ck.surfaces.quadratic(1.0, 10.0)
    figure = Figure()
    ax = figure.subplots()
    ck.plot.surface_contours(ax, surface, 7)
    assert ax.get_xlim() == surface.xlim and ax.get_ylim() == surface.ylim
    (contour,) = [c for c in ax.get_children() if hasattr(c, "levels")]
    assert 1 <= len(contour.levels) <= 9  # about 7 "nice" levels
    levels = [0.5, 1.0, 2.0]
    ck.plot.surface_contours(ax, surface, levels, n=30)
    assert [list(c.levels) for c in ax.get_children() if hasattr(c, "levels")][-1] == levels


def test_plain_log_ticks_label_1_2_5_and_reject_a_linear_axis() -> None:
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [0.15, 0.6, 2.5])
    ax.set_yscale("log")
    ck.plot.plain_log_ticks(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_visible()]
    shown = [v for v, t in zip(ax.get_yticks(), labels, strict=True) if 0.15 <= v <= 2.5]
    assert shown == [0.2, 0.5, 1.0, 2.0]
    assert {"0.2", "0.5", "1", "2"} <= set(labels) and not any("10^" in t for t in labels)
    assert all(t.get_text() == "" for t in ax.yaxis.get_minorticklabels())
    with pytest.raises(ValueError, match="logarithmic"):
        ck.plot.plain_log_ticks(plt.subplots()[1])
    plt.close("all")


def test_the_spread_colour_map_starts_visibly_green() -> None:
    first = np.array(ck.plot.SPREAD_CMAP(0.0)[:3])
    assert first.min() < 0.85 and first[1] > first[0]  # green, and clearly off white


def test_alt_text_describes_titles_labels_and_legend_or_what_describe_set() -> None:
    fig = Figure()
    ax, other, _blank = fig.subplots(1, 3)
    ax.plot([1, 2], [3, 4], label="SGD")
    ax.plot([1, 2], [4, 5], label=r"$\alpha_t$")
    ax.set(title="loss", xlabel="step $t$", ylabel="loss", yscale="log")
    ax.legend()
    other.set_xlabel(r"$|x_l|\,/\,|x_0|$")
    text = ck.plot.alt_text(fig)
    assert text.startswith("Figure, 3 panels.")
    assert 'Panel 1, "loss": x-axis step t; y-axis loss (log scale); lines SGD; α_t.' in text
    assert "Panel 2: x-axis |x_l| / |x_0|." in text and "1 panel without labels." in text
    bar = Figure()
    ck.plot.heatmap(np.ones((2, 2)), [1, 2], [3, 4], ax=bar.subplots(), label="error", log=False)
    assert ck.plot.alt_text(bar) == "Figure, 1 panel. Panel 1: colour error."
    solid = Figure()
    solid.add_subplot(1, 2, 1, projection="3d").set(title="saddle", zlabel=r"$f^{2}$")
    assert ck.plot.alt_text(solid) == 'Figure, 1 panel. 3-D panel 1, "saddle": z-axis f².'

    assert ck.plot.describe(fig, "Adam's loss falls   below SGD's.") is fig
    assert ck.plot.alt_text(fig) == "Adam's loss falls below SGD's."
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        ck.plot.describe(fig, " ")
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        ck.plot.alt_text("figure")  # type: ignore[arg-type]


def test_alt_text_is_cut_at_its_limit_between_words(monkeypatch: pytest.MonkeyPatch) -> None:
    fig = Figure()
    for ax in fig.subplots(4, 4).flat:
        ax.set(title="a rather long panel title", xlabel="an x label", ylabel="a y label")
    text = ck.plot.alt_text(fig)
    assert ck.plot.ALT_LIMIT - 30 < len(text) <= ck.plot.ALT_LIMIT and text.endswith("…")
    monkeypatch.setattr(ck.plot, "ALT_LIMIT", 10_000)
    full = ck.plot.alt_text(fig)
    assert full.startswith(text[:-1]) and full[len(text) - 1] in " ;"  # the cut is at a word


def test_figure_html_is_an_image_with_alt_text_at_its_natural_width() -> None:
    import base64
    import io
    import re

    import PIL.Image

    fig = Figure(figsize=(4, 2), dpi=50)
    fig.subplots().set_title('a "quoted" <title>')
    html = ck.plot.figure_html(fig)
    match = re.fullmatch(
        r'<div class="coursekit-figure"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)" '
        r'alt="([^"]+)" width="(\d+)" style="max-width: 100%; height: auto"></div>',
        html,
    )
    assert match, html[:200]
    png = base64.b64decode(match.group(1))
    assert PIL.Image.open(io.BytesIO(png)).size[0] == int(match.group(3))
    assert "&quot;quoted&quot; &lt;title&gt;" in match.group(2)
    captioned = ck.plot.png_html(png, "alt", caption="run <me>")
    assert '<div class="coursekit-caption">run &lt;me&gt;</div><img' in captioned
    with pytest.raises(ValueError, match="png must be the bytes of a PNG image"):
        ck.plot.png_html(b"GIF89a", "alt")
    with pytest.raises(ValueError, match="width must be"):
        ck.plot.png_html(png, "alt", width=0)


def test_layer_spread_draws_the_quantiles_of_every_layer() -> None:
    fig = Figure()
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    outputs = [rng.normal(0, s, 10_000) for s in (1.0, 0.5, 0.25)]
    q = ck.plot.layer_spread(outputs, ax)
    assert q.shape == (3, len(ck.plot.SPREAD_QUANTILES))
    np.testing.assert_allclose(q[:, 4] - q[:, 0], 2 * 1.645 * np.array([1, 0.5, 0.25]), rtol=0.05)
    assert list(ax.get_xticks()) == [1, 2, 3]
    with pytest.raises(ValueError, match="outputs must be a non-empty sequence"):
        ck.plot.layer_spread([], ax)
    with pytest.raises(ValueError, match="outputs\\[1\\]"):
        ck.plot.layer_spread([np.ones(3), np.array([np.nan])], ax)


def test_layer_histograms_name_the_layers_they_show() -> None:
    fig = Figure()
    row = fig.subplots(1, 2)
    ck.plot.layer_histograms([np.zeros(10), np.ones(10)], "ReLU", row, (0, 2), layers=[4, 10])
    assert row[0].get_title().startswith("layer 4,") and row[1].get_title().startswith("layer 10,")
    with pytest.raises(ValueError, match="layers and outputs differ"):
        ck.plot.layer_histograms([np.zeros(10)], "ReLU", row[:1], (0, 2), layers=[1, 2])


def test_blitter_keeps_a_bounded_number_of_scenes() -> None:
    fig = Figure(figsize=(2, 2), dpi=30)
    (line,) = fig.subplots().plot([0, 1], [0, 1])
    blitter = ck.plot.Blitter(fig, [line])
    blitter.max_scenes = 3
    for scene in range(5):
        blitter.scene = scene
        assert blitter.png().startswith(b"\x89PNG")
    assert list(blitter._backgrounds) == [2, 3, 4]
