"""models.beam against transformers' generate: the same tokens, for every setting it accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny import CORPUS_AR

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def marian(tiny_marian: Path):  # type: ignore[no-untyped-def]
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_marian)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_marian).eval()
    return model, tokenizer


def _inputs(tokenizer, texts):  # type: ignore[no-untyped-def]
    return tokenizer(texts, return_tensors="pt", padding=True)


def _reference(model, enc, **kwargs) -> list[list[int]]:  # type: ignore[no-untyped-def]
    eos, pad = model.generation_config.eos_token_id, model.generation_config.pad_token_id
    with torch.inference_mode():
        out = model.generate(**enc, **kwargs)
    rows = []
    for row in out.tolist():
        row = row[1:]
        if eos in row:
            row = row[: row.index(eos) + 1]
        rows.append([t for t in row if t != pad])
    return rows


TEXTS = CORPUS_AR + [CORPUS_AR[0] + " " + CORPUS_AR[1], "المدينة", CORPUS_AR[2] * 2]


@pytest.mark.parametrize("beams,max_new,min_new,no_repeat", [
    (1, 12, 0, 0), (2, 12, 0, 0), (4, 20, 0, 0), (4, 16, 16, 0), (3, 25, 5, 3), (4, 40, 0, 2),
])
def test_same_tokens_as_generate(marian, beams: int, max_new: int, min_new: int,  # type: ignore[no-untyped-def]
                                 no_repeat: int) -> None:
    from tarjama.models.beam import SearchSettings, search, supports

    model, tokenizer = marian
    assert supports(model) is None
    enc = _inputs(tokenizer, TEXTS)
    kwargs = {"num_beams": beams, "max_new_tokens": max_new}
    if min_new:
        kwargs["min_new_tokens"] = min_new
    if no_repeat:
        kwargs["no_repeat_ngram_size"] = no_repeat
    expected = _reference(model, enc, **kwargs)
    got = search(model, SearchSettings.from_model(model), enc["input_ids"], enc["attention_mask"],
                 num_beams=beams, max_new_tokens=[max_new] * len(TEXTS),
                 min_new_tokens=[min_new] * len(TEXTS), no_repeat_ngram_size=no_repeat)
    assert got == expected


def test_length_penalty_and_early_stopping_follow_generate(marian) -> None:  # type: ignore[no-untyped-def]
    from tarjama.models.beam import SearchSettings, search

    model, tokenizer = marian
    enc = _inputs(tokenizer, TEXTS)
    saved = (model.generation_config.length_penalty, model.generation_config.early_stopping)
    try:
        for penalty, early in ((0.6, False), (2.0, True), (1.0, "never")):
            model.generation_config.length_penalty = penalty
            model.generation_config.early_stopping = early
            expected = _reference(model, enc, num_beams=4, max_new_tokens=18)
            got = search(model, SearchSettings.from_model(model), enc["input_ids"],
                         enc["attention_mask"], num_beams=4, max_new_tokens=[18] * len(TEXTS),
                         min_new_tokens=[0] * len(TEXTS))
            assert got == expected, (penalty, early)
    finally:
        model.generation_config.length_penalty, model.generation_config.early_stopping = saved


def test_each_row_is_decoded_as_if_alone(marian) -> None:  # type: ignore[no-untyped-def]
    """Per-row bounds: a row's output does not depend on its batch-mates' lengths."""
    from tarjama.models.beam import SearchSettings, search

    model, tokenizer = marian
    settings = SearchSettings.from_model(model)
    enc = _inputs(tokenizer, TEXTS)
    bounds = [5 + 3 * i for i in range(len(TEXTS))]
    together = search(model, settings, enc["input_ids"], enc["attention_mask"], num_beams=2,
                      max_new_tokens=bounds, min_new_tokens=[0] * len(TEXTS))
    for i, text in enumerate(TEXTS):
        alone = _reference(model, _inputs(tokenizer, [text]), num_beams=2, max_new_tokens=bounds[i])
        assert together[i] == alone[0], i
        assert len(together[i]) <= bounds[i]


def test_unsupported_settings_are_named(marian) -> None:  # type: ignore[no-untyped-def]
    from tarjama.models.beam import supports

    model, _ = marian
    saved = model.generation_config.repetition_penalty
    try:
        model.generation_config.repetition_penalty = 1.3
        assert "repetition_penalty" in (supports(model) or "")
    finally:
        model.generation_config.repetition_penalty = saved


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_repeated_ngram_bans_equal_transformers(n: int) -> None:
    from tarjama.models.beam import _ban_repeated_ngrams
    from transformers import NoRepeatNGramLogitsProcessor

    generator = torch.Generator().manual_seed(n)
    for length in (1, 2, 3, 4, 7, 25):
        seqs = torch.randint(0, 6, (16, length), generator=generator)
        scores = torch.randn(16, 9, generator=generator)
        expected = NoRepeatNGramLogitsProcessor(n)(seqs, scores.clone())
        _ban_repeated_ngrams(seqs, scores, n)
        assert torch.equal(scores, expected), length


def test_mt5_with_xlsum_settings_matches_generate(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tarjama.models.beam import SearchSettings, search
    from tiny import build_mt5
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    path = build_mt5(tmp_path_factory.mktemp("beam-mt5"), n_positions=64)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    enc = _inputs(tokenizer, TEXTS[:6])
    settings = SearchSettings(eos=tokenizer.eos_token_id, pad=tokenizer.pad_token_id,
                              decoder_start=model.config.decoder_start_token_id,
                              length_penalty=0.6)
    expected = _reference(model, enc, num_beams=4, max_new_tokens=20, no_repeat_ngram_size=2,
                          length_penalty=0.6)
    got = search(model, settings, enc["input_ids"], enc["attention_mask"], num_beams=4,
                 max_new_tokens=[20] * 6, min_new_tokens=[0] * 6, no_repeat_ngram_size=2)
    assert got == expected


@pytest.mark.parametrize("beams", [1, 4])
def test_scores_are_the_mean_log_probability_generate_gives(marian, beams: int) -> None:  # type: ignore[no-untyped-def]
    from tarjama.models.beam import SearchSettings, search_scored

    model, tokenizer = marian
    enc = _inputs(tokenizer, TEXTS)
    with torch.inference_mode():
        out = model.generate(**enc, num_beams=beams, max_new_tokens=14, output_scores=True,
                             return_dict_in_generate=True)
        steps = model.compute_transition_scores(out.sequences, out.scores,
                                                getattr(out, "beam_indices", None),
                                                normalize_logits=beams == 1)
    got = search_scored(model, SearchSettings.from_model(model), enc["input_ids"],
                        enc["attention_mask"], num_beams=beams, max_new_tokens=[14] * len(TEXTS),
                        min_new_tokens=[0] * len(TEXTS))
    eos = model.generation_config.eos_token_id
    for (tokens, score), row, logp in zip(got, out.sequences.tolist(), steps.tolist()):
        row = row[1:]
        n = row.index(eos) + 1 if eos in row else len(row)
        assert tokens == row[:n]
        assert score == pytest.approx(sum(logp[:n]) / n, abs=1e-4)
        assert score < 0
