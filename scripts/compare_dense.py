"""Measure dense channels on gold sets before deciding how they join retrieval (issue 15.3).

What: over an existing index (its committed chunks, its stored MiniLM vectors, and USE
vectors from its multilingual collection, embedded now if it has none) scores, per gold
set, recall@5/10 and MRR of BM25 alone, MiniLM alone, USE alone, reciprocal-rank fusions
of them, and the script-aware fusion govqa uses (MiniLM reads Latin-script questions only).
Thai questions and other non-English ones are reported apart. Prints a table and writes JSON.

Why: the issue asks to measure the multilingual channel before deciding whether it joins
or replaces MiniLM; this isolates the channels from the rest of the pipeline (plans,
scoping, per-document caps), so the decision rests on the channels alone.

Run: .venv/bin/python scripts/compare_dense.py --index-dir IDX --gold G1.jsonl [G2 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.metrics import evidence_recall  # noqa: E402
from ingest.offline import enforce_offline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--gold", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--rrf-k", type=int, default=60)
    parser.add_argument("--depth", type=int, default=30)
    args = parser.parse_args()
    enforce_offline()
    os.environ.setdefault("GOVQA_INDEX_DIR", str(args.index_dir))

    from app.lexical import LexicalIndex
    from app.retrieve import reciprocal_rank_fusion
    from ingest.catalog import Catalog
    from ingest.channels import multilingual_embedder, multilingual_index
    from ingest.embed import Embedder
    from ingest.settings import Settings
    from ingest.text import is_latin, is_thai
    from ingest.vectors import VectorIndex

    settings = Settings(index_dir=args.index_dir)
    catalog = Catalog(settings.index_dir / "catalog.sqlite")
    chunks = list(catalog.all_chunks())
    ids = [c.id for c in chunks]
    texts = [c.text for c in chunks]
    print(f"{len(chunks)} chunks", flush=True)
    minilm_store = VectorIndex(settings).embeddings_for(ids)
    minilm = np.stack([minilm_store[i] for i in ids])
    stored = multilingual_index(settings, "").embeddings_for(ids)
    if len(stored) == len(ids):  # the index has the multilingual channel: read it
        use = np.stack([stored[i] for i in ids])
    else:
        use = multilingual_embedder(settings).embed(texts)
    use /= np.clip(np.linalg.norm(use, axis=1, keepdims=True), 1e-12, None)
    lexical = LexicalIndex.build(ids, texts)
    embedder = Embedder.from_settings(settings)
    use_model = multilingual_embedder(settings)
    results = {}
    for gold in args.gold:
        rows = [json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines() if x.strip()]
        rows = [r for r in rows if r.get("evidence")]
        questions = [r["question"] for r in rows]
        q_minilm = embedder.embed(questions)
        q_use = use_model.embed(questions)
        systems: dict[str, list[list[str]]] = {n: [] for n in SYSTEMS}
        latin_chunks = np.array([is_latin(t) for t in texts])
        for n, q in enumerate(questions):
            d1 = [ids[j] for j in np.argsort(-(minilm @ q_minilm[n]))[: args.depth]]
            d2 = [ids[j] for j in np.argsort(-(use @ q_use[n]))[: args.depth]]
            lx = [i for i, _ in lexical.search(q, args.depth)]
            channels = {"bm25": lx, "minilm": d1, "use": d2}
            for name, parts in SYSTEMS.items():
                if not parts:
                    continue
                if len(parts) == 1:
                    systems[name].append(channels[parts[0]])
                else:
                    fused = reciprocal_rank_fusion([channels[p] for p in parts], args.rrf_k)
                    systems[name].append(sorted(fused, key=lambda i: -fused[i]))
            # govqa's script-aware fusion: MiniLM ranks only passages in the question's
            # script, and a passage in another script is judged by USE alone
            same = latin_chunks == is_latin(q)
            scores = np.where(same, minilm @ q_minilm[n], -np.inf)
            own = [ids[j] for j in np.argsort(-scores)[: args.depth] if same[j]]
            other = {ids[j] for j in np.flatnonzero(~same)}
            for scale in SCALES:
                fused = reciprocal_rank_fusion(
                    [own, lx, d2], args.rrf_k, None, [other, other, set()], scale
                )
                systems[f"script-aware-{scale}"].append(sorted(fused, key=lambda i: -fused[i]))
        by_id = dict(zip(ids, texts, strict=True))
        table = {}
        subsets = (
            ("all", lambda r: True),
            ("thai", lambda r: is_thai(r["question"])),
            ("other", lambda r: r.get("lang", "en") not in ("en", "th")),
        )
        for subset, keep in subsets:
            picked = [n for n, r in enumerate(rows) if keep(r)]
            if not picked:
                continue
            for name, rankings in systems.items():
                r5 = r10 = rr = 0.0
                for n in picked:
                    passages = [by_id[i] for i in rankings[n][:10]]
                    ev = rows[n]["evidence"]
                    r5 += evidence_recall(passages, ev, 5)
                    r10 += evidence_recall(passages, ev, 10)
                    hit = next(
                        (k for k, p in enumerate(passages) if evidence_recall([p], ev, 1) > 0),
                        None,
                    )
                    rr += 1.0 / (hit + 1) if hit is not None else 0.0
                m = len(picked)
                table[f"{subset}/{name}"] = {
                    "n": m,
                    "recall@5": round(r5 / m, 3),
                    "recall@10": round(r10 / m, 3),
                    "mrr": round(rr / m, 3),
                }
        results[str(gold)] = table
        print(f"\n{gold} ({len(rows)} answerable questions)")
        print(f"{'system':28} {'n':>4} {'r@5':>6} {'r@10':>6} {'MRR':>6}")
        for key, row in table.items():
            print(
                f"{key:28} {row['n']:4d} {row['recall@5']:6.3f} {row['recall@10']:6.3f}"
                f" {row['mrr']:6.3f}"
            )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


SCALES = (0.0, 0.25, 0.5, 1.0)
SYSTEMS = {
    "bm25": ["bm25"],
    "minilm": ["minilm"],
    "use": ["use"],
    "bm25+minilm": ["bm25", "minilm"],
    "bm25+use": ["bm25", "use"],
    "bm25+minilm+use": ["bm25", "minilm", "use"],
    "minilm+use": ["minilm", "use"],
    **{f"script-aware-{scale}": [] for scale in SCALES},
}

if __name__ == "__main__":
    main()
