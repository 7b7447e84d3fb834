"""Abstractive summarization with a seq2seq model (mT5 XL-Sum, BART-CNN, or a local directory).

Implements nlp.mapreduce.SummarizationModel: the map-reduce over long articles lives in nlp/, this
class only counts tokens and runs batched, bounded generation. Decoding defaults are the ones
the model's card publishes (stored in the registry spec); a directory with no spec gets its own
generation config where that sets something, else XL-Sum's settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Sequence

from tarjama.models.loading import LoadedModel
from tarjama.models.translator import encode_text, find_loop
from tarjama.nlp.packing import budget_batches
from tarjama.nlp.translate import SegmentOutput

# Used when neither a registry spec nor the model's generation config says otherwise:
# XL-Sum's published settings, a sensible news default for any seq2seq summarizer.
_FALLBACK_WINDOW = 512


@dataclass(frozen=True)
class SummaryDecoding:
    num_beams: int = 4
    no_repeat_ngram_size: int = 2
    length_penalty: float = 0.6
    max_new_tokens: int = 84
    min_new_tokens: int = 0
    early_stopping: bool = False
    max_batch_tokens: int = 8000  # padded input tokens x beams per generate() call
    max_batch_size: int = 16


_DECODING_KEYS = {f.name for f in fields(SummaryDecoding)}


def decoding_for(loaded: LoadedModel, *, beams: int | None = None,
                 max_new_tokens: int | None = None) -> SummaryDecoding:
    """The decoding settings for a model: spec, else the model's own generation config, then
    the caller's overrides."""
    spec = loaded.ref.spec
    settings: dict[str, Any] = {}
    if spec is not None and spec.generation:
        settings.update(spec.generation)
    else:
        settings.update(_own_generation_settings(loaded.model))
    if beams is not None:
        settings["num_beams"] = beams
    if max_new_tokens is not None:
        settings["max_new_tokens"] = max_new_tokens
        settings["min_new_tokens"] = min(int(settings.get("min_new_tokens", 0)), max_new_tokens)
    return SummaryDecoding(**{k: v for k, v in settings.items() if k in _DECODING_KEYS})


def _own_generation_settings(model: Any) -> dict[str, Any]:
    """What the model's generation config sets away from transformers' library defaults."""
    from transformers import GenerationConfig

    gen = model.generation_config
    library = GenerationConfig()
    out: dict[str, Any] = {}
    for key in ("num_beams", "no_repeat_ngram_size", "length_penalty", "early_stopping"):
        value = getattr(gen, key, None)
        if value is not None and value != getattr(library, key, None):
            out[key] = value
    # max_length/min_length count the decoder start token; the library's 20 means "unset".
    if gen.max_new_tokens:
        out["max_new_tokens"] = gen.max_new_tokens
    elif gen.max_length and gen.max_length != library.max_length:
        out["max_new_tokens"] = max(1, gen.max_length - 1)
    if gen.min_new_tokens:
        out["min_new_tokens"] = gen.min_new_tokens
    elif gen.min_length:
        out["min_new_tokens"] = max(0, gen.min_length - 1)
    return out


