"""How often the translation checks cry wolf, and how often they catch what they are for.

False flags: FLORES-200 devtest and NTREX-128, both directions, with the human reference as the
"system output": every flag on it is a false flag (or a real fault of the reference).
Recall: the same references with one controlled fault each, and whether the check made for
that fault flags the line:

* number changed: one figure of the output given another value;
* number dropped: one figure of the output removed;
* clause deleted: the longest clause (between , ; : or ، ؛) of the output removed;
* half dropped: the output cut after its middle word (a truncated translation);
* left in Arabic (ar->en) / left in English (en->ar): the source given as the output;
* phrase repeated: three words of the output said twice;
* glossary term replaced: with a glossary of the names the line's pair shares (aligned by
  skeleton, nlp.names), one rendering respelled;
* name respelled: a name that recurs in an article respelled in one of its later sentences.

    python scripts/check_bench.py --data-dir ../shared/data
    python scripts/check_bench.py --data-dir ../shared/data --length-bounds
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from pathlib import Path

from tarjama.api import check
from tarjama.nlp.checks.length import SMOOTHING, size
from tarjama.nlp.glossary import Glossary, Term
from tarjama.nlp.names import arabic_skeletons, english_names, english_skeleton
from tarjama.nlp.numbers import extract_numbers

CORRUPTIONS = {
    "number changed": "number", "number dropped": "number", "clause deleted": "length",
    "half dropped": "length", "left untranslated": "untranslated", "phrase repeated": "repeated",
    "glossary term replaced": "glossary", "name respelled": "name-consistency",
}


def load(data: Path) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """name -> (Arabic lines, English lines, document ids)."""
    sets = {}
    flores = data / "flores200"
    if flores.is_dir():
        meta = (flores / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]
        sets["FLORES-200"] = ((flores / "arb_Arab.devtest").read_text(encoding="utf-8").splitlines(),
                              (flores / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines(),
                              [m.split("\t")[0] for m in meta])
    ntrex = data / "ntrex128"
    if ntrex.is_dir():
        sets["NTREX-128"] = (
            (ntrex / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines(),
            (ntrex / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines(),
            (ntrex / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines())
    return sets


def length_bounds(sets: dict) -> None:
    ratios = sorted(math.log((size(e) + SMOOTHING) / (size(a) + SMOOTHING))
                    for a, e, _ in sets.values() for a, e in zip(a, e) if size(a) and size(e))
    for q in (0.001, 0.005, 0.01, 0.5, 0.99, 0.995, 0.999):
        print(f"en/ar length ratio, {100 * q:g} % quantile: {math.exp(ratios[int(q * len(ratios))]):.3f}")
    print(f"({len(ratios)} sentence pairs; ar->en bounds are the 0.5 % and 99.5 % quantiles, "
          "en->ar their inverses)")


def _change_number(text: str, lang: str, rng: random.Random) -> str | None:
    digits = [m for m in re.finditer(r"\d+", text)]
    if not digits:
        return None
    m = rng.choice(digits)
    value = int(m.group(0))
    new = str(value + rng.choice([1, 2, 3, 7, 10]) if value < 100 else value * 2)
    return text[:m.start()] + new + text[m.end():]


def _drop_number(text: str, lang: str, rng: random.Random) -> str | None:
    numbers = [n for n in extract_numbers(text, lang) if not n.soft]
    if not numbers:
        return None
    n = rng.choice(numbers)
    return " ".join((text[:n.start] + text[n.end:]).split())


def _delete_clause(text: str, lang: str, rng: random.Random) -> str | None:
    parts = re.split(r"(?<=[,;:،؛])\s+", text)
    if len(parts) < 2:
        return None
    longest = max(range(len(parts)), key=lambda i: len(parts[i]))
    return " ".join(p for i, p in enumerate(parts) if i != longest)


def _drop_half(text: str, lang: str, rng: random.Random) -> str | None:
    words = text.split()
    return " ".join(words[: len(words) // 2]) if len(words) >= 6 else None


def _repeat_phrase(text: str, lang: str, rng: random.Random) -> str | None:
    words = text.split()
    if len(words) < 6:
        return None
    i = rng.randrange(0, len(words) - 3)
    return " ".join(words[: i + 3] + words[i:i + 3] + words[i + 3:])


def _respell(word: str) -> str:
    """A rendering with the same skeleton but another spelling, changed inside the word as
    transliteration variants are (Gaddafi -> Qaddafi, Gadafi; Mohammed -> Mohamed)."""
    rules = ((r"^Q", "G"), (r"^G", "Q"), (r"^K", "C"), (r"^C", "K"),
             (r"([bcdfgklmnprst])\1", r"\1"), (r"(?<=[aeiou])([bdfglmnrst])(?=[aeiou])", r"\1\1"),
             (r"(?<=\w)e(?=\w\w)", "a"), (r"(?<=\w)a(?=\w\w)", "e"), (r"(?<=\w)o(?=\w\w)", "u"),
             (r"(?<=\w)u(?=\w\w)", "o"), (r"(?<=\w)i(?=\w\w)", "e"))
    for pattern, repl in rules:
        new = re.sub(pattern, repl, word, count=1)
        if new != word:
            return new
    return word


def _pairs(arabic: str, english: str) -> list[tuple[str, str]]:
    """(Arabic word, English name) pairs of a line whose skeletons agree: names both sides give."""
    words = re.findall(r"[\u0621-\u064a]{3,}", arabic)
    out = []
    for _, _, name in english_names(english):
        sk = english_skeleton(name)
        if len(sk) < 3:
            continue
        for w in words:
            if sk in arabic_skeletons(w):
                out.append((w, name))
                break
    return out


def run(data: Path, seed: int) -> None:
    sets = load(data)
    if not sets:
        sys.exit(f"no FLORES-200 or NTREX-128 under {data}")
    print("False flags (the human reference checked as the output):")
    for name, (ar, en, ids) in sets.items():
        for src, hyp, sl, tl in ((ar, en, "ar", "en"), (en, ar, "en", "ar")):
            started = time.perf_counter()
            report = check(src, hyp, source_lang=sl, target_lang=tl, doc_ids=ids)
            seconds = time.perf_counter() - started
            rates = ", ".join(f"{k} {100 * v:.2f} %" for k, v in sorted(report.rates.items()))
            print(f"  {name} {sl}->{tl}: {100 * report.flagged / len(src):.2f} % of {len(src)} "
                  f"lines flagged ({rates}); {seconds:.1f} s")
    print("\nRecall (one fault per line; the share of faulty lines the matching check flags):")
    rng = random.Random(seed)
    makers = {"number changed": _change_number, "number dropped": _drop_number,
              "clause deleted": _delete_clause, "half dropped": _drop_half,
              "phrase repeated": _repeat_phrase}
    for name, (ar, en, ids) in sets.items():
        for src, hyp, sl, tl in ((ar, en, "ar", "en"), (en, ar, "en", "ar")):
            clean = check(src, hyp, source_lang=sl, target_lang=tl, doc_ids=ids, language=False)
            already = {ln.line for ln in clean.lines if ln.flags}
            row = []
            for fault, make in makers.items():
                code = CORRUPTIONS[fault]
                rows = [(i, make(h, tl, rng)) for i, h in enumerate(hyp) if i + 1 not in already]
                rows = [(i, h) for i, h in rows if h is not None]
                corrupted = list(hyp)
                for i, h in rows:
                    corrupted[i] = h
                report = check(src, corrupted, source_lang=sl, target_lang=tl, language=False)
                hits = sum(1 for i, _ in rows if any(f.code == code for f in report.lines[i].flags))
                row.append(f"{fault} {100 * hits / max(1, len(rows)):.1f} % of {len(rows)}")
            report = check(src, src, source_lang=sl, target_lang=tl, language=False)
            hits = sum(1 for ln in report.lines if any(f.code == "untranslated" for f in ln.flags))
            row.append(f"left untranslated {100 * hits / len(src):.1f} % of {len(src)}")
            row.append(_glossary_recall(src, hyp, sl, tl, rng))
            row.append(_name_recall(src, hyp, sl, tl, ids, already))
            print(f"  {name} {sl}->{tl}: " + "; ".join(row))


def _glossary_recall(src: list[str], hyp: list[str], sl: str, tl: str, rng: random.Random) -> str:
    ar, en = (src, hyp) if sl == "ar" else (hyp, src)
    terms: dict[str, Term] = {}
    lines = []
    for i, (a, e) in enumerate(zip(ar, en)):
        pairs = _pairs(a, e)
        for w, name in pairs:
            terms.setdefault(w, Term(w, name, "", len(terms) + 1))
        if pairs:
            lines.append((i, pairs[0]))
    glossary = Glossary(list(terms.values()), "aligned-names")
    corrupted = list(hyp)
    used = []
    for i, (w, name) in lines:
        term = terms[w]
        if tl == "en" and term.en in hyp[i] and term.en == name:
            corrupted[i] = hyp[i].replace(term.en, _respell(term.en))
            used.append(i)
        elif tl == "ar" and w in hyp[i] and term.en == name:
            corrupted[i] = hyp[i].replace(w, w[:2] + "ي" + w[2:])
            used.append(i)
    report = check(src, corrupted, source_lang=sl, target_lang=tl, glossary=glossary,
                   language=False)
    hits = sum(1 for i in used if any(f.code == "glossary" for f in report.lines[i].flags))
    return f"glossary term replaced {100 * hits / max(1, len(used)):.1f} % of {len(used)}"


def _name_recall(src: list[str], hyp: list[str], sl: str, tl: str, ids: list[str],
                 already: set[int]) -> str:
    """Respell, in one later sentence of an article, a name its earlier sentences rendered
    (and which the checker follows: its skeleton is in the Arabic), one article at a time."""
    docs: dict[str, list[int]] = {}
    for i, d in enumerate(ids):
        docs.setdefault(d, []).append(i)
    trials = hits = 0
    for rows in docs.values():
        seen: dict[str, int] = {}
        target = None
        for i in rows:
            a, e = (src[i], hyp[i]) if sl == "ar" else (hyp[i], src[i])
            for w, name in _pairs(a, e):
                # Into Arabic the check follows names of four skeleton letters and more.
                if tl == "ar" and len(english_skeleton(name)) < 4:
                    continue
                if name in seen and seen[name] < i and i + 1 not in already:
                    target = (i, w, name)
                    break
                seen.setdefault(name, i)
            if target:
                break
        if target is None:
            continue
        i, w, name = target
        corrupted = list(hyp)
        if tl == "en":
            corrupted[i] = hyp[i].replace(name, _respell(name))
        else:
            corrupted[i] = hyp[i].replace(w, w[:2] + "ي" + w[2:])
        if corrupted[i] == hyp[i]:
            continue
        trials += 1
        report = check([src[j] for j in rows], [corrupted[j] for j in rows], source_lang=sl,
                       target_lang=tl, language=False)
        line = rows.index(i)
        hits += any(f.code == "name-consistency" for f in report.lines[line].flags)
    return f"name respelled {100 * hits / max(1, trials):.1f} % of {trials} articles"




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--length-bounds", action="store_true",
                        help="Print the length-ratio quantiles the length check's bounds are")
    args = parser.parse_args()
    if args.length_bounds:
        length_bounds(load(args.data_dir))
    else:
        run(args.data_dir, args.seed)


if __name__ == "__main__":
    main()
