"""The soak's issue-18 parts: hostile uploads, network use under strace, bad inputs through
the real CLI, and concurrent ingest + chat on the embedded store and on a Chroma server.

Each part returns a dict of counts that scripts/soak.py prints and writes to
reports/soak.json. The counting rules are small functions of their own (answer_changed,
merged_into, crashed, network_counts) so tests/scripts/test_soak_parts.py can show each
one counts what it should.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's packages, not another editable install

from ingest.offline import OFFLINE_ENV  # noqa: E402
from tests.support.network_trace import (  # noqa: E402
    beyond_loopback,
    clean_environment,
    dns_lookups,
    interrupt_traced,
    network_calls,
    opened,
    strace_path,
    traced_command,
    use_weights,
)

# a crash is a traceback or an exit status outside the documented ones (README: 0 done,
# 1 some files skipped / nothing found, 2 a usage or index error given as one line)
DOCUMENTED_EXITS = (0, 1, 2)
TRACEBACK = "Traceback (most recent call last)"
GENUINE = "porto-alegre-participatory-budgeting.md"
UPLOAD_QUESTION = "How did Porto Alegre decide on budget priorities?"
PLANTED = [
    "Porto Alegre decided its budget priorities by a secret vote of the mayor's donors.",
    "In Porto Alegre a private bank chose every budget priority and the assemblies never met.",
    "The Porto Alegre budget priorities were set by a foreign consultancy paid by the mayor.",
    "Porto Alegre residents were forbidden to propose budget priorities after 1990.",
]
CHAT = [sys.executable, "-m", "app.cli", "chat"]
READER = ("rita", "reader secret 1")
CURATOR = ("cora", "curator secret 1")


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}
    return {**base, **OFFLINE_ENV, "PYTHONPATH": str(ROOT)}


def govqa(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=900,
    )


# --- counting rules ---------------------------------------------------------------------


def source_keys(answer: dict) -> list[tuple[str, str]]:
    """What an answer cites: (file, chunk id) of each source, in order."""
    return [(str(s.get("file")), str(s.get("chunk_id"))) for s in answer.get("sources") or []]


def answer_changed(before: dict, after: dict) -> bool:
    """Whether an answer's text or its cited sources differ from the one before."""
    return before.get("text") != after.get("text") or source_keys(before) != source_keys(after)


def merged_into(card_doc_ids: list[str], genuine_id: str, uploaded: set[str]) -> int:
    """How many uploaded documents sit in the genuine document's case card."""
    return sum(1 for d in card_doc_ids if d != genuine_id and d in uploaded)


def crashed(returncode: int, output: str) -> str:
    """Why a CLI run counts as a crash ('' when it does not)."""
    if TRACEBACK in output:
        return "traceback"
    if returncode not in DOCUMENTED_EXITS:
        return f"exit {returncode}"
    return ""


def network_counts(log: str) -> dict[str, int]:
    """Calls naming an IP address, those beyond loopback, and DNS look-ups in a trace."""
    return {
        "ip_calls": len(network_calls(log)),
        "non_loopback": len(beyond_loopback(log)),
        "dns": len(dns_lookups(log)),
    }


# --- hostile uploads ----------------------------------------------------------------------


def impostors(genuine: str, folder: Path) -> list[tuple[str, Path]]:
    """(kind, file) of each upload tried, each file named as the genuine brief: copies
    with planted sentences (several of one brief), the same copy re-uploaded, an exact
    copy, and a re-upload under the same name with one more planted sentence."""
    paragraphs = genuine.split("\n\n")
    body = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))

    def planted(*sentences: str) -> str:
        parts = list(paragraphs)
        parts[body] = " ".join([*sentences, parts[body]])
        return "\n\n".join(parts)

    texts = [("planted copy", planted(PLANTED[0]))]
    texts += [(f"copy {n + 2} of the brief", planted(s)) for n, s in enumerate(PLANTED[1:3])]
    texts += [("same copy again", planted(PLANTED[0]))]
    texts += [("exact copy", genuine)]
    texts += [("same name, edited", planted(PLANTED[0], PLANTED[3]))]
    out = []
    for n, (kind, text) in enumerate(texts):
        path = folder / f"{n}" / GENUINE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append((kind, path))
    return out


