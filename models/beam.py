"""Beam search (and greedy decoding) for encoder-decoder models, lean enough for CPUs.

It makes the same choices as transformers' ``generate`` (same candidates, scores, finished-beam
rules, length penalty and early-stopping heuristic, the same logits processors for the settings
it accepts), so outputs match token for token, but spends its time in the model instead of
around it. Profiled on opus-mt-ar-en's shape (62,834-token vocabulary, batch 32, beam 4),
``generate`` spent about 70 % of CPU time on full-vocabulary copies, masks and adds per step and
on reordering the cross-attention cache, which never changes within a sentence's beams. Here:

* the constraints (banned pad, minimum length, forced end at the bound) touch one column or
  one row of the scores instead of rewriting the whole vocabulary for every sentence;
* the running scores are added in place; the cross-attention cache is never reordered (all
  beams of one sentence hold the same encoder states);
* every sentence has its own length bound, and a sentence leaves the batch as soon as it is
  finished, so short inputs stop costing anything and one sentence's result does not depend on
  which sentences share its batch.

:func:`supports` says whether a model's generation config asks only for what is implemented;
callers fall back to ``generate`` otherwise.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Sequence

import torch
from transformers import DynamicCache, EncoderDecoderCache
from transformers.cache_utils import Cache, DynamicLayer

__all__ = ["SearchSettings", "pad_batch", "search", "search_scored", "supports"]

_NEG = -1.0e9  # what transformers adds to rule a candidate out (not -inf: sums stay finite)

# Generation-config fields this search does not implement, with the value meaning "off".
_UNSUPPORTED_DEFAULTS: dict[str, Any] = {
    "do_sample": False, "repetition_penalty": 1.0, "encoder_repetition_penalty": 1.0,
    "encoder_no_repeat_ngram_size": 0, "sequence_bias": None, "guidance_scale": None,
    "suppress_tokens": None, "begin_suppress_tokens": None,
    "exponential_decay_length_penalty": None, "renormalize_logits": False,
    "num_beam_groups": 1, "diversity_penalty": 0.0, "constraints": None,
    "force_words_ids": None, "num_return_sequences": 1,
}


@dataclass(frozen=True)
class SearchSettings:
    """What a search needs from the model's generation config (read once per model)."""

    eos: int
    pad: int
    decoder_start: int
    banned: tuple[int, ...] = ()  # single-token bad_words_ids (opus-mt bans <pad>)
    forced_eos: bool = False  # the last step under the bound must be end-of-sequence
    forced_bos: int | None = None  # the first generated token (BART-CNN: <s>)
    min_length: int = 0  # total length (with the start token) before eos is allowed
    length_penalty: float = 1.0
    early_stopping: bool | str = False

    @classmethod
    def from_model(cls, model: Any) -> "SearchSettings":
        gen = model.generation_config
        config = model.config
        eos = gen.eos_token_id if gen.eos_token_id is not None else config.eos_token_id
        pad = gen.pad_token_id if gen.pad_token_id is not None else config.pad_token_id
        start = (gen.decoder_start_token_id if gen.decoder_start_token_id is not None
                 else config.decoder_start_token_id)
        banned = tuple(ids[0] for ids in (gen.bad_words_ids or []) if len(ids) == 1)
        return cls(
            eos=int(eos), pad=int(pad if pad is not None else eos), decoder_start=int(start),
            banned=banned, forced_eos=gen.forced_eos_token_id is not None,
            forced_bos=(int(gen.forced_bos_token_id) if gen.forced_bos_token_id is not None
                        else None),
            min_length=int(gen.min_length or 0),
            length_penalty=float(gen.length_penalty if gen.length_penalty is not None else 1.0),
            early_stopping=gen.early_stopping if gen.early_stopping is not None else False,
        )


