"""Batched translation with a Marian (or any seq2seq) model.

Inputs are sorted by length and cut into batches under a padded-token budget, so a batch of
short sentences is wide and a batch of long ones narrow, and padding stays small. The decoding
bound grows with each input's length: a model that loops stops early instead of running to the
model's maximum, which is both slow and a common source of garbage at the end of a translation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Protocol, Sequence

from tarjama.models.loading import LoadedModel
from tarjama.nlp.packing import budget_batches
from tarjama.nlp.translate import Segment, SegmentOutput


@dataclass(frozen=True)
class DecodingConfig:
    num_beams: int | None = None  # None: the model's own generation config (opus-mt: 4)
    max_length_ratio: float = 1.6  # max_new_tokens = ceil(ratio * source tokens) + offset
    max_length_offset: int = 10
    max_batch_tokens: int = 4000  # padded source tokens x beams per batch
    max_batch_size: int = 64
    max_segment_tokens: int = 256  # longer sentences are split at clause boundaries
    repetition_guard: bool = True
    # Benchmarks only: every output gets exactly round(ratio * source tokens) tokens, so systems
    # with random weights (which never stop by themselves) do the same amount of work.
    force_length: bool = False


def find_loop(ids: Sequence[int], min_repeats: int = 4, max_ngram: int = 4) -> bool:
    """True if the sequence ends in (or contains) an n-gram repeated `min_repeats` times in a row.

    This is the signature of a decoder stuck in a loop ("the the the the", "of the war of the
    war ..."); legitimate text almost never repeats a phrase four times back to back.
    """
    n_ids = len(ids)
    for n in range(1, max_ngram + 1):
        need = n * min_repeats
        if n_ids < need:
            break
        for start in range(0, n_ids - need + 1):
            gram = ids[start : start + n]
            if all(ids[start + k * n : start + (k + 1) * n] == gram for k in range(1, min_repeats)):
                return True
    return False


def encode_text(tokenizer: Any, texts: Sequence[str], prefix: str = "") -> list[list[int]]:
    """Token ids of each text (after `prefix`), with the tokenizer's own special tokens added.

    The text is read as text: "</s>", "<pad>" or "<mask>" written in an article would otherwise
    become the special token itself (an end-of-sequence mid-input, or BART's <mask>, one id
    past bart-large-cnn's 50,264 embedding rows). Where a tokenizer's vocabulary still maps
    such text onto a special id (mT5's sentencepiece pieces), that position reads as unknown.
    """
    if not texts:
        return []
    rows = tokenizer([prefix + t for t in texts], add_special_tokens=True,
                     split_special_tokens=True)["input_ids"]
    unk = tokenizer.unk_token_id
    special = set(tokenizer.all_special_ids) - {unk}
    if unk is None or not special:
        return [list(r) for r in rows]
    bos = tokenizer.bos_token_id
    out = []
    for row in rows:
        last = len(row) - 1
        out.append([unk if t in special and not (k == last or (k == 0 and t == bos)) else t
                    for k, t in enumerate(row)])
    return out


# One decoded row: its token ids (without the decoder start token) and its length-normalised
# log-probability (the mean log-probability of its tokens; None when the engine cannot tell).
Hypothesis = tuple[list[int], "float | None"]


class Engine(Protocol):
    """Runs the decoder: token ids in, the best hypothesis of each row out.

    Row i may generate at most ``max_new_tokens[i]`` tokens (end-of-sequence included) and must
    generate at least ``min_new_tokens[i]`` before it may end; an engine that can only take one
    bound per batch decodes to the largest and leaves the cut to the caller.
    """

    name: str

    def generate(
        self, inputs: list[list[int]], *, num_beams: int, max_new_tokens: Sequence[int],
        min_new_tokens: Sequence[int], no_repeat_ngram_size: int,
    ) -> list[Hypothesis]: ...


class TorchEngine:
    """The loaded torch model, decoded by models.beam (transformers' generate as a fallback
    for generation settings that module does not implement)."""

    name = "torch"

    def __init__(self, loaded: LoadedModel) -> None:
        from tarjama.models.beam import SearchSettings, supports

        self._model = loaded.model
        self._device = loaded.device
        self._pad = loaded.tokenizer.pad_token_id
        self.fallback_reason = supports(self._model)
        self._settings = SearchSettings.from_model(self._model) if self.fallback_reason is None else None

    def generate(
        self, inputs: list[list[int]], *, num_beams: int, max_new_tokens: Sequence[int],
        min_new_tokens: Sequence[int], no_repeat_ngram_size: int,
    ) -> list[Hypothesis]:
        import torch
        from tarjama.models.beam import pad_batch, search_scored

        ids, mask = pad_batch(inputs, self._pad, self._device)
        if self._settings is not None:
            return search_scored(self._model, self._settings, ids, mask, num_beams=num_beams,
                                 max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens,
                                 no_repeat_ngram_size=no_repeat_ngram_size)
        kwargs: dict[str, Any] = {"num_beams": num_beams, "max_new_tokens": max(max_new_tokens)}
        if max(min_new_tokens, default=0):
            kwargs["min_new_tokens"] = max(min_new_tokens)
        if no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = no_repeat_ngram_size
        with torch.inference_mode():
            out = self._model.generate(input_ids=ids, attention_mask=mask, output_scores=True,
                                       return_dict_in_generate=True, **kwargs)
            steps = self._model.compute_transition_scores(
                out.sequences, out.scores, getattr(out, "beam_indices", None),
                normalize_logits=num_beams == 1)
        eos = self._model.generation_config.eos_token_id
        rows = []
        for row, logp in zip(out.sequences.tolist(), steps.tolist()):
            tokens = row[1:]
            n = tokens.index(eos) + 1 if eos in tokens else len(tokens)
            rows.append((tokens, sum(logp[:n]) / max(1, n)))
        return rows


class Seq2SeqTranslator:
    """A loaded translation model: many segments at once, in batches (implements
    nlp.translate.TranslationModel), and where the model came from (for JSON output)."""

    def __init__(
        self, loaded: LoadedModel, config: DecodingConfig | None = None, engine: Engine | None = None,
        *, source_lang: str, target_lang: str,
    ) -> None:
        self.loaded = loaded
        # The direction asked for: a local directory has no spec to say it.
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.config = config or DecodingConfig()
        self.engine: Engine = engine or TorchEngine(loaded)
        self._tok = loaded.tokenizer
        gen = loaded.generation_config
        self.num_beams = self.config.num_beams or getattr(gen, "num_beams", None) or 1
        window = getattr(loaded.config, "max_position_embeddings", None) or 512
        # Marian forces end-of-sequence as the last token under the bound; engines that cannot
        # bound each row (one bound per batch) are cut the same way, so all agree.
        self._forced_eos = getattr(gen, "forced_eos_token_id", None) is not None
        spec = loaded.ref.spec
        if spec is not None:
            window = min(window, spec.max_input_tokens)
        self._prefix = spec.target_prefix + " " if spec is not None and spec.target_prefix else ""
        # Room for the end-of-sentence token and a target-language prefix.
        self.max_segment_tokens = max(8, min(self.config.max_segment_tokens, window - 4))
        self._max_output = window
        self._eos = self._tok.eos_token_id
        self._pad = self._tok.pad_token_id

    @property
    def settings(self) -> dict[str, Any]:
        out = asdict(self.config)
        out["num_beams"] = self.num_beams
        out["backend"] = self.engine.name
        return out

    def provenance(self) -> dict[str, Any]:
        return {
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "model": self.loaded.provenance,
            "decoding": self.settings,
        }

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return encode_text(self._tok, texts, self._prefix)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.encode(texts)]

    def translate(self, segments: Sequence[Segment]) -> list[SegmentOutput]:
        if not segments:
            return []
        encoded = [list(s.ids) for s in segments]
        too_long = [i for i, ids in enumerate(encoded) if len(ids) > self._max_output]
        if too_long:
            raise ValueError(
                f"segment {too_long[0]} has {len(encoded[too_long[0]])} tokens, over the model's "
                f"window of {self._max_output}; split it first (nlp.packing.split_to_budget)"
            )
        results: list[SegmentOutput | None] = [None] * len(segments)
        for batch in self._batches(encoded):
            outs = self._run([encoded[i] for i in batch], guard=False)
            retry = [k for k, o in enumerate(outs) if o.repeated] if self.config.repetition_guard else []
            if retry and not self.config.force_length:
                redone = self._run([encoded[batch[k]] for k in retry], guard=True)
                for k, new in zip(retry, redone):
                    outs[k] = SegmentOutput(new.text, new.hit_max_length, True, new.output_tokens,
                                            new.score)
            for i, out in zip(batch, outs):
                results[i] = out
        return [r for r in results if r is not None]

    def _batches(self, encoded: list[list[int]]) -> list[list[int]]:
        return budget_batches([len(x) for x in encoded], rows_per_item=self.num_beams,
                              max_tokens=self.config.max_batch_tokens,
                              max_items=self.config.max_batch_size)

    def bound(self, n_tokens: int) -> int:
        """The most tokens decoded for an input of n_tokens (exactly this many when forced)."""
        c = self.config
        if c.force_length:
            return max(1, min(self._max_output, round(c.max_length_ratio * n_tokens)))
        return max(1, min(self._max_output, math.ceil(c.max_length_ratio * n_tokens) + c.max_length_offset))

    def _run(self, inputs: list[list[int]], guard: bool) -> list[SegmentOutput]:
        bounds = [self.bound(len(x)) for x in inputs]
        rows = self.engine.generate(
            inputs, num_beams=self.num_beams, max_new_tokens=bounds,
            min_new_tokens=bounds if self.config.force_length else [0] * len(bounds),
            no_repeat_ngram_size=3 if guard else 0,
        )
        results: list[SegmentOutput] = []
        for (tokens, score), bound in zip(rows, bounds):
            content = tokens[: tokens.index(self._eos)] if self._eos in tokens else tokens
            # An end-of-sequence past this input's own bound (its batch-mates ran longer) does
            # not count: the output is cut at the bound.
            ended = self._eos in tokens and len(content) < bound
            content = [t for t in content if t != self._pad]
            if not ended and len(content) >= bound:
                content = content[: bound - 1 if self._forced_eos else bound]
                ended = self._forced_eos
            text = self._tok.decode(content, skip_special_tokens=True).strip()
            # Decoder steps, end-of-sequence included: the unit of work, equal across backends
            # (Marian's config forces end-of-sequence as the last step at the length bound).
            steps = len(content) + (1 if ended else 0)
            results.append(SegmentOutput(text, steps >= bound, find_loop(content), steps, score))
        return results
