"""Translating HTML and keeping its markup: what `format=html` of the HTTP API does.

Each block (a paragraph, a list item, a heading, a table cell) is read as one run of text with
its inline markup (links, emphasis, spans) noted per character; the run is split into sentences
as plain text, so no sentence is cut where a link starts or ends, and each sentence is
translated whole. The inline elements are then put back on the translation's words:

- an element whose words appear verbatim in the translation (a number, a name in Latin
  script, a URL) wraps exactly those words;
- every other element gets the share of the translation's words that its text had of the
  source sentence, at the same relative place, and at least one word. There is no word
  alignment: across Arabic and English word order this is an approximation, but the markup
  is never duplicated, always well nested, and never lost while the translation has a word
  for each marked-up span;
- an element covering a whole sentence (or several) wraps the whole translation, exactly.

Elements that hold no prose (``code``, ``pre``, ``script``, ``style``, ``svg``...,
``translate="no"`` and ``class="notranslate"``), images, line breaks and comments are kept
verbatim where they were. ``lang`` and ``dir`` attributes of translated elements are turned
to the target language. The model is injected (nlp.translate.TranslationModel).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from typing import Sequence

from tarjama.nlp.document import paragraph_sentences
from tarjama.nlp.script import has_script
from tarjama.nlp.translate import TranslationModel, TranslationStats, translate_sentences
from tarjama.nlp.webtext import is_full_page

__all__ = ["translate_html"]

# Elements that start a new run of text (everything else is inline).
_BLOCK = frozenset(
    "address article aside blockquote body button caption dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html li "
    "legend main menu nav ol optgroup option p pre search section summary table tbody td tfoot th "
    "thead title tr ul".split()
)
# Elements kept verbatim: no prose inside, or prose that must not change.
_VERBATIM = frozenset(
    "code kbd samp var pre script style noscript template svg math textarea select iframe "
    "object embed canvas audio video picture map".split()
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_HTML_SPACE = " \t\n\r\f"
_SPACE_RUN = re.compile(f"[{_HTML_SPACE}]+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_CONTENT = re.compile(r"[^\W_]")  # a letter or a digit
_DIR_OF = {"ar": "rtl", "en": "ltr"}


def translate_html(documents: Sequence[str], model: TranslationModel, *, source_lang: str,
                   target_lang: str, window: int = 256,
                   stats: TranslationStats | None = None) -> list[str]:
    """Translate HTML documents or fragments, keeping their markup (see the module's notes).

    The sentences of all documents go to the model together, `window` at a time, so many short
    fragments (a CMS's strings) share batches.
    """
    parsed = [_Parsed.read(doc, source_lang, target_lang) for doc in documents]
    sentences = [s for p in parsed for run in p.runs for line in run.lines for s in line]
    for start in range(0, len(sentences), window):
        chunk = sentences[start : start + window]
        done = translate_sentences([s.text for s in chunk], model, source_lang=source_lang,
                                   stats=stats)
        for sentence, result in zip(chunk, done):
            sentence.translation = result.translation
            sentence.passthrough = result.passthrough
    return [p.render() for p in parsed]


# --- reading ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Inline:
    """An inline element that carries text: its start tag and name (compared by identity)."""

    tag: str
    start: str


_Path = tuple[_Inline, ...]


@dataclass
class _Atom:
    """Something kept verbatim inside a run: an image, a line break, code, a comment."""

    markup: str
    path: _Path
    at: int  # character offset in the run's text
    space_before: bool
    space_after: bool = False
    is_break: bool = False


@dataclass
class _Word:
    text: str
    path: _Path
    start: int  # offset in the run's text
    glued: bool  # no space before it in the source


@dataclass
class _Sentence:
    text: str
    words: list[_Word]
    units: list[_Word | _Atom] = field(default_factory=list)  # words and atoms, in order
    translation: str = ""
    passthrough: bool = False


@dataclass
class _Run:
    """The inline content between two block boundaries, as text with markup per character."""

    lead: str = ""  # the whitespace before and after it in the source, kept as it was
    trail: str = ""
    chars: list[str] = field(default_factory=list)
    paths: list[_Path] = field(default_factory=list)
    atoms: list[_Atom] = field(default_factory=list)
    lines: list[list[_Sentence]] = field(default_factory=list)
    prefix_atoms: list[list[_Atom]] = field(default_factory=list)  # per line, before any word
    _pending_space: str = ""

    def add_text(self, text: str, path: _Path) -> None:
        for piece in re.split(f"([{_HTML_SPACE}]+)", text):
            if not piece:
                continue
            if piece[0] in _HTML_SPACE:
                if not self.chars and not self.atoms:
                    self.lead += piece
                    continue
                if self.atoms and self.atoms[-1].at == len(self.chars):
                    self.atoms[-1].space_after = True
                if not self.chars or self.chars[-1] != " ":
                    self.chars.append(" ")
                    self.paths.append(path)
                self._pending_space += piece
                continue
            self._pending_space = ""
            self.chars.extend(piece)
            self.paths.extend([path] * len(piece))

    def add_atom(self, markup: str, path: _Path, *, is_break: bool = False) -> None:
        spaced = bool(self.chars) and self.chars[-1] == " "
        self.atoms.append(_Atom(markup, path, len(self.chars), spaced, is_break=is_break))
        self._pending_space = ""

    @property
    def has_text(self) -> bool:
        return any(c != " " for c in self.chars)

    def finish(self) -> None:
        """Split into lines (at <br>) and sentences, and note each sentence's words and the
        atoms after them."""
        if self.chars and self.chars[-1] == " " and all(a.at < len(self.chars) for a in self.atoms):
            self.trail = self._pending_space
            self.chars.pop()
            self.paths.pop()
        for atom in self.atoms:
            atom.at = min(atom.at, len(self.chars))
        text = "".join(self.chars)
        # Atoms are in source order; each <br> ends a line.
        per_line: list[list[_Atom]] = [[]]
        for atom in self.atoms:
            if atom.is_break:
                per_line.append([])
            else:
                per_line[-1].append(atom)
        bounds = [0, *(a.at for a in self.atoms if a.is_break), len(text)]
        for (a, b), atoms in zip(zip(bounds, bounds[1:]), per_line):
            sentences = [_Sentence(s.text, self._words(a + s.start, a + s.end))
                         for s in paragraph_sentences(text[a:b]) if s.text.strip()]
            words = [w for s in sentences for w in s.words]
            after: dict[int, list[_Atom]] = {}
            prefix: list[_Atom] = []
            for atom in atoms:
                before = [w for w in words if w.start < atom.at]
                if before:
                    after.setdefault(id(before[-1]), []).append(atom)
                else:
                    prefix.append(atom)
            for sentence in sentences:
                sentence.units = [u for w in sentence.words for u in (w, *after.get(id(w), ()))]
            self.lines.append(sentences)
            self.prefix_atoms.append(prefix)

    def _words(self, start: int, end: int) -> list[_Word]:
        """Maximal runs of non-space characters with one path (a glued footnote marker or an
        Arabic clitic before a link is a word of its own here, glued to its neighbour)."""
        words: list[_Word] = []
        i = start
        while i < end:
            if self.chars[i] == " ":
                i += 1
                continue
            j = i
            while j < end and self.chars[j] != " " and self.paths[j] is self.paths[i]:
                j += 1
            glued = i > start and self.chars[i - 1] != " "
            words.append(_Word("".join(self.chars[i:j]), self.paths[i], i, glued))
            i = j
        return words


class _Parsed:
    """A document as a tree of blocks whose inline content is read into runs."""

    def __init__(self, source: str, source_lang: str, target_lang: str) -> None:
        self.source = source
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.runs: list[_Run] = []
        self.pieces: list[str | _Run] = []  # the output: markup, and runs rendered in place

    @classmethod
    def read(cls, source: str, source_lang: str, target_lang: str) -> "_Parsed":
        from lxml import etree
        from lxml import html as lxml_html

        self = cls(source, source_lang, target_lang)
        if not source.strip():
            self.pieces.append(source)
            return self
        try:
            if is_full_page(source):
                root = lxml_html.document_fromstring(source)
                doctype = root.getroottree().docinfo.doctype
                if doctype:
                    self.pieces.append(doctype + "\n")
                self._block(root)
            else:
                root = lxml_html.fragment_fromstring(source, create_parent="div")
                self._content(root)
        except (etree.ParserError, ValueError):
            # Nothing lxml can read as HTML: translate it as the text it is.
            run = _Run()
            run.add_text(source, ())
            self._flush(run)
        for run in self.runs:
            run.finish()
        return self

    def render(self) -> str:
        return "".join(p if isinstance(p, str) else _render_run(p) for p in self.pieces)

    # The tree walk. lxml keeps text as element.text (before the first child) and child.tail
    # (after each child); a run collects those and the inline children between two blocks.

    def _content(self, parent: object) -> None:
        run = _Run()
        if parent.text:  # type: ignore[attr-defined]
            run.add_text(parent.text, ())  # type: ignore[attr-defined]
        for child in parent:  # type: ignore[attr-defined]
            if self._is_block(child):
                self._flush(run)
                self._block(child)
                run = _Run()
            else:
                self._inline(child, (), run)
            if child.tail:
                run.add_text(child.tail, ())
        self._flush(run)

    def _flush(self, run: _Run) -> None:
        if run.has_text:
            self.runs.append(run)
            self.pieces.append(run)
            return
        # Only whitespace, images or comments: kept exactly as they were.
        self.pieces.append(run.lead + "".join(
            (" " if a.space_before else "") + a.markup for a in run.atoms) + run._pending_space)

    def _block(self, el: object) -> None:
        if _verbatim(el):
            self.pieces.append(_outer(el))
            return
        self.pieces.append(self._start_tag(el))
        if el.tag in _VOID:  # type: ignore[attr-defined]
            return
        self._content(el)
        self.pieces.append(f"</{el.tag}>")  # type: ignore[attr-defined]

    def _inline(self, el: object, path: _Path, run: _Run) -> None:
        tag = el.tag  # type: ignore[attr-defined]
        if not isinstance(tag, str):  # a comment or a processing instruction
            run.add_atom(_outer(el), path)
            return
        if tag == "br":
            run.add_atom(_outer(el), path, is_break=True)
            return
        if tag in _VOID or _verbatim(el) or not "".join(el.itertext()).strip():  # type: ignore[attr-defined]
            run.add_atom(_outer(el), path)  # an image, code, an empty anchor
            return
        inner = path + (_Inline(tag, self._start_tag(el)),)
        if el.text:  # type: ignore[attr-defined]
            run.add_text(el.text, inner)  # type: ignore[attr-defined]
        for child in el:  # type: ignore[attr-defined]
            self._inline(child, inner, run)
            if child.tail:
                run.add_text(child.tail, inner)

    @staticmethod
    def _is_block(el: object) -> bool:
        tag = el.tag  # type: ignore[attr-defined]
        if not isinstance(tag, str):
            return False
        if tag in _BLOCK:
            return True
        # An inline element holding blocks (<a><div>...</div></a>) is a container of blocks.
        return any(isinstance(d.tag, str) and d.tag in _BLOCK for d in el.iterdescendants())  # type: ignore[attr-defined]

    def _start_tag(self, el: object) -> str:
        attrs = []
        for name, value in el.attrib.items():  # type: ignore[attr-defined]
            if name in ("lang", "xml:lang") and value.lower().split("-")[0] == self.source_lang:
                value = self.target_lang
            elif name == "dir" and value.lower() in ("rtl", "ltr") and self.target_lang in _DIR_OF:
                value = _DIR_OF[self.target_lang]
            attrs.append(f' {name}="{html_lib.escape(value, quote=True)}"')
        return f"<{el.tag}{''.join(attrs)}>"  # type: ignore[attr-defined]


def _verbatim(el: object) -> bool:
    tag = el.tag  # type: ignore[attr-defined]
    if not isinstance(tag, str):
        return True
    if tag in _VERBATIM or el.get("translate", "").lower() == "no":  # type: ignore[attr-defined]
        return True
    return "notranslate" in el.get("class", "").split()  # type: ignore[attr-defined]


def _outer(el: object) -> str:
    from lxml import html as lxml_html

    return lxml_html.tostring(el, encoding="unicode", with_tail=False)  # type: ignore[call-overload]


# --- writing ---------------------------------------------------------------------------------


@dataclass
class _Token:
    markup: str  # escaped text, or verbatim markup
    path: _Path
    space_before: bool
    glue_after: bool = False  # a verbatim piece the source had glued to what follows


def _render_run(run: _Run) -> str:
    tokens: list[_Token] = []
    breaks = [a for a in run.atoms if a.is_break]
    for n, (sentences, prefix) in enumerate(zip(run.lines, run.prefix_atoms)):
        if n:
            brk = breaks[n - 1]
            tokens.append(_Token(brk.markup, brk.path, False, glue_after=True))
        line = [_atom_token(a) for a in prefix]
        for sentence in sentences:
            line.extend(_sentence_tokens(sentence))
        if line:
            line[0].space_before = prefix[0].space_before if prefix else False
        tokens.extend(line)
    for before, after in zip(tokens, tokens[1:]):
        if before.glue_after:
            after.space_before = False
    return run.lead + _serialize(tokens) + run.trail


def _atom_token(atom: _Atom) -> _Token:
    return _Token(atom.markup, atom.path, atom.space_before, glue_after=not atom.space_after)


def _word_token(text: str, path: _Path, space_before: bool = True) -> _Token:
    return _Token(html_lib.escape(text, quote=False), path, space_before)


@dataclass
class _Group:
    """Consecutive source words with one path (their text, for anchoring), or one atom."""

    path: _Path
    words: list[str]
    weight: int  # source words that start here
    atom: _Atom | None = None

    @property
    def marked(self) -> bool:
        """Markup on text: it must get at least one word of the translation."""
        return self.atom is None and bool(self.path) and any(w.strip() for w in self.words)


def _sentence_tokens(sentence: _Sentence) -> list[_Token]:
    if sentence.passthrough or not sentence.translation.strip():
        # Copied, not translated: the source words with their own markup and spacing.
        return [_atom_token(u) if isinstance(u, _Atom) else _word_token(u.text, u.path, not u.glued)
                for u in sentence.units]
    target = sentence.translation.split()
    groups = _groups(sentence.units)
    tokens: list[_Token] = []
    cursor = 0
    for group, (start, end) in zip(groups, _project(groups, target)):
        # Words no group took (before an anchor, with only atoms ahead of it) carry no markup.
        tokens.extend(_word_token(w, ()) for w in target[cursor:start])
        if group.atom is not None:
            tokens.append(_atom_token(group.atom))
        else:
            tokens.extend(_word_token(w, group.path) for w in target[start:end])
        cursor = max(cursor, end)
    tokens.extend(_word_token(w, ()) for w in target[cursor:])
    return tokens


def _groups(units: Sequence[_Word | _Atom]) -> list[_Group]:
    """Source words (a piece and the pieces glued to it: a clitic before a link, a footnote
    marker after a word) grouped by markup. A word partly marked up counts as marked up: the
    translation's word for "و<a>الحكومة</a>" goes inside the link."""
    words: list[_Atom | list[_Word]] = []
    for unit in units:
        if isinstance(unit, _Word) and unit.glued and words and isinstance(words[-1], list):
            words[-1].append(unit)
        else:
            words.append(unit if isinstance(unit, _Atom) else [unit])
    groups: list[_Group] = []
    for word in words:
        if isinstance(word, _Atom):
            groups.append(_Group(word.path, [], 0, word))
            continue
        marked = [p for p in word if p.path and p.text.strip()]
        # The innermost markup of each nesting chain, in order ("<b>a</b><i>b</i>" has two);
        # the longest piece carries the word, the others get a word only if words are left.
        pieces = [p for p in marked if not any(q.path != p.path and q.path[: len(p.path)] == p.path
                                               for q in marked)]
        if not pieces:
            pieces = [_Word("".join(p.text for p in word), (), word[0].start, word[0].glued)]
        main = max(pieces, key=lambda p: len(p.text))
        for piece in pieces:
            weight = 1 if piece is main else 0
            if groups and groups[-1].atom is None and groups[-1].path == piece.path:
                groups[-1].words.append(piece.text)
                groups[-1].weight += weight
            else:
                groups.append(_Group(piece.path, [piece.text], weight))
    return groups


def _project(groups: Sequence[_Group], target: Sequence[str]) -> list[tuple[int, int]]:
    """The translation's words each group gets, as (start, end), in order; an atom gets an
    empty span where it stands."""
    keys = [_key(w) for w in target]
    # Anchors: a marked group whose words the translation has verbatim takes exactly those
    # (never Arabic words: they are not copied into English), if the marked groups before it
    # still get a word each.
    anchors: list[tuple[int, int, int]] = []  # (group, start, end)
    cursor, previous = 0, 0
    for g, group in enumerate(groups):
        if not group.marked or any(has_script(w, "ar") for w in group.words):
            continue
        wanted = [k for k in map(_key, group.words) if k]
        at = _find(keys, wanted, cursor) if wanted else None
        # Taken only if the marked groups on either side still get a word each.
        if (at is None or at - cursor < sum(x.marked for x in groups[previous:g])
                or len(keys) - at - len(wanted) < sum(x.marked for x in groups[g + 1:])):
            continue
        anchors.append((g, at, at + len(wanted)))
        cursor, previous = at + len(wanted), g + 1
    spans: list[tuple[int, int]] = []
    first_group, first_word = 0, 0
    for g, start, end in [*anchors, (len(groups), len(target), len(target))]:
        gap = groups[first_group:g]
        counts = _allocate([x.weight for x in gap], [x.marked for x in gap], start - first_word)
        if gap and not any(x.weight or x.marked for x in gap):
            # Only atoms before the anchor: they stand after the words before it.
            spans.extend((start, start) for _ in gap)
        else:
            position = first_word
            for count in counts:
                spans.append((position, position + count))
                position += count
        if g < len(groups):
            spans.append((start, end))
        first_group, first_word = g + 1, end
    return spans


def _key(word: str) -> str:
    return _EDGE_PUNCTUATION.sub("", word).casefold()


def _find(keys: Sequence[str], wanted: Sequence[str], start: int) -> int | None:
    for i in range(start, len(keys) - len(wanted) + 1):
        if list(keys[i : i + len(wanted)]) == list(wanted):
            return i
    return None


def _allocate(weights: Sequence[int], need_one: Sequence[bool], total: int) -> list[int]:
    """Split `total` words over groups in proportion to their weights (largest remainders),
    each group in `need_one` (one that carries markup) getting at least one while words last."""
    n = len(weights)
    takers = [i for i in range(n) if weights[i] or need_one[i]]
    if not takers or total <= 0:
        return [0] * n
    weight_sum = sum(weights)
    exact = ([total * w / weight_sum for w in weights] if weight_sum else
             [total / len(takers) if i in takers else 0.0 for i in range(n)])
    out = [int(x) for x in exact]
    for i in takers:
        if need_one[i] and out[i] == 0:
            out[i] = 1
    while sum(out) < total:
        out[max(takers, key=lambda k: exact[k] - out[k])] += 1
    while sum(out) > total:
        spare = [k for k in takers if out[k] > (1 if need_one[k] else 0)] or \
            [k for k in takers if out[k] > 0]
        out[max(spare, key=lambda k: out[k] - exact[k])] -= 1
    return out


def _serialize(tokens: Sequence[_Token]) -> str:
    """Tokens with their paths as nested inline markup: each element opened where its first
    token is and closed after its last, spaces outside the elements at their edges."""
    out: list[str] = []
    stack: list[_Inline] = []
    for token in tokens:
        keep = 0
        while keep < len(stack) and keep < len(token.path) and stack[keep] is token.path[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(f"</{stack.pop().tag}>")
        if token.space_before:
            out.append(" ")
        for element in token.path[keep:]:
            out.append(element.start)
            stack.append(element)
        out.append(token.markup)
    while stack:
        out.append(f"</{stack.pop().tag}>")
    return "".join(out)
