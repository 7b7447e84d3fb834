"""The tokenizer of the multilingual ROUGE scorer that produced the published XL-Sum and CrossSum
figures (csebuetnlp/xl-sum, folder ``multilingual_rouge_scoring``: a modified rouge-score).

Reimplemented from reading that code (nothing of it is copied here), step by step, for the
languages it gives no word segmenter (Arabic and English among them; it has its own segmenters
only for Thai, Chinese, Japanese and Burmese, which this module refuses):

1. The whole text is lower-cased with Python's ``str.lower``.
2. *Basic tokenization* (BERT's, without its accent stripping): NUL, U+FFFD and every control or
   format character (Unicode category C*, so also ZWNJ, ZWJ, LRM/RLM and the soft hyphen) are
   deleted, except tab, newline and carriage return; those and every space separator (Zs)
   become a space; the text is split on whitespace (``str.split``) and every punctuation
   character - Unicode category P*, plus every ASCII character that is neither a letter nor a
   digit (``$ + < = > ^ ` | ~`` too) - splits a word and is dropped. Arabic ، ؛ ؟ ٪ ٫ « » are P*:
   dropped. Diacritics (harakat, Mn) and tatweel (Lm) are NOT removed: without stemming
   "كَتَبَ" and "كتب" are different words, as in the official scorer. No Arabic letter
   normalization (أ/إ/آ/ا, ى/ي, ة/ه stay distinct); Eastern Arabic digits stay as they are.
3. The pieces are joined with spaces and passed to OpenNMT's tokenizer (``pyonmttok``) in its
   ``aggressive`` mode, as the official scorer does "for better numeric tokenization": letters
   and digits are split apart ("iphone15" -> "iphone", "15"; "عام٢٠٢٠" -> "عام", "٢٠٢٠") and a
   symbol (S*, e.g. "€", "°") becomes a token of its own.
4. Spaces are put around every CJK ideograph (the scorer's ranges), and the text is split on
   whitespace again.
5. With stemming (``--rouge-stem``, what the published figures used), each token longer than 3
   characters goes through NLTK's Snowball stemmer for the language, built as the scorer builds
   it (``SnowballStemmer(lang, ignore_stopwords=True)``): a word on NLTK's stopword list for the
   language is left unstemmed. NLTK's Arabic stemmer also removes harakat and tatweel and
   unifies hamza forms of the words it sees (those longer than 3 characters). Tokens that come
   out empty are dropped.

ROUGE-Lsum in the official scorer does not go through steps 3 and 4: each line (one sentence a
line) is tokenized with steps 1, 2 and 5 only. :class:`XLSumTokenizer` therefore has a second
form, ``lsum=True``.

What had to be decided, because the official code leaves it to its environment:

* NLTK's stopword list is NLTK *data*, not code: the scorer cannot stem without it (it fails with
  LookupError). It is read here from NLTK's own data path (``python -m nltk.downloader
  stopwords``), and the signature names the sha256 of the list that was used. NLTK's Arabic
  list grew from 248 to 753 words on 2021-10-19; the XL-Sum figures were published on 2021-06-29
  with the older list (sha256 :data:`XLSUM_2021_ARABIC_STOPWORDS_SHA256`). A different list only
  changes whether a stopword longer than 3 letters is stemmed; it is logged, not refused.
* The language names the scorer takes are NLTK's (``arabic``, ``english``); ISO codes are mapped.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import unicodedata
from typing import Any, Callable, Optional

from tarjama.errors import DataError

log = logging.getLogger(__name__)

__all__ = ["XLSUM_2021_ARABIC_STOPWORDS_SHA256", "XLSumTokenizer", "basic_tokenize"]

# NLTK names of the languages whose Snowball stemmer the scorer uses (its LANG2STEMMER).
SNOWBALL_LANGS = {"ar": "arabic", "en": "english", "fr": "french", "es": "spanish",
                  "pt": "portuguese", "ru": "russian"}
# Languages for which the official scorer runs a word segmenter of its own (pythainlp, jieba,
# fugashi, its Burmese rules): not reproduced here.
_OWN_SEGMENTER = {"th", "zh", "ja", "my"}
# nltk_data's corpora/stopwords/arabic before 2021-10-19 (248 words), the list in force when the
# XL-Sum figures were published; read from nltk/nltk_data's history (commit 3a486db).
XLSUM_2021_ARABIC_STOPWORDS_SHA256 = (
    "71b90ae127ecaf1779640220079e719084b64ae27b01162d37881d09f63fe1db")
# Stems are computed only for tokens longer than this (the scorer's min_char_length default).
_MIN_STEM_LENGTH = 3

_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
               (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _clean(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
            continue
        cp = ord(ch)
        cat = unicodedata.category(ch)
        if cp == 0 or cp == 0xFFFD or cat.startswith("C"):
            continue
        out.append(" " if cat == "Zs" else ch)
    return "".join(out)


def basic_tokenize(text: str) -> list[str]:
    """Step 2 above: control characters out, whitespace split, punctuation split off and dropped."""
    pieces: list[str] = []
    for word in _clean(text).split():
        current: list[str] = []
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    pieces.append("".join(current))
                    current = []
            else:
                current.append(ch)
        if current:
            pieces.append("".join(current))
    return pieces


def _split_cjk(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if any(lo <= cp <= hi for lo, hi in _CJK_RANGES):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return "".join(out)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _stopwords(nltk_lang: str) -> tuple[frozenset[str], str]:
    """NLTK's stopword list for a language, as ``stopwords.words(lang)`` reads it, and its sha256."""
    import nltk.data

    try:
        pointer = nltk.data.find(f"corpora/stopwords/{nltk_lang}")
    except LookupError:
        raise DataError(
            f"ROUGE protocol xlsum stems as the official XL-Sum scorer does, with NLTK's Snowball "
            f"stemmer leaving NLTK's {nltk_lang} stopwords unstemmed, and NLTK's stopword list is "
            "not installed: run `python -m nltk.downloader stopwords`, or score with "
            "--no-rouge-stem (the published XL-Sum/CrossSum figures are stemmed)") from None
    with pointer.open() as fh:
        raw = fh.read()
    # WordListCorpusReader.words(): the lines of the file, blank ones left out.
    words = frozenset(line for line in raw.decode("utf-8").splitlines() if line.strip())
    return words, hashlib.sha256(raw).hexdigest()


