"""Bytes on disk per chunk: Chroma (embedded store or a `chroma run` server's data dir) plus
the SQLite catalog, from real ingests of the sample corpus and a scaled synthetic corpus.

    .venv/bin/python scripts/measure_storage.py --chunks 5000 --out reports/storage.json

Each (corpus, mode) is ingested into a fresh index under .govqa-bench/storage/; the server
is stopped (SIGTERM, so it flushes) before its directory is measured.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.offline import enforce_offline

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".govqa-bench" / "storage"


def tree_bytes(path: Path) -> int:
    """Allocated bytes (what `du` counts), so sparse or preallocated files count as used."""
    if not path.exists():
        return 0
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_blocks * 512 for p in files)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(corpus: Path, name: str, mode: str) -> dict:
    from ingest.chroma_server import ChromaServer
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    base = WORK / f"{name}-{mode}"
    shutil.rmtree(base, ignore_errors=True)
    server = None
    settings = Settings(index_dir=base / "idx")
    if mode == "server":
        server = ChromaServer(base / "chroma-server", free_port()).start()
        settings = settings.replace(chroma_url=server.url)
    started = time.perf_counter()
    try:
        report = ingest([corpus], settings)
    finally:
        if server is not None:
            server.stop()
    seconds = time.perf_counter() - started
    # fold the write-ahead log into the catalog file, as a closed database would be
    with sqlite3.connect(settings.catalog_path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        chunks = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        text_bytes = con.execute("SELECT SUM(LENGTH(CAST(text AS BLOB))) FROM chunks").fetchone()[0]
    catalog = sum(
        tree_bytes(settings.index_dir / n) for n in ("catalog.sqlite", "catalog.sqlite-wal")
    )
    chroma = tree_bytes(server.path if server else settings.chroma_dir)
    return {
        "corpus": name,
        "mode": mode,
        "files": len(report.files),
        "chunks": chunks,
        "chunk_text_bytes_avg": round(text_bytes / chunks),
        "chroma_bytes": chroma,
        "catalog_bytes": catalog,
        "chroma_bytes_per_chunk": round(chroma / chunks),
        "catalog_bytes_per_chunk": round(catalog / chunks),
        "bytes_per_chunk": round((chroma + catalog) / chunks),
        "ingest_s": round(seconds, 1),
    }


def main() -> None:
    enforce_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000, help="size of the scaled corpus")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--out", type=Path, default=Path("reports/storage.json"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_scale_corpus import make_scale_corpus

    scaled = make_scale_corpus(
        ROOT / "data" / "corpus", ROOT / ".govqa-bench" / str(args.chunks) / "corpus", args.chunks
    )
    rows = []
    for corpus, name in ((ROOT / "data" / "corpus", "sample"), (scaled, f"scaled-{args.chunks}")):
        for mode in args.modes.split(","):
            row = measure(corpus, name, mode)
            print(json.dumps(row), flush=True)
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
