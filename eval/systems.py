"""The article pipelines as eval.run.System objects: what `tarjama eval run` runs over a
benchmark. Each takes a batch of sources and returns one output per source.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from tarjama.errors import UsageError
from tarjama.eval.metrics.rouge import canonical_lang, check_protocol, make_tokenizer
from tarjama.models.session import SummaryModels
from tarjama.models.translator import Seq2SeqTranslator
from tarjama.nlp.checks import CheckSettings
from tarjama.nlp.document import Line, read_document
from tarjama.nlp.extractive import SummaryLength, oracle
from tarjama.nlp.summarize import SummaryPlan, summarize_document
from tarjama.nlp.translate import translate_lines

__all__ = ["OracleSystem", "SummarizationSystem", "TranslationSystem"]


class TranslationSystem:
    """The article pipeline as an eval.run.System: each source may hold several lines
    (a whole document); all sources of a call share one translation window, so the model sees
    full batches, and each gets its paragraphs back joined with newlines."""

    def __init__(self, translator: Seq2SeqTranslator, source_lang: str,
                 checks: CheckSettings | None = None) -> None:
        self.translator = translator
        self.source_lang = source_lang
        self.checks = checks
        self.name = translator.loaded.ref.label
        # Per source of the last call: the lowest sentence confidence and the checks' codes,
        # which run_benchmark keeps beside each output (check rates, confidence calibration).
        self.last_details: list[dict[str, Any]] = []

    def provenance(self) -> dict[str, Any]:
        return self.translator.provenance()

    def count_tokens(self, texts: list[str]) -> int:
        return sum(self.translator.count_tokens(texts))

    def __call__(self, sources: list[str]) -> list[str]:
        owner: dict[int, int] = {}
        lines: list[Line] = []
        for index, source in enumerate(sources):
            for text in source.split("\n"):
                number = len(lines) + 1
                owner[number] = index
                lines.append(Line(number, 0, text))
        outputs: list[list[str]] = [[] for _ in sources]
        details: list[dict[str, Any]] = [{"confidence": None, "checks": []} for _ in sources]
        for para in translate_lines(lines, self.translator, source_lang=self.source_lang,
                                    checks=self.checks):
            index = owner[para.line]
            outputs[index].append(para.translation)
            for s in para.sentences:
                d = details[index]
                if s.confidence is not None:
                    d["confidence"] = s.confidence if d["confidence"] is None else min(
                        d["confidence"], s.confidence)
                d["checks"] = sorted(set(d["checks"]) | {f.code for f in s.checks})
        self.last_details = details
        return ["\n".join(parts) for parts in outputs]


class SummarizationSystem:
    """The summarize pipeline as an eval.run.System: each source is one document (one paragraph
    a line), each output its summary on one line.

    The models a plan needs are opened at once, so that provenance (part of a results folder's
    identity) names the exact revisions before anything runs.
    """

    def __init__(self, plan: SummaryPlan, models: SummaryModels, length: Any, *, name: str) -> None:
        self.plan = plan
        self.models = models
        self.length = length
        self.name = name
        if plan.method == "abstractive":
            models.summarizer()
        if plan.strategy is not None:
            models.translator()

    def provenance(self) -> dict[str, Any]:
        return {"method": self.plan.method, "strategy": self.plan.strategy,
                "source_lang": self.plan.source_lang, "target_lang": self.plan.target_lang,
                "length": self.length.to_json() if self.plan.method != "abstractive" else None,
                **self.models.provenance()}

    def __call__(self, sources: list[str]) -> list[str]:
        outputs = []
        for index, source in enumerate(sources):
            lines = [Line(n + 1, 0, text) for n, text in enumerate(source.split("\n"))]
            doc = read_document(lines, source_lang=self.plan.source_lang)
            result = summarize_document(doc, self.plan, self.models, length=self.length,
                                        name=f"document {index + 1}")
            outputs.append(result.text)
        return outputs


class OracleSystem:
    """The greedy extractive oracle (nlp.extractive.oracle) as an eval.run.System: the article's
    sentences that best match its reference under the ROUGE protocol it is scored with.

    It reads the references (``reads_references``), so it is an upper bound for extractive
    summaries, never a system: its outputs depend on the protocol, which is therefore part of
    its provenance (and of the results folder's identity). Sentences are split as for LEAD and
    LexRank, so the three choose from the same candidates.
    """

    reads_references = True

    def __init__(self, lang: str, length: SummaryLength, *, protocol: Optional[str] = None,
                 stem: Optional[bool] = None, target_lang: Optional[str] = None) -> None:
        if target_lang is not None and canonical_lang(target_lang) != canonical_lang(lang):
            raise UsageError(f"--method oracle picks source sentences by their overlap with the "
                             f"reference; a {lang}->{target_lang} set has them in different "
                             "languages (use a same-language set)")
        self.lang = lang
        self.length = length
        self.protocol = check_protocol(protocol)
        self.stem = stem
        self._tokenizer = make_tokenizer(lang, stem=stem, protocol=self.protocol)
        self.name = f"oracle-{self.protocol}"

    def provenance(self) -> dict[str, Any]:
        return {"method": "oracle", "source_lang": self.lang, "target_lang": self.lang,
                "length": self.length.to_json(), "rouge_protocol": self.protocol,
                "rouge_stem": self.stem, "reads_references": True,
                "selection": "greedy, ROUGE-1 F + ROUGE-2 F, stops when no sentence adds"}

    def __call__(self, sources: list[str],
                 references: Sequence[Sequence[Optional[str]]]) -> list[str]:
        outputs = []
        for source, refs in zip(sources, references):
            reference = next((r for r in refs if r), "")
            lines = [Line(n + 1, 0, text) for n, text in enumerate(source.split("\n"))]
            doc = read_document(lines, source_lang=self.lang)
            picked = oracle([s.text for s in doc.sentences], reference,
                            self._tokenizer.tokenize, self.length)
            outputs.append(" ".join(picked.sentences))
        return outputs
