"""Aggregate per-question results into the evaluation report: JSON, Markdown and a PNG."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from eval.metrics import percentile
from eval.run import KS, QuestionResult

METRICS = [
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr",
    "ndcg@10",
    "citation_precision",
    "citation_recall",
    "key_points",
    "abstention_accuracy",
    "false_abstention",
    "latency_p50_ms",
    "latency_p95_ms",
]


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(float(np.mean(present)), 3) if present else None


def summarise(results: list[QuestionResult]) -> dict[str, float | int | None]:
    """One row of the report for one system (over any subset of questions)."""
    answered = [r for r in results if r.abstained is not None]
    answerable = [r for r in answered if r.answerable]
    summary: dict[str, float | int | None] = {"questions": len(results)}
    for k in KS:
        summary[f"recall@{k}"] = _mean([r.recall[k] if r.recall else None for r in results])
    summary["mrr"] = _mean([r.rr for r in results])
    summary["ndcg@10"] = _mean([r.ndcg10 for r in results])
    summary["citation_precision"] = _mean([r.citation_precision for r in answered])
    summary["citation_recall"] = _mean([r.citation_recall for r in answered])
    summary["key_points"] = _mean([r.key_points for r in answered])
    if answered:
        correct = [r.abstained != r.answerable for r in answered]
        summary["abstention_accuracy"] = round(float(np.mean(correct)), 3)
        summary["false_abstention"] = (
            round(float(np.mean([bool(r.abstained) for r in answerable])), 3)
            if answerable
            else None
        )
    else:
        summary["abstention_accuracy"] = summary["false_abstention"] = None
    seconds = [r.seconds * 1000 for r in results if r.seconds]
    summary["latency_p50_ms"] = round(percentile(seconds, 50), 1) if seconds else None
    summary["latency_p95_ms"] = round(percentile(seconds, 95), 1) if seconds else None
    return summary


def build_report(
    results: list[QuestionResult], support: dict | None, meta: dict
) -> dict[str, object]:
    by_system: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        by_system[r.system].append(r)
    by_type: dict[str, dict[str, dict]] = {}
    for system, rows in by_system.items():
        types: dict[str, list[QuestionResult]] = defaultdict(list)
        for r in rows:
            types[r.type].append(r)
        by_type[system] = {t: summarise(v) for t, v in sorted(types.items())}
    return {
        "meta": meta,
        "systems": {system: summarise(rows) for system, rows in by_system.items()},
        "by_type": by_type,
        "support_scorer": support,
        "questions": [r.to_dict() for r in results],
    }


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1.0 else f"{value}"


def markdown_report(report: dict) -> str:
    systems = report["systems"]
    lines = [
        "# govqa evaluation report",
        "",
        f"Gold set: `{report['meta']['gold']}` ({report['meta']['questions']} questions); "
        f"index: `{report['meta']['index']}`; run {report['meta']['date']}.",
        "",
        "| metric | " + " | ".join(systems) + " |",
        "|---|" + "---|" * len(systems),
    ]
    for metric in METRICS:
        lines.append(
            f"| {metric} | " + " | ".join(_fmt(s.get(metric)) for s in systems.values()) + " |"
        )
    support = report.get("support_scorer")
    if support:
        lines += [
            "",
            f"Support scorer on `{support['set']}` ({support['pairs']} labelled pairs): "
            f"accuracy {support['accuracy']:.3f}, precision {support['precision']:.3f}, "
            f"recall {support['recall']:.3f}.",
        ]
    lines += case_search_lines(report.get("cases"))
    ours = report["by_type"].get("govqa", {})
    if ours:
        lines += [
            "",
            "## govqa by question type",
            "",
            "| type | n | recall@5 | citation precision | key points | abstention accuracy |",
            "|---|---|---|---|---|---|",
        ]
        for t, s in ours.items():
            lines.append(
                f"| {t} | {s['questions']} | {_fmt(s['recall@5'])} | "
                f"{_fmt(s['citation_precision'])} | {_fmt(s['key_points'])} | "
                f"{_fmt(s['abstention_accuracy'])} |"
            )
    return "\n".join(lines) + "\n"


def case_search_lines(cases: dict | None) -> list[str]:
    """The case-search table: every aggregate and the chunk-level baseline."""
    if not cases:
        return []
    lines = [
        "",
        "## Case search",
        "",
        f"`{cases.get('set', '')}` ({cases['queries']} graded queries). govqa ranks cases by "
        f"`{cases['default']}`; the chunk-level baseline lists cases in the order the answer "
        "retrieval's passages first reach them.",
        "",
        "| system | nDCG@5 | recall@10 |",
        "|---|---|---|",
    ]
    for name, scores in cases["summary"].items():
        label = f"**{name}** (govqa)" if name == cases["default"] else name
        lines.append(f"| {label} | {scores['ndcg@5']:.3f} | {scores['recall@10']:.3f} |")
    if cases.get("unmatched_files"):
        lines.append(f"\nGraded files not in the index: {', '.join(cases['unmatched_files'])}")
    return lines


def plot_report(report: dict, path: Path) -> None:
    """Per-type recall@5 and key-point coverage, govqa beside each baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_type = report["by_type"]
    types = sorted({t for rows in by_type.values() for t in rows})
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for ax, metric in zip(axes, ["recall@5", "key_points"], strict=True):
        systems = [s for s in by_type if any(by_type[s][t].get(metric) for t in by_type[s])]
        width = 0.8 / max(1, len(systems))
        for i, system in enumerate(systems):
            values = [by_type[system].get(t, {}).get(metric) or 0.0 for t in types]
            ax.bar(np.arange(len(types)) + i * width, values, width, label=system)
        ax.set_xticks(np.arange(len(types)) + 0.4 - width / 2, types, rotation=30, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_title(metric)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.png"]
    paths[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown_report(report), encoding="utf-8")
    plot_report(report, paths[2])
    return paths


def compare_reports(current: dict, previous: dict) -> list[str]:
    """Lines "system metric: before -> after (delta)" for metrics present in both runs."""
    lines = []
    for system, row in current["systems"].items():
        old = previous.get("systems", {}).get(system)
        if not old:
            continue
        for metric in METRICS:
            a, b = old.get(metric), row.get(metric)
            if isinstance(a, int | float) and isinstance(b, int | float) and a != b:
                lines.append(f"{system} {metric}: {a} -> {b} ({b - a:+.3f})")
    return lines


def changes_against(current: dict, previous: Path) -> list[str]:
    """'Changes against FILE', then one indented line per changed metric (or '(none)')."""
    lines = compare_reports(current, json.loads(previous.read_text(encoding="utf-8")))
    return [f"Changes against {previous}", *(f"  {line}" for line in lines or ["(none)"])]


def missing_evidence_lines(report: dict) -> list[str]:
    """Gold evidence phrases the index does not hold (the gold set and corpus disagree)."""
    missing = report["meta"]["missing_evidence"]
    return (
        ["gold evidence not found in the index:", *(f"  {m}" for m in missing)] if missing else []
    )


def console_report(report: dict, previous: Path | None, written: list[Path]) -> str:
    """What `govqa eval` prints: the Markdown report, the changes against an earlier
    report, and the files written."""
    changes = changes_against(report, previous) if previous else []
    wrote = "wrote " + ", ".join(str(p) for p in written)
    return "\n".join([markdown_report(report), *changes, wrote])