def supports(model: Any) -> str | None:
    """None if `model` can be decoded here, else the reason to use ``generate`` instead."""
    config = model.config
    if not getattr(config, "is_encoder_decoder", False):
        return "not an encoder-decoder model"
    gen = model.generation_config
    for key, off in _UNSUPPORTED_DEFAULTS.items():
        value = getattr(gen, key, off)
        if value is not None and value != off:
            return f"generation config sets {key}={value!r}"
    eos = gen.eos_token_id if gen.eos_token_id is not None else config.eos_token_id
    if not isinstance(eos, int):
        return "several end-of-sequence tokens"
    if gen.forced_eos_token_id is not None and gen.forced_eos_token_id != eos:
        return "forced_eos_token_id differs from eos_token_id"
    if any(len(ids) != 1 for ids in (gen.bad_words_ids or [])):
        return "multi-token bad_words_ids"
    start = (gen.decoder_start_token_id if gen.decoder_start_token_id is not None
             else config.decoder_start_token_id)
    if start is None:
        return "no decoder start token"
    return None


def search(model: Any, settings: SearchSettings, input_ids: Any, attention_mask: Any, *,
           num_beams: int, max_new_tokens: Sequence[int], min_new_tokens: Sequence[int],
           no_repeat_ngram_size: int = 0) -> list[list[int]]:
    """Decode every row of `input_ids`; row i generates at most max_new_tokens[i] tokens
    (end-of-sequence included) and at least min_new_tokens[i] before it may end.

    Returns the generated token ids per row, without the decoder start token, ending with
    end-of-sequence when the row ended on its own or was forced to.
    """
    rows = search_scored(model, settings, input_ids, attention_mask, num_beams=num_beams,
                         max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens,
                         no_repeat_ngram_size=no_repeat_ngram_size)
    return [tokens for tokens, _ in rows]


def search_scored(model: Any, settings: SearchSettings, input_ids: Any, attention_mask: Any, *,
                  num_beams: int, max_new_tokens: Sequence[int], min_new_tokens: Sequence[int],
                  no_repeat_ngram_size: int = 0) -> list[tuple[list[int], float]]:
    """:func:`search`, with each row's length-normalised log-probability: the sum of the chosen
    tokens' log-probabilities (as the search scored them) over the number of tokens generated,
    end-of-sequence included. The closer to 0, the surer the decoder was."""
    if num_beams < 1:
        raise ValueError("num_beams must be at least 1")
    with torch.inference_mode():
        encoder = model.get_encoder()
        hidden = encoder(input_ids=input_ids, attention_mask=attention_mask,
                         return_dict=True).last_hidden_state
        run = _Search(model, settings, hidden, attention_mask, num_beams, max_new_tokens,
                      min_new_tokens, no_repeat_ngram_size)
        return run.decode()


