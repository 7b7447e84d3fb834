"""Models with a registry entry's published layout and random weights.

Speed depends on shapes, not on weight values: a same-shaped model with random weights
decodes at the speed of the real one (`tarjama bench --synthetic`). Behaviour depends on the
layout: special-token ids, vocabulary size, position limit, activation, stored dtype and
generation defaults. :func:`build_synthetic` writes a model with every one of the spec's
published facts (models.registry.PublishedConfig) and, with a :class:`Scale`, smaller hidden
sizes and fewer layers, so tests can run every code path on each registry model's real layout.

The tokenizer is the model's own kind (Marian: sentencepiece + vocab.json; mT5: sentencepiece;
BART: byte-level BPE), trained on the given text, with its special tokens at the published ids
and unreachable filler pieces up to the published vocabulary size, so token counts on the text
are realistic and the embedding and output layers have their real size. Such a model
translates nothing.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from tarjama.errors import UsageError
from tarjama.models.registry import ModelSpec, PublishedConfig

log = logging.getLogger(__name__)

_TRAIN_VOCAB = 8000


@dataclass(frozen=True)
class Scale:
    """Hidden sizes and depth to build instead of the published ones (tests); vocabulary,
    positions, special tokens, activation and everything else stay as published."""

    d_model: int = 16
    layers: int = 1
    heads: int = 2
    ffn: int = 32
    # Far wider than training's 0.02: at d_model 16 that would make every input give nearly
    # the same logits, so no decision in a search would depend on the input.
    init_std: float = 0.5


def _filler(n: int) -> str:
    # Invisible separators around a number: no text segments into it.
    return f"\u2581\u2063{n}\u2063"


def _lines(texts: Iterable[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.splitlines() if line.strip()]


def _train_spm(lines: list[str], prefix: Path, vocab: int, **ids: int) -> Any:
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=str(prefix), vocab_size=vocab,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False, minloglevel=2,
        **ids,
    )
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(prefix.with_suffix(".model").read_bytes())
    return proto


def _pad_proto(proto: Any, size: int, start: int = 0) -> None:
    n = start
    while len(proto.pieces) < size:
        piece = proto.pieces.add()
        piece.piece = _filler(n)
        piece.score = -1e4
        n += 1


def _layout(size: int, fixed: dict[int, str], pieces: Iterable[str]) -> list[str]:
    """`size` token strings: `fixed` at their ids, then `pieces` in order, then fillers."""
    table: list[str | None] = [None] * size
    for i, token in fixed.items():
        table[i] = token
    taken = set(fixed.values())
    free = (i for i in range(size) if table[i] is None)
    for piece in pieces:
        if piece in taken:
            continue
        i = next(free, None)
        if i is None:
            break
        table[i] = piece
        taken.add(piece)
    n = 0
    for i in range(size):
        if table[i] is None:
            table[i] = _filler(n)
            n += 1
    return [t for t in table if t is not None]


def _marian_tokenizer(pub: PublishedConfig, spec: ModelSpec, lines: list[str], tmp: Path,
                      out: Path, train_vocab: int) -> Any:
    from transformers import MarianTokenizer

    ids = pub.special_tokens
    proto = _train_spm(lines, tmp / "spm", train_vocab, eos_id=0, unk_id=1, bos_id=-1,
                       pad_id=-1)
    fixed = {ids["eos_token_id"]: "</s>", ids["unk_token_id"]: "<unk>",
             ids["pad_token_id"]: "<pad>"}
    extra = [spec.target_prefix] if spec.target_prefix else []
    table = _layout(pub.vocab_size, fixed, extra + [p.piece for p in proto.pieces])
    # The sentencepiece model knows every filler, so any generated id decodes to its text;
    # target-language tokens (>>ara<<) live in vocab.json only, as in opus-mt, so the same
    # text inside a sentence segments into ordinary pieces.
    known = {p.piece for p in proto.pieces} | set(extra)
    for token in table:
        if token not in known and token not in fixed.values():
            piece = proto.pieces.add()
            piece.piece = token
            piece.score = -1e4
    model_bytes = proto.SerializeToString()
    (out / "source.spm").write_bytes(model_bytes)
    (out / "target.spm").write_bytes(model_bytes)
    vocab = {token: i for i, token in enumerate(table)}
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    return MarianTokenizer(
        source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"), source_lang=spec.source_lang, target_lang=spec.target_lang,
        model_max_length=pub.max_positions, separate_vocabs=False,
    )


def _mt5_tokenizer(pub: PublishedConfig, lines: list[str], tmp: Path, out: Path,
                   train_vocab: int) -> Any:
    from transformers import T5Tokenizer

    ids = pub.special_tokens
    proto = _train_spm(lines, tmp / "spiece", train_vocab, pad_id=ids["pad_token_id"],
                       eos_id=ids["eos_token_id"], unk_id=ids["unk_token_id"], bos_id=-1)
    _pad_proto(proto, pub.tokenizer_size or pub.vocab_size)
    (out / "spiece.model").write_bytes(proto.SerializeToString())
    # Loaded from the folder: T5Tokenizer(vocab_file=...) built directly gets a 4-token vocab
    # in transformers 5.
    return T5Tokenizer.from_pretrained(out, extra_ids=0, model_max_length=pub.max_positions)


def _bart_tokenizer(pub: PublishedConfig, lines: list[str], out: Path, train_vocab: int) -> Any:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartTokenizer

    ids = pub.special_tokens
    size = pub.tokenizer_size or pub.vocab_size
    specials = {ids["bos_token_id"]: "<s>", ids["pad_token_id"]: "<pad>",
                ids["eos_token_id"]: "</s>", ids["unk_token_id"]: "<unk>", size - 1: "<mask>"}
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(lines, vocab_size=min(train_vocab, 4000), min_frequency=1,
                            show_progress=False, special_tokens=list(specials.values()))
    trained = [t for t, _ in sorted(bpe.get_vocab().items(), key=lambda kv: kv[1])]
    table = _layout(size, specials, trained)
    # Fillers a byte-level BPE never produces (no merge leads to them).
    table = [t if not t.startswith("\u2581\u2063") else f"<filler{i}>"
             for i, t in enumerate(table)]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
              for m in json.loads(bpe._tokenizer.to_str())["model"]["merges"]]
    return BartTokenizer(vocab={t: i for i, t in enumerate(table)}, merges=merges,
                         model_max_length=pub.max_positions)


def _config(pub: PublishedConfig, scale: Scale | None) -> Any:
    from transformers import BartConfig, MarianConfig, MT5Config

    arch = dict(pub.architecture)
    ids = {k: v for k, v in pub.special_tokens.items() if not k.startswith("forced_")}
    if pub.family == "mt5":
        if scale is not None:
            arch.update(d_model=scale.d_model, num_layers=scale.layers,
                        num_decoder_layers=scale.layers, num_heads=scale.heads, d_ff=scale.ffn,
                        d_kv=max(1, scale.d_model // scale.heads),
                        initializer_factor=4 * scale.init_std)  # T5's own scale: 2.0 measured to vary outputs
        return MT5Config(**arch, **ids)
    if scale is not None:
        arch.update(d_model=scale.d_model, encoder_layers=scale.layers,
                    decoder_layers=scale.layers, encoder_attention_heads=scale.heads,
                    decoder_attention_heads=scale.heads, encoder_ffn_dim=scale.ffn,
                    decoder_ffn_dim=scale.ffn, init_std=scale.init_std)
    ids.pop("unk_token_id", None)
    cls = {"marian": MarianConfig, "bart": BartConfig}[pub.family]
    return cls(**arch, **ids)


def _model(pub: PublishedConfig, config: Any) -> Any:
    from transformers import BartForConditionalGeneration, MarianMTModel, MT5ForConditionalGeneration

    cls = {"marian": MarianMTModel, "mt5": MT5ForConditionalGeneration,
           "bart": BartForConditionalGeneration}[pub.family]
    model = cls(config)
    gen = model.generation_config
    for key, value in pub.generation.items():
        setattr(gen, key, value)
    for key in ("forced_eos_token_id", "forced_bos_token_id"):
        if key in pub.special_tokens:
            setattr(gen, key, pub.special_tokens[key])
    for key in ("eos_token_id", "pad_token_id", "decoder_start_token_id", "bos_token_id"):
        if key in pub.special_tokens:
            setattr(gen, key, pub.special_tokens[key])
    return model


def build_synthetic(spec: ModelSpec, texts: Iterable[str], out: Path, *, scale: Scale | None = None,
                    seed: int = 0, train_vocab: int = _TRAIN_VOCAB) -> Path:
    """Write a random-weight model with `spec`'s published layout (and its tokenizer) to `out`;
    `scale` shrinks the hidden sizes and depth, nothing else."""
    import torch

    pub = spec.published
    if pub is None:
        raise UsageError(f"no published configuration is recorded for {spec.name}; "
                         "--synthetic needs one (see models/registry.py)")
    lines = _lines(texts)
    if not lines:
        raise UsageError("no text to train the synthetic model's tokenizer on")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if pub.family == "marian":
            tokenizer = _marian_tokenizer(pub, spec, lines, tmp, out, train_vocab)
        elif pub.family == "mt5":
            tokenizer = _mt5_tokenizer(pub, lines, tmp, out, train_vocab)
        elif pub.family == "bart":
            tokenizer = _bart_tokenizer(pub, lines, out, train_vocab)
        else:
            raise UsageError(f"unknown model family '{pub.family}' for {spec.name}")
    for key, token in (("eos_token_id", tokenizer.eos_token), ("pad_token_id", tokenizer.pad_token)):
        # The layout's whole point: a tokenizer whose ids differ from the model's is a bug here.
        if tokenizer.convert_tokens_to_ids(token) != pub.special_tokens[key]:
            raise AssertionError(f"{spec.name}: {token} is not at id {pub.special_tokens[key]}")
    torch.manual_seed(seed)
    model = _model(pub, _config(pub, scale))
    bias = getattr(model, "final_logits_bias", None)
    if bias is not None:
        # The filler pieces are never generated, as a real model never writes unreachable
        # pieces: else random outputs decode to filler text that re-tokenizes into ten times
        # as many tokens, which no real summary or translation does.
        fillers = [i for token, i in tokenizer.get_vocab().items()
                   if token.startswith(("\u2581\u2063", "<filler"))]
        with torch.no_grad():
            bias[0, fillers] = -1.0e4
    dtype = getattr(torch, pub.stored_dtype)
    if dtype != torch.float32:
        model = model.to(dtype)
    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a "Writing model shards" bar is noise in the report
    try:
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    if pub.architecture.get("tie_word_embeddings") is False:
        _untie_output_layer(out / "model.safetensors", seed, scale)
    shape = "published shape" if scale is None else f"scaled to d_model {scale.d_model}, {scale.layers} layer(s)"
    (out / "SYNTHETIC.txt").write_text(
        f"Random weights in the layout of {spec.hub_id} ({spec.name}), {shape}; "
        "for speed measurements and tests only.\n", encoding="utf-8",
    )
    log.info("built synthetic %s (%d-token vocabulary) in %s", spec.name, pub.vocab_size, out)
    return out


def _untie_output_layer(weights: Path, seed: int, scale: Scale | None) -> None:
    """Give the file its own output layer, as mT5 checkpoints have.

    transformers 5 always builds MT5Config tied (its config forces tie_word_embeddings) and
    saves one matrix; it unties at load time only when the file holds both, with different
    values, which is what the published checkpoint has.
    """
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(weights)
    shared = tensors["shared.weight"]
    generator = torch.Generator().manual_seed(seed + 1)
    std = 4 * scale.init_std if scale is not None else 1.0  # T5's initialization of lm_head
    head = torch.randn(shared.shape, generator=generator) * std
    tensors["lm_head.weight"] = head.to(shared.dtype)
    save_file(tensors, weights, metadata={"format": "pt"})


def build_synthetic_marian(spec: ModelSpec, texts: Iterable[str], out: Path, *, seed: int = 0) -> Path:
    """:func:`build_synthetic` at the published shape, for a translation model."""
    if spec.task != "translation":
        raise UsageError(f"{spec.name} is a {spec.task} model; bench --synthetic takes a "
                         "translation model")
    return build_synthetic(spec, texts, out, seed=seed)


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
