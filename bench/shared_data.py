"""Where the shared, human-labelled data sets live (../shared/data from the project root).

The benches that measure how well the product reads customers score against them; a worktree
sits deeper than the main checkout, so the folder is looked for above the repository.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def folder(name: str) -> Path:
    """`shared/data/<name>` beside the checkout, or above it when run from a worktree."""
    for parent in REPO.parents:
        if (parent / "shared/data").is_dir():
            return parent / "shared/data" / name
    return REPO.parent / "shared/data" / name
