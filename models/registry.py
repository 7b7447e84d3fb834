"""Named model specs: what `--model NAME` means, and what `tarjama models list` shows.

A spec pins everything a result depends on (hub id, revision) and what the product needs to
know before loading (direction, input window, licence). ``architecture`` is the published
config of the model, so the speed benchmark can build a same-shaped model with random weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from tarjama.errors import ModelNotFoundError


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

    @property
    def direction(self) -> str:
        return f"{self.source_lang}->{self.target_lang}"


def _marian_arch(d_model: int, layers: int, heads: int, ffn: int, vocab: int) -> Mapping[str, int]:
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
            "max_position_embeddings": 512,
        }
    )


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
        architecture=_marian_arch(512, 6, 8, 2048, 62834),
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
