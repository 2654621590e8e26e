"""tools/slides.py without a browser: the template's output and the tarballs' checks.

The slides themselves are opened offline in Chromium by tests/browser/test_slides_export.py.
"""

from __future__ import annotations

import io
import re
import sys
import tarfile
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import slides  # tools/slides.py

PNG = (  # a 1x1 image
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def image(alt: str | None) -> nbformat.NotebookNode:
    metadata = {"image/png": {"alt": alt}} if alt is not None else {}
    return nbformat.v4.new_output(
        "display_data", data={"image/png": PNG, "text/plain": "<Figure>"}, metadata=metadata
    )


def test_the_exported_html_names_images_hides_collapsed_code_and_loads_only_local_files(
    tmp_path: Path,
) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Title\n\n$\\theta$", metadata={"slideshow": {"slide_type": "slide"}}
        ),
        nbformat.v4.new_code_cell("shown_code = 1", outputs=[image('loss "curves" & <steps>')]),
        nbformat.v4.new_code_cell(
            "collapsed_code = 2",
            outputs=[image(None)],
            metadata={"jupyter": {"source_hidden": True}, "slideshow": {"slide_type": "subslide"}},
        ),
        nbformat.v4.new_code_cell(
            "app",
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {
                            "model_id": "m",
                            "version_major": 2,
                            "version_minor": 0,
                        },
                        "text/plain": "VBox()",
                    },
                ),
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {
                            "model_id": "n",
                            "version_major": 2,
                            "version_minor": 0,
                        },
                        "text/html": '<div class="coursekit-figure"><div class="coursekit-caption">'
                        "run this cell</div>a picture of the figure</div>",
                        "text/plain": "VBox()",
                    },
                ),
                nbformat.v4.new_output(  # a progress bar that closed itself
                    "display_data",
                    data={
                        "application/vnd.jupyter.widget-view+json": {
                            "model_id": "p",
                            "version_major": 2,
                            "version_minor": 0,
                        },
                        "text/plain": "",
                    },
                ),
            ],
        ),
    ]
    figure = '<div class="coursekit-figure"><img src="data:image/png;base64,iVBOR" alt="f"></div>'
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "figure_code = 3",
            outputs=[nbformat.v4.new_output("display_data", data={"text/html": figure})],
        )
    )
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    html = slides.export(path, tmp_path).read_text(encoding="utf-8")
    alts = [img["alt"] for img in BeautifulSoup(html, "html.parser").find_all("img")]
    assert alts[0] == 'loss "curves" & <steps>'
    assert len(alts) == 3 and "No description" in alts[1]  # nbconvert's generic text
    assert alts[2] == "f" and "figure_code" not in html  # a figure's code is left out
    assert "run this cell" not in html and "move its controls in the notebook" in html
    assert "shown_code" in html and "collapsed_code" not in html
    assert html.count("An interactive widget") == 1 and "VBox" not in html
    assert "a picture of the figure" in html  # a stored picture of the widget is shown
    outputs = BeautifulSoup(html, "html.parser").select(".jp-OutputArea-child")
    assert len(outputs) == 5  # three images, the note and the picture; no progress bar
    assert html.count("<section") == 3  # a slide (outer and first inner section), a subslide
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#][^"']*)""", html)
    links = [link for link in links if not link.startswith("data:")]
    assert sorted(links) == [
        "mathjax/es5/tex-svg-full.js",
        "reveal.js/dist/reveal.css",
        "reveal.js/dist/reveal.js",
        "reveal.js/dist/theme/white.css",
        "reveal.js/plugin/notes/notes.js",
    ]
    assert not re.search(r"<(script|link)[^>]+https?://", html)
    assert "MathJax.Hub" not in html  # MathJax 3, not the CDN's MathJax 2 API


def test_the_integrity_string_is_npm_s() -> None:
    empty = (  # sha512 of no bytes, as the registry writes it
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )
    assert slides.integrity_of(b"") == empty
    assert slides.REVEAL.url == "https://registry.npmjs.org/reveal.js/-/reveal.js-4.0.2.tgz"
    for tarball in (slides.REVEAL, slides.MATHJAX):
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", tarball.integrity)


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_unpack_takes_only_the_members_needed_and_nothing_outside(tmp_path: Path) -> None:
    wanted = slides.Tarball("demo", "1.0.0", "sha512-x", ("dist/",), "demo")
    data = tarball({"package/dist/a.js": b"a", "package/src/b.js": b"b", "package/README": b"r"})
    folder = slides.unpack(wanted, data, tmp_path)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.js")) == ["dist/a.js"]
    evil = tarball({"package/dist/../../../escape.js": b"x"})
    with pytest.raises(ValueError, match="leaves the folder"):
        slides.unpack(wanted, evil, tmp_path / "out")
    assert not (tmp_path / "escape.js").exists()


def test_a_cached_tarball_with_the_wrong_checksum_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tarball({"package/dist/a.js": b"a"})
    pinned = slides.Tarball("demo", "1.0.0", slides.integrity_of(good), ("dist/",), "demo")
    (tmp_path / pinned.filename).write_bytes(b"tampered")
    served: list[str] = []

    class Response(io.BytesIO):
        status = 200

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    def urlopen(url: str, timeout: float) -> Response:
        served.append(url)
        return Response(payload)

    monkeypatch.setattr(slides.urllib.request, "urlopen", urlopen)
    payload = b"not the release"
    with pytest.raises(ValueError, match="sha512 mismatch"):
        slides.fetch(pinned, tmp_path)
    assert not (tmp_path / pinned.filename).exists()  # the tampered copy is gone
    payload = good
    assert slides.fetch(pinned, tmp_path) == good
    assert slides.fetch(pinned, tmp_path) == good  # from the cache now
    assert served == [pinned.url, pinned.url]
