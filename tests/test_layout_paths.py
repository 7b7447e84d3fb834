"""Every product path on every registry model's layout (tests/layouts.py), through `--model DIR`.

The layouts have each model's real special-token ids, vocabulary size, position limit,
activation, stored dtype and generation config, with random weights at a small hidden size:
outputs are garbage, so these tests check that each path runs, keeps its structure and
respects each model's limits, not what it says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from layouts import NAMES, SUMMARIZATION, TRANSLATION, input_language
from tarjama.cli import app
from tarjama.models.registry import REGISTRY
from tiny import CORPUS_AR, CORPUS_EN
from typer.testing import CliRunner

runner = CliRunner()
SAMPLE_AR = Path(__file__).resolve().parents[1] / "samples" / "article.ar.txt"


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # CTranslate2 conversions are cached beside the hub cache: keep them out of the user's.
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path_factory.getbasetemp() / "layout-hub"))


def _article(tmp_path: Path, lang: str, paragraphs: int = 2) -> Path:
    corpus = CORPUS_AR if lang == "ar" else CORPUS_EN
    body = [" ".join(corpus[(p + k) % len(corpus)] for k in range(3)) for p in range(paragraphs)]
    path = tmp_path / f"article.{lang}.txt"
    path.write_text(corpus[4] + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
    return path


def _ok(*args: str) -> dict:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", NAMES)
def test_layout_files_carry_the_published_facts(layouts, name: str) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    pub = REGISTRY[name].published
    path = layouts(name)
    config = AutoConfig.from_pretrained(path)
    gen = GenerationConfig.from_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert config.model_type == pub.family
    assert config.vocab_size == pub.vocab_size
    for key, value in pub.special_tokens.items():
        if key == "unk_token_id":
            assert tokenizer.unk_token_id == value
        elif key.startswith("forced_"):
            assert getattr(gen, key) == value
        else:
            assert getattr(config, key) == value, key
    for key in ("activation_function", "feed_forward_proj", "max_position_embeddings",
                "relative_attention_num_buckets", "relative_attention_max_distance"):
        if key in pub.architecture:
            assert getattr(config, key) == pub.architecture[key], key
    for key, value in pub.generation.items():
        assert getattr(gen, key) == value, key
    assert len(tokenizer) == (pub.tokenizer_size or pub.vocab_size)
    header = (path / "model.safetensors").read_bytes()
    size = int.from_bytes(header[:8], "little")
    dtypes = {v["dtype"] for k, v in json.loads(header[8 : 8 + size]).items() if k != "__metadata__"}
    assert dtypes == {{"float16": "F16", "float32": "F32"}[pub.stored_dtype]}
    # transformers 5 reports every MT5Config as tied; the file holding its own output layer
    # is what unties it at load.
    tied = pub.architecture.get("tie_word_embeddings", True)
    names = set(json.loads(header[8 : 8 + size]))
    assert ("lm_head.weight" in names) == (not tied)
    if not tied:
        from tarjama.models.loading import LoadOptions, load, resolve_model

        model = load(resolve_model(str(path)), LoadOptions(device="cpu")).model
        assert model.lm_head.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr()


@pytest.mark.parametrize("name", NAMES)
def test_special_token_text_is_read_as_text(layouts, name: str) -> None:  # type: ignore[no-untyped-def]
    from tarjama.models.loading import LoadOptions, load, resolve_model
    from tarjama.models.translator import encode_text

    loaded = load(resolve_model(str(layouts(name))), LoadOptions(device="cpu"), weights=False)
    tok = loaded.tokenizer
    text = "The plant </s> opened <pad> on Monday <mask> >>ara<< <s> here."
    (row,) = encode_text(tok, [text])
    specials = set(tok.all_special_ids) - {tok.unk_token_id}
    inner = row[1:-1] if row[0] == tok.bos_token_id else row[:-1]
    assert not specials & set(inner), row
    assert row[-1] == tok.eos_token_id
    assert max(row) < REGISTRY[name].published.vocab_size  # bart-large-cnn's <mask> is not
    prefix = REGISTRY[name].target_prefix
    if prefix:
        # The target-language token is written once, first; the same text later is text.
        (row,) = encode_text(tok, [text], prefix + " ")
        code = tok.convert_tokens_to_ids(prefix)
        assert row[0] == code and code not in row[1:]


# tc-big-en-ar's CTranslate2 run is left out for time: its layout is tc-big-ar-en's plus the
# >>ara<< prefix, which opus-mt-en-ar's run covers.
@pytest.mark.parametrize("name,backend", [
    (n, b) for n in TRANSLATION for b in ("fp32", "int8", "ctranslate2")
    if (n, b) != ("opus-mt-tc-big-en-ar", "ctranslate2")])
def test_translate_on_each_backend(layouts, tmp_path: Path, name: str, backend: str) -> None:  # type: ignore[no-untyped-def]
    spec = REGISTRY[name]
    article = _article(tmp_path, spec.source_lang)
    extra = {"fp32": [], "int8": ["--quantize", "int8"], "ctranslate2": ["--backend", "ctranslate2"]}[backend]
    doc = _ok("translate", str(article), "--model", str(layouts(name)), "--from", spec.source_lang,
              "--to", spec.target_lang, "--format", "json", "--beams", "2", *extra)
    assert len(doc["paragraphs"]) == 3
    assert doc["decoding"]["backend"] == ("ctranslate2" if backend == "ctranslate2" else "torch")
    sentences = [s for p in doc["paragraphs"] for s in p["sentences"]]
    assert sentences and all(isinstance(s["translation"], str) for s in sentences)
    assert not any(s["flags"]["passthrough"] for s in sentences)
    if backend == "fp32":
        # check reads this layout's translations as any system's: one result per line.
        src, hyp = tmp_path / "src.txt", tmp_path / "hyp.txt"
        src.write_text("".join(s["source"] + "\n" for s in sentences), encoding="utf-8")
        hyp.write_text("".join(" ".join(s["translation"].split()) + "\n" for s in sentences),
                       encoding="utf-8")
        report = _ok("check", "--src", str(src), "--hyp", str(hyp), "--from", spec.source_lang,
                     "--to", spec.target_lang, "-f", "json")
        assert report["lines"] == len(sentences)


@pytest.mark.parametrize("name", TRANSLATION)
def test_length_bounds_and_splitter_at_the_position_limit(layouts, name: str) -> None:  # type: ignore[no-untyped-def]
    from tarjama.models.loading import LoadOptions, load, resolve_model
    from tarjama.models.translator import DecodingConfig, Seq2SeqTranslator
    from tarjama.nlp.packing import split_to_budget
    from tarjama.nlp.segment import Span
    from tarjama.nlp.translate import Segment

    spec = REGISTRY[name]
    limit = spec.published.max_positions
    loaded = load(resolve_model(str(layouts(name))), LoadOptions(device="cpu"))
    tr = Seq2SeqTranslator(loaded, DecodingConfig(num_beams=1, max_segment_tokens=10_000),
                           source_lang=spec.source_lang, target_lang=spec.target_lang)
    # A directory has no spec: the window is the layout's own position limit.
    assert tr.bound(10_000) == limit
    assert tr.max_segment_tokens == limit - 4
    # One sentence, no full stop, over the window: the splitter must cut it at clause and
    # word boundaries.
    words = (CORPUS_AR if spec.source_lang == "ar" else CORPUS_EN)[1].rstrip(".").split()
    text = "، ".join(" ".join(words) for _ in range(limit // len(words) + 1))
    (ids,) = tr.encode([text])
    assert len(ids) > limit
    with pytest.raises(ValueError, match="window"):
        tr.translate([Segment(text=text, ids=tuple(ids))])
    spans = split_to_budget(text, Span(0, len(text)), lambda t: tr.count_tokens([t])[0],
                            tr.max_segment_tokens)
    pieces = [text[sp.start : sp.end] for sp in spans]
    counts = tr.count_tokens(pieces)
    assert len(pieces) >= 2 and max(counts) <= tr.max_segment_tokens
    longest = pieces[counts.index(max(counts))]
    (out,) = tr.translate([Segment(text=longest, ids=tuple(tr.encode([longest])[0]))])
    assert out.output_tokens <= limit


@pytest.mark.parametrize("name", SUMMARIZATION)
def test_summarize_strategies(layouts, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    lang = "ar" if name == "mt5-xlsum" else "en"
    model = str(layouts(name))
    article = _article(tmp_path, lang, paragraphs=4)
    doc = _ok("summarize", str(article), "--from", lang, "--to", lang, "--method", "abstractive",
              "--model", model, "--max-summary-tokens", "12", "--beams", "2", "-f", "json")
    assert doc["method"] == "abstractive" and doc["chunk_plan"]["window"] == REGISTRY[name].published.max_positions
    # Map-reduce: a window far under the article's length.
    doc = _ok("summarize", str(article), "--from", lang, "--to", lang, "--method", "abstractive",
              "--model", model, "--max-summary-tokens", "12", "--beams", "2",
              "--max-input-tokens", "40", "-f", "json")
    plan = doc["chunk_plan"]
    assert plan["window"] == 40 and plan["levels"] and len(plan["levels"][0]["chunks"]) >= 2
    assert all(c["input_tokens"] <= 40 for level in plan["levels"] for c in level["chunks"])
    # Cross-lingual: the summarizer on its own side of a translation model's layout.
    # Arabic article, English summary: mT5 reads the Arabic, BART the translation.
    strategy = "summarize-then-translate" if lang == "ar" else "translate-then-summarize"
    translator = str(layouts("opus-mt-ar-en"))
    doc = _ok("summarize", str(_article(tmp_path, "ar", paragraphs=3)), "--from", "ar",
              "--to", "en", "--method", "abstractive", "--strategy", strategy,
              "--model", model, "--mt-model", translator, "--max-summary-tokens", "12",
              "--beams", "2", "-f", "json")
    assert doc["strategy"] == strategy
    assert doc["models"]["summarizer"]["path"] == model
    assert doc["models"]["translator"]["path"] == translator


def test_bench_on_the_transformer_big_layout(layouts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The path `bench --synthetic opus-mt-tc-big-*` takes after building (float16 weights,
    # mid-vocabulary </s>), at the layout's small width.
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"text": _article(tmp_path, "ar").read_text(encoding="utf-8")})
                        + "\n", encoding="utf-8")
    report = _ok("bench", "--model", str(layouts("opus-mt-tc-big-ar-en")), "--articles",
                 str(articles), "--systems", "fp32,ctranslate2", "--scaling", "1", "--beams", "2",
                 "--length-ratio", "0.5", "--json")
    fp32, ct2 = report["systems"]
    assert fp32["tokens"] == ct2["tokens"] > 0


def test_serve_on_the_layouts(layouts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One server with tc-big's layout for ar->en, opus-mt-en-ar's for en->ar and BART's as the
    English summarizer: it answers as the commands do."""
    from serve_helpers import LiveServer

    big, en_ar, bart = (str(layouts(n)) for n in ("opus-mt-tc-big-ar-en", "opus-mt-en-ar",
                                                  "bart-large-cnn"))
    article = _article(tmp_path, "ar")
    server = LiveServer("--model", f"ar-en={big}", "--model", f"en-ar={en_ar}", "--beams", "2",
                        "--abstractive", "--summary-model", f"en={bart}").start()
    try:
        status, record = server.post("/v1/translate", {"text": article.read_text(encoding="utf-8")})
        assert status == 200
        assert record == _ok("translate", str(article), "--model", big, "--beams", "2", "-f", "json")
        status, lt = server.post("/translate", {"q": "The plant </s> opened.", "source": "en",
                                                "target": "ar"})
        assert status == 200 and isinstance(lt["translatedText"], str)
        status, summary = server.post("/v1/summarize", {
            "text": article.read_text(encoding="utf-8"), "source": "ar", "target": "en",
            "method": "abstractive"})
        assert status == 200, summary
        assert summary["method"] == "abstractive"
        assert summary["strategy"] == "translate-then-summarize"
        assert sorted(server.get("/healthz")["directions"]) == ["ar-en", "en-ar"]
    finally:
        err = server.stop()
    assert "Traceback" not in err, err


