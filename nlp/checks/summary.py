"""Checks of an abstractive summary's sentences against the article they summarize:
`unsupported-number` (a figure the article never gives) and `unsupported-name` (a name the
article never mentions). Extractive summaries are the article's own sentences and pass.

Names in English are capitalised words (nlp.names.english_names) found neither as words nor
by their skeleton in the article; in Arabic, which has no capitals, two words in a row that
both occur nowhere in the article (after folding and clitics) are reported, since a model
inventing a person or a place writes a new multi-word unit, while single new words are mostly
paraphrase. Both are hints for the reader, not proof.
"""

from __future__ import annotations

import re

from tarjama.nlp.checks.base import WARNING, Flag
from tarjama.nlp.names import arabic_skeletons, english_names, english_skeleton
from tarjama.nlp.numbers import extract_numbers
from tarjama.nlp.stopwords import is_stop_word

UNSUPPORTED_NUMBER = "unsupported-number"
UNSUPPORTED_NAME = "unsupported-name"
_AR_WORD = re.compile(r"[\u0621-\u064a\u064b-\u0652\u0640]{2,}")
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ـ": None,
                          **{chr(c): None for c in range(0x064B, 0x0653)}})
_CLITICS = ("وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")


class ArticleEvidence:
    """What an article says, indexed once for checking many summary sentences: its numbers,
    its words, and the skeletons of its words (in Arabic and in English)."""

    def __init__(self, texts: list[tuple[str, str]]) -> None:
        """`texts`: (text, language) pairs: the article, and its translation where there is one."""
        self.numbers: set[str] = set()
        self.english_words: set[str] = set()
        self.arabic_words: set[str] = set()
        self.skeletons: set[str] = set()
        for text, lang in texts:
            for n in extract_numbers(text, lang):
                self.numbers.update(n.keys)
            if lang == "en":
                words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
                self.english_words.update(w.lower() for w in words)
                self.skeletons.update(english_skeleton(w) for w in words)
            else:
                for w in _AR_WORD.findall(text):
                    self.arabic_words.update(_forms(w))
                    self.skeletons.update(arabic_skeletons(w))


def _forms(word: str) -> set[str]:
    w = word.translate(_AR_FOLD)
    out = {w}
    for prefix in _CLITICS:
        if w.startswith(prefix) and len(w) - len(prefix) >= 2:
            out.add(w[len(prefix):])
    return out


def check(sentence: str, lang: str, evidence: ArticleEvidence) -> list[Flag]:
    flags = []
    numbers = [n for n in extract_numbers(sentence, lang)
               if not n.soft and not any(k in evidence.numbers for k in n.keys)]
    if numbers:
        shown = ", ".join(f"'{n.text.strip()}'" for n in numbers[:3])
        flags.append(Flag(UNSUPPORTED_NUMBER, WARNING, f"{shown} is not in the article"))
    if lang == "en":
        names = [w for _, _, w in english_names(sentence)
                 if w.lower() not in evidence.english_words
                 and english_skeleton(w) not in evidence.skeletons]
    else:
        words = _AR_WORD.findall(sentence)
        novel = [w for w in words if not (_forms(w) & evidence.arabic_words)
                 and not is_stop_word(w.translate(_AR_FOLD)) and len(w) >= 3]
        names = [f"{a} {b}" for a, b in zip(words, words[1:]) if a in novel and b in novel]
    if names:
        shown = ", ".join(f"«{n}»" for n in names[:3])
        flags.append(Flag(UNSUPPORTED_NAME, WARNING, f"{shown} does not occur in the article"))
    return flags
