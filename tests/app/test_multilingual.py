"""The multilingual channel: a Thai question finds an English passage and an English
question finds a Thai one (real index, real MiniLM and USE), and ingest keeps the two
channels' collections in step."""

from __future__ import annotations

import pytest

from app.engine import Engine
from ingest.channels import multilingual_index
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.text import is_latin
from ingest.vectors import VectorIndex
from tests.support.index import ingest_and_derive
from tests.support.tiny import TINY, brief

# written for this test: a community forest, told in Thai only
THAI_FOREST = brief(
    "ป่าชุมชนบ้านห้วยทราย",
    "บ้านห้วยทราย",
    "ประเทศไทย",
    "2010-2018",
    [
        "ชาวบ้านห้วยทรายตั้งคณะกรรมการป่าชุมชนขึ้นเพื่อดูแลป่าต้นน้ำ คณะกรรมการออกกฎห้ามตัดไม้"
        "และจัดเวรลาดตระเวนป้องกันไฟป่าทุกฤดูแล้ง",
        "องค์การบริหารส่วนตำบลสนับสนุนงบประมาณสำหรับทำแนวกันไฟ และโรงเรียนในหมู่บ้านพานักเรียนไปปลูกต้นไม้ทุกปี",
    ],
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("multilingual")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in {**TINY, "huai-sai-forest.md": THAI_FOREST}.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(index_dir=root / "index", corpus_dir=corpus)
    report = ingest_and_derive([corpus], settings)
    assert not report.skipped, report.skipped
    return Engine(settings)


def found_documents(engine: Engine, question: str, k: int = 3) -> list[str]:
    """The documents of the answer's first k passages of evidence, best first."""
    answer = engine.ask(question)
    assert answer.evidence, (question, answer.notice)
    return [ev.chunk.doc_id for ev in answer.evidence[:k]]


def test_an_english_question_finds_a_thai_passage(engine):
    found = found_documents(
        engine, "Which village organised patrols to stop forest fires in the dry season?"
    )
    assert any(d.startswith("huai-sai-forest") for d in found)


def test_a_thai_question_finds_an_english_passage(engine):
    # "Which villages formed water boards that repaired wells and collected a fee?"
    found = found_documents(engine, "หมู่บ้านใดตั้งคณะกรรมการน้ำที่ซ่อมบ่อน้ำและเก็บค่าธรรมเนียมจากทุกครัวเรือน")
    assert any(d.startswith("lakeside-water") for d in found)


def test_minilm_votes_only_on_passages_in_the_question_script(engine):
    answer = engine.ask("คณะกรรมการน้ำของหมู่บ้านซ่อมบ่อน้ำอย่างไร")
    assert answer.evidence
    voted = [ev for ev in answer.evidence if ev.dense is not None]
    assert voted and all(not is_latin(ev.chunk.text) for ev in voted)  # Thai passages only
    english = [ev for ev in answer.evidence if is_latin(ev.chunk.text)]
    assert english and all(ev.multilingual is not None for ev in english)  # USE read them


def test_every_chunk_has_a_vector_in_both_channels_and_removal_clears_both(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("riverton-budget.md", "lakeside-water.md"):
        (corpus / name).write_text(TINY[name], encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    ingest([corpus], settings)
    minilm = VectorIndex(settings)
    use = multilingual_index(settings, "")
    assert minilm.all_ids() == use.all_ids() and minilm.count() > 0
    before = minilm.all_ids()
    (corpus / "lakeside-water.md").unlink()
    ingest([corpus], settings, sync=True)
    assert minilm.all_ids() == use.all_ids() and minilm.all_ids() < before


def test_the_channel_can_be_turned_off(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "riverton-budget.md").write_text(TINY["riverton-budget.md"], encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", embed_multilingual=False)
    ingest([corpus], settings)
    assert VectorIndex(settings).count() > 0
    assert multilingual_index(settings, "").count() == 0
    answer = Engine(settings).ask("How did Riverton residents decide the budget?")
    assert all(ev.multilingual is None for ev in answer.evidence)
