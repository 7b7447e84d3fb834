"""Models with a registry entry's exact architecture and random weights, for speed measurements.

Speed depends on shapes, not on weight values: a same-shaped model with random weights
decodes at the speed of the real one. The tokenizer is a real sentencepiece model trained on
the benchmark's own text, then padded with unreachable pieces to the published vocabulary size,
so token counts on the workload are realistic and the embedding and output layers have their
real size. Such a model translates nothing: it exists for `tarjama bench --synthetic` only.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from tarjama.errors import UsageError
from tarjama.models.registry import ModelSpec

log = logging.getLogger(__name__)

# What opus-mt models publish besides the shape (config.json of Helsinki-NLP/opus-mt-ar-en).
_MARIAN_FIXED = {
    "activation_function": "swish",
    "scale_embedding": True,
    "static_position_embeddings": True,
    "share_encoder_decoder_embeddings": True,
    "normalize_before": False,
    "dropout": 0.1,
}
_TRAIN_VOCAB = 8000


def build_synthetic_marian(spec: ModelSpec, texts: Iterable[str], out: Path, *, seed: int = 0) -> Path:
    """Write a random-weight Marian model shaped like `spec` (and its tokenizer) to `out`."""
    import sentencepiece as spm
    import torch
    from sentencepiece import sentencepiece_model_pb2
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    arch = dict(spec.architecture)
    if not arch:
        raise UsageError(f"no published architecture is recorded for {spec.name}; "
                         "--synthetic needs one (see models/registry.py)")
    vocab_size = arch["vocab_size"]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        with corpus.open("w", encoding="utf-8") as handle:
            for text in texts:
                for line in text.splitlines():
                    if line.strip():
                        handle.write(line.strip() + "\n")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(Path(tmp) / "spm"), vocab_size=_TRAIN_VOCAB,
            model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
            eos_id=0, unk_id=1, bos_id=-1, pad_id=-1, minloglevel=2,
        )
        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString((Path(tmp) / "spm.model").read_bytes())
    # Pad to the real vocabulary with pieces no text can produce; <pad> comes last, as in
    # opus-mt (and as CTranslate2's converter expects).
    filler = 0
    while len(proto.pieces) < vocab_size - 1:
        piece = proto.pieces.add()
        piece.piece = f"\u2581\u2063{filler}\u2063"
        piece.score = -1e4
        filler += 1
    model_bytes = proto.SerializeToString()
    (out / "source.spm").write_bytes(model_bytes)
    (out / "target.spm").write_bytes(model_bytes)
    vocab = {p.piece: i for i, p in enumerate(proto.pieces)}
    vocab["<pad>"] = len(vocab)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"), source_lang=spec.source_lang, target_lang=spec.target_lang,
    )
    pad = tokenizer.pad_token_id
    config = MarianConfig(
        **arch, **_MARIAN_FIXED, pad_token_id=pad, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=pad, forced_eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    generation = model.generation_config
    generation.num_beams = 4
    generation.max_length = 512
    generation.bad_words_ids = [[pad]]
    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a "Writing model shards" bar is noise in the report
    try:
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    (out / "SYNTHETIC.txt").write_text(
        f"Random weights shaped like {spec.hub_id} ({spec.name}), for speed measurements only.\n",
        encoding="utf-8",
    )
    log.info("built synthetic %s (%d-token vocabulary) in %s", spec.name, len(vocab), out)
    return out


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