@pytest.mark.parametrize("summary_model", SUMMARIZATION)
def test_digest_with_each_summarizer_layout(layouts, tmp_path: Path, summary_model: str) -> None:  # type: ignore[no-untyped-def]
    """digest of Arabic items: mT5 summarizes the Arabic, or BART the tc-big translation."""
    items = tmp_path / "ar.jsonl"
    items.write_text("".join(json.dumps({"id": f"a{i}", "title": CORPUS_AR[4 + i % 2],
                                         "text": " ".join(CORPUS_AR[i:i + 4])}, ensure_ascii=False)
                             + "\n" for i in range(2)), encoding="utf-8")
    out = tmp_path / "digest.jsonl"
    result = runner.invoke(app, [
        "digest", str(items), "-o", str(out), "--method", "abstractive",
        "--summary-model", str(layouts(summary_model)),
        "--model", str(layouts("opus-mt-tc-big-ar-en")), "--beams", "2", "--threads", "1"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 and all(r["method"] == "abstractive" for r in records)
    assert records[0]["models"]["summarizer"]["model"]["path"] == str(layouts(summary_model))


@pytest.mark.parametrize("name", ["opus-mt-tc-big-ar-en", "opus-mt-en-ar"])
def test_batch_translate_on_the_layouts(layouts, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """`tarjama batch` (local engine) on the mid-vocabulary-eos float16 layout and on the
    target-prefix one: each record holds what `tarjama translate --format json` writes."""
    spec = REGISTRY[name]
    article = _article(tmp_path, spec.source_lang)
    lines = article.read_text(encoding="utf-8").split("\n", 1)
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "a", "title": lines[0],
                                                   "text": lines[1].strip()},
                                                  ensure_ascii=False) + "\n", encoding="utf-8")
    common = ("--model", str(layouts(name)), "--from", spec.source_lang, "--to",
              spec.target_lang, "--beams", "2")
    want = _ok("translate", str(article), "--format", "json", *common)
    result = runner.invoke(app, ["batch", "translate", str(tmp_path / "in.jsonl"),
                                 "-o", str(tmp_path / "out"), *common])
    assert result.exit_code == 0, result.stderr
    (shard,) = (tmp_path / "out").glob("part-*.jsonl")
    (record,) = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
    # Line numbers aside: the JSONL text's paragraphs are numbered without the file's blank lines.
    def unnumbered(paragraphs: list[dict]) -> list[dict]:
        return [{k: v for k, v in p.items() if k != "line"} for p in paragraphs]

    assert unnumbered(record["paragraphs"]) == unnumbered(want["paragraphs"])
    assert record["checks"] == want["checks"] and record["decoding"] == want["decoding"]
