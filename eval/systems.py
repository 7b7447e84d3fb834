"""The article pipelines as eval.run.System objects: what `tarjama eval run` runs over a
benchmark. Each takes a batch of sources and returns one output per source.
"""

from __future__ import annotations

from typing import Any

from tarjama.models.session import SummaryModels
from tarjama.models.translator import Seq2SeqTranslator
from tarjama.nlp.document import Line, read_document
from tarjama.nlp.summarize import SummaryPlan, summarize_document
from tarjama.nlp.translate import translate_lines

__all__ = ["SummarizationSystem", "TranslationSystem"]


class TranslationSystem:
    """The article pipeline as an eval.run.System: each source may hold several lines
    (a whole document); all sources of a call share one translation window, so the model sees
    full batches, and each gets its paragraphs back joined with newlines."""

    def __init__(self, translator: Seq2SeqTranslator, source_lang: str) -> None:
        self.translator = translator
        self.source_lang = source_lang
        self.name = translator.loaded.ref.label

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
        for para in translate_lines(lines, self.translator, source_lang=self.source_lang):
            outputs[owner[para.line]].append(para.translation)
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
