"""Offline reveal.js slides of the notebooks: ``make slides`` writes ``build/slides/*.slides.html``.

    python tools/slides.py [NOTEBOOK ...] [--out build/slides]

Each notebook is exported with nbconvert's slides exporter (``jupyter nbconvert --to slides``),
cut into slides by the deck metadata of ``tools/deck.py``, through a small template
(``tools/slides_templates/coursekit_reveal``) that loads nothing from the network: reveal.js
4.0.2 (the version nbconvert 7's reveal template is written for) and MathJax 3 are fetched from
the npm registry once, checked against the sha512 pinned below, and unpacked next to the HTML
files, which refer to them by relative paths. Copy the whole ``build/slides/`` folder to present
from another machine; open a ``.slides.html`` file in a browser, ``s`` opens the speaker notes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import shutil
import sys
import tarfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("5.*.ipynb"))
OUT = ROOT / "build" / "slides"
#: The downloaded tarballs, kept across runs (and checked again each time they are used).
CACHE = ROOT / "build" / "vendor"
TEMPLATES = Path(__file__).resolve().parent / "slides_templates"
TEMPLATE = "coursekit_reveal"
#: A reveal.js theme that loads no web fonts (nbconvert's default, "simple", asks Google Fonts).
THEME = "white"


@dataclass(frozen=True)
class Tarball:
    """An npm package tarball, its registry integrity string, and what the slides need of it."""

    name: str
    version: str
    integrity: str  # "sha512-<base64>", as in the registry's dist.integrity
    members: tuple[str, ...]  # prefixes inside the tarball's package/ folder to unpack
    folder: str  # where, under the output folder, the slides find it

    @property
    def url(self) -> str:
        return f"https://registry.npmjs.org/{self.name}/-/{self.name}-{self.version}.tgz"

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.tgz"


REVEAL = Tarball(
    "reveal.js",
    "4.0.2",
    "sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw==",
    ("dist/", "plugin/notes/", "LICENSE"),
    "reveal.js",
)
MATHJAX = Tarball(
    "mathjax",
    "3.2.2",
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    ("es5/", "LICENSE"),
    "mathjax",
)
#: The MathJax 3 component the slides load: TeX input, SVG output (no font files to fetch).
MATHJAX_SCRIPT = f"{MATHJAX.folder}/es5/tex-svg-full.js"


def integrity_of(data: bytes) -> str:
    """The npm integrity string (``sha512-`` and the base64 digest) of ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def fetch(tarball: Tarball, cache: Path = CACHE, timeout: float = 120.0) -> bytes:
    """The tarball's bytes, from ``cache`` or the npm registry, checked against its integrity.

    Raises:
        ValueError: if the bytes (cached or downloaded) do not have the pinned sha512; a bad
            cached copy is deleted first, so that the next run downloads it again.
    """
    path = cache / tarball.filename
    if path.exists():
        data = path.read_bytes()
        if integrity_of(data) == tarball.integrity:
            return data
        path.unlink()
    with urllib.request.urlopen(tarball.url, timeout=timeout) as response:
        data = response.read()
    found = integrity_of(data)
    if found != tarball.integrity:
        raise ValueError(
            f"{tarball.url}: sha512 mismatch, expected {tarball.integrity}, got {found}; "
            "the download is corrupt or not the pinned release"
        )
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def unpack(tarball: Tarball, data: bytes, out: Path) -> Path:
    """Unpack the tarball's needed members into ``out/<folder>``; return that folder."""
    target = out / tarball.folder
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or not name.startswith(tarball.members):
                continue
            destination = (target / name).resolve()
            if target.resolve() not in destination.parents:  # no ../ tricks
                raise ValueError(f"{tarball.filename}: member {member.name!r} leaves the folder")
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None  # a regular file
            destination.write_bytes(source.read())
    return target


def exporter() -> object:
    """nbconvert's slides exporter, configured for offline slides (relative paths only)."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.template_name = TEMPLATE
    config.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.reveal_url_prefix = REVEAL.folder
    config.SlidesExporter.reveal_theme = THEME
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.reveal_number = "c/t"  # slide number / total, for the lecturer
    config.SlidesExporter.mathjax_url = MATHJAX_SCRIPT
    return SlidesExporter(config=config)


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: What the slides show where the notebook shows a live widget.
WIDGET_NOTE = (
    '<p class="coursekit-widget-note"><em>An interactive widget: present the notebook with RISE '
    "in JupyterLab to move its sliders.</em></p>"
)


#: The hint above a widget's stored picture (to run the cell), and what the slides say instead.
CAPTION = re.compile(r'<div class="coursekit-caption">.*?</div>', re.S)
SLIDE_CAPTION = (
    '<div class="coursekit-caption"><em>A live figure: move its controls in the notebook '
    "(JupyterLab).</em></div>"
)


def hide_figure_code(nb: Any) -> int:
    """Leave out the code of every cell that draws a figure (the figure is what the room reads;
    the code is in the notebook); return how many cells."""
    hidden = 0
    for cell in nb.cells:
        html = "".join(
            "".join(output.get("data", {}).get("text/html", ""))
            for output in cell.get("outputs", [])
        )
        if cell.cell_type == "code" and "<img" in html:
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            hidden += 1
    return hidden


def replace_widgets(nb: Any) -> int:
    """Show each widget view as its static picture or a note; drop finished ones; return how many.

    A widget needs a kernel; in static slides its view would show as text ("VBox(...)") or,
    with the widget state stored, need a widget manager from a CDN. Where the output carries an
    HTML fallback (the notebooks store a picture of the widget's figure with a caption), the
    slides show that; otherwise :data:`WIDGET_NOTE`. A view with no text at all is a progress
    bar that closed itself and shows nothing in JupyterLab either.
    """
    replaced = 0
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME not in data:
                kept.append(output)
                continue
            replaced += 1
            if "text/html" in data:
                html = CAPTION.sub(SLIDE_CAPTION, "".join(data["text/html"]))
                output["data"] = {"text/html": html}
                kept.append(output)
            elif "".join(data.get("text/plain", "")).strip():
                output["data"] = {"text/html": WIDGET_NOTE}
                kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    nb.metadata.pop("widgets", None)
    return replaced


def export(notebook: Path, out: Path) -> Path:
    """Write ``out/<notebook stem>.slides.html`` (the vendored files must be in ``out``)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    replace_widgets(nb)
    hide_figure_code(nb)
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    path = out / f"{notebook.stem}.slides.html"
    path.write_text(body, encoding="utf-8")
    return path


def build(notebooks: Sequence[Path], out: Path = OUT, cache: Path = CACHE) -> list[Path]:
    """Fetch and unpack reveal.js and MathJax into ``out``, then export every notebook there."""
    out.mkdir(parents=True, exist_ok=True)
    for tarball in (REVEAL, MATHJAX):
        unpack(tarball, fetch(tarball, cache), out)
    return [export(notebook, out) for notebook in notebooks]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: export the notebooks given (default: all seven) as offline slides."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=NOTEBOOKS)
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (build/slides)")
    args = parser.parse_args(argv)
    for path in build(args.notebooks, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
