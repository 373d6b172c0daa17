"""The question plan: follow-ups, named-case scope, comparisons, the per-document cap and
the scope type, decided once from the question (real index, real model)."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from app.plan import (
    PerDocument,
    Reach,
    Scope,
    SpareThread,
    asks_for_several_cases,
    clean_question,
    is_follow_up,
    plan_question,
)


def plan(engine, question, context=None, compare=None):
    return plan_question(
        question, engine.retriever, engine.embedder, engine.settings, context, compare
    )


def doc(engine, prefix: str) -> str:
    return next(d for d in engine.retriever.documents() if d.startswith(prefix))


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("Who took part in it?", True),
        ("And what did the mayor do?", True),
        ("How did the water boards collect fees?", False),
    ],
)
def test_follow_up_wording(question, follows):
    assert is_follow_up(question) is follows


def test_a_follow_up_stays_on_the_previous_case_and_is_searched_with_its_place(tiny):
    lakeside = doc(tiny, "lakeside")
    p = plan(tiny, "Who trained them?", context=[lakeside])
    assert p.follow_up
    assert p.scope == Scope.of({lakeside})
    assert p.searched == "Who trained them? (Lakeside)"
    assert p.search.text == p.inner == "Who trained them?"  # inside the case, no name


def test_without_a_previous_case_nothing_is_a_follow_up(tiny):
    p = plan(tiny, "Who trained them?")
    assert not p.follow_up and p.scope == Scope.corpus()


def test_a_named_case_scopes_the_search_and_is_stripped_from_its_text(tiny):
    p = plan(tiny, "Who led the Lakeside water boards?")
    assert p.named == {doc(tiny, "lakeside"): {"Lakeside"}}
    assert p.scope == Scope.of({doc(tiny, "lakeside")})
    assert "Lakeside" not in p.inner and p.search.text == p.inner
    assert p.search.vector is p.inner_vector


def test_a_country_is_not_a_case_name_but_keeps_the_search_to_its_cases(tiny):
    # "Freedonia" is the country of two briefs: neither is named, both are searched
    p = plan(tiny, "How did councils in Freedonia spend their budgets?")
    assert p.named == {} and p.focus == []
    assert p.scope == Scope.of_countries({doc(tiny, "riverton"), doc(tiny, "hillcrest")})
    assert "Freedonia" not in p.inner
    # one brief's country, written as the country: still not that brief's name
    one = plan(tiny, "What did Sylvania's villages repair?")
    assert one.named == {} and one.scope.reach is Reach.COUNTRIES


def test_a_comparison_of_two_named_cases_lists_them_in_the_order_named(tiny):
    p = plan(tiny, "Compare Lakeside and Riverton")
    assert p.compare == (doc(tiny, "lakeside"), doc(tiny, "riverton"))
    assert [s.scope for s in p.case_searches()] == [Scope.of({d}) for d in p.compare]
    assert plan(tiny, "Lakeside and Riverton budgets").compare == ()


def test_an_explicit_comparison_list_wins(tiny):
    wanted = [doc(tiny, "hillcrest"), doc(tiny, "riverton")]
    assert plan(tiny, "How were decisions made?", compare=wanted).compare == tuple(wanted)


def test_the_per_document_cap(tiny):
    assert asks_for_several_cases("Which cities let residents vote?")
    several = plan(tiny, "Which cities let residents vote on budgets?")
    assert several.per_document == PerDocument(at_most=2)
    assert several.per_document.limit(6) == 2
    assert plan(tiny, "How did residents vote on budgets?").per_document.limit(6) == 6
    two = plan(tiny, "What did Lakeside and Riverton residents decide?")
    assert two.per_document == PerDocument(shared_by=2)
    assert (two.per_document.limit(6), two.per_document.limit(10)) == (3, 5)


def test_nearby_cases_are_searched_everywhere_whatever_the_question_names(tiny):
    p = plan(tiny, "Who led the Lakeside water boards?")
    nearby = p.nearby_search(tiny.settings)
    assert nearby.scope.reach is Reach.CORPUS_IGNORING_NAMES and not nearby.scope.limited
    assert nearby.per_document.limit(12) == tiny.settings.cases.related_per_document


def test_the_scope_type_has_one_meaning_per_value():
    assert Scope.corpus() != Scope.ignoring_names() != Scope.of({"a"})
    assert Scope.of({"a"}) != Scope.of_countries({"a"})
    assert not Scope.corpus().limited and Scope.of(["a"]).limited
    assert Scope.of_countries({"a"}).limited
    assert Scope.of(["a", "b"]).documents == frozenset({"a", "b"})
    with pytest.raises(ValueError):
        Scope(Reach.DOCUMENTS)  # "these documents" with none
    with pytest.raises(ValueError):
        Scope(Reach.CORPUS, frozenset({"a"}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Scope.corpus().reach = Reach.DOCUMENTS


def test_questions_are_cleaned_to_one_visible_line():
    assert clean_question("What\x00 did\x1b[31m it\u202e do?\r\n", 2000) == "What did[31m it do?"
    assert len(clean_question("word " * 1000, 50)) == 50


def test_the_spare_thread_runs_the_second_call_beside_the_first():
    spare = SpareThread()
    try:
        here, there = spare.beside(
            lambda: threading.current_thread().name, lambda: threading.current_thread().name
        )
    finally:
        spare.close()
    assert here == threading.current_thread().name
    assert there.startswith("govqa-spare")


def test_a_busy_spare_thread_is_not_waited_for():
    """While one question's second call holds the spare thread, another question runs its
    own on the asking thread instead of queueing behind it."""
    spare, started, release = SpareThread(), threading.Event(), threading.Event()

    def held() -> str:
        started.set()
        release.wait()
        return threading.current_thread().name

    first: list[tuple[str, str]] = []
    holder = threading.Thread(target=lambda: first.append(spare.beside(lambda: "a", held)))
    holder.start()
    try:
        assert started.wait(30)
        _, there = spare.beside(lambda: "b", lambda: threading.current_thread().name)
        assert there == threading.current_thread().name
    finally:
        release.set()
        holder.join(30)
        spare.close()
    assert first[0][1].startswith("govqa-spare")


def test_a_plan_is_the_same_with_or_without_the_spare_thread(tiny):
    """The multilingual embedding beside MiniLM changes when, not what: the same vectors."""
    question = "Who decided which projects the Kalasin network funded?"
    args = (question, tiny.retriever, tiny.embedder, tiny.settings, None, None)
    serial = plan_question(*args, multilingual=tiny.multilingual)
    spare = SpareThread()
    try:
        beside = plan_question(*args, multilingual=tiny.multilingual, spare=spare)
    finally:
        spare.close()
    assert serial.search.multilingual is not None
    assert np.array_equal(serial.search.vector, beside.search.vector)
    assert np.array_equal(serial.search.multilingual, beside.search.multilingual)
