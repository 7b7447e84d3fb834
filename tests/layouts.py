"""Every registry model's published layout, with random weights, built once per test session.

Each layout is models.synthetic.build_synthetic on the registry spec's published facts: the
exact special-token ids (opus-mt-tc-big's mid-vocabulary </s>, BART's forced first token),
the exact vocabulary size (62,834 / 61,109 / 250,112 / 50,264 rows), position limit,
activation, stored dtype (float16 for tc-big) and generation config. Only the hidden size and
depth are scaled down (d_model 16, one layer, models.synthetic.Scale) to keep the tests fast;
the tokenizer is trained on the test corpus. Tests load these directories through the product's
own path (`--model DIR`, models.loading.load), as a user's downloaded model would be.
"""

from __future__ import annotations

from pathlib import Path

from tarjama.models.registry import REGISTRY
from tiny import CORPUS_AR, CORPUS_EN

NAMES = tuple(REGISTRY)
TRANSLATION = tuple(n for n in NAMES if REGISTRY[n].task == "translation")
SUMMARIZATION = tuple(n for n in NAMES if REGISTRY[n].task == "summarization")
# Enough text that the tokenizer learns real pieces of both languages.
TEXTS = (CORPUS_AR + CORPUS_EN) * 4


def build_layout(name: str, out: Path) -> Path:
    from tarjama.models.synthetic import Scale, build_synthetic

    return build_synthetic(REGISTRY[name], TEXTS, out, scale=Scale(), train_vocab=400)


def input_language(name: str) -> str:
    spec = REGISTRY[name]
    return "ar" if spec.source_lang == "mul" else spec.source_lang
