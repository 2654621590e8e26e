"""tools/release.py: the course folder nbgrader works in (the grading itself: test_nbgrader.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import release as course  # tools/release.py


def test_each_notebook_is_an_assignment_named_after_its_section() -> None:
    assert course.assignment_of(Path("5.1-network-optimization.ipynb")) == "ch5_1"
    assert [course.assignment_of(nb) for nb in course.NOTEBOOKS] == [
        f"ch5_{k}" for k in range(1, len(course.NOTEBOOKS) + 1)
    ]
    with pytest.raises(ValueError, match="start with their section"):
        course.assignment_of(Path("intro.ipynb"))


def test_the_course_folder_holds_the_sources_and_a_config(tmp_path: Path) -> None:
    sources = course.make_course(tmp_path, course.NOTEBOOKS[:2])
    assert list(sources) == ["ch5_1", "ch5_2"]
    assert sources["ch5_1"].read_bytes() == course.NOTEBOOKS[0].read_bytes()
    config = (tmp_path / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "c.Execute.timeout = 30" in config and str(tmp_path) in config
    with pytest.raises(FileNotFoundError, match="no notebook at"):
        course.make_course(tmp_path, [tmp_path / "5.9-missing.ipynb"])
    with pytest.raises(ValueError, match="notebooks is empty"):
        course.make_course(tmp_path, [])


def test_a_failing_nbgrader_command_says_what_it_printed(tmp_path: Path) -> None:
    course.make_course(tmp_path, course.NOTEBOOKS[:1])
    with pytest.raises(RuntimeError, match="nbgrader generate_assignment ch9_9 failed"):
        course.nbgrader(tmp_path, "generate_assignment", "ch9_9")


def test_a_kept_release_leaves_a_students_notebook_alone(tmp_path: Path) -> None:
    mine = tmp_path / course.NOTEBOOKS[0].name
    mine.write_text("my work", encoding="utf-8")
    assert course.release(tmp_path, course.NOTEBOOKS[:1], keep=True) == []
    assert mine.read_text(encoding="utf-8") == "my work"
    written = course.release(tmp_path, course.NOTEBOOKS[:1])
    assert written == [mine] and "NotImplementedError" in mine.read_text(encoding="utf-8")


def test_the_instructors_course_folder_keeps_submissions_and_updates_releases(
    tmp_path: Path,
) -> None:
    """`make course`: nbgrader releases into the folder; a second run replaces the release and
    keeps what students handed in."""
    released = course.course(tmp_path, course.NOTEBOOKS[:1])
    assert released == [tmp_path.resolve() / "release" / "ch5_1" / course.NOTEBOOKS[0].name]
    text = released[0].read_text(encoding="utf-8")
    assert "raise NotImplementedError()" in text and "BEGIN HIDDEN TESTS" not in text
    handed_in = tmp_path / "submitted" / "alice" / "ch5_1" / course.NOTEBOOKS[0].name
    handed_in.parent.mkdir(parents=True)
    handed_in.write_text(text, encoding="utf-8")
    released[0].write_text("stale", encoding="utf-8")
    course.course(tmp_path, course.NOTEBOOKS[:1])
    assert released[0].read_text(encoding="utf-8") == text
    assert handed_in.read_text(encoding="utf-8") == text
    assert (tmp_path / "gradebook.db").is_file()
    assert course.main(["--course", "a", "b"]) == 2
