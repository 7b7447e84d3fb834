"""Names across scripts, with no model: a loose consonant skeleton that an Arabic name and its
English renderings share, so that Gaddafi, Qaddafi and Kadhafi, and القذافي, all read «kdf».

English: lower-cased, the possessive and an "al-" article dropped; digraphs folded (kh, gh -> k;
sh -> s; th -> t; dh -> d; ph -> f), letters folded to what Arabic writes for them (q, c, g,
j -> k; z -> s; v -> f; p -> b; x -> ks), vowels and w, y dropped after the first letter, an
initial vowel written «a», a final h dropped, doubled letters made single.
Arabic: diacritics and tatweel dropped, clitics (و ف ب ل ك and the article) taken off, letters
mapped to the same classes (ق ك ج غ خ -> k, س ص ز ش ث -> s/t ..., ذ د ض ظ -> d), alef, waw, yeh,
ain, hamza and teh marbuta dropped after the first letter (an initial alef or ain is «a», an
initial yeh «y» and waw «w», as an initial y and w are in English).

Limits: the skeleton is deliberately coarse. Two different names can share one (Ali and Ola:
short skeletons are ignored), a name can be rendered in ways that do not (a translated
title, Jesus for عيسى), and the skeleton knows nothing of which capitalised words are names.
"""

from __future__ import annotations

import re

__all__ = ["arabic_skeletons", "english_names", "english_skeleton", "same_name"]

_EN_DIGRAPHS = (("kh", "k"), ("gh", "k"), ("sh", "s"), ("th", "t"), ("dh", "d"), ("ph", "f"),
                ("ch", "k"), ("ck", "k"))
_EN_LETTERS = str.maketrans({"q": "k", "c": "k", "g": "k", "j": "k", "z": "s", "v": "f",
                             "p": "b", "x": "ks"})
_AR_LETTERS = str.maketrans({
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "t", "ج": "k", "چ": "k", "ح": "h", "ه": "h",
    "خ": "k", "د": "d", "ذ": "d", "ض": "d", "ظ": "d", "ر": "r", "ز": "s", "س": "s", "ص": "s",
    "ش": "s", "ژ": "s", "غ": "k", "ف": "f", "ڤ": "f", "ق": "k", "ك": "k", "ک": "k", "گ": "k",
    "ل": "l", "م": "m", "ن": "n",
})
_AR_WEAK = set("اأإآٱىيئءؤوعةی")
_AR_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_AR_CLITICS = ("وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_NAME_TOKEN = re.compile(r"\b[A-Z][a-zA-Z'’-]*[a-zA-Z]|\b[A-Z]{2,}\b")
# Capitalised only for starting a sentence (or naming a day or month, which are no names).
_COMMON_CAPITALISED = frozenset("""
the a an in on at he she it they we i you but and or so this that these those there here
according meanwhile however after before while when as for with from by if his her their its
our my your who what which where why how one two three some many most all both each every
also yet still now then today yesterday tomorrow last next monday tuesday wednesday thursday
friday saturday sunday january february march april may june july august september october
november december mr mrs ms dr sir president minister prime king queen prince government
""".split())


def english_skeleton(word: str) -> str:
    s = word.lower()
    s = re.sub(r"['’]s$", "", s)
    s = re.sub(r"^(?:al|el|ad|as|an|ar|at|az)-", "", s)
    s = re.sub(r"[^a-z]", "", s)
    if not s:
        return ""
    for a, b in _EN_DIGRAPHS:
        s = s.replace(a, b)
    s = s.translate(_EN_LETTERS)
    first = "a" if s[0] in "aeiou" else s[0]
    rest = re.sub(r"[aeiouyw]", "", s[1:])
    s = first + rest
    if len(s) > 2 and s.endswith("h"):
        s = s[:-1]
    return re.sub(r"(.)\1+", r"\1", s)


def arabic_skeletons(word: str) -> set[str]:
    """The skeletons an Arabic word may have: as written, and without each clitic it may carry
    (بوتين is Putin, not ب + وتين, so both readings are kept)."""
    w = _AR_MARKS.sub("", word)
    forms = {w}
    for prefix in _AR_CLITICS:
        if w.startswith(prefix) and len(w) - len(prefix) >= 3:
            forms.add(w[len(prefix):])
    return {sk for sk in map(_skeleton_ar, forms) if sk}


def _skeleton_ar(w: str) -> str:
    first = ("a" if w[0] in "اأإآٱع" else "y" if w[0] == "ي" else "w" if w[0] == "و"
             else "" if w[0] in _AR_WEAK else w[0].translate(_AR_LETTERS))
    rest = "".join(c.translate(_AR_LETTERS) for c in w[1:] if c not in _AR_WEAK)
    s = first + rest
    if not re.fullmatch(r"[a-z]*", s):
        return ""  # a letter outside the map (Persian, Urdu extras): no claim
    if len(s) > 2 and s.endswith("h"):
        s = s[:-1]
    return re.sub(r"(.)\1+", r"\1", s)


def english_names(text: str) -> list[tuple[int, int, str]]:
    """Capitalised words that may be names: (start, end, word). A word capitalised only because
    it starts the sentence, or a common capitalised word, is left out."""
    out = []
    for m in _NAME_TOKEN.finditer(text):
        word = m.group(0)
        bare = re.sub(r"['’]s$", "", word)
        if bare.lower() in _COMMON_CAPITALISED:
            continue
        out.append((m.start(), m.start() + len(bare), bare))
    return out


_EN_ENDINGS = ("ians", "ian", "ans", "an", "ish", "ese", "ia", "ic", "ns", "n", "s", "i", "a", "e")


def same_name(a: str, b: str) -> bool:
    """Two renderings that differ only by case, an article, dots or an ending (Iran, Iranian;
    Syria, Syrian) are one."""
    fa, fb = (re.sub(r"^(?:al|el)-", "", x.lower()).replace(".", "") for x in (a, b))
    return fa == fb or _stem_en(fa) in (fb, _stem_en(fb)) or _stem_en(fb) == fa


def _stem_en(word: str) -> str:
    for ending in _EN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word
