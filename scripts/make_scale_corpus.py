"""Make a synthetic corpus of about N chunks from the sample briefs, for scale benchmarks.

Each synthetic document is a shuffled mix of paragraphs from several briefs in data/corpus,
with the briefs' places and countries swapped for fictional ones, written as Markdown with
the same front matter as a sample brief. Deterministic for a given (n_chunks, seed) and the
same sources; a corpus already in `out_dir` for those is reused. No downloads.

    .venv/bin/python scripts/make_scale_corpus.py .govqa-bench/1000/corpus --chunks 1000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

# Measured with ingest's own chunker on corpora made here (bench.py reports the real count):
# section and list breaks end chunks early, so a chunk averages ~105 of its 170 words, close
# to the sample briefs' own ~95.
WORDS_PER_CHUNK = 105
# Bump when what a given (n_chunks, seed) produces changes, so cached corpora are rebuilt.
FORMAT_VERSION = 1
MARKER = ".scale-corpus.json"  # hidden: neither our ingest nor SimpleDirectoryReader reads it

# Fictional towns: every prefix with every suffix, 256 names (several documents per town in
# a large corpus, as a real literature has several papers on one place).
TOWN_PREFIXES = [
    "Vel", "Cor", "Mar", "Tal", "Bren", "Dun", "Ost", "Kael",
    "Sor", "Lin", "Var", "Quen", "Hal", "Ives", "Nor", "Ard",
]  # fmt: skip
TOWN_SUFFIXES = [
    "mere", "ford", "wick", "holm", "stead", "bury", "dale", "haven",
    "port", "crest", "field", "moor", "ton", "by", "garde", "vale",
]  # fmt: skip
COUNTRIES = [
    "Aldoria", "Belmark", "Costavia", "Drenland", "Estmark", "Faloria",
    "Gravenia", "Hollin", "Istria Nova", "Jorvania", "Kestria", "Lunaria",
]  # fmt: skip
SECTIONS = [
    "Background", "Actors", "Mechanism", "Resources",
    "Outcomes", "Success factors", "Limitations and criticism",
]  # fmt: skip
DISCLAIMER = (
    "This is a synthetic document generated for benchmarking govqa; it is not a published article."
)
_NAME_PIECE = re.compile(r"^[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*$")


@dataclass
class Brief:
    """One source brief: its facets, its body paragraphs and the place names it uses."""

    name: str
    fields: dict
    paragraphs: list[str]
    places: list[str]
    country: str


def towns() -> list[str]:
    return [prefix + suffix for prefix in TOWN_PREFIXES for suffix in TOWN_SUFFIXES]


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    try:
        _, front, body = text.split("---\n", 2)
        fields = yaml.safe_load(front)
    except (ValueError, yaml.YAMLError):
        return {}, text
    return (fields, body) if isinstance(fields, dict) else ({}, text)


def place_names(place: str) -> list[str]:
    """The proper names inside a place field: "Surakarta (Solo), Central Java" gives three;
    descriptions such as "47 counties" or "all municipalities" give none."""
    pieces = (p.strip() for p in re.split(r"[(),;]|\band\b", place))
    return [p for p in pieces if _NAME_PIECE.match(p)]


def load_briefs(source_dir: Path) -> list[Brief]:
    """The .md/.txt files with front matter. The raw Kalasin extraction has none and is left
    out: its damaged lines in every document would make this a cleaning benchmark."""
    briefs = []
    for path in sorted(source_dir.iterdir()):
        if path.suffix.lower() not in (".md", ".txt"):
            continue
        fields, body = split_front_matter(path.read_text(encoding="utf-8"))
        if not fields:
            continue
        paragraphs = [
            " ".join(block.split()) if not block.lstrip().startswith("- ") else block.strip()
            for block in re.split(r"\n\s*\n", body)
            if block.strip()
            and not block.lstrip().startswith("#")
            and "sample summary written for the govqa project" not in block
            and len(block.split()) >= 12
        ]
        briefs.append(
            Brief(
                name=path.name,
                fields=fields,
                paragraphs=paragraphs,
                places=place_names(str(fields.get("place", ""))),
                country=str(fields.get("country", "")),
            )
        )
    if len(briefs) < 3:
        raise ValueError(f"{source_dir}: need at least 3 briefs with front matter")
    return briefs


def source_digest(source_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source_dir.iterdir()):
        if path.suffix.lower() in (".md", ".txt"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def swapper(briefs: list[Brief]):
    """A function that replaces every source place with `town` and country with `country`."""
    places = {p for b in briefs for p in b.places}
    countries = {b.country for b in briefs if b.country}
    names = sorted(places | countries, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")

    def swap(text: str, town: str, country: str) -> str:
        return pattern.sub(lambda m: country if m.group(1) in countries else town, text)

    return swap


def synthetic_document(
    rng: random.Random, briefs: list[Brief], town: str, swap
) -> tuple[dict, str, int]:
    """Front matter fields, Markdown text and word count of one synthetic document."""
    sources = rng.sample(briefs, rng.randint(3, 5))
    pool = [p for b in sources for p in b.paragraphs]
    paragraphs = rng.sample(pool, min(len(pool), rng.randint(8, 16)))
    country = rng.choice(COUNTRIES)
    start = rng.randint(1975, 2015)
    end = start + rng.randint(1, 12)
    areas: list[str] = []
    for brief in sources:
        area = brief.fields.get("policy_area") or []
        first = area[0] if isinstance(area, list) and area else str(area or "participation")
        if first not in areas:
            areas.append(first)
    areas = areas[:3]
    title = f"{areas[0].capitalize()} in {town}, {start}-{end}"
    fields = {
        "title": title,
        "authors": ["govqa scale corpus"],
        "year": min(end + rng.randint(1, 6), 2026),
        "place": town,
        "country": country,
        "level": str(sources[0].fields.get("level", "local")),
        "policy_area": areas,
        "case_years": f"{start}-{end}",
    }
    front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items())
    body = [DISCLAIMER, f"# {title}"]
    sections = iter(SECTIONS)
    i = 0
    while i < len(paragraphs):
        heading = next(sections, None)
        take = rng.randint(1, 3) if heading else len(paragraphs) - i
        if heading:
            body.append(f"## {heading}")
        body.extend(swap(p, town, country) for p in paragraphs[i : i + take])
        i += take
    words = sum(len(p.split()) for p in paragraphs)
    return fields, f"---\n{front}\n---\n" + "\n\n".join(body) + "\n", words


def make_scale_corpus(source_dir: Path, out_dir: Path, n_chunks: int, seed: int = 0) -> Path:
    """Write about `n_chunks` chunks' worth of synthetic documents into `out_dir`, or reuse
    the corpus already there when it was made for the same (n_chunks, seed) and sources."""
    wanted = {
        "n_chunks": n_chunks,
        "seed": seed,
        "version": FORMAT_VERSION,
        "sources": source_digest(source_dir),
    }
    marker = out_dir / MARKER
    if marker.is_file():
        try:
            made = json.loads(marker.read_text())
        except ValueError:
            made = {}
        if {k: made.get(k) for k in wanted} == wanted:
            return out_dir
        marker.unlink()  # a stale marker must not survive a half-written new corpus
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("scale-*.md"):
        old.unlink()
    rng = random.Random(seed)
    briefs = load_briefs(source_dir)
    swap = swapper(briefs)
    names = towns()
    rng.shuffle(names)
    documents = []
    words = 0
    while words < n_chunks * WORDS_PER_CHUNK:
        i = len(documents)
        town = names[i % len(names)]
        fields, text, count = synthetic_document(rng, briefs, town, swap)
        name = f"scale-{i:05d}-{town.lower()}.md"
        (out_dir / name).write_text(text, encoding="utf-8")
        facets = ("title", "place", "country", "policy_area")
        documents.append({"file": name, **{k: fields[k] for k in facets}})
        words += count
    # written last: a run killed half-way leaves no marker, so the next one starts over
    marker.write_text(json.dumps({**wanted, "words": words, "documents": documents}, indent=1))
    return out_dir


def scale_documents(out_dir: Path) -> list[dict]:
    """Title, place, country and policy areas of each document of a corpus made here."""
    return json.loads((out_dir / MARKER).read_text())["documents"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--chunks", type=int, default=1000, help="about how many chunks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, default=Path("data/corpus"))
    args = parser.parse_args()
    out = make_scale_corpus(args.source, args.out_dir, args.chunks, args.seed)
    print(f"{out}: {len(scale_documents(out))} documents")


if __name__ == "__main__":
    main()
