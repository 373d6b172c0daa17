"""Write a reference library, as Zotero's BibTeX export writes one, for the citizens'
assembly reports of the real development corpus, from mySociety's own assembly register.

Why: `govqa ingest --library` must be shown on a library nobody on the team wrote. The
register (`data/raw/assemblies/*.yaml` at the pinned commit) is the publisher's record of
each assembly: organisation, year, report URL. Every non-reserved assembly becomes one
`@techreport` entry; the ones whose PDF the corpus holds get a Zotero attachment field
(`file = {Full Text PDF:/abs/path.pdf:application/pdf}`) pointing at it, the rest are
entries for reports the corpus lacks (they must come out unmatched, not guessed). Reserved
documents (`holdout.md`) get no entry.

Usage: scripts/make_register_library.py [--out .govqa-real/library/citizen-assemblies.bib]
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_real_corpus import (
    ASSEMBLIES_DIR,
    DEFAULT_HOLDOUT,
    DEFAULT_MYSOCIETY_GIT,
    MYSOCIETY_COMMIT,
    REPORTS_DIR,
    ROOT,
    GitReader,
    load_assemblies,
    parse_holdout,
    report_reserved_reason,
    report_title,
)


def key_of(info: dict[str, str], stem: str) -> str:
    """Better BibTeX's shape: organisation word, year, first title word; ASCII."""
    org = re.sub(r"[^a-z]", "", (info.get("org_name") or stem).split()[0].lower())
    theme = re.sub(r"[^a-z]", "", (info.get("thematic_grouping") or "assembly").split()[0].lower())
    raw = f"{org}{info.get('assembly_year', '')}{theme}"
    return unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()


def braced(text: str) -> str:
    return "{" + text.replace("{", "(").replace("}", ")").replace("&", r"\&") + "}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / ".govqa-real/library/citizen-assemblies.bib"
    )
    parser.add_argument("--reports", type=Path, default=ROOT / ".govqa-real/reports")
    parser.add_argument("--mysociety-git", default=DEFAULT_MYSOCIETY_GIT)
    parser.add_argument("--holdout", type=Path, default=Path(DEFAULT_HOLDOUT))
    args = parser.parse_args()
    holdout = parse_holdout(args.holdout)
    git = GitReader(args.mysociety_git)
    try:
        assemblies = load_assemblies(git)
        tree = {p: sha for p, sha, _size in git.ls_tree(MYSOCIETY_COMMIT, REPORTS_DIR)}
    finally:
        git.close()
    reserved_blobs = {sha for path, sha in tree.items() if path in holdout.report_paths}
    entries, keys, attached = [], set(), 0
    for stem, info in sorted(assemblies.items()):
        path = f"{REPORTS_DIR}{stem}.pdf"
        if report_reserved_reason(path, tree.get(path, ""), info, holdout, reserved_blobs):
            continue
        key = base = key_of(info, stem)
        n = 0
        while key in keys:
            n += 1
            key = f"{base}{'abcdefghijklmnopqrstuvwxyz'[n - 1]}"
        keys.add(key)
        fields = {
            "title": report_title(f"{stem}.pdf", info),
            "author": info.get("org_name", stem),  # an institution: braced twice below
            "institution": info.get("org_name", ""),
            "year": info.get("assembly_year", ""),
            "url": info.get("report_pdf_url", ""),
            "note": f"Facilitated by {info['faciliator']}" if info.get("faciliator") else "",
        }
        pdf = (args.reports / f"{stem}.pdf").resolve()
        if pdf.is_file():
            fields["file"] = f"Full Text PDF:{pdf}:application/pdf"
            attached += 1
        body = ",\n".join(
            f"\t{k} = {{{braced(v)}}}" if k == "author" else f"\t{k} = {braced(v)}"
            for k, v in fields.items()
            if v
        )
        entries.append(f"@techreport{{{key},\n{body}\n}}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(entries)} entries from {ASSEMBLIES_DIR} at {MYSOCIETY_COMMIT[:7]}, "
        f"{attached} with the corpus's PDF attached"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