def model_window(loaded: LoadedModel) -> int:
    """Input tokens the model was trained to read: the spec's, else the config's, else 512."""
    spec = loaded.ref.spec
    if spec is not None:
        return spec.max_input_tokens
    config = loaded.model.config
    for key in ("max_position_embeddings", "n_positions"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(loaded.tokenizer, "model_max_length", None)
    # Tokenizers without a limit report a huge sentinel (int(1e30)).
    if isinstance(limit, int) and 0 < limit < 100_000:
        return limit
    return _FALLBACK_WINDOW


class Seq2SeqSummarizer:
    """Batched, bounded summarization of texts that fit the model's window."""

    def __init__(self, loaded: LoadedModel, decoding: SummaryDecoding | None = None, *,
                 max_input_tokens: int | None = None) -> None:
        self.loaded = loaded
        self.decoding = decoding or decoding_for(loaded)
        window = model_window(loaded)
        # The window can only be narrowed: positions past the trained length are garbage.
        self.max_input_tokens = min(window, max_input_tokens) if max_input_tokens else window
        self.max_summary_tokens = self.decoding.max_new_tokens
        self._tok = loaded.tokenizer
        self._model = loaded.model
        self._eos = self._tok.eos_token_id
        self._pad = self._tok.pad_token_id if self._tok.pad_token_id is not None else self._eos
        gen = self._model.generation_config
        # The decoding settings above replace the config's own length limits (BART-CNN sets
        # min_length 56, counted from the start token); left in place they would fight the
        # per-input bounds, and generate() warns about every call that sets both.
        gen.min_length = None
        gen.max_length = None
        # models.beam decodes when the model's generation config allows it (mT5 does; BART-CNN's
        # forced first token does not), with the card's length penalty and early stopping.
        from tarjama.models.beam import SearchSettings, supports

        self._search = None
        if supports(self._model) is None:
            self._search = replace(SearchSettings.from_model(self._model),
                                   length_penalty=self.decoding.length_penalty,
                                   early_stopping=self.decoding.early_stopping, min_length=0)

    @property
    def settings(self) -> dict[str, Any]:
        return {**asdict(self.decoding), "max_input_tokens": self.max_input_tokens}

    def provenance(self) -> dict[str, Any]:
        spec = self.loaded.ref.spec
        return {
            "model": {**self.loaded.provenance, "license": spec.license if spec else None},
            "decoding": self.settings,
        }

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in encode_text(self._tok, texts)]

    def summarize(self, texts: Sequence[str], max_new_tokens: Sequence[int]) -> list[SegmentOutput]:
        if len(texts) != len(max_new_tokens):
            raise ValueError("one bound per text is required")
        if not texts:
            return []
        encoded = encode_text(self._tok, texts)
        too_long = [i for i, ids in enumerate(encoded) if len(ids) > self.max_input_tokens]
        if too_long:
            raise ValueError(
                f"text {too_long[0]} has {len(encoded[too_long[0]])} tokens, over the window of "
                f"{self.max_input_tokens}; use nlp.mapreduce.map_reduce for long input"
            )
        results: list[SegmentOutput | None] = [None] * len(texts)
        for batch in self._batches(encoded):
            outs = self._generate([encoded[i] for i in batch], [max_new_tokens[i] for i in batch])
            for i, out in zip(batch, outs):
                results[i] = out
        return [r for r in results if r is not None]

    def _batches(self, encoded: list[list[int]]) -> list[list[int]]:
        return budget_batches([len(x) for x in encoded], rows_per_item=self.decoding.num_beams,
                              max_tokens=self.decoding.max_batch_tokens,
                              max_items=self.decoding.max_batch_size)

    def _generate(self, inputs: list[list[int]], bounds: list[int]) -> list[SegmentOutput]:
        from tarjama.models.beam import pad_batch, search

        d = self.decoding
        ids, mask = pad_batch(inputs, self._pad, self.loaded.device)
        if self._search is not None:
            # The minimum never above the bound: a summary is not longer than its input.
            rows = search(self._model, self._search, ids, mask, num_beams=d.num_beams,
                          max_new_tokens=[max(1, b) for b in bounds],
                          min_new_tokens=[min(d.min_new_tokens, b) for b in bounds],
                          no_repeat_ngram_size=d.no_repeat_ngram_size)
        else:
            rows = self._generate_with_transformers(ids, mask, bounds)
        results = []
        for tokens, bound in zip(rows, bounds):
            ended = self._eos in tokens
            if ended:
                tokens = tokens[: tokens.index(self._eos)]
            tokens = [t for t in tokens if t != self._pad]
            hit = (not ended and len(tokens) >= bound) or len(tokens) > bound
            tokens = tokens[:bound]
            text = self._tok.decode(tokens, skip_special_tokens=True).strip()
            results.append(SegmentOutput(" ".join(text.split()), hit, find_loop(tokens),
                                         len(tokens)))
        return results

    def _generate_with_transformers(self, ids: Any, mask: Any, bounds: list[int]) -> list[list[int]]:
        """generate(), for generation configs models.beam does not implement (BART-CNN's forced
        first token); one bound per batch, the rows cut afterwards."""
        import torch

        d = self.decoding
        kwargs: dict[str, Any] = {"max_new_tokens": max(1, max(bounds)), "num_beams": d.num_beams,
                                  "do_sample": False, "num_return_sequences": 1}
        if min(d.min_new_tokens, min(bounds)) > 0:  # never above the bound
            kwargs["min_new_tokens"] = min(d.min_new_tokens, min(bounds))
        if d.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = d.no_repeat_ngram_size
        if d.num_beams > 1:
            kwargs["length_penalty"] = d.length_penalty
            kwargs["early_stopping"] = d.early_stopping
        with torch.inference_mode():
            out = self._model.generate(input_ids=ids, attention_mask=mask, **kwargs)
        return [row[1:] for row in out.tolist()]  # without the decoder start token
