"""Grading for real: nbgrader releases every notebook, students hand in, nbgrader autogrades.

Four students hand in every assignment: one who changed nothing (every exercise scores 0, and
its feedback says "not implemented yet"), one who pasted in the reference solutions (full
points), and two typical students who each get half of the exercises wrong in a typical way
(tests/nbgrader_answers.py: partial points, and each wrong exercise's feedback carries its
hint). The score table goes to build/reports/nbgrader-scores.md.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import release as course  # tools/release.py
from nbgrader_answers import WRONG

pytestmark = pytest.mark.nbgrader
SOLUTION = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
STUDENTS = ("untouched", "reference", "typical-a", "typical-b")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def grade_id(cell: dict[str, Any]) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def exercises(source: Path) -> list[tuple[str, str]]:
    """(solution cell id, test cell id) of every exercise, in notebook order."""
    meta = [
        cell["metadata"]["nbgrader"]
        for cell in load(source)["cells"]
        if "nbgrader" in cell.get("metadata", {})
    ]
    solutions = [m["grade_id"] for m in meta if m.get("solution")]
    tests = [m["grade_id"] for m in meta if m.get("grade")]
    return list(zip(solutions, tests, strict=True))


def wrong_for(student: str, source: Path) -> set[str]:
    """The exercises a typical student gets wrong: every other one, from the first (a) or second."""
    start = {"typical-a": 0, "typical-b": 1}.get(student)
    if start is None:
        return set()
    return {solution for solution, _ in exercises(source)[start::2]}


def with_reference_solutions(
    released: Path, source: Path, out: Path, wrong: set[str] = frozenset()
) -> None:
    """The release with every solution cell's stub replaced by the instructor's solution, or,
    for the exercises in ``wrong``, by the typical wrong answer of tests/nbgrader_answers.py."""
    solutions = {
        grade_id(cell): "".join(
            line for line in cell["source"] if not SOLUTION.match(line.rstrip("\n"))
        )
        for cell in load(source)["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    solutions.update({exercise: WRONG[exercise][0] for exercise in wrong})
    nb = load(released)
    replaced = 0
    for cell in nb["cells"]:
        if grade_id(cell) in solutions and cell["metadata"]["nbgrader"].get("solution"):
            cell["source"] = solutions[grade_id(cell)]
            replaced += 1
    assert replaced == len(solutions) > 0, f"{released.name}: {replaced} of {len(solutions)}"
    out.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("course")
    sources = course.make_course(root)
    for assignment in sources:
        course.nbgrader(root, "generate_assignment", assignment, "--force")
    for assignment, source in sources.items():
        released = root / "release" / assignment / source.name
        for student in STUDENTS:
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            if student == "untouched":
                shutil.copy2(released, folder / source.name)
            else:
                wrong = wrong_for(student, source)
                with_reference_solutions(released, source, folder / source.name, wrong)
        course.nbgrader(root, "autograde", assignment, "--force")
        course.nbgrader(root, "generate_feedback", assignment, "--force")

    from nbgrader.api import Gradebook

    scores: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for assignment in sources:
            for student in STUDENTS:
                submission = gradebook.find_submission(assignment, student)
                scores[assignment, student] = {
                    grade.name: (grade.score, grade.max_score)
                    for notebook in submission.notebooks
                    for grade in notebook.grades
                }
    report = [
        "| assignment | exercises | " + " | ".join(STUDENTS) + " |",
        "|---|---|" + "---|" * len(STUDENTS),
    ]
    for assignment, source in sources.items():
        row = [assignment + f" ({source.stem})", str(len(scores[assignment, "untouched"]))]
        for student in STUDENTS:
            got = sum(score for score, _ in scores[assignment, student].values())
            top = sum(top for _, top in scores[assignment, student].values())
            row.append(f"{got:g} / {top:g}")
        report.append("| " + " | ".join(row) + " |")
    reports = Path(__file__).resolve().parents[1] / "build" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "nbgrader-scores.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    return {"root": root, "sources": sources, "scores": scores}


def test_every_notebook_has_graded_exercises(graded: dict[str, Any]) -> None:
    assert len(graded["sources"]) == len(course.NOTEBOOKS) >= 7
    for assignment in graded["sources"]:
        assert graded["scores"][assignment, "untouched"], f"{assignment}: no graded cells"


def test_the_untouched_release_scores_zero_and_says_not_implemented(
    graded: dict[str, Any],
) -> None:
    root: Path = graded["root"]
    for assignment, source in graded["sources"].items():
        scores = graded["scores"][assignment, "untouched"]
        assert all(score == 0 for score, _ in scores.values()), (assignment, scores)
        feedback = (root / "feedback" / "untouched" / assignment / source.name).with_suffix(".html")
        html = feedback.read_text(encoding="utf-8")
        assert html.count("not implemented yet") >= len(scores), assignment
        assert "coursekit/check" not in html, f"{assignment}: the package's frames are shown"


def test_the_reference_solutions_score_full_points(graded: dict[str, Any]) -> None:
    for assignment in graded["sources"]:
        scores = graded["scores"][assignment, "reference"]
        lost = {name: got for name, (got, top) in scores.items() if got != top}
        assert not lost, f"{assignment}: the reference solutions lose points on {lost}"


def test_every_exercise_has_a_typical_wrong_answer(graded: dict[str, Any]) -> None:
    ids = {solution for source in graded["sources"].values() for solution, _ in exercises(source)}
    assert ids == set(WRONG)


def test_typical_wrong_answers_score_partially_and_get_their_hint(graded: dict[str, Any]) -> None:
    root: Path = graded["root"]
    for assignment, source in graded["sources"].items():
        tests = dict(exercises(source))
        for student in ("typical-a", "typical-b"):
            scores = graded["scores"][assignment, student]
            wrong = wrong_for(student, source)
            for solution, test in tests.items():
                got, top = scores[test]
                expected = 0 if solution in wrong else top
                assert got == expected, (assignment, student, test, got, top)
            total = sum(got for got, _ in scores.values())
            assert 0 < total < sum(top for _, top in scores.values()), (assignment, student)
            feedback = root / "feedback" / student / assignment / source.with_suffix(".html").name
            # the feedback wraps long messages: compare with the line breaks as spaces
            text = " ".join(html.unescape(feedback.read_text(encoding="utf-8")).split())
            for solution in wrong:
                assert WRONG[solution][1] in text, (assignment, student, solution)
            assert "coursekit/check" not in text
