"""The README quotes generated documents and commands; these checks keep the quotes true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _summary_rows(text: str) -> list[str]:
    """The rows of the periodic-against-features summary table (with the interval of its
    difference, where the ablation folders had the rows' test predictions)."""
    return re.findall(r"^\| .+ \| .+ \(trees(?:, network weight [\d.]+)?\)"
                      r"(?: \(\d+/\d+ folds\))? \| .+ "
                      r"\| [+-]\d\.\d{3,5} \|(?: (?:[+-]?\d\.\d{3} to [+-]?\d\.\d{3}|-) \|)?$",
                      text, re.MULTILINE)


def test_the_readmes_results_table_is_the_one_generated_in_docs() -> None:
    readme = _summary_rows((ROOT / "README.md").read_text())
    generated = _summary_rows((ROOT / "docs" / "results.md").read_text())
    assert generated, "docs/results.md has no summary table"
    assert readme == generated


def test_ci_runs_the_readmes_test_command() -> None:
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert command.startswith("python3 -m venv .venv") and "pytest" in command
    assert command in (ROOT / "README.md").read_text()


def test_the_documents_links_point_to_files_that_exist() -> None:
    """The README is an overview that links to docs/; a link to a moved or renamed page
    would leave a reader at a dead end."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to {target}"
            checked += 1
    assert checked >= 8  # the README's links to each docs page
