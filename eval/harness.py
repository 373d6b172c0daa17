"""`govqa eval`: index the corpus, run govqa and the baselines on a gold set, write reports."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from app.engine import Engine
from eval.cases import load_case_queries, run_case_eval
from eval.gold import GoldQuestion, load_gold, load_jsonl, missing_evidence
from eval.report import build_report
from eval.run import (
    Scorer,
    load_external_answers,
    run_external,
    run_govqa,
    run_llama_index_baseline,
    run_retrieval_baseline,
)
from ingest.settings import Settings

DEFAULT_GOLD = Path("data/eval/gold.jsonl")
DEFAULT_SUPPORT = Path("data/eval/support.jsonl")
DEFAULT_CASES = Path("data/eval/cases.jsonl")


@dataclass
class EvalOptions:
    gold: Path = DEFAULT_GOLD
    answers: Path | None = None  # score another system's answers too
    answers_name: str = "external"
    baselines: bool = True
    ours: bool = True  # run govqa itself (off: only score the --answers file)
    limit: int | None = None  # every n-th question, for a quick run
    support_set: Path | None = DEFAULT_SUPPORT
    cases: Path | None = DEFAULT_CASES  # graded case-level queries (None: skip)
    progress: bool = True


def support_scorer_accuracy(engine: Engine, path: Path) -> dict:
    """Accuracy, precision and recall of the support scorer on the labelled pairs."""
    rows = load_jsonl(path)
    scores = engine.scorer.score([(r["sentence"], r["passage"]) for r in rows])
    threshold = engine.settings.answer.support_threshold
    said = [s >= threshold for s in scores]
    truth = [bool(r["supported"]) for r in rows]
    tp = sum(1 for s, t in zip(said, truth, strict=True) if s and t)
    return {
        "set": str(path),
        "pairs": len(rows),
        "accuracy": round(sum(s == t for s, t in zip(said, truth, strict=True)) / len(rows), 3),
        "precision": round(tp / max(1, sum(said)), 3),
        "recall": round(tp / max(1, sum(truth)), 3),
    }


def sample(questions: list[GoldQuestion], limit: int | None) -> list[GoldQuestion]:
    """A quick run's questions: each type in its share of the set (at least two of each),
    spread evenly through the file, with follow-ups kept with the questions they follow."""
    if not limit or limit >= len(questions):
        return questions
    by_type: dict[str, list[GoldQuestion]] = {}
    for q in questions:
        by_type.setdefault(q.type, []).append(q)
    picked: list[GoldQuestion] = []
    for rows in by_type.values():
        want = min(len(rows), max(2, round(limit * len(rows) / len(questions))))
        step = len(rows) / want
        picked += [rows[int(i * step)] for i in range(want)]
    ids = {q.id for q in picked}
    by_id = {q.id: q for q in questions}
    for q in list(picked):
        if q.follow_up_of and q.follow_up_of not in ids:
            picked.append(by_id[q.follow_up_of])
            ids.add(q.follow_up_of)
    return [q for q in questions if q.id in ids]


def run_eval(settings: Settings, options: EvalOptions) -> dict:
    """Score govqa (and, unless turned off, its baselines and any external answers)."""
    from tqdm import tqdm

    questions = sample(load_gold(options.gold), options.limit)
    engine = Engine(settings)
    engine.wait_for_answerer()  # score the local model's answers, not its loading fallback
    texts = {Path(d.path).name: d.text for d in engine.documents()}
    missing = missing_evidence(questions, texts)
    scorer = Scorer(engine)
    multilingual = engine.multilingual if options.baselines else None
    runs = int(options.ours) + (3 + (multilingual is not None) if options.baselines else 0)
    bar = tqdm(total=len(questions) * runs, disable=not options.progress, desc="eval")
    tick = bar.update
    results = run_govqa(engine, questions, scorer, tick) if options.ours else []
    if options.baselines:
        retriever = engine.retriever
        results += run_retrieval_baseline(
            "dense-only",
            lambda q: retriever.dense_only(engine.embedder.embed([q.question])[0], 10),
            questions,
            scorer,
            tick,
        )
        if multilingual is not None:  # the second dense channel, alone
            results += run_retrieval_baseline(
                "multilingual-only",
                lambda q: retriever.multilingual_only(multilingual.embed([q.question])[0], 10),
                questions,
                scorer,
                tick,
            )
        results += run_retrieval_baseline(
            "bm25-only", lambda q: retriever.lexical_only(q.question, 10), questions, scorer, tick
        )
        results += run_llama_index_baseline(engine, questions, scorer, tick)
    if options.answers:
        answers = load_external_answers(options.answers)
        results += run_external(options.answers_name, answers, questions, scorer)
    bar.close()
    support = (
        support_scorer_accuracy(engine, options.support_set)
        if options.support_set and options.support_set.exists()
        else None
    )
    cases = None
    if options.cases and options.cases.exists() and options.ours:
        started = time.perf_counter()
        cases = run_case_eval(engine, load_case_queries(options.cases))
        cases["set"] = str(options.cases)
        cases["seconds"] = round(time.perf_counter() - started, 2)
    meta = {
        "gold": str(options.gold),
        "questions": len(questions),
        "index": str(settings.index_dir),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "missing_evidence": missing,
        "llm": bool(settings.llm.url and settings.llm.model),
    }
    report = build_report(results, support, meta)
    report["cases"] = cases
    return report
