"""The translation checks over parallel lines of any system's output (`tarjama check`, the
check rates of `tarjama eval score`): each line's flags, and counts by check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from tarjama.errors import DataError
from tarjama.nlp.checks import ArticleChecker, CheckSettings
from tarjama.nlp.checks.base import Flag

__all__ = ["CheckReport", "CheckedLine", "check_lines"]


@dataclass
class CheckedLine:
    line: int  # 1-based
    source: str
    hypothesis: str
    flags: tuple[Flag, ...]
    document: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "source": self.source,
                               "hypothesis": self.hypothesis,
                               "checks": [f.to_json() for f in self.flags]}
        if self.document is not None:
            out["document"] = self.document
        return out


@dataclass
class CheckReport:
    """The translation checks over parallel lines: each line's flags, and counts by check."""

    lines: list[CheckedLine]
    source_lang: str
    target_lang: str
    document_checks: list[tuple[str | None, Flag]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            for code in {f.code for f in line.flags}:
                out[code] = out.get(code, 0) + 1
        return dict(sorted(out.items()))

    @property
    def flagged(self) -> int:
        return sum(1 for line in self.lines if line.flags)

    @property
    def rates(self) -> dict[str, float]:
        """Share of lines each check flags."""
        n = max(1, len(self.lines))
        return {code: count / n for code, count in self.counts.items()}

    def summary_line(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items(), key=lambda kv: -kv[1]))
        head = f"{self.flagged} of {len(self.lines)} lines flagged"
        return f"{head}: {parts}" if parts else head

    def to_json(self) -> dict[str, Any]:
        return {"source_lang": self.source_lang,
                "target_lang": self.target_lang, "lines": len(self.lines),
                "flagged": self.flagged, "counts": self.counts,
                "rates": {k: round(v, 6) for k, v in self.rates.items()},
                "documents": [{"document": d, **f.to_json()} for d, f in self.document_checks],
                "flagged_lines": [line.to_json() for line in self.lines if line.flags]}


def check_lines(sources: Sequence[str], hypotheses: Sequence[str], settings: CheckSettings,
                doc_ids: Sequence[str] | None = None) -> CheckReport:
    """Check each (source, hypothesis) line; lines with one document id are one article."""
    if len(sources) != len(hypotheses):
        raise DataError(f"line-count mismatch: {len(sources)} source lines but "
                        f"{len(hypotheses)} hypothesis lines")
    if doc_ids is not None and len(doc_ids) != len(sources):
        raise DataError(f"line-count mismatch: {len(sources)} source lines but "
                        f"{len(doc_ids)} document ids")
    checkers: dict[str | None, ArticleChecker] = {}
    lines = []
    for i, (src, hyp) in enumerate(zip(sources, hypotheses)):
        doc = doc_ids[i] if doc_ids is not None else None
        checker = checkers.get(doc)
        if checker is None:
            checker = checkers[doc] = ArticleChecker(settings)
        checker.paragraph(src, i + 1)
        flags: tuple[Flag, ...] = ()
        if src.strip() or hyp.strip():
            flags = checker.sentence(src, hyp, line=i + 1)
        lines.append(CheckedLine(i + 1, src, hyp, flags, doc))
    documents = [(doc, f) for doc, checker in checkers.items() for f in checker.finish()]
    return CheckReport(lines, settings.source_lang, settings.target_lang, documents)
