"""ROUGE-1/2/L/Lsum under a named protocol: what tokenizes, normalizes and stems the texts.

Published ROUGE figures depend on the scorer's tokenizer more than on many model differences
(Arabic ROUGE-1 moves by about 3 points between common choices), so a score names its protocol
in its signature and scores under different protocols are never compared. The scoring itself
(n-gram overlap, LCS, summary-level LCS, best of several references) is Google's rouge-score,
reused as is through ``RougeScorer(tokenizer=...)``; the protocols differ in the tokens:

* ``tarjama`` (the default) - English: rouge-score's own tokenizer with its Porter stemmer, so
  English figures equal ``RougeScorer(..., use_stemmer=True)`` exactly. Other languages: NFKC,
  lower-case, tokens are runs of Unicode letters/digits/marks; for Arabic the usual light
  normalization on both sides (the Lucene ArabicNormalizer set: diacritics and tatweel removed,
  alef variants -> ا, ى -> ي, ة -> ه; Arabic-Indic digits -> 0-9) and, with ``stem``,
  snowballstemmer's Arabic stemmer. ROUGE-Lsum splits on the newlines already in the text.
* ``xlsum`` - the official multilingual scorer of XL-Sum and CrossSum, reproduced exactly
  (:mod:`.rouge_xlsum` lists every rule): the protocol to put a score beside their published
  figures. Stemming is on by default, as in those figures. ROUGE-Lsum puts one sentence a line
  first, as the official pipeline does before scoring (there with NLTK's English Punkt model,
  which needs a data download and does not know Arabic ؟; here with tarjama's own splitter).
* ``rouge-score`` - Google's package as it is (its tokenizer and Porter stemmer). English only:
  its tokenizer keeps nothing but a-z and 0-9, deleting every Arabic letter, so it is refused
  for any other language rather than scoring 0.

Scores are F-measures averaged over segments, on a 0-100 scale like the sacrebleu metrics.
A segment whose hypothesis or references tokenize to nothing is reported as a warning (and when
every reference does, as a DataError); it is never a silent 0.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import unicodedata
from typing import Any, Mapping, Optional, Protocol, Sequence

import numpy as np
import regex
from tarjama.errors import DataError
from tarjama.eval.metrics.base import Metric, RefStreams, SegmentStats
from tarjama.eval.metrics.rouge_xlsum import XLSumTokenizer
from tarjama.nlp.segment import split_sentences_text

log = logging.getLogger(__name__)

__all__ = ["ArabicNormalizer", "DEFAULT_ROUGE_PROTOCOL", "ROUGE_PROTOCOLS", "RougeMetric",
           "RougeScoreTokenizer", "UnicodeTokenizer", "check_protocol", "detect_lang",
           "make_rouge_metrics", "make_tokenizer"]

_DISPLAY = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
            "rougeLsum": "ROUGE-Lsum"}
# The name table users pick from (``--rouge-protocol``), as sacrebleu picks its tokenizers.
ROUGE_PROTOCOLS = ("tarjama", "xlsum", "rouge-score")
DEFAULT_ROUGE_PROTOCOL = "tarjama"

# Harakat, Quranic annotation marks, superscript alef, and tatweel (a pure stretching glyph).
_AR_STRIP = regex.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
_AR_MAP = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # أ إ آ ٱ → ا
    "\u0649": "\u064a",  # ى → ي
    "\u0629": "\u0647",  # ة → ه
    **{chr(0x0660 + d): str(d) for d in range(10)},  # ٠-٩
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # ۰-۹ (Persian forms appear in Arabic news too)
})
# Marks are kept inside tokens so scripts with vowel signs are not cut into pieces.
_TOKEN = regex.compile(r"[\p{L}\p{N}\p{M}]+")
_ARABIC_LETTER = regex.compile(r"(?V1)[\p{Arabic}&&\p{L}]")
_LATIN_LETTER = regex.compile(r"(?V1)[\p{Latin}&&\p{L}]")


class Tokenizer(Protocol):
    name: str
    normalization: str
    stemmer_name: str

    def tokenize(self, text: str) -> list[str]: ...


class _MemoStemmer:
    """Wraps a stemmer with a per-instance cache: Porter in pure Python dominates ROUGE time."""

    def __init__(self, stem_fn: Any, *, keep_word_if_empty: bool = False) -> None:
        self._stem_fn = stem_fn
        self._keep = keep_word_if_empty
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        out = self._cache.get(word)
        if out is None:
            out = self._stem_fn(word)
            if not out and self._keep:
                out = word
            self._cache[word] = out
        return out


def _porter() -> _MemoStemmer:
    # The exact stemmer rouge-score instantiates, results untouched (parity on English).
    from nltk.stem import porter

    return _MemoStemmer(porter.PorterStemmer().stem)


def _snowball_arabic() -> _MemoStemmer:
    import snowballstemmer

    # A stem that came out empty would silently drop a word from the counts; keep the word.
    return _MemoStemmer(snowballstemmer.stemmer("arabic").stemWord, keep_word_if_empty=True)


class RougeScoreTokenizer:
    """Google rouge-score's own tokenizer (``rouge_score.tokenize.tokenize``), unchanged."""

    name = "rouge-score"
    normalization = "ascii"

    def __init__(self, stem: bool = True) -> None:
        from rouge_score import tokenize as rs_tokenize

        self._tokenize = rs_tokenize.tokenize
        self._stemmer = _porter() if stem else None
        self.stemmer_name = "porter" if stem else "no"

    def tokenize(self, text: str) -> list[str]:
        return self._tokenize(text, self._stemmer)