def _snowball(lang: str) -> tuple[Callable[[str], str], str]:
    from nltk.stem.snowball import SnowballStemmer

    nltk_lang = SNOWBALL_LANGS[lang]
    words, digest = _stopwords(nltk_lang)
    stemmer = SnowballStemmer(nltk_lang)
    # The same as SnowballStemmer(lang, ignore_stopwords=True), with the list read above rather
    # than through NLTK's process-wide corpus loader.
    stemmer.stemmer.stopwords.update(words)
    if lang == "ar" and digest != XLSUM_2021_ARABIC_STOPWORDS_SHA256:
        log.info("NLTK's Arabic stopword list (sha256 %s...) is not the 248-word list the XL-Sum "
                 "figures were computed with; stemmed scores may differ from them slightly",
                 digest[:12])
    return stemmer.stem, digest


class XLSumTokenizer:
    """Tokens as the official XL-Sum/CrossSum ROUGE scorer makes them (module docstring)."""

    name = "xlsum"
    normalization = "lower"

    def __init__(self, lang: str, *, stem: bool, lsum: bool = False) -> None:
        if lang in _OWN_SEGMENTER:
            raise DataError(f"ROUGE protocol xlsum: the official scorer segments lang '{lang}' with a "
                            "word segmenter of its own, which tarjama does not reproduce")
        if stem and lang not in SNOWBALL_LANGS:
            raise DataError(f"ROUGE protocol xlsum has no stemmer for lang '{lang}' "
                            f"(stemming exists for {', '.join(sorted(SNOWBALL_LANGS))}); "
                            "use --no-rouge-stem")
        self.lang = lang
        self.lsum = lsum
        self._onmt: Any = None
        if not lsum:
            import pyonmttok

            self._onmt = pyonmttok.Tokenizer("aggressive")
        self._stem: Optional[Callable[[str], str]] = None
        self._cache: dict[str, str] = {}
        self.stemmer_name = "no"
        if stem:
            self._stem, digest = _snowball(lang)
            self.stemmer_name = (f"snowball-{SNOWBALL_LANGS[lang]}-nltk-{_version('nltk')}"
                                 f"+sw.{digest[:12]}")

    @property
    def description(self) -> str:
        onmt = "" if self.lsum else f"+onmt-aggressive-{_version('pyonmttok')}"
        return f"basic{onmt}"

    def _stemmed(self, token: str) -> str:
        out = self._cache.get(token)
        if out is None:
            assert self._stem is not None
            out = self._stem(token) if len(token) > _MIN_STEM_LENGTH else token
            self._cache[token] = out
        return out

    def tokenize(self, text: str) -> list[str]:
        pieces = basic_tokenize(text.lower())
        if self._onmt is not None and pieces:
            pretok, _ = self._onmt.tokenize(" ".join(pieces))
            pieces = _split_cjk(" ".join(pretok)).split()
        if self._stem is not None:
            pieces = [self._stemmed(t) for t in pieces]
        return [t for t in pieces if t]