def pad_batch(inputs: Sequence[Sequence[int]], pad: int, device: Any) -> tuple[Any, Any]:
    """Token id lists as right-padded ids and an attention mask on `device`: what Marian, BART
    and T5 encoders expect."""
    width = max(len(x) for x in inputs)
    ids = torch.full((len(inputs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(inputs), width), dtype=torch.long)
    for row, x in enumerate(inputs):
        ids[row, : len(x)] = torch.tensor(x, dtype=torch.long)
        mask[row, : len(x)] = 1
    return ids.to(device), mask.to(device)


def _ban_repeated_ngrams(seqs: Any, scores: Any, n: int) -> None:
    """Set to -inf every token that would complete an n-gram already in its row (in place).

    transformers' NoRepeatNGramLogitsProcessor, vectorized: it builds a Python dict of n-grams
    per row and step, which at 100 beams x 100 steps cost more than the model. The same n-grams
    count (the decoder start token included), so the same tokens are banned.
    """
    length = seqs.shape[1]
    if n < 1 or length < n:  # no complete n-gram yet
        return
    if n == 1:
        scores.scatter_(1, seqs, float("-inf"))
        return
    prefix = seqs[:, length - (n - 1):]
    windows = seqs.unfold(1, n, 1)  # [rows, length - n + 1, n]
    match = (windows[:, :, : n - 1] == prefix[:, None, :]).all(dim=-1)
    rows, starts = match.nonzero(as_tuple=True)
    if rows.numel():
        scores[rows, windows[rows, starts, n - 1]] = float("-inf")


class _GrowingLayer(DynamicLayer):
    """Self-attention keys and values of one layer, in buffers sized for the whole search.

    transformers' DynamicLayer concatenates a new tensor per layer and step and reorders by
    allocating another: on CPU that was several times the memory the cache holds, and a few
    milliseconds a step. Here a step writes in place, and reordering allocates one layer's
    worth at a time.
    """

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity
        self.length = 0

    def lazy_initialization(self, key_states: Any, value_states: Any) -> None:
        self.device = key_states.device
        rows, heads, _, dim = key_states.shape
        self._k = torch.empty((rows, heads, self.capacity, dim), dtype=key_states.dtype,
                              device=self.device)
        self._v = torch.empty((rows, heads, self.capacity, value_states.shape[-1]),
                              dtype=value_states.dtype, device=self.device)
        self.is_initialized = True

    def _views(self) -> None:
        self.keys = self._k[:, :, : self.length]
        self.values = self._v[:, :, : self.length]

    def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any
               ) -> tuple[Any, Any]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self._k.shape[2]:  # not expected: the capacity is the longest bound
            grow = max(end, 2 * self._k.shape[2]) - self._k.shape[2]
            self._k = torch.cat([self._k, self._k.new_empty(
                (*self._k.shape[:2], grow, self._k.shape[3]))], dim=2)
            self._v = torch.cat([self._v, self._v.new_empty(
                (*self._v.shape[:2], grow, self._v.shape[3]))], dim=2)
        self._k[:, :, self.length : end].copy_(key_states)
        self._v[:, :, self.length : end].copy_(value_states)
        self.length = end
        self._views()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def reorder_cache(self, beam_idx: Any) -> None:
        if self.length:
            n = self.length
            self._k[:, :, :n] = self._k[:, :, :n].index_select(0, beam_idx)
            self._v[:, :, :n] = self._v[:, :, :n].index_select(0, beam_idx)

    def batch_select_indices(self, indices: Any) -> None:
        if self.is_initialized:
            self._k = self._k[indices]
            self._v = self._v[indices]
            self._views()


class _GrowingCache(DynamicCache):
    """A self-attention cache of _GrowingLayer, one per decoder layer as the model asks."""

    def __init__(self, capacity: int) -> None:
        Cache.__init__(self, layer_class_to_replicate=lambda: _GrowingLayer(capacity))


def _cache_argument(model: Any) -> str:
    # transformers 5.x renamed forward's `past_key_values` to `cache` (the old name warns).
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


