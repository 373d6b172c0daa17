"""The multilingual channel: a Thai question finds an English passage and an English
question finds a Thai one (real index, real MiniLM and USE), and ingest keeps the two
channels' collections in step."""

from __future__ import annotations

import pytest

from app.engine import Engine
from ingest.channels import multilingual_index
from ingest.pipeline import ingest
from ingest.settings import Settings
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
        "องค์การบริหารส่วนตำบลสนับสนุนงบประมาณสำหรับทำแนวกันไฟ "
        "และโรงเรียนในหมู่บ้านพานักเรียนไปปลูกต้นไม้ทุกปี",
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


def cited_document(engine: Engine, question: str) -> str:
    """The document of the answer's first source: where a reader is sent first."""
    answer = engine.ask(question)
    assert answer.sources, (question, answer.notice)
    return answer.sources[0].doc_id


def test_an_english_question_finds_a_thai_passage(engine):
    doc = cited_document(
        engine, "Which village organised patrols to stop forest fires in the dry season?"
    )
    assert doc.startswith("huai-sai-forest")


def test_a_thai_question_finds_an_english_passage(engine):
    # "Which villages formed water boards that repaired wells and collected a fee?"
    doc = cited_document(
        engine, "หมู่บ้านใดตั้งคณะกรรมการน้ำที่ซ่อมบ่อน้ำและเก็บค่าธรรมเนียมจากทุกครัวเรือน"
    )
    assert doc.startswith("lakeside-water")


def test_minilm_does_not_vote_on_a_thai_question(engine):
    answer = engine.ask("คณะกรรมการน้ำของหมู่บ้านซ่อมบ่อน้ำอย่างไร")
    assert answer.evidence
    assert all(ev.dense is None for ev in answer.evidence)  # MiniLM reads Thai as noise
    assert any(ev.multilingual is not None for ev in answer.evidence)


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
