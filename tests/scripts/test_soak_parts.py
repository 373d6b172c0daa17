"""The soak's counting rules can fail: an impostor that changed an answer is counted, a
merge into the genuine case is counted, a call beyond loopback or a DNS look-up in a trace
is counted, and a traceback or an undocumented exit status is a crash."""

from __future__ import annotations

import sys

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

from soak_parts import (
    GENUINE,
    answer_changed,
    crashed,
    impostors,
    merged_into,
    network_counts,
    part_failed,
)

BEFORE = {
    "text": "Residents voted on priorities in neighbourhood assemblies [1].",
    "sources": [{"n": 1, "file": GENUINE, "chunk_id": "a1"}],
}


def test_an_answer_that_a_curators_impostor_changed_is_counted() -> None:
    planted_text = {**BEFORE, "text": "The mayor's donors voted in secret [1]."}
    planted_source = {
        **BEFORE,
        "sources": [{"n": 1, "file": f"uploads/0123/{GENUINE}", "chunk_id": "b7"}],
    }
    extra_source = {**BEFORE, "sources": [*BEFORE["sources"], planted_source["sources"][0]]}
    assert not answer_changed(BEFORE, dict(BEFORE))
    assert answer_changed(BEFORE, planted_text)
    assert answer_changed(BEFORE, planted_source)
    assert answer_changed(BEFORE, extra_source)


def test_an_upload_merged_into_the_genuine_case_is_counted() -> None:
    assert merged_into(["genuine"], "genuine", {"up1"}) == 0
    assert merged_into(["genuine", "up1", "other"], "genuine", {"up1", "up2"}) == 1
    # a second genuine document of the same case is not an upload
    assert merged_into(["genuine", "other"], "genuine", {"up1"}) == 0


def test_a_non_loopback_connect_and_a_dns_lookup_in_a_trace_are_counted() -> None:
    local = (
        '8 connect(30, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}'
        ", 16) = 0"
    )
    https = (
        "9 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28) = 0'
    )
    dns = (
        '3 sendto(6, "\\1\\2", 2, 0, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("127.0.0.53")}, 16) = 2'
    )
    assert network_counts(local) == {"ip_calls": 1, "non_loopback": 0, "dns": 0}
    counts = network_counts("\n".join([local, https, dns]))
    assert counts == {"ip_calls": 3, "non_loopback": 1, "dns": 1}
    assert part_failed("network", {**counts})
    assert not part_failed("network", {"non_loopback": 0, "dns": 0})


def test_a_traceback_or_an_undocumented_exit_is_a_crash() -> None:
    assert crashed(0, "ingest: 3 files") == ""
    assert crashed(2, "Error: index is read-only") == ""
    assert crashed(1, "Traceback (most recent call last):\n  File ...") == "traceback"
    assert crashed(-9, "") == "exit -9"
    assert crashed(3, "") == "exit 3"
    assert part_failed("badinput", {"crashed": 1})


def test_upload_targets_fail_on_a_changed_answer_or_a_merge() -> None:
    assert part_failed("uploads", {"changed_without_curator": 1, "merged": 0})
    assert part_failed("uploads", {"changed_without_curator": 0, "merged": 1})
    assert not part_failed("uploads", {"changed_without_curator": 0, "merged": 0})


def test_impostors_carry_the_genuine_name_and_planted_sentences(tmp_path) -> None:
    genuine = (ROOT / "data" / "corpus" / GENUINE).read_text(encoding="utf-8")
    made = impostors(genuine, tmp_path)
    assert all(path.name == GENUINE for _, path in made)
    texts = [path.read_text(encoding="utf-8") for _, path in made]
    assert genuine in texts  # the exact copy
    planted = [t for t in texts if t != genuine]
    assert len(planted) >= 4 and all(
        t.split("\n\n")[0] == genuine.split("\n\n")[0] for t in planted
    )
    assert len(set(planted)) == len(planted) - 1  # one planted copy is re-uploaded as it was
