"""`tarjama translate` end to end with a tiny random Marian model loaded from disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from tarjama.cli import app
from tarjama.errors import ExitCode
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "article.ar.txt"
runner = CliRunner()


def tarjama(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def test_translate_file_keeps_paragraph_layout(tiny_marian: Path) -> None:
    result = tarjama("translate", str(SAMPLE), "--model", str(tiny_marian))
    assert result.exit_code == 0, result.stderr
    src_lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    out_lines = result.stdout.splitlines()
    # One output line per input line, blank where the input was blank.
    assert len(out_lines) == len(src_lines)
    assert [not s.strip() for s in src_lines] == [not o.strip() for o in out_lines]
    # The date line has no letters: it passes through unchanged, without the model.
    assert out_lines[2] == src_lines[2] == "24/11/2026"


def test_translate_stdin_equals_file(tiny_marian: Path) -> None:
    from_file = tarjama("translate", str(SAMPLE), "--model", str(tiny_marian))
    from_stdin = tarjama("translate", "-", "--model", str(tiny_marian),
                         input=SAMPLE.read_bytes())
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout


def test_json_output_lists_every_sentence_once(tiny_marian: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = tarjama("translate", str(SAMPLE), "--model", str(tiny_marian), "--format", "json",
                     "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["model"]["path"] == str(tiny_marian)
    assert doc["decoding"]["num_beams"] == 2  # from the model's generation config
    paras = doc["paragraphs"]
    src_paras = [ln for ln in SAMPLE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert [p["source"] for p in paras] == src_paras
    assert paras[0]["kind"] == "title" and all(p["kind"] == "paragraph" for p in paras[1:])
    for para in paras:
        # Every character of the paragraph is in exactly one sentence, in order.
        joined = "".join(s["source"] for s in para["sentences"])
        assert "".join(joined.split()) == "".join(para["source"].split())
        for s in para["sentences"]:
            assert set(s["flags"]) == {"split", "hit_max_length", "repeated", "passthrough"}
    date = paras[1]["sentences"]
    assert [s["source"] for s in date] == ["24/11/2026"] and date[0]["flags"]["passthrough"]
    assert date[0]["translation"] == "24/11/2026"
    # Split at ". " and "؟" but not inside "3.5", at "د." or at "،".
    assert len(paras[2]["sentences"]) == 2
    assert "3.5" in paras[2]["sentences"][0]["source"]
    assert len(paras[3]["sentences"]) == 1 and "د. سامي" in paras[3]["sentences"][0]["source"]
    assert len(paras[4]["sentences"]) == 3
    assert doc["stats"]["sentences"] == sum(len(p["sentences"]) for p in paras)


def test_en_to_ar_direction(tiny_marian: Path, tmp_path: Path) -> None:
    article = tmp_path / "a.en.txt"
    article.write_text("The president went to the city. He spoke with journalists.\n", encoding="utf-8")
    result = tarjama("translate", str(article), "--from", "en", "--to", "ar",
                     "--model", str(tiny_marian), "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["paragraphs"][0]["sentences"]) == 2
    assert not any(s["flags"]["passthrough"] for s in doc["paragraphs"][0]["sentences"])


def test_long_sentence_is_split_not_truncated(tiny_marian: Path, tmp_path: Path) -> None:
    words = "ذهب الرئيس إلى المدينة وتحدث مع الصحفيين عن الاقتصاد والسياسة".split()
    sentence = " ".join(words[i % len(words)] for i in range(5000))
    article = tmp_path / "long.txt"
    article.write_text(sentence + "\n", encoding="utf-8")
    result = tarjama("translate", str(article), "--model", str(tiny_marian), "--format", "json",
                     "--max-segment-tokens", "200", "--beams", "1")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (only,) = doc["paragraphs"][0]["sentences"]
    assert only["source"] == sentence  # the whole sentence, not a truncated prefix
    assert only["flags"]["split"] and only["pieces"] > 10


def test_subprocess_real_console_script(tiny_marian: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tarjama", "translate", "-", "--model", str(tiny_marian), "-f", "json"],
        input=SAMPLE.read_bytes(), capture_output=True, env=env, cwd=REPO, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert len(doc["paragraphs"]) == 6
    assert b"Traceback" not in proc.stderr


def _peak_rss_mb(args: list[str], stdin_path: Path) -> float:
    """Run the CLI in a child process and return its peak resident memory."""
    code = (
        "import resource, subprocess, sys;"
        f"p = subprocess.run({[sys.executable, '-m', 'tarjama', *args]!r}, stdin=open({str(stdin_path)!r}, 'rb'),"
        " stdout=subprocess.DEVNULL, stderr=subprocess.PIPE);"
        "sys.stderr.write(p.stderr.decode()[-2000:]); assert p.returncode == 0, p.returncode;"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO, timeout=600,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr.decode()
    return float(proc.stdout)


def test_20_mb_article_streams_in_bounded_memory(tiny_marian: Path, tmp_path: Path) -> None:
    # English text "from Arabic": every line goes the whole pipeline (read, normalize, split,
    # classify, JSON) without model calls, so this measures the pipeline's own memory.
    line = ("Officials said the plant, opened on Monday, would serve 2 million people. " * 12).strip()
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text(line + "\n", encoding="utf-8")
    with big.open("w", encoding="utf-8") as handle:
        while handle.tell() < 20_000_000:
            handle.write(line + "\n\n")
    args = ["-q", "translate", "-", "--model", str(tiny_marian), "--format", "json"]
    baseline = _peak_rss_mb(args, small)
    peak = _peak_rss_mb(args, big)
    # Holding the article, its normalized copy and the JSON tree would cost well over 100 MB.
    assert peak - baseline < 60, (baseline, peak)


# --- bad input: one line on stderr, a documented exit code -----------------------------------


def test_missing_file(tiny_marian: Path) -> None:
    result = tarjama("translate", "no/such/article.txt", "--model", str(tiny_marian))
    assert result.exit_code == ExitCode.INPUT
    assert "no/such/article.txt: no such file" in one_line_error(result)


def test_directory(tiny_marian: Path, tmp_path: Path) -> None:
    result = tarjama("translate", str(tmp_path), "--model", str(tiny_marian))
    assert result.exit_code == ExitCode.INPUT
    assert "is a directory" in one_line_error(result)


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n"])
def test_empty_file_and_stdin(tiny_marian: Path, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    for args, stdin in (([str(path)], None), (["-"], content)):
        result = tarjama("translate", *args, "--model", str(tiny_marian), input=stdin)
        assert result.exit_code == ExitCode.INPUT
        assert "is empty" in one_line_error(result)


def test_binary_file(tiny_marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = tarjama("translate", str(path), "--model", str(tiny_marian))
    assert result.exit_code == ExitCode.INPUT
    assert "binary" in one_line_error(result)


def test_invalid_utf8_names_the_byte(tiny_marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    good = "سطر أول\n".encode("utf-8")
    path.write_bytes(good + "caf\xe9\n".encode("latin-1"))
    result = tarjama("translate", str(path), "--model", str(tiny_marian))
    assert result.exit_code == ExitCode.INPUT
    line = one_line_error(result)
    assert f"invalid UTF-8 at byte {len(good) + 3}" in line and "line 2" in line
    assert result.stdout == ""  # checked before anything is printed


def test_no_arabic_warns_and_passes_through(tiny_marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "english.txt"
    path.write_text("This article is already in English.\n", encoding="utf-8")
    result = tarjama("translate", str(path), "--model", str(tiny_marian))
    assert result.exit_code == 0
    assert result.stdout == "This article is already in English.\n"
    assert "no Arabic text" in result.stderr


def test_unknown_model_name(tmp_path: Path) -> None:
    result = tarjama("translate", str(SAMPLE), "--model", "opus-mt-xx-yy")
    assert result.exit_code == ExitCode.MODEL_NOT_FOUND
    assert "unknown model 'opus-mt-xx-yy'" in one_line_error(result)


def test_model_dir_missing_files(tiny_marian: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "source.spm", "target.spm", "vocab.json"):
        (broken / name).write_bytes((tiny_marian / name).read_bytes())
    result = tarjama("translate", str(SAMPLE), "--model", str(broken))
    assert result.exit_code == ExitCode.MODEL_NOT_FOUND
    assert "missing weights" in one_line_error(result)


def test_pickle_weights_refused_then_allowed(tiny_marian_pickle: Path) -> None:
    refused = tarjama("translate", str(SAMPLE), "--model", str(tiny_marian_pickle))
    assert refused.exit_code == ExitCode.UNSAFE_WEIGHTS
    assert "--allow-pickle" in one_line_error(refused)
    allowed = tarjama("translate", str(SAMPLE), "--model", str(tiny_marian_pickle), "--allow-pickle")
    assert allowed.exit_code == 0, allowed.stderr


def test_default_model_offline_not_cached_says_what_to_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    result = tarjama("translate", str(SAMPLE))
    assert result.exit_code == ExitCode.MODEL_NOT_DOWNLOADED
    line = one_line_error(result)
    assert "opus-mt-ar-en" in line and "tarjama models download opus-mt-ar-en" in line
    assert str(tmp_path / "hub") in line


def test_json_names_the_direction_for_a_model_directory(tiny_marian: Path) -> None:
    result = runner.invoke(app, ["translate", str(SAMPLE), "--model", str(tiny_marian), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["source_lang"], doc["target_lang"]) == ("ar", "en")


PAGE = """<!doctype html><html><head><title>افتتاح محطة جديدة لتحلية المياه</title></head><body>
<nav><a href="/">الرئيسية</a> <a href="/sport">رياضة</a></nav>
<article><h1>افتتاح محطة جديدة لتحلية المياه</h1>
<p>افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر تعمل بالطاقة الشمسية في المدينة الساحلية الكبرى.</p>
<p>وقال وزير الطاقة إن المشروع سيخدم نحو مليوني نسمة في المدن الساحلية، وإن تكلفة الإنتاج انخفضت بنسبة كبيرة.</p>
<p>ويأتي المشروع في إطار خطة وطنية لخفض الانبعاثات، ويقول خبراء إن الحل يتطلب أيضا ترشيد الاستهلاك.</p>
</article><footer>جميع الحقوق محفوظة</footer></body></html>"""


def test_translate_an_html_page_from_a_url_and_a_file(tiny_marian: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = PAGE.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200 if self.path == "/story" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if self.path == "/story" else 0))
            self.end_headers()
            if self.path == "/story":
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        from_url = runner.invoke(app, ["translate", f"{url}/story", "--model", str(tiny_marian),
                                       "-f", "json", "--beams", "1"])
        missing = runner.invoke(app, ["translate", f"{url}/gone", "--model", str(tiny_marian)])
    finally:
        server.shutdown()
    assert from_url.exit_code == 0, from_url.stderr
    paragraphs = json.loads(from_url.stdout)["paragraphs"]
    # The headline first (once), then the three paragraphs; no menu, no footer.
    assert paragraphs[0]["kind"] == "title" and paragraphs[0]["source"].startswith("افتتاح محطة")
    assert [p["source"][:12] for p in paragraphs[1:]] == ["افتتحت الحكو", "وقال وزير ال", "ويأتي المشرو"]
    assert not any("الرئيسية" in p["source"] or "محفوظة" in p["source"] for p in paragraphs)
    assert missing.exit_code == ExitCode.INPUT and "404" in missing.stderr
    page = tmp_path / "story.html"
    page.write_bytes(body)
    from_file = runner.invoke(app, ["translate", str(page), "--model", str(tiny_marian), "-f", "json",
                                    "--beams", "1"])
    assert from_file.exit_code == 0, from_file.stderr
    assert [p["source"] for p in json.loads(from_file.stdout)["paragraphs"]] == \
        [p["source"] for p in paragraphs]
