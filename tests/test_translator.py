from __future__ import annotations

from pathlib import Path

from tarjama.models.loading import LoadOptions, load, resolve_model
from tarjama.models.translator import DecodingConfig, Seq2SeqTranslator, find_loop
from tarjama.nlp.translate import Segment


def test_find_loop() -> None:
    assert find_loop([5, 7, 7, 7, 7])
    assert find_loop([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 9])
    assert not find_loop([1, 2, 3, 4, 5, 6, 7, 8])
    assert not find_loop([1, 1, 1])


def test_batches_sorted_and_under_budget(tiny_marian: Path) -> None:
    loaded = load(resolve_model(str(tiny_marian)), LoadOptions(device="cpu"))
    translator = Seq2SeqTranslator(loaded, DecodingConfig(max_batch_tokens=200, num_beams=2),
                                   source_lang="ar", target_lang="en")
    encoded = [[1] * n for n in (3, 40, 5, 38, 12, 7, 60)]
    batches = translator._batches(encoded)
    assert sorted(i for b in batches for i in b) == list(range(7))
    for batch in batches:
        width = max(len(encoded[i]) for i in batch)
        assert width * len(batch) * 2 <= 200 or len(batch) == 1
    # Longest first, so each batch holds inputs of similar length.
    assert batches[0][0] == 6


def test_outputs_bounded_by_input_length_and_in_order(tiny_marian: Path) -> None:
    loaded = load(resolve_model(str(tiny_marian)), LoadOptions(device="cpu"))
    config = DecodingConfig(max_length_ratio=1.0, max_length_offset=2)
    translator = Seq2SeqTranslator(loaded, config, source_lang="ar", target_lang="en")
    texts = ["هل تكفي هذه المحطات؟", "ذهب الرئيس إلى المدينة وتحدث مع الصحفيين عن الاقتصاد.", "نعم"]
    segments = [Segment(t, tuple(ids)) for t, ids in zip(texts, translator.encode(texts))]
    outs = translator.translate(segments)
    assert len(outs) == 3
    n_src = translator.count_tokens(texts)
    for out, n in zip(outs, n_src):
        # Random weights rarely stop by themselves: the bound is what ends them.
        assert 0 < out.output_tokens <= n + 2
    # Same input alone or in a batch: same output (padding must not leak into results).
    alone = translator.translate([segments[1]])[0]
    assert alone.text == outs[1].text