class _Head:
    """The decoder step and the output layer, writing the vocabulary-sized scores into buffers
    kept for the whole search.

    A fresh 32 MB tensor per step (128 beams x 62,834 tokens) costs more in page faults than
    the arithmetic on it; opus-mt's output layer (a bias-free Linear plus final_logits_bias) is
    therefore computed here with the same operations as the model's forward, into reused
    memory. Other model families go through their own forward.
    """

    def __init__(self, model: Any, rows: int) -> None:
        self.model = model
        self.cache_arg = _cache_argument(model)
        lm_head = getattr(model, "lm_head", None)
        head_bias = getattr(lm_head, "bias", None)
        if callable(head_bias):  # torch.ao's quantized Linear has bias() as a method
            head_bias = head_bias()
        self.fused = (lm_head is not None and head_bias is None
                      and getattr(model, "final_logits_bias", None) is not None
                      and type(model).__name__ in ("MarianMTModel", "BartForConditionalGeneration"))
        # A plain float32 Linear can write into the reused buffer; others (int8) allocate.
        self.into_buffer = isinstance(lm_head, torch.nn.Linear)
        self.rows = rows
        self._logits: Any = None
        self._log_probs: Any = None

    def _buffer(self, name: str, n: int, vocab: int, like: Any) -> Any:
        """Rows [:n] of a float32 buffer on `like`'s device, made once per search."""
        buf = getattr(self, name)
        if buf is None or buf.shape[1] != vocab or buf.device != like.device:
            buf = torch.empty((self.rows, vocab), dtype=torch.float32, device=like.device)
            setattr(self, name, buf)
        return buf[:n]

    def logits(self, last: Any, hidden: Any, mask: Any, cache: Any) -> Any:
        model = self.model
        if self.fused:
            out = model.get_decoder()(input_ids=last, encoder_hidden_states=hidden,
                                      encoder_attention_mask=mask, use_cache=True,
                                      return_dict=True, **{self.cache_arg: cache})
            h = out.last_hidden_state[:, -1, :]
            bias = model.final_logits_bias[0]
            if self.into_buffer:
                weight = model.lm_head.weight
                buf = self._buffer("_logits", h.shape[0], weight.shape[0], h)
                if h.dtype == torch.float32 and weight.dtype == torch.float32:
                    torch.mm(h, weight.t(), out=buf)
                else:  # a bfloat16 output layer (models.loading.quantize on CPUs with bf16)
                    buf.copy_(torch.mm(h.to(weight.dtype), weight.t()))
                return buf.add_(bias)
            logits = model.lm_head(h)
            if logits.dtype != torch.float32:
                logits = logits.float()
            return logits.add_(bias.to(logits.dtype))
        # The cache is updated in place; it is passed under the name this transformers uses.
        out = model(encoder_outputs=(hidden,), attention_mask=mask, decoder_input_ids=last,
                    use_cache=True, return_dict=True, **{self.cache_arg: cache})
        logits = out.logits[:, -1, :]
        return logits if logits.dtype == torch.float32 else logits.float()

    def log_softmax(self, logits: Any) -> Any:
        buf = self._buffer("_log_probs", logits.shape[0], logits.shape[1], logits)
        return torch.log_softmax(logits, dim=-1, out=buf)


