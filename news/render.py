"""A readable digest page from the digest's JSONL records: HTML or Markdown.

Grouped by feed, newest first; each item its English title (linked), date, original title and
English summary. Everything from a feed is untrusted: all text is escaped, only http(s) links
are made, and Arabic text carries its language and direction (``lang``/``dir`` in HTML, Unicode
isolates in Markdown) so it neither renders backwards nor drags the punctuation around it along.
File names derived from feed titles are sanitized (:func:`safe_filename`) and checked to stay
inside the target folder.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from tarjama.errors import OutputError, UsageError
from tarjama.news.journal import read_records
from tarjama.outputs import atomic_write_text, check_output, output_failed

__all__ = ["check_render_target", "group_records", "render_format", "render_html",
           "render_markdown", "safe_filename", "write_digest_pages"]

Record = Mapping[str, Any]


def group_records(records: Iterable[Record]) -> list[tuple[str, list[Record]]]:
    """(feed name, its records newest first), feeds ordered by their newest item.

    Items without a date come after dated ones; ties keep the order they were written in.
    """
    groups: dict[str, list[Record]] = {}
    for record in records:
        name = record.get("feed") or record.get("source") or "(unknown source)"
        groups.setdefault(str(name), []).append(record)

    def newest_first(items: list[Record]) -> list[Record]:
        dated = [r for r in items if isinstance(r.get("published"), str)]
        undated = [r for r in items if not isinstance(r.get("published"), str)]
        return sorted(dated, key=lambda r: r["published"], reverse=True) + undated

    ordered = [(name, newest_first(items)) for name, items in groups.items()]
    ordered.sort(key=lambda g: max((r["published"] for r in g[1] if isinstance(r.get("published"), str)),
                                   default=""), reverse=True)
    return ordered


def _safe_url(url: Any) -> str | None:
    if isinstance(url, str) and re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.I):
        return url.strip()
    return None


def _date(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?", value)
    if not m:
        return ""
    return m.group(1) + (f" {m.group(2)} UTC" if m.group(2) else "")


def _text(record: Record, key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


# --- HTML ------------------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}article{margin:1.25rem 0}h3{margin:0 0 .25rem}
.meta{color:#555;font-size:.9rem;margin:0}.orig{font-size:1rem}p.summary{margin:.4rem 0}
mark.flagged{background:#fff1b8}.why{color:#8a5a00;font-size:.85rem}"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _lang_attrs(lang: Any) -> str:
    if lang == "ar":
        return ' lang="ar" dir="rtl"'
    if isinstance(lang, str) and re.fullmatch(r"[a-z]{2,3}", lang):
        return f' lang="{lang}" dir="auto"'
    return ' dir="auto"'


def _html_item(record: Record) -> str:
    title_en = _text(record, "title_en") or _text(record, "title") or "(untitled)"
    url = _safe_url(record.get("url"))
    heading = _esc(title_en)
    if url:
        heading = f'<a href="{_esc(url)}" rel="noopener noreferrer">{heading}</a>'
    meta = []
    date = _date(record.get("published"))
    if date:
        meta.append(f'<time datetime="{_esc(str(record["published"]))}">{_esc(date)}</time>')
    original = _text(record, "title")
    if original and record.get("language") != "en" and original != title_en:
        meta.append(f'<span class="orig"{_lang_attrs(record.get("language"))}>{_esc(original)}</span>')
    summary = _summary_html(record)
    return (
        "<article>\n"
        f'<h3 lang="en" dir="auto">{heading}</h3>\n'
        + (f'<p class="meta">{" · ".join(meta)}</p>\n' if meta else "")
        + (f'<p class="summary" lang="en" dir="auto">{summary}</p>\n' if summary else "")
        + "</article>"
    )


def _summary_html(record: Record) -> str:
    """The English summary, each flagged sentence marked with its reasons (all escaped)."""
    sentences = record.get("summary_en_sentences")
    checks = record.get("checks")
    if not isinstance(sentences, list) or not isinstance(checks, list) or not checks:
        return _esc(_text(record, "summary_en"))
    reasons: dict[object, list[str]] = {}
    for c in checks:
        if isinstance(c, Mapping) and c.get("severity") in ("warning", "error"):
            reasons.setdefault(c.get("sentence"), []).append(f"{c.get('code')}: {c.get('detail')}")
    parts = []
    for i, sentence in enumerate(s for s in sentences if isinstance(s, str)):
        if i in reasons:
            why = "; ".join(str(r) for r in reasons[i])
            parts.append(f'<mark class="flagged" title="{_esc(why)}">{_esc(sentence)}</mark>'
                         f'<span class="why"> [{_esc(why)}]</span>')
        else:
            parts.append(_esc(sentence))
    return " ".join(parts)


def render_html(records: Iterable[Record], title: str = "News digest",
                groups: Sequence[tuple[str, list[Record]]] | None = None) -> str:
    grouped = list(groups) if groups is not None else group_records(records)
    total = sum(len(items) for _, items in grouped)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en" dir="ltr">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{total} article{"s" * (total != 1)} from {len(grouped)} '
        f'source{"s" * (len(grouped) != 1)}</p>',
    ]
    for name, items in grouped:
        parts.append(f'<section>\n<h2 dir="auto">{_esc(name)}</h2>')
        parts.extend(_html_item(r) for r in items)
        parts.append("</section>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


# --- Markdown --------------------------------------------------------------------------------

# Lines never start with plain text here (a heading mark, a date, or an isolate character), so
# list markers ("-", "+", "1.") cannot trigger and need no escaping.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~])")
# First-strong isolate ... pop directional isolate: the text picks its own direction and does
# not reorder what is around it.
_FSI, _PDI = "\u2068", "\u2069"


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(
        "<", "%3C").replace(">", "%3E")


def _isolate(text: str) -> str:
    return f"{_FSI}{text}{_PDI}"


def render_markdown(records: Iterable[Record], title: str = "News digest") -> str:
    grouped = group_records(records)
    lines = [f"# {_md(title)}", ""]
    for name, items in grouped:
        lines += [f"## {_isolate(_md(name))}", ""]
        for record in items:
            title_en = _text(record, "title_en") or _text(record, "title") or "(untitled)"
            url = _safe_url(record.get("url"))
            head = f"[{_isolate(_md(title_en))}]({_md_url(url)})" if url else _isolate(_md(title_en))
            lines.append(f"### {head}")
            meta = [_md(_date(record.get("published")))] if _date(record.get("published")) else []
            original = _text(record, "title")
            if original and record.get("language") != "en" and original != title_en:
                meta.append(_isolate(_md(original)))
            if meta:
                lines += ["", " · ".join(meta)]
            summary = _text(record, "summary_en")
            if summary:
                lines += ["", _isolate(_md(summary))]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- files -----------------------------------------------------------------------------------

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_filename(title: str, suffix: str, taken: set[str] | None = None, max_chars: int = 80) -> str:
    """A file name made from a title: letters and digits of any script joined by "-".

    No separators, no leading dot, no "..", no control or bidi characters, no reserved device
    names, bounded length; unique within `taken` (which it updates).
    """
    text = unicodedata.normalize("NFKC", title)
    words = re.findall(r"[^\W_]+", text)
    stem = "-".join(words)[:max_chars].strip("-").lower() or "feed"
    if stem in _RESERVED:
        stem += "-feed"
    name = stem + suffix
    if taken is not None:
        n = 2
        while name in taken:
            name = f"{stem}-{n}{suffix}"
            n += 1
        taken.add(name)
    return name


def _write_atomic(path: Path, text: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: directory {parent} does not exist")
    atomic_write_text(path, text)


def render_format(target: Path) -> str:
    """What `target` asks for: "folder" (one page per feed), "html" or "md"; a UsageError for
    anything else, so a wrong suffix fails before the digest runs, not after."""
    # A folder when it is one, or when the name has no suffix (typer drops a trailing "/").
    if target.is_dir() or str(target).endswith(os.sep) or not target.suffix:
        return "folder"
    suffix = target.suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "md"
    raise UsageError(f"{target}: --render takes a .html or .md file, or a folder")


def check_render_target(target: Path, inputs: Sequence[str | Path] = ()) -> None:
    """Refuse, before any work, a --render target of the wrong kind or in an unwritable place."""
    check_output(target, inputs=inputs, option="--render", folder=render_format(target) == "folder")


def write_digest_pages(journal_path: Path, target: Path, title: str = "News digest") -> list[Path]:
    """Render the digest in `journal_path` to `target`; returns the files written.

    ``*.html``/``*.htm`` and ``*.md``/``*.markdown`` give one page; a folder (an existing one, or
    a name without suffix) gets one HTML page per feed, named from the feed's title, and an index.
    """
    kind = render_format(target)
    records = list(read_records(journal_path))
    if kind == "folder":
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_failed(target, exc, "cannot create folder") from None
        root = target.resolve()
        taken: set[str] = {"index.html"}
        links = []
        written = []
        for name, items in group_records(records):
            filename = safe_filename(name, ".html", taken)
            path = root / filename
            if path.resolve().parent != root:  # belt and braces: never outside the folder
                raise OutputError(f"{filename}: refusing a page name outside {root}")
            _write_atomic(path, render_html([], title=f"{title}: {name}", groups=[(name, items)]))
            links.append((name, filename, len(items)))
            written.append(path)
        index = [
            "<!DOCTYPE html>", '<html lang="en" dir="ltr">', '<head><meta charset="utf-8">',
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head>", "<body>",
            f"<h1>{_esc(title)}</h1>", "<ul>",
            *(f'<li><a href="{_esc(f)}" dir="auto">{_esc(n)}</a> ({c})</li>' for n, f, c in links),
            "</ul>", "</body>", "</html>", "",
        ]
        _write_atomic(root / "index.html", "\n".join(index))
        return [*written, root / "index.html"]
    if kind == "html":
        _write_atomic(target, render_html(records, title=title))
    else:
        _write_atomic(target, render_markdown(records, title=title))
    return [target]
