"""Symlinks that lead out of an ingested folder are not followed unless asked.

A shared or unpacked folder can hold a link to a home directory or /etc: `govqa ingest
FOLDER` skips every link whose target is outside FOLDER with one line saying so, and reads
them with `--follow-symlinks`. A link to a file inside the folder is the same file (read
once); a path named on the command line is read whatever it is.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_govqa
from tests.support.corpus import CLINICS, WASTE

SECRET = (
    "# Private notes\n\nThe private notes of the Osterby treasurer list every household "
    "that paid the water fee late in 2019, with their bank account numbers.\n"
)


def make_tree(root: Path) -> None:
    """corpus/ with one brief, a link to it, a link to a file outside and a link to a
    folder outside; outside/ with the secret and a second brief."""
    corpus, outside = root / "corpus", root / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "zorbania-waste.md").write_text(WASTE, encoding="utf-8")
    (corpus / "latest.md").symlink_to("zorbania-waste.md")
    (outside / "secret.md").write_text(SECRET, encoding="utf-8")
    (outside / "vantor-clinics.md").write_text(CLINICS, encoding="utf-8")
    (corpus / "notes.md").symlink_to(outside / "secret.md")
    (corpus / "shared").symlink_to(outside, target_is_directory=True)


def stored_files(report: dict) -> set[str]:
    return {Path(f["path"]).name for f in report["files"] if f["status"] == "added"}


def test_links_out_of_the_folder_are_skipped_with_one_line_each(tmp_path: Path) -> None:
    make_tree(tmp_path)

    done = run_govqa("ingest", "corpus", "--index-dir", "idx", cwd=tmp_path)

    assert done.returncode == 1, done.stderr  # 1: some files were skipped
    assert "Traceback" not in done.stderr
    skipped = sorted(line for line in done.stdout.splitlines() if line.startswith("skipped: "))
    outside = tmp_path.resolve() / "outside"
    assert skipped == [
        f"skipped: corpus/notes.md: symlink to {outside / 'secret.md'}, outside corpus; "
        "not followed (--follow-symlinks reads it)",
        f"skipped: corpus/shared: symlink to {outside}, outside corpus; "
        "not followed (--follow-symlinks reads it)",
    ]
    assert "note: corpus/zorbania-waste.md: the same file as corpus/latest.md; ingested once" in (
        done.stdout
    )
    report = json.loads((tmp_path / "idx" / "last_ingest.json").read_text(encoding="utf-8"))
    assert stored_files(report) == {"zorbania-waste.md"}

    asked = run_govqa("ask", "Who paid the water fee late?", "--index-dir", "idx", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "bank account" not in asked.stdout


def test_follow_symlinks_reads_them(tmp_path: Path) -> None:
    make_tree(tmp_path)

    done = run_govqa("ingest", "corpus", "--follow-symlinks", "--index-dir", "idx", cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "idx" / "last_ingest.json").read_text(encoding="utf-8"))
    assert stored_files(report) == {"zorbania-waste.md", "secret.md", "vantor-clinics.md"}
    # secret.md is reached twice (notes.md and shared/secret.md): read once
    assert any("secret.md: the same file as" in n for n in report["notices"]), report["notices"]