class _Search:
    """One batch's search state; rows leave the active set as they finish."""

    def __init__(self, model: Any, s: SearchSettings, hidden: Any, mask: Any, beams: int,
                 max_new: Sequence[int], min_new: Sequence[int], no_repeat: int) -> None:
        self.model = model
        self.s = s
        self.k = beams
        self.n = hidden.shape[0]
        self.no_repeat = no_repeat
        device = hidden.device
        self.bound = torch.tensor([max(1, int(b)) for b in max_new], device=device)
        # min_length counts the start token; min_new_tokens does not.
        self.min_new = torch.tensor([max(int(m), s.min_length - 1, 0) for m in min_new],
                                    device=device)
        self.longest = int(self.bound.max())
        self.rows = torch.arange(self.n, device=device)  # original index of each active row
        # Every beam of a row reads the same encoder states: repeat them once, up front.
        self.hidden = hidden.repeat_interleave(beams, dim=0)
        self.mask = mask.repeat_interleave(beams, dim=0)
        self.cache = EncoderDecoderCache(_GrowingCache(self.longest + 1), DynamicCache())
        self.head = _Head(model, self.n * beams)
        self.seqs = torch.full((self.n, beams, self.longest + 1), s.pad, dtype=torch.long,
                               device=device)
        self.seqs[:, :, 0] = s.decoder_start
        self.scores = torch.zeros((self.n, beams), device=device)
        self.scores[:, 1:] = _NEG  # only the first beam is live at the start
        self.fin_seqs = self.seqs.clone()
        self.fin_scores = torch.full((self.n, beams), _NEG, device=device)
        # Unpenalized log-probability sums of the finished hypotheses (greedy: of the row).
        self.fin_logp = torch.zeros((self.n, beams), device=device)
        self.fin_done = torch.zeros((self.n, beams), dtype=torch.bool, device=device)
        self.improvable = torch.ones(self.n, dtype=torch.bool, device=device)
        self.results: list[tuple[list[int], float] | None] = [None] * self.n
        if beams > 1:
            self.top_k_mask = torch.cat([torch.ones(beams, dtype=torch.bool),
                                         torch.zeros(beams, dtype=torch.bool)]).to(device)

    # --- one step ------------------------------------------------------------------------

    def _log_probs(self, step: int, greedy: bool) -> Any:
        """Scores of the next token for every active beam, with the constraints applied."""
        last = self.seqs[:, :, step].reshape(-1, 1)
        logits = self.head.logits(last, self.hidden, self.mask, self.cache)
        # Greedy picks the argmax of the processed logits, as generate() does; beam search
        # ranks log-probabilities (the constraints below are -inf either way).
        scores = logits if greedy else self.head.log_softmax(logits)
        if self.no_repeat:
            _ban_repeated_ngrams(self.seqs[:, :, : step + 1].reshape(scores.shape[0], -1),
                                 scores, self.no_repeat)
        s = self.s
        neg_inf = float("-inf")
        for token in s.banned:
            scores[:, token] = neg_inf
        per_beam = self.k
        too_short = (self.min_new > step).repeat_interleave(per_beam)
        if bool(too_short.any()):
            scores[too_short, s.eos] = neg_inf
        # transformers applies the forced tokens after every other processor, BOS before EOS:
        # a forced token wins over bans and minimum lengths.
        if s.forced_bos is not None and step == 0:
            scores.fill_(neg_inf)
            scores[:, s.forced_bos] = 0.0
        if s.forced_eos:
            last_step = (self.bound - 1 == step).repeat_interleave(per_beam)
            if bool(last_step.any()):
                scores[last_step] = neg_inf
                scores[last_step, s.eos] = 0.0
        return scores

    def decode(self) -> list[tuple[list[int], float]]:
        greedy = self.k == 1
        for step in range(self.longest):
            if self.rows.numel() == 0:
                break
            scores = self._log_probs(step, greedy)
            done = self._greedy_step(scores, step) if greedy else self._beam_step(scores, step)
            if bool(done.any()):
                self._retire(done, step + 1)
        return [r if r is not None else ([], 0.0) for r in self.results]

    def _greedy_step(self, scores: Any, step: int) -> Any:
        best, tokens = scores.max(dim=-1)
        # The chosen token's log-probability under the processed distribution.
        self.fin_logp[:, 0] += best - torch.logsumexp(scores, dim=-1)
        self.seqs[:, 0, step + 1] = tokens
        return (tokens == self.s.eos) | (self.bound <= step + 1)

    def _beam_step(self, scores: Any, step: int) -> Any:
        n, k = self.rows.numel(), self.k
        vocab = scores.shape[-1]
        scores = scores.view(n, k, vocab)
        scores.add_(self.scores[:, :, None])
        # The best 2k of a row are among the best 2k of each of its beams: two small top-k
        # passes instead of one over k x vocabulary (the same values, in the same order).
        beam_best, beam_ids = torch.topk(scores.view(n * k, vocab), 2 * k)
        beam_ids += (torch.arange(k, device=beam_ids.device) * vocab).repeat(n)[:, None]
        top_scores, where = torch.topk(beam_best.view(n, 2 * k * k), 2 * k)
        top_ids = torch.take_along_dim(beam_ids.view(n, 2 * k * k), where, dim=1)
        source_beam = top_ids // vocab
        tokens = top_ids % vocab
        candidates = torch.take_along_dim(self.seqs, source_beam[:, :, None], dim=1)
        candidates[:, :, step + 1] = tokens
        length = step + 1  # generated tokens, this one included
        ends = (tokens == self.s.eos) | (self.bound[:, None] <= length)

        # The best k candidates that go on (finished ones ruled out).
        going_on = top_scores + ends.float() * _NEG
        keep = torch.topk(going_on, k)[1]
        self.seqs = torch.take_along_dim(candidates, keep[:, :, None], dim=1)
        self.scores = torch.take_along_dim(going_on, keep, dim=1)
        beam_of = torch.take_along_dim(source_beam, keep, dim=1)

        # Finished candidates among the best k join the finished set if they beat its worst.
        just_done = ends & self.top_k_mask[None, :]
        penalized = top_scores / (length ** self.s.length_penalty)
        if self.s.early_stopping is True:
            penalized = penalized + self.fin_done.all(dim=1, keepdim=True).float() * _NEG
        penalized = penalized + (~self.improvable[:, None]).float() * _NEG
        penalized = penalized + (~just_done).float() * _NEG
        merged_scores = torch.cat([self.fin_scores, penalized], dim=1)
        best = torch.topk(merged_scores, k)[1]
        self.fin_seqs = torch.take_along_dim(torch.cat([self.fin_seqs, candidates], dim=1),
                                             best[:, :, None], dim=1)
        self.fin_scores = torch.take_along_dim(merged_scores, best, dim=1)
        self.fin_logp = torch.take_along_dim(torch.cat([self.fin_logp, top_scores], dim=1),
                                             best, dim=1)
        self.fin_done = torch.take_along_dim(torch.cat([self.fin_done, just_done], dim=1),
                                             best, dim=1)

        # Only the self-attention cache follows the beams; cross-attention is the same for all
        # beams of a row.
        flat = (beam_of + torch.arange(n, device=beam_of.device)[:, None] * k).reshape(-1)
        self.cache.self_attention_cache.reorder_cache(flat)

        # transformers' early-stopping heuristic, per row.
        if self.s.early_stopping == "never" and self.s.length_penalty > 0.0:
            best_length = self.bound.float()  # the longest this row may grow
        else:
            best_length = torch.full_like(self.scores[:, 0], float(length))
        best_running = self.scores[:, 0] / (best_length ** self.s.length_penalty)
        worst_done = torch.where(self.fin_done, self.fin_scores.min(dim=1, keepdim=True)[0],
                                 torch.full_like(self.fin_scores, _NEG))
        self.improvable &= (best_running[:, None] > worst_done).any(dim=1)
        done = ~self.improvable | ends.all(dim=1)
        if self.s.early_stopping is True:
            done |= self.fin_done.all(dim=1)
        return done

    def _retire(self, done: Any, length: int) -> None:
        """Record the finished rows' results and drop them from every batched tensor."""
        source = self.seqs if self.k == 1 else self.fin_seqs
        logp = self.fin_logp[:, 0].tolist()
        for i in torch.nonzero(done).flatten().tolist():
            row = source[i, 0, 1 : length + 1].tolist()
            if self.s.eos in row:
                row = row[: row.index(self.s.eos) + 1]
            self.results[int(self.rows[i])] = (row, logp[i] / max(1, len(row)))
        keep = torch.nonzero(~done).flatten()
        if keep.numel() == 0:
            self.rows = keep
            return
        flat = (keep[:, None] * self.k + torch.arange(self.k, device=keep.device)).reshape(-1)
        self.rows = self.rows[keep]
        self.bound = self.bound[keep]
        self.min_new = self.min_new[keep]
        self.hidden = self.hidden[flat]
        self.mask = self.mask[flat]
        self.seqs = self.seqs[keep]
        self.scores = self.scores[keep]
        self.fin_seqs = self.fin_seqs[keep]
        self.fin_scores = self.fin_scores[keep]
        self.fin_logp = self.fin_logp[keep]
        self.fin_done = self.fin_done[keep]
        self.improvable = self.improvable[keep]
        for cache in (self.cache.self_attention_cache, self.cache.cross_attention_cache):
            cache.batch_select_indices(flat)
