"""models.beam against transformers' generate on every registry model's layout (tests/layouts.py).

The random weights never end a sentence by themselves, so the end-of-sequence logit is raised
by a bias chosen from the loaded model's own outputs until hypotheses finish at several
different steps: finished beams, the length penalty and early stopping are exercised, not only
the length cap, with each layout's own ids (tc-big's </s> sits mid-vocabulary) and settings
(BART-CNN: forced <s> first, minimum length, length penalty 2, no repeated 3-grams).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from layouts import NAMES
from tiny import CORPUS_AR, CORPUS_EN

torch = pytest.importorskip("torch")

TEXTS = {"ar": CORPUS_AR + [CORPUS_AR[0] + " " + CORPUS_AR[1], "المدينة"],
         "en": CORPUS_EN + [CORPUS_EN[0] + " " + CORPUS_EN[1], "The city"]}


def _load(path: Path):  # type: ignore[no-untyped-def]
    from tarjama.models.loading import LoadOptions, load, resolve_model

    return load(resolve_model(str(path)), LoadOptions(device="cpu"))


def _set_eos_bias(model, eos: int, value: float) -> None:  # type: ignore[no-untyped-def]
    if getattr(model, "final_logits_bias", None) is not None:
        model.final_logits_bias[0, eos] = value
        return
    head = model.lm_head  # mT5: an untied output layer without a bias
    if not hasattr(head, "_eos_bias"):
        head.register_forward_hook(
            lambda module, args, out: out.index_add_(
                -1, torch.tensor([eos]), torch.full_like(out[..., :1], module._eos_bias)))
    head._eos_bias = value


def _generate(model, enc, **kwargs) -> list[list[int]]:  # type: ignore[no-untyped-def]
    gen = model.generation_config
    with torch.inference_mode():
        out = model.generate(**enc, **kwargs)
    rows = []
    for row in out.tolist():
        row = row[1:]
        if gen.eos_token_id in row:
            row = row[: row.index(gen.eos_token_id) + 1]
        rows.append([t for t in row if t != gen.pad_token_id])
    return rows


def _eos_steps(rows: list[list[int]], eos: int) -> set[int]:
    return {len(r) for r in rows if r and r[-1] == eos}


@pytest.mark.parametrize("name", NAMES)
def test_beam_equals_generate_with_eos_at_varied_steps(layouts, name: str) -> None:  # type: ignore[no-untyped-def]
    from layouts import input_language
    from tarjama.models.beam import SearchSettings, search, supports
    from tarjama.models.registry import REGISTRY

    pub = REGISTRY[name].published
    loaded = _load(layouts(name))
    model, tokenizer = loaded.model, loaded.tokenizer
    gen = model.generation_config
    eos = pub.special_tokens["eos_token_id"]
    assert gen.eos_token_id == eos == tokenizer.eos_token_id
    assert supports(model) is None, supports(model)
    texts = TEXTS[input_language(name)]
    enc = tokenizer(texts, return_tensors="pt", padding=True)
    beams = gen.num_beams
    minimum = int(gen.min_length or 0)
    max_new = minimum + 14
    # Gen config's max_length/min_length stay: both decoders read them (BART-CNN's 56 is
    # a minimum the search must honour too); max_new_tokens takes precedence over max_length.
    kwargs = {"max_new_tokens": max_new}
    chosen = None
    with torch.inference_mode():
        base = model(**enc, decoder_input_ids=torch.full((len(texts), 1), gen.decoder_start_token_id)).logits[:, -1]
    margin = (base.max(dim=-1).values - base[:, eos]).float()
    low, high = float(margin.min()) - 2.0, float(margin.max()) + 2.0
    middle = float(margin.median())
    # Biases from the median step-0 margin outwards: enough to make eos competitive at some
    # steps, not at all of them.
    for bias in sorted((low + (high - low) * i / 10 for i in range(11)),
                       key=lambda b: abs(b - middle)):
        _set_eos_bias(model, eos, bias)
        expected = _generate(model, enc, **kwargs)
        if len(_eos_steps(expected, eos)) >= 3:
            chosen = bias
            break
    assert chosen is not None, "no bias made hypotheses end at 3 different steps"
    settings = SearchSettings.from_model(model)
    got = search(model, settings, enc["input_ids"], enc["attention_mask"], num_beams=beams,
                 max_new_tokens=[max_new] * len(texts), min_new_tokens=[0] * len(texts),
                 no_repeat_ngram_size=int(gen.no_repeat_ngram_size or 0))
    assert got == expected
    steps = _eos_steps(got, eos)
    assert len(steps) >= 3 and min(steps) >= minimum, steps
    # Greedy too, with the same processors.
    expected = _generate(model, enc, num_beams=1, **kwargs)
    got = search(model, settings, enc["input_ids"], enc["attention_mask"], num_beams=1,
                 max_new_tokens=[max_new] * len(texts), min_new_tokens=[0] * len(texts),
                 no_repeat_ngram_size=int(gen.no_repeat_ngram_size or 0))
    assert got == expected
    if pub.special_tokens.get("forced_bos_token_id") is not None:
        assert all(r[0] == pub.special_tokens["forced_bos_token_id"] for r in got)
