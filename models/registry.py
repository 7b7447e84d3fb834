"""Named model specs: what `--model NAME` means, and what `tarjama models list` shows.

A spec pins everything a result depends on (hub id, revision) and what the product needs to
know before loading (direction, input window, licence). ``published`` records the facts of the
model's published config.json / generation_config.json that the product's code paths depend on
(architecture, every special-token id, vocabulary, positions, activation, stored dtype,
generation defaults), each source named and each unconfirmed fact listed as such: the speed
benchmark and the test layouts (tests/layouts.py) build random-weight models from them, so every
code path meets each model's real layout before a user does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from tarjama.errors import ModelNotFoundError


@dataclass(frozen=True)
class PublishedConfig:
    """What a model's published files say, and where that was read.

    ``architecture`` holds the config.json keys of the transformers config class of ``family``
    (marian, mt5, bart) with their published values; ``special_tokens`` every special-token id
    the model and its generation config use; ``generation`` the generation_config.json values.
    ``unverified`` names the facts (keys of those mappings, or "stored_dtype") that could not be
    confirmed from a published file and were derived as ``notes`` says.
    """

    family: str  # "marian" | "mt5" | "bart"
    architecture: Mapping[str, Any]
    special_tokens: Mapping[str, int]
    stored_dtype: str  # dtype of the weights in the pinned revision's files
    sources: tuple[str, ...]
    generation: Mapping[str, Any] = field(default_factory=dict)
    # Tokens the tokenizer has beyond the model's rows (bart-large-cnn's <mask>), or fewer.
    tokenizer_size: int | None = None
    unverified: tuple[str, ...] = ()
    notes: str = ""

    @property
    def vocab_size(self) -> int:
        return int(self.architecture["vocab_size"])

    @property
    def max_positions(self) -> int:
        arch = self.architecture
        return int(arch.get("max_position_embeddings") or arch.get("n_positions") or 512)

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family, "architecture": dict(self.architecture),
            "special_tokens": dict(self.special_tokens), "stored_dtype": self.stored_dtype,
            "generation": dict(self.generation), "tokenizer_size": self.tokenizer_size,
            "sources": list(self.sources), "unverified": list(self.unverified),
            "notes": self.notes,
        }


@dataclass(frozen=True)
class ModelSpec:
    name: str
    hub_id: str
    task: str  # "translation" | "summarization"
    source_lang: str
    target_lang: str
    license: str
    max_input_tokens: int
    description: str
    revision: str = "main"
    # Multi-target opus-mt models select the output language with a sentence-initial token.
    target_prefix: str = ""
    # Only filled in where the published config.json was checked; empty means unknown.
    architecture: Mapping[str, int] = field(default_factory=dict)
    # Summarization: the decoding settings the model card publishes, as keyword arguments of
    # models.summarizer.SummaryDecoding (num_beams, no_repeat_ngram_size, length_penalty,
    # max_new_tokens, min_new_tokens, early_stopping).
    generation: Mapping[str, Any] = field(default_factory=dict)
    published: PublishedConfig | None = None

    @property
    def direction(self) -> str:
        return f"{self.source_lang}->{self.target_lang}"


def _marian_arch(d_model: int, layers: int, heads: int, ffn: int, vocab: int,
                 positions: int = 512) -> Mapping[str, int]:
    return MappingProxyType(
        {
            "d_model": d_model,
            "encoder_layers": layers,
            "decoder_layers": layers,
            "encoder_attention_heads": heads,
            "decoder_attention_heads": heads,
            "encoder_ffn_dim": ffn,
            "decoder_ffn_dim": ffn,
            "vocab_size": vocab,
            "max_position_embeddings": positions,
        }
    )


_ISSUE_15 = "tarjama issue 15 (published config.json values quoted there)"
_HUB = "https://huggingface.co/{}/blob/{}/{}"


def _marian_published(hub_id: str, revision: str, arch: Mapping[str, int], *, activation: str,
                      eos: int, unk: int, pad: int, dtype: str, sources: tuple[str, ...],
                      unverified: tuple[str, ...] = (), notes: str = "") -> PublishedConfig:
    # opus-mt conversions: decoding starts from <pad>, which is banned as an output; Marian
    # forces </s> at the length limit; embeddings shared by encoder, decoder and output layer.
    return PublishedConfig(
        family="marian",
        architecture=MappingProxyType({
            **arch, "activation_function": activation, "scale_embedding": True,
            "static_position_embeddings": True, "share_encoder_decoder_embeddings": True,
            "tie_word_embeddings": True, "normalize_before": False,
        }),
        special_tokens=MappingProxyType({
            "eos_token_id": eos, "unk_token_id": unk, "pad_token_id": pad,
            "decoder_start_token_id": pad, "forced_eos_token_id": eos,
        }),
        generation=MappingProxyType({
            "num_beams": 4, "max_length": arch["max_position_embeddings"],
            "bad_words_ids": [[pad]],
        }),
        stored_dtype=dtype,
        sources=(_HUB.format(hub_id, revision, "config.json"),
                 _HUB.format(hub_id, revision, "generation_config.json"), *sources),
        unverified=unverified, notes=notes,
    )


_BASE_AR_EN = _marian_arch(512, 6, 8, 2048, 62834)
_BIG = _marian_arch(1024, 6, 16, 4096, 61109, positions=1024)


_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="opus-mt-ar-en",
        hub_id="Helsinki-NLP/opus-mt-ar-en",
        task="translation",
        source_lang="ar",
        target_lang="en",
        license="apache-2.0",
        max_input_tokens=512,
        description="OPUS-MT transformer-base, Arabic to English (~300 MB). The default.",
        # main holds only pickle weights (pytorch_model.bin); refs/pr/1 is the hub's
        # safetensors conversion of the same checkpoint.
        revision="refs/pr/1",
        architecture=_BASE_AR_EN,
        published=_marian_published(
            "Helsinki-NLP/opus-mt-ar-en", "main", _BASE_AR_EN, activation="swish", eos=0, unk=1,
            pad=62833, dtype="float32", sources=(_ISSUE_15,),
            unverified=("stored_dtype",),
            notes="bad_words_ids [[62833]], max_length 512, 4 beams as config.json publishes; "
            "float32 storage inferred from the ~300 MB file for 76 M parameters.",
        ),
    ),
    ModelSpec(
        name="opus-mt-tc-big-ar-en",
        hub_id="Helsinki-NLP/opus-mt-tc-big-ar-en",
        task="translation",
        source_lang="ar",
        target_lang="en",
        license="cc-by-4.0",
        max_input_tokens=512,
        description="OPUS-MT Tatoeba-Challenge transformer-big, Arabic to English (~900 MB); "
        "better, about 3x slower.",
        # main holds only pytorch_model.bin; refs/pr/7 is the hub's safetensors conversion.
        revision="refs/pr/7",
        architecture=_BIG,
        published=_marian_published(
            "Helsinki-NLP/opus-mt-tc-big-ar-en", "main", _BIG, activation="relu", eos=25894,
            unk=1, pad=61108, dtype="float16", sources=(_ISSUE_15,),
            unverified=("encoder_layers", "decoder_layers", "vocab_size", "unk_token_id"),
            notes="transformer-big: d_model 1024, 16 heads, FFN 4096, relu, 1,024 positions, "
            "separate_vocabs false, torch_dtype float16; </s> sits mid-vocabulary (25,894), "
            "<pad> (61,108) last, so vocab_size is pad + 1; 6+6 layers and <unk> at 1 are the "
            "Tatoeba-Challenge transformer-big defaults, not read from this repository.",
        ),
    ),
    ModelSpec(
        name="opus-mt-en-ar",
        hub_id="Helsinki-NLP/opus-mt-en-ar",
        task="translation",
        source_lang="en",
        target_lang="ar",
        license="apache-2.0",
        max_input_tokens=512,
        description="OPUS-MT transformer-base, English to Arabic (~300 MB). The default en->ar.",
        target_prefix=">>ara<<",
        # main holds only pytorch_model.bin; refs/pr/3 is the hub's safetensors conversion.
        revision="refs/pr/3",
        architecture=_BASE_AR_EN,
        published=_marian_published(
            "Helsinki-NLP/opus-mt-en-ar", "main", _BASE_AR_EN, activation="swish", eos=0, unk=1,
            pad=62833, dtype="float32", sources=(_ISSUE_15,),
            unverified=("vocab_size", "eos_token_id", "unk_token_id", "pad_token_id",
                        "stored_dtype"),
            notes="Not read from this repository: the layout is opus-mt-ar-en's (same "
            "transformer-base conversion, </s> 0, <unk> 1, <pad> last); its vocabulary holds "
            "target-language tokens such as >>ara<<, which the product writes as a prefix.",
        ),
    ),
    ModelSpec(
        name="opus-mt-tc-big-en-ar",
        hub_id="Helsinki-NLP/opus-mt-tc-big-en-ar",
        task="translation",
        source_lang="en",
        target_lang="ar",
        license="cc-by-4.0",
        max_input_tokens=512,
        description="OPUS-MT Tatoeba-Challenge transformer-big, English to Arabic (~900 MB).",
        target_prefix=">>ara<<",
        architecture=_BIG,
        published=_marian_published(
            "Helsinki-NLP/opus-mt-tc-big-en-ar", "main", _BIG, activation="relu", eos=25894,
            unk=1, pad=61108, dtype="float16", sources=(_ISSUE_15,),
            unverified=("encoder_layers", "decoder_layers", "vocab_size", "eos_token_id",
                        "unk_token_id", "pad_token_id"),
            notes="Derived from the tc-big family (tc-big-ar-en's ids; en-es has eos 44,893 of "
            "55,027): transformer-big, relu, 1,024 positions, float16 storage and a "
            "mid-vocabulary </s> hold for the family; this repository's own ids were not read. "
            "Revision main: no safetensors conversion was confirmed for it.",
        ),
    ),
)

_SUMMARIZATION_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="mt5-xlsum",
        hub_id="csebuetnlp/mT5_multilingual_XLSum",
        task="summarization",
        # One model for the 45 XL-Sum languages, Arabic and English among them.
        source_lang="mul",
        target_lang="mul",
        license="cc-by-nc-sa-4.0",
        max_input_tokens=512,
        description="mT5-base fine-tuned on XL-Sum (BBC news, 45 languages incl. Arabic), "
        "~2.3 GB; the default Arabic summarizer. Licence CC BY-NC-SA 4.0: non-commercial use "
        "only, and summaries you share must carry the same licence.",
        # main holds only pickle weights (pytorch_model.bin); refs/pr/7 is the hub's safetensors
        # conversion of the same checkpoint (config and tokenizer unchanged).
        revision="refs/pr/7",
        # The model card's settings (its config.json: 4 beams, no repeated 2-grams, length
        # penalty 0.6, at most 84 tokens).
        generation=MappingProxyType({
            "num_beams": 4, "no_repeat_ngram_size": 2, "length_penalty": 0.6,
            "max_new_tokens": 84,
        }),
        published=PublishedConfig(
            family="mt5",
            architecture=MappingProxyType({
                "d_model": 768, "num_layers": 12, "num_decoder_layers": 12, "num_heads": 12,
                "d_kv": 64, "d_ff": 2048, "feed_forward_proj": "gated-gelu",
                "vocab_size": 250112, "relative_attention_num_buckets": 32,
                "relative_attention_max_distance": 128, "tie_word_embeddings": False,
                "n_positions": 512,
            }),
            special_tokens=MappingProxyType({
                "pad_token_id": 0, "eos_token_id": 1, "unk_token_id": 2,
                "decoder_start_token_id": 0,
            }),
            generation=MappingProxyType({
                "num_beams": 4, "no_repeat_ngram_size": 2, "length_penalty": 0.6,
                "max_length": 84,
            }),
            tokenizer_size=250100,
            stored_dtype="float32",
            sources=(_HUB.format("csebuetnlp/mT5_multilingual_XLSum", "refs/pr/7", "config.json"),
                     _HUB.format("google/mt5-base", "main", "config.json"), _ISSUE_15),
            unverified=("n_positions", "stored_dtype"),
            notes="mT5-base: relative attention (no learned positions), untied lm_head; the "
            "tokenizer's 250,100 pieces are padded to 250,112 rows. n_positions is the 512-token "
            "window the registry reads (relative attention has no hard limit); float32 storage "
            "inferred from the 2.3 GB file for 582 M parameters.",
        ),
    ),
    ModelSpec(
        name="bart-large-cnn",
        hub_id="facebook/bart-large-cnn",
        task="summarization",
        source_lang="en",
        target_lang="en",
        license="mit",
        max_input_tokens=1024,
        description="BART-large fine-tuned on CNN/DailyMail English news, ~1.6 GB; the default "
        "English summarizer (safetensors and tokenizer.json on main, MIT licence).",
        # Its generation_config.json: 4 beams, length penalty 2.0, 56 to 142 tokens, no
        # repeated 3-grams, early stopping.
        generation=MappingProxyType({
            "num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 2.0,
            "max_new_tokens": 142, "min_new_tokens": 56, "early_stopping": True,
        }),
        published=PublishedConfig(
            family="bart",
            architecture=MappingProxyType({
                "d_model": 1024, "encoder_layers": 12, "decoder_layers": 12,
                "encoder_attention_heads": 16, "decoder_attention_heads": 16,
                "encoder_ffn_dim": 4096, "decoder_ffn_dim": 4096, "activation_function": "gelu",
                "vocab_size": 50264, "max_position_embeddings": 1024, "scale_embedding": False,
                "tie_word_embeddings": True,
            }),
            special_tokens=MappingProxyType({
                "bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2, "unk_token_id": 3,
                "decoder_start_token_id": 2, "forced_bos_token_id": 0, "forced_eos_token_id": 2,
            }),
            generation=MappingProxyType({
                "num_beams": 4, "length_penalty": 2.0, "max_length": 142, "min_length": 56,
                "no_repeat_ngram_size": 3, "early_stopping": True, "forced_bos_token_id": 0,
                "forced_eos_token_id": 2,
            }),
            tokenizer_size=50265,
            stored_dtype="float32",
            sources=(_HUB.format("facebook/bart-large-cnn", "main", "config.json"),
                     _HUB.format("facebook/bart-large-cnn", "main", "generation_config.json"),
                     _ISSUE_15),
            unverified=("unk_token_id", "tokenizer_size", "stored_dtype"),
            notes="Byte-level BPE tokenizer, <unk> 3 and <mask> 50,264: one token past the "
            "model's 50,264 rows, so <mask> must never reach the model as a token; float32 "
            "storage inferred from the 1.6 GB file for 406 M parameters.",
        ),
    ),
)

REGISTRY: Mapping[str, ModelSpec] = MappingProxyType(
    {s.name: s for s in _SPECS + _SUMMARIZATION_SPECS}
)

# The model used when --model is not given, per direction.
DEFAULT_TRANSLATION_MODELS: Mapping[tuple[str, str], str] = MappingProxyType(
    {("ar", "en"): "opus-mt-ar-en", ("en", "ar"): "opus-mt-en-ar"}
)


# The summarizer used when --model is not given, per language it reads and writes.
DEFAULT_SUMMARIZATION_MODELS: Mapping[str, str] = MappingProxyType(
    {"ar": "mt5-xlsum", "en": "bart-large-cnn"}
)

# Arabic article -> English summary (and back) by default takes the abstractive route with the
# least to download: opus-mt (~300 MB) plus the English summarizer (~1.6 GB), rather than
# mT5 XL-Sum (~2.3 GB) plus opus-mt.
DEFAULT_CROSS_LINGUAL_STRATEGIES: Mapping[tuple[str, str], str] = MappingProxyType(
    {("ar", "en"): "translate-then-summarize", ("en", "ar"): "summarize-then-translate"}
)


def get_spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ModelNotFoundError(
            f"unknown model name '{name}'; known: {', '.join(REGISTRY)}"
        ) from None


def default_translation_model(source_lang: str, target_lang: str) -> str:
    try:
        return DEFAULT_TRANSLATION_MODELS[(source_lang, target_lang)]
    except KeyError:
        pairs = ", ".join(f"{s}->{t}" for s, t in DEFAULT_TRANSLATION_MODELS)
        raise ModelNotFoundError(
            f"no default model for {source_lang}->{target_lang} (supported: {pairs}); "
            "pass --model NAME|HUB_ID|DIR"
        ) from None


def default_summarization_model(lang: str) -> str:
    try:
        return DEFAULT_SUMMARIZATION_MODELS[lang]
    except KeyError:
        raise ModelNotFoundError(
            f"no default summarization model for '{lang}' (supported: "
            f"{', '.join(DEFAULT_SUMMARIZATION_MODELS)}); pass --model NAME|HUB_ID|DIR"
        ) from None
