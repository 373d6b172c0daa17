"""ONNX copies of the packaged MiniLM, made locally on first use and cached (no download).

The sentence-transformers model runs through torch at ~30 chunks/s on two cores. The same
weights exported to ONNX and quantised to int8 (dynamic, per channel, MatMul only: the
embedding tables and layer norms stay fp32, which keeps cosine to the torch vectors at
~0.99) run ~2.4x faster in ONNX Runtime. Export and quantisation take ~2 s, once per model
and machine; the result lives under `model_cache_dir`, keyed by the model's own hash.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path

VARIANTS = ("onnx", "onnx-int8")


def _model_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_dir / name
        if path.exists():
            digest.update(name.encode())
            digest.update(str(path.stat().st_size).encode())
            with open(path, "rb") as handle:
                digest.update(handle.read(1 << 20))  # head of the weights: cheap, distinct
    return digest.hexdigest()[:16]


def onnx_model(model_dir: str, variant: str, cache_dir: Path) -> Path:
    """Path of the ONNX file for `variant`, exporting it first if it is not cached.

    Written to a temporary name and renamed, under a lock, so two processes starting at
    once (the chat and an ingest) neither both export nor read a half-written file.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}")
    target_dir = cache_dir / f"minilm-{_model_digest(Path(model_dir))}"
    target = target_dir / ("model.onnx" if variant == "onnx" else "model-int8.onnx")
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    with open(target_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            fp32 = target_dir / "model.onnx"
            if not fp32.exists():
                _export(model_dir, fp32)
            if variant == "onnx-int8":
                _quantise(fp32, target)
    return target


def _export(model_dir: str, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        """Keyword call: BertModel.forward's positional order changed across versions."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(
        ["a short one", "and a slightly longer sample"], padding=True, return_tensors="pt"
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    torch.onnx.export(
        Encoder(),
        tuple(sample[n] for n in names),
        str(partial),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    os.replace(partial, target)


def _quantise(fp32: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(f".{os.getpid()}.tmp")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the graph is for image models
    try:
        quantize_dynamic(
            str(fp32),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
    finally:
        root.setLevel(level)
    os.replace(partial, target)
