"""Compare tarjama's `--rouge-protocol xlsum` with the official XL-Sum scorer, pair by pair.

The official scorer (github.com/csebuetnlp/xl-sum, folder multilingual_rouge_scoring) installs as
a package named `rouge_score`, the name of Google's package tarjama uses, so it runs in its own
interpreter: make a virtualenv with `pip install nltk pyonmttok six numpy absl-py`, and give the
folder that holds a copy of multilingual_rouge_scoring renamed to rouge_score:

    python scripts/xlsum_rouge_parity.py --official-python /tmp/xlsum-venv/bin/python \\
        --official-path /tmp/xlsum-official --data-dir ../shared/data

Pairs: for each NTREX-128 document (Arabic and English), its headline as the reference and the
first two body sentences as the hypothesis (ROUGE-1/2/L), and three body lines against four
reversed ones (ROUGE-Lsum, a sentence a line), with and without stemming. Prints the number of
pairs and of F-measures that differ (exact float comparison). With stemming both sides read
NLTK's stopword list from NLTK_DATA (or NLTK's default path).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from rouge_score import rouge_scorer
from tarjama.eval.metrics.rouge_xlsum import XLSumTokenizer

OFFICIAL = """
import json, sys
from rouge_score import rouge_scorer
pairs = json.load(sys.stdin)
out = {}
for code, lang in (("ar", "arabic"), ("en", "english")):
    for stem in (False, True):
        sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"],
                                      use_stemmer=stem, lang=lang)
        out[f"{code}-{stem}"] = [
            [sc.score(r, h)[k].fmeasure for k in ("rouge1", "rouge2", "rougeL")]
            + [sc.score(rm, hm)["rougeLsum"].fmeasure] for r, h, rm, hm in pairs[code]]
print(json.dumps(out))
"""
TYPES = ("rouge1", "rouge2", "rougeL")


def ntrex_pairs(root: Path) -> dict[str, list[tuple[str, str, str, str]]]:
    ids = (root / "ntrex128" / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").split("\n")
    out = {}
    for code, name in (("ar", "newstest2019-ref.arb.txt"), ("en", "newstest2019-src.eng.txt")):
        lines = (root / "ntrex128" / name).read_text(encoding="utf-8").split("\n")
        docs: dict[str, list[str]] = {}
        for doc, line in zip(ids, lines):
            if doc:
                docs.setdefault(doc.split("\t")[0], []).append(line)
        out[code] = [(d[0], " ".join(d[1:3]), "\n".join(d[1:4]), "\n".join(reversed(d[1:5])))
                     for d in docs.values() if len(d) >= 5]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--official-python", required=True)
    ap.add_argument("--official-path", required=True, help="folder holding rouge_score/ (the official code)")
    ap.add_argument("--data-dir", default="../shared/data")
    args = ap.parse_args()
    pairs = ntrex_pairs(Path(args.data_dir))
    done = subprocess.run([args.official_python, "-c", OFFICIAL], input=json.dumps(pairs),
                          capture_output=True, text=True, check=True,
                          env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                               "PYTHONPATH": args.official_path})
    official = json.loads(done.stdout)
    n = bad = 0
    for code in ("ar", "en"):
        for stem in (False, True):
            main_scorer = rouge_scorer.RougeScorer(list(TYPES), tokenizer=XLSumTokenizer(code, stem=stem))
            lsum = rouge_scorer.RougeScorer(["rougeLsum"],
                                            tokenizer=XLSumTokenizer(code, stem=stem, lsum=True))
            for (r, h, rm, hm), expected in zip(pairs[code], official[f"{code}-{stem}"]):
                got = [main_scorer.score(r, h)[k].fmeasure for k in TYPES]
                got.append(lsum.score(rm, hm)["rougeLsum"].fmeasure)
                n += 1
                if got != expected:
                    bad += 1
                    print(f"differs ({code}, stem={stem}): {r!r} / {h!r}: {got} vs {expected}")
    print(f"{n} pairs x 4 F-measures, {bad} pairs differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