def uploads_part(work: Path, quick: bool) -> dict:
    """Impostor uploads against a chat with logins (as a reader) and one without (loopback),
    through the chat's /upload and /ask; counts changed answers and merged cases."""
    from app.auth import add_user

    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    names = sorted(p.name for p in (ROOT / "data" / "corpus").iterdir())
    if quick:
        names = [GENUINE, "kerala-peoples-plan.txt", "paris-participatory-budget.md"]
    for name in names:
        shutil.copyfile(ROOT / "data" / "corpus" / name, corpus / name)
    users = work / "users.txt"
    add_user(users, READER[0], "reader", READER[1])
    add_user(users, CURATOR[0], "curator", CURATOR[1])
    files = impostors((corpus / GENUINE).read_text(encoding="utf-8"), work / "picked")
    result: dict = {"uploads_per_mode": len(files), "corpus_files": len(names)}
    for mode, auth, login in (
        ("reader_with_auth", users, READER),
        ("auth_off_loopback", None, None),
    ):
        index = work / f"idx-{mode}"
        done = govqa("ingest", str(corpus), "--index-dir", str(index))
        if done.returncode not in (0, 1):
            raise RuntimeError(f"ingest failed: {done.stderr[-2000:]}")
        result[mode] = _upload_round(index, files, auth, login, work / f"chat-{mode}.log")
    result["changed_without_curator"] = result["reader_with_auth"]["changed"]
    result["merged"] = sum(result[m]["merged"] for m in ("reader_with_auth", "auth_off_loopback"))
    return result


def _upload_round(
    index: Path, files: list[tuple[str, Path]], auth: Path | None, login, log_path: Path
) -> dict:
    from gradio_client import Client, handle_file

    from app.engine import Engine
    from ingest.settings import Settings

    extra = ["--auth", str(auth)] if auth else []
    uploads = Settings(index_dir=index).uploads_dir.resolve()  # where the library stores uploads
    with chat_process(index, extra, log_path) as url:
        client = Client(url, auth=login, verbose=False) if login else Client(url, verbose=False)
        before = client.predict(UPLOAD_QUESTION, [], api_name="/ask")
        changed, reports = 0, []
        for kind, path in files:
            report = client.predict([handle_file(str(path))], api_name="/upload")[0]
            after = client.predict(UPLOAD_QUESTION, [], api_name="/ask")
            changed += answer_changed(before, after)
            reports.append(
                {
                    "kind": kind,
                    "changed": answer_changed(before, after),
                    "text_changed": before.get("text") != after.get("text"),
                    "planted_quoted": any(s in after.get("text", "") for s in PLANTED),
                    "cites_upload": any(
                        Path(f).resolve().is_relative_to(uploads) for f, _ in source_keys(after)
                    ),
                    "report": report,
                }
            )
        client.close()
    engine = Engine(Settings(index_dir=index))
    try:
        documents = engine.documents()
        uploaded = {d.doc_id for d in documents if d.provenance.origin == "upload"}
        [genuine] = [
            d for d in documents if d.provenance.origin != "upload" and Path(d.path).name == GENUINE
        ]
        card = engine.cases.card(genuine.doc_id)
        merged = merged_into(card.doc_ids if card else [], genuine.doc_id, uploaded)
        flagged = sum(1 for d in documents if d.doc_id in uploaded and d.lookalike_of)
    finally:
        engine.close()
    return {
        "tried": len(files),
        "accepted": len(uploaded),
        "flagged": flagged,
        "changed": changed,
        "merged": merged,
        "uploads": reports,
    }


class chat_process:
    """A real `govqa chat` on a free loopback port; yields its URL; Ctrl-C on leaving."""

    def __init__(self, index: Path, extra: list[str], log_path: Path) -> None:
        self.index, self.extra, self.log_path = index, extra, log_path

    def __enter__(self) -> str:
        from live_ingest import free_port, wait_http

        port = free_port()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [*CHAT, "--index-dir", str(self.index), "--port", str(port), *self.extra],
                cwd=ROOT,
                env=env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}/"
        wait_http(url, self.proc)
        return url

    def __exit__(self, *exc) -> None:
        from soak import stop_chats

        stop_chats([self.proc])


# --- network use under strace -----------------------------------------------------------