class ArabicNormalizer:
    """Light orthographic normalization applied identically to hypotheses and references."""

    def __call__(self, text: str) -> str:
        return _AR_STRIP.sub("", text).translate(_AR_MAP)


class UnicodeTokenizer:
    """NFKC, lower-case, [Arabic normalization], runs of letters/digits, [stemming]."""

    name = "unicode"

    def __init__(self, *, arabic: bool = False, stemmer: str = "no") -> None:
        self._arabic = ArabicNormalizer() if arabic else None
        self.normalization = "nfkc+ar" if arabic else "nfkc"
        self.stemmer_name = stemmer
        self._stemmer: Optional[_MemoStemmer]
        if stemmer == "porter":
            self._stemmer = _porter()
        elif stemmer == "snowball-arabic":
            self._stemmer = _snowball_arabic()
        elif stemmer == "no":
            self._stemmer = None
        else:
            raise ValueError(f"unknown stemmer {stemmer!r}")

    def tokenize(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        if self._arabic:
            # Before stemming, so that spelling variants (ة/ه, ى/ي, أ/ا) reach the stemmer as
            # one form and cannot come out as different stems.
            text = self._arabic(text)
        tokens = _TOKEN.findall(text)
        if self._stemmer is None:
            return tokens
        if self.stemmer_name == "porter":
            # rouge-score only stems words longer than 3 characters, and drops what comes out
            # empty; same rules, same tokens.
            stems = [self._stemmer.stem(t) if len(t) > 3 else t for t in tokens]
            return [t for t in stems if t]
        return [self._stemmer.stem(t) for t in tokens]


# Other spellings of the two languages with special treatment (ISO 639-2/3, FLORES codes).
_LANG_ALIASES = {"eng": "en", "eng_latn": "en", "ara": "ar", "arb": "ar", "arb_arab": "ar"}


def canonical_lang(lang: str) -> str:
    lang = lang.strip().lower().replace("-", "_")
    return _LANG_ALIASES.get(lang, lang)


def check_protocol(protocol: Optional[str]) -> str:
    """A protocol name from the table (None: the default), or a one-line DataError."""
    name = DEFAULT_ROUGE_PROTOCOL if protocol is None else protocol
    if name not in ROUGE_PROTOCOLS:
        raise DataError(f"unknown ROUGE protocol '{name}'; valid: {', '.join(ROUGE_PROTOCOLS)}")
    return name


def make_tokenizer(lang: str, *, stem: Optional[bool] = None, protocol: Optional[str] = None,
                   lsum: bool = False) -> Tokenizer:
    """The tokenizer a protocol uses for a language (``lsum``: the one for ROUGE-Lsum, which
    differs under ``xlsum``). Stemming defaults to what the protocol's figures are usually
    computed with: on for English and under xlsum, off for Arabic under tarjama."""
    protocol = check_protocol(protocol)
    lang = canonical_lang(lang)
    if protocol == "xlsum":
        return XLSumTokenizer(lang, stem=True if stem is None else stem, lsum=lsum)
    if protocol == "rouge-score" and lang != "en":
        raise DataError(f"--rouge-protocol rouge-score is English-only: its tokenizer keeps only "
                        f"a-z and 0-9 and would delete every letter of lang '{lang}', scoring 0; "
                        "use --rouge-protocol xlsum (the XL-Sum scorer) or tarjama")
    if lang == "en":
        return RougeScoreTokenizer(stem=True if stem is None else stem)
    if lang == "ar":
        return UnicodeTokenizer(arabic=True, stemmer="snowball-arabic" if stem else "no")
    if stem:
        raise DataError(f"no ROUGE stemmer for lang '{lang}' under protocol {protocol} "
                        "(stemming exists for en and ar)")
    return UnicodeTokenizer()


def one_sentence_a_line(text: str) -> str:
    """ROUGE-Lsum's input: each line of ``text`` split into its sentences, one a line."""
    return "\n".join(s for line in text.split("\n") for s in split_sentences_text(line))


def detect_lang(texts: Sequence[str]) -> str:
    """"ar" when Arabic letters outnumber Latin ones, else "en" — for ROUGE's tokenizer choice."""
    arabic = latin = 0
    for t in texts:
        arabic += len(_ARABIC_LETTER.findall(t))
        latin += len(_LATIN_LETTER.findall(t))
    return "ar" if arabic > latin else "en"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _first_lines(indices: Sequence[int], k: int = 5) -> str:
    shown = ", ".join(str(i + 1) for i in indices[:k])
    return shown + (", ..." if len(indices) > k else "")


class _RougeEngine:
    """Scores all requested ROUGE variants in one pass; the variant metrics share it."""

    def __init__(self, variants: Sequence[str], lang: str, protocol: str,
                 stem: Optional[bool]) -> None:
        from rouge_score import rouge_scorer

        self.variants = tuple(variants)
        self.lang = lang
        self.protocol = protocol
        self.tokenizer = make_tokenizer(lang, stem=stem, protocol=protocol)
        plain = [v for v in self.variants if v != "rougeLsum"]
        self._scorer = rouge_scorer.RougeScorer(plain, tokenizer=self.tokenizer) if plain else None
        self._lsum_scorer = None
        self.lsum_tokenizer: Optional[Tokenizer] = None
        # Sentences a line before ROUGE-Lsum (xlsum, as its pipeline does); the others take the
        # text's own lines, as rouge-score does.
        self.lsum_split = protocol == "xlsum"
        if "rougeLsum" in self.variants:
            self.lsum_tokenizer = (make_tokenizer(lang, stem=stem, protocol=protocol, lsum=True)
                                   if protocol == "xlsum" else self.tokenizer)
            self._lsum_scorer = rouge_scorer.RougeScorer(["rougeLsum"],
                                                         tokenizer=self.lsum_tokenizer)
        self._last_key: Optional[tuple[Any, ...]] = None
        self._last: Optional[tuple[dict[str, list[list[float]]], int, tuple[str, ...]]] = None

    def _score(self, refs: list[str], hyp: str) -> dict[str, Any]:
        # score_multi keeps, per variant, the reference with the best F (rouge-score's rule).
        out: dict[str, Any] = {}
        if self._scorer is not None:
            out.update(self._scorer.score_multi(refs, hyp))
        if self._lsum_scorer is not None:
            if self.lsum_split:
                refs, hyp = [one_sentence_a_line(r) for r in refs], one_sentence_a_line(hyp)
            out.update(self._lsum_scorer.score_multi(refs, hyp))
        return out

    def stats(self, hyps: Sequence[str], refs: RefStreams
              ) -> tuple[dict[str, list[list[float]]], int, tuple[str, ...]]:
        key = (tuple(hyps), tuple(tuple(s) for s in refs))
        if key == self._last_key and self._last is not None:
            return self._last
        rows: dict[str, list[list[float]]] = {v: [] for v in self.variants}
        empty_hyp: list[int] = []
        empty_ref: list[int] = []
        nrefs_seen: set[int] = set()
        for i, hyp in enumerate(hyps):
            seg_refs = [stream[i] for stream in refs if stream[i] is not None]
            nrefs_seen.add(len(seg_refs))
            if not self.tokenizer.tokenize(hyp):
                empty_hyp.append(i)
            if not any(self.tokenizer.tokenize(r) for r in seg_refs):
                empty_ref.append(i)
            if not seg_refs:
                for v in self.variants:
                    rows[v].append([0.0, 0.0, 0.0, 1.0])
                continue
            result = self._score(seg_refs, hyp)
            for v in self.variants:
                s = result[v]
                rows[v].append([float(s.precision), float(s.recall), float(s.fmeasure), 1.0])
        n = len(hyps)
        desc = f"ROUGE protocol {self.protocol}, lang {self.lang}"
        if n and len(empty_ref) == n:
            looks = detect_lang([r for s in refs for r in s if r])
            hint = f"; the text looks like lang '{looks}'" if looks != self.lang else ""
            raise DataError(f"ROUGE: all {n} references tokenize to nothing ({desc}){hint}")
        warnings: list[str] = []
        if empty_ref:
            warnings.append(f"ROUGE: {len(empty_ref)} of {n} references tokenize to nothing "
                            f"({desc}); they score 0 (lines {_first_lines(empty_ref)})")
        if empty_hyp:
            warnings.append(f"ROUGE: {len(empty_hyp)} of {n} hypotheses tokenize to nothing "
                            f"({desc}); they score 0 (lines {_first_lines(empty_hyp)})")
        for w in warnings:
            log.warning(w)
        nrefs = nrefs_seen.pop() if len(nrefs_seen) == 1 else -1
        self._last_key, self._last = key, (rows, nrefs, tuple(warnings))
        return self._last


class RougeMetric(Metric):
    """One ROUGE variant. Statistics per segment: precision, recall, F (best reference), 1."""

    def __init__(self, variant: str, engine: _RougeEngine) -> None:
        self.key = variant
        self.name = _DISPLAY[variant]
        self._variant = variant
        self._engine = engine

    def extract(self, hyps: Sequence[str], refs: RefStreams) -> SegmentStats:
        rows, nrefs, warnings = self._engine.stats(hyps, refs)
        return SegmentStats(rows=[list(r) for r in rows[self._variant]], nrefs=nrefs,
                            warnings=warnings)

    def corpus(self, rows: Sequence[Sequence[float]]) -> tuple[float, str]:
        n = len(rows)
        if n == 0:
            return 0.0, ""
        # fsum: the mean is correctly rounded and does not depend on summation order.
        p = math.fsum(r[0] for r in rows) / n
        r_ = math.fsum(r[1] for r in rows) / n
        f = math.fsum(r[2] for r in rows) / n
        return 100.0 * f, f"(P = {100 * p:.2f} R = {100 * r_:.2f})"

    def from_summed(self, summed: np.ndarray) -> float:
        # The trailing 1 per row makes the segment count part of the sum, so means resample too.
        return 100.0 * float(summed[2]) / float(summed[3]) if summed[3] else 0.0

    def segment(self, row: Sequence[float]) -> float:
        return 100.0 * float(row[2])

    def signature(self, nrefs: int, extra: Optional[Mapping[str, Any]] = None) -> str:
        tok = self._engine.tokenizer
        parts: dict[str, Any] = {"protocol": self._engine.protocol,
                                 "nrefs": "var" if nrefs == -1 else nrefs}
        extra = dict(extra or {})
        for k in ("bs", "ar", "seed"):
            if k in extra:
                parts[k] = extra.pop(k)
        stem = tok.stemmer_name
        if stem not in ("no", "porter") and self._engine.protocol != "xlsum":
            stem = f"{stem}-{_version('snowballstemmer')}"
        parts.update({
            "lang": self._engine.lang,
            "tok": getattr(tok, "description", tok.name) if self._engine.protocol == "xlsum"
            else tok.name,
            "norm": tok.normalization,
            "stem": stem,
            "lsum": "sentences" if self._engine.lsum_split else "newline",
            "agg": "mean",
        })
        parts.update(extra)
        parts["version"] = f"rouge-score-{_version('rouge-score')}"
        return "|".join(f"{k}:{v}" for k, v in parts.items())


def make_rouge_metrics(variants: Sequence[str], *, lang: str, stem: Optional[bool] = None,
                       protocol: Optional[str] = None) -> list[RougeMetric]:
    engine = _RougeEngine(variants, canonical_lang(lang), check_protocol(protocol), stem)
    return [RougeMetric(v, engine) for v in variants]
