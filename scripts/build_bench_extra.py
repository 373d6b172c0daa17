"""More real text for the latency bench: the real corpus (`build_real_corpus.py`) holds
15,143 chunks, and `make bench` must measure at 20k real ones.

What: copies, from pinned commits of three public repositories (mirrored with the tool
library's `fetch`), their prose documents byte for byte into `.govqa-real/extra/<owner>+<repo>/`:

* the-engine-room/library: Responsible Data guides and handbooks (civil society and
  technology, in English, Spanish, French, Portuguese and Indonesian), Markdown;
* the-engine-room/responsible-data-handbook: the Responsible Data handbook, Markdown;
* the-engine-room/alidade: its research report on how civil-society organisations choose
  technology, and the report's summary (PDF);
* govau/service-manual: the Australian Government's Digital Service Standard guidance
  (public services designed with their users), Markdown;
* decidim/documentation: the manual of Decidim, the participatory-democracy platform
  (processes, assemblies, participatory budgets; English, Spanish, Catalan, Portuguese),
  AsciiDoc saved as `.txt` (govqa reads no AsciiDoc: its markup stays as a reader sees it).

Why here and not in `data/real`: the bench needs size, not gold questions, and none of these
texts has a licence that says it may be redistributed here, so they are not committed (as
the council reports are not). The documents reserved in `shared/holdout.md` under
the-engine-room/library, and every translation of them (the same file name in a language
folder), are never copied; the script says how many it left out and checks none slipped in.

    .venv/bin/python scripts/build_bench_extra.py   # then: make bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
MIRRORS = Path("/work/.mirror")
DEFAULT_HOLDOUT = ROOT.parent / "shared" / "holdout.md"


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    under: str  # folder of the repository read
    suffixes: tuple[str, ...]
    saved_as: str  # suffix written ("" keeps the file's own)
    only: tuple[str, ...] = ()  # file names to take (empty: every one with a suffix)


SOURCES = (
    Source(
        "the-engine-room/library",
        "7bd7e9ad9785265ee98f73b742a83b66f3ed087c",
        "_books",
        (".md",),
        "",
    ),
    Source(
        "the-engine-room/responsible-data-handbook",
        "8ba8a67b21e532bd0f164cd7fd1e6a66f3f4924e",
        "",
        (".md",),
        "",
    ),
    Source(
        "the-engine-room/alidade",
        "d14abe33cd5e86b1281e9264df8cde5048775d7c",
        "public/assets",
        (".pdf",),
        "",
        ("tool-selection-research-report.pdf", "tool-selection-research-summary.pdf"),
    ),
    Source(
        "govau/service-manual", "5354f71b2e65519f0e1255590914a1dfeae6a949", "content", (".md",), ""
    ),
    Source(
        "decidim/documentation",
        "ca1e2f105471ceb46f9e5e94e520a6775aaa74ee",
        "docs",
        (".adoc",),
        ".txt",
    ),
)
# navigation and stub pages: lists of links, no prose
SKIP_NAMES = {"nav.adoc", "README.md", "CHANGELOG.md", "LICENSE.md", "CONTRIBUTING.md"}


def git_dir(repo: str) -> Path:
    base = MIRRORS / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def reserved_paths(holdout: Path, repo: str) -> set[str]:
    """The paths holdout.md lists under the repository's own heading."""
    section = re.search(
        rf"^## {re.escape(repo)}\s*$(.*?)(?=^## |\Z)", holdout.read_text(), re.M | re.S
    )
    return set(re.findall(r"`([^`]+)`", section.group(1))) if section else set()


def is_reserved(path: str, reserved: set[str]) -> bool:
    """A listed path, or a translation of one: the same file name one language folder down."""
    name = PurePosixPath(path).name
    return path in reserved or any(PurePosixPath(r).name == name for r in reserved)


def build(out: Path, holdout: Path) -> dict:
    if out.exists():
        shutil.rmtree(out)
    manifest: dict = {"sources": [], "documents": [], "excluded_reserved": []}
    for source in SOURCES:
        git = git_dir(source.repo)
        reserved = reserved_paths(holdout, source.repo)
        listing = subprocess.run(
            [
                "git",
                "-C",
                str(git),
                "ls-tree",
                "-r",
                "--name-only",
                source.commit,
                "--",
                source.under or ".",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        manifest["sources"].append({"repo": source.repo, "commit": source.commit})
        for path in filter(None, listing):
            name = PurePosixPath(path).name
            if not path.endswith(source.suffixes) or name in SKIP_NAMES:
                continue
            if source.only and name not in source.only:
                continue
            if is_reserved(path, reserved):
                manifest["excluded_reserved"].append(f"{source.repo}:{path}")
                continue
            data = subprocess.run(
                ["git", "-C", str(git), "show", f"{source.commit}:{path}"],
                check=True,
                capture_output=True,
            ).stdout
            target = out / source.repo.replace("/", "+") / path
            if source.saved_as:
                target = target.with_suffix(source.saved_as)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            manifest["documents"].append(
                {
                    "file": str(target.relative_to(out)),
                    "repo": source.repo,
                    "commit": source.commit,
                    "path": path,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                }
            )
    for reserved in manifest["excluded_reserved"]:
        repo, path = reserved.split(":", 1)
        assert not any(d["repo"] == repo and d["path"] == path for d in manifest["documents"])
    # beside the folder, not in it: the bench ingests the folder
    out.with_name(out.name + "-manifest.json").write_text(
        json.dumps(manifest, indent=1), encoding="utf-8"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".govqa-real/extra")
    parser.add_argument("--holdout", type=Path, default=DEFAULT_HOLDOUT)
    args = parser.parse_args()
    manifest = build(args.out, args.holdout)
    total = sum(d["bytes"] for d in manifest["documents"])
    print(f"{len(manifest['documents'])} documents, {total} bytes, in {args.out}")
    print(f"reserved left out: {len(manifest['excluded_reserved'])}")
    for reserved in manifest["excluded_reserved"]:
        print(f"  {reserved}")


if __name__ == "__main__":
    main()