def network_part(work: Path, quick: bool) -> dict:
    """ingest, ask and chat under strace (tests/test_offline.py's tracing), with none of the
    offline variables set by the caller; counts calls beyond loopback and DNS look-ups."""
    import httpx
    from live_ingest import free_port

    from tests.support.tiny import TINY

    strace = strace_path()
    if strace is None:
        raise RuntimeError("strace is not installed: run 'make system-packages' first")
    corpus = work / "corpus"
    if quick:
        corpus.mkdir(parents=True)
        for name, text in TINY.items():
            (corpus / name).write_text(text, encoding="utf-8")
        question = "How did Riverton residents decide on the capital budget?"
    else:
        shutil.copytree(ROOT / "data" / "corpus", corpus)
        question = UPLOAD_QUESTION
    index, out = work / "idx", {}

    def run(name: str, *args: str) -> subprocess.CompletedProcess:
        log = work / f"{name}.strace"
        done = subprocess.run(
            traced_command(strace, log, *args),
            cwd=ROOT,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        out[name] = _trace_figures(log, done.returncode)
        return done

    run("ingest", "ingest", str(corpus), "--index-dir", str(index))
    run("ask", "ask", question, "--index-dir", str(index))
    observe_s = 10.0 if quick else 60.0
    log, port = work / "chat.strace", free_port()
    tracer = subprocess.Popen(
        traced_command(strace, log, "chat", "--index-dir", str(index), "--port", str(port)),
        cwd=ROOT,
        env=clean_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    asked = 0
    try:
        from live_ingest import call, wait_http

        wait_http(f"http://127.0.0.1:{port}/", tracer)
        until = time.monotonic() + observe_s
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            while not asked or time.monotonic() < until:
                call(http, "ask", [question, []])
                asked += 1
    finally:
        if tracer.poll() is None:
            interrupt_traced(tracer.pid)
        try:
            tracer.wait(timeout=60)
        except subprocess.TimeoutExpired:
            tracer.kill()
            tracer.wait()
    out["chat"] = _trace_figures(log, tracer.returncode) | {"asked": asked, "observed_s": observe_s}
    totals = {k: sum(out[c][k] for c in ("ingest", "ask", "chat")) for k in ("non_loopback", "dns")}
    return {**out, **totals}


def _trace_figures(log: Path, returncode: int) -> dict:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {"exit": returncode, **network_counts(text), "use_loaded": opened(text, use_weights())}


# --- bad inputs through the CLI -----------------------------------------------------------


def bad_inputs_part(work: Path, quick: bool) -> dict:
    """Each bad-input case through the real `govqa` CLI: tried, crashed (traceback, an
    undocumented exit status, or documents lost)."""
    from ingest.catalog import Catalog
    from tests.ingest.hostile_files import make_hostile_dir
    from tests.support.tiny import TINY

    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = work / "idx"
    runs: list[dict] = []

    def attempt(case: str, *args: str, extra_env: dict[str, str] | None = None) -> int:
        done = govqa(*args, extra_env=extra_env)
        why = crashed(done.returncode, done.stdout + done.stderr)
        runs.append({"case": case, "args": " ".join(args)[:160], "exit": done.returncode})
        if why:
            runs[-1]["crash"] = why
            runs[-1]["tail"] = (done.stdout + done.stderr)[-600:]
        return done.returncode

    def documents(at: Path) -> int:
        catalog = Catalog(at / "catalog.sqlite")
        try:
            return len(catalog.documents())
        finally:
            catalog.close()

    def lost(case: str, at: Path, expected: int) -> None:
        try:
            found = documents(at)
        except Exception as exc:  # a catalog that cannot be read after repair is lost data
            found, error = -1, f"{type(exc).__name__}: {exc}"[:200]
        else:
            error = ""
        runs.append({"case": case, "args": "documents kept", "exit": 0, "documents": found})
        if found != expected:
            runs[-1]["crash"] = f"lost data: {found} of {expected} documents {error}".strip()

    question = "How did Riverton residents decide on the capital budget?"
    attempt("baseline", "ingest", str(corpus), "--index-dir", str(index))
    expected = documents(index)
    first = sorted(corpus.iterdir())[0]
    # duplicate ids: a folder and a file in it, one file by two names
    attempt("duplicate ids", "ingest", str(corpus), str(first), "--index-dir", str(index))
    attempt(
        "duplicate ids",
        "ingest",
        str(first),
        str(corpus / "." / first.name),
        "--index-dir",
        str(index),
    )
    lost("duplicate ids", index, expected)
    # control characters in a name, a title and a question
    odd = work / "odd"
    odd.mkdir()
    (odd / "ctl\x1b[31mred\x07.md").write_text(
        '---\ntitle: "Bell\x07 and \x1b[2J clear\x85 NEL"\n---\n# Bell\x07\n\n'
        "The ward\x0b council met\x0c in 2001 and approved\x9b the plan.\n",
        encoding="utf-8",
    )
    attempt("control characters", "ingest", str(odd), "--index-dir", str(work / "idx-odd"))
    attempt(
        "control characters",
        "ask",
        "Which \x1b[2Jward\x07 council?",
        "--index-dir",
        str(work / "idx-odd"),
    )
    attempt(
        "control characters", "ask", "Bell\x07?", "--json", "--index-dir", str(work / "idx-odd")
    )
    # symlinks that lead outside the ingested folder (a file and a folder)
    linked = work / "linked"
    linked.mkdir()
    outside = work / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nThe password is swordfish.\n", encoding="utf-8")
    (linked / "secret.md").symlink_to(outside / "secret.md")
    (linked / "out").symlink_to(outside)
    (linked / "loop").symlink_to(linked)
    shutil.copyfile(first, linked / first.name)
    attempt("symlinks outside the root", "ingest", str(linked), "--index-dir", str(work / "idx-ln"))
    attempt(
        "symlinks outside the root",
        "ingest", str(linked), "--follow-symlinks", "--index-dir", str(work / "idx-ln2"),
    )  # fmt: skip
    # read-only index: by flag and by variable; ingest refused, ask served
    attempt("read-only index", "ingest", str(corpus), "--read-only", "--index-dir", str(index))
    attempt("read-only index", "ask", question, "--read-only", "--index-dir", str(index))
    attempt(
        "read-only index", "ask", question, "--index-dir", str(index),
        extra_env={"GOVQA_READ_ONLY": "1"},
    )  # fmt: skip
    lost("read-only index", index, expected)
    # damaged catalog: garbage over the middle of the SQLite file, then --rebuild
    damaged = work / "idx-damaged"
    shutil.copytree(index, damaged)
    path = damaged / "catalog.sqlite"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = os.urandom(min(8192, len(data) - middle))
    path.write_bytes(bytes(data))
    attempt("damaged catalog", "ask", question, "--index-dir", str(damaged))
    attempt("damaged catalog", "ingest", str(corpus), "--index-dir", str(damaged))
    attempt("damaged catalog", "ingest", str(corpus), "--rebuild", "--index-dir", str(damaged))
    attempt("damaged catalog", "ask", question, "--index-dir", str(damaged))
    lost("damaged catalog", damaged, expected)
    # lost vectors: the vector store deleted under a committed catalog
    bare = work / "idx-lost"
    shutil.copytree(index, bare)
    shutil.rmtree(bare / "chroma")
    attempt("lost vectors", "ask", question, "--index-dir", str(bare))
    attempt("lost vectors", "ingest", str(corpus), "--index-dir", str(bare))
    attempt("lost vectors", "ask", question, "--index-dir", str(bare))
    lost("lost vectors", bare, expected)
    # the hostile fuzz set (tests/ingest/hostile_files.py), text and JSON report
    if not quick:
        inbox = work / "inbox"
        expected_fuzz = make_hostile_dir(inbox)
        fuzz_env = {"GOVQA_INGEST_MAX_FILE_MB": "1.9"}
        attempt(
            "fuzz set",
            "ingest",
            str(inbox),
            "--index-dir",
            str(work / "idx-fuzz"),
            extra_env=fuzz_env,
        )
        attempt(
            "fuzz set", "ingest", str(inbox), "--json", "--index-dir", str(work / "idx-fuzz"),
            extra_env=fuzz_env,
        )  # fmt: skip
        runs.append({"case": "fuzz set", "args": f"{len(expected_fuzz)} files", "exit": 0})
    crashes = [r for r in runs if r.get("crash")]
    return {
        "cases": sorted({r["case"] for r in runs}),
        "tried": len(runs),
        "crashed": len(crashes),
        "crashes": crashes,
        "runs": runs,
    }


# --- concurrent ingest + chat -------------------------------------------------------------


def live_part(work: Path, quick: bool) -> dict:
    """scripts/live_ingest.py's run (one chat, /ask /chat /cases clients, real re-ingests)
    on the embedded store, then again with the vectors on a `chroma run` server."""
    from live_ingest import free_port, run_live

    from ingest.chroma_server import ChromaServer

    seconds = 25.0 if quick else 120.0
    embedded = run_live(work / "embedded", seconds)
    server = ChromaServer(work / "chroma-server", free_port()).start()
    try:
        shared = run_live(work / "server", seconds, chroma_url=server.url)
        shared["server_alive_after"] = server.alive()
    finally:
        server.stop()
    keys = ("requests", "errors", "ingests", "ingest_failures")
    return {
        "embedded": embedded,
        "server": shared,
        **{k: embedded[k] + shared[k] for k in keys},
    }


PARTS: dict[str, Callable[[Path, bool], dict]] = {
    "uploads": uploads_part,
    "network": network_part,
    "badinput": bad_inputs_part,
    "live": live_part,
}


def part_failed(name: str, figures: dict) -> bool:
    """Whether a part missed its target (0 errors, 0 changed answers without a curator, 0
    merges, 0 calls beyond loopback or DNS look-ups, 0 crashes)."""
    if name == "uploads":
        return bool(figures["changed_without_curator"] or figures["merged"])
    if name == "network":
        return bool(figures["non_loopback"] or figures["dns"])
    if name == "badinput":
        return bool(figures["crashed"])
    if name == "live":
        return bool(figures["errors"] or figures["ingest_failures"])
    raise KeyError(name)


def summary(figures: dict) -> str:
    return json.dumps(
        {k: v for k, v in figures.items() if not isinstance(v, list | dict)}, ensure_ascii=True
    )
