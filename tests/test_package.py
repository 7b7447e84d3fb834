"""What gets installed: one `tarjama` import name, from a wheel and from the editable checkout.

The repository root is mapped to the package `tarjama` (pyproject.toml's package-dir), a layout
whose pitfalls show only after installing: a generic top-level name leaking into site-packages,
or one file imported under two module names.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_every_module_is_imported_under_tarjama_only() -> None:
    import tarjama

    for info in pkgutil.walk_packages(tarjama.__path__, prefix="tarjama."):
        if not info.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(info.name)
    for generic in ("cli", "models", "nlp", "eval", "api", "errors"):
        assert generic not in sys.modules, f"{generic} was imported as a top-level module"
    inside = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path or not os.path.isabs(path):  # torch.ops and friends carry bare file names
            continue
        try:
            relative = Path(path).resolve().relative_to(REPO)
        except ValueError:
            continue
        if relative.parts[0] in ("tests", ".venv"):
            continue
        inside.append((name, str(relative)))
    assert inside, "no module of the checkout was imported"
    stray = [(name, rel) for name, rel in inside if name != "tarjama" and not name.startswith("tarjama.")]
    assert not stray, f"checkout files imported under other names: {stray}"
    assert Path(tarjama.__file__).resolve() == REPO / "__init__.py"


def _tracked_copy(dest: Path) -> Path:
    """The files a fresh clone has (tracked, plus new ones not ignored), copied to `dest`."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the checkout's files")
def test_wheel_installs_only_tarjama_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    source = _tracked_copy(tmp_path / "src")
    modules = {f"tarjama/{p.relative_to(source)}" for p in source.rglob("*.py")
               if p.relative_to(source).parts[0] not in ("tests", "scripts")}
    dist = tmp_path / "dist"
    # Offline and fast with this environment's setuptools; else pip fetches one to build with.
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", *isolation,
                    "-q", "-w", str(dist)], check=True, cwd=tmp_path)
    (wheel,) = dist.glob("tarjama-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        assert archive.read(info).decode().split() == ["tarjama"]
    tops = {n.split("/")[0] for n in names}
    assert tops == {"tarjama", info.split("/")[0]}, tops
    # Every module of the checkout is in the wheel (pyproject.toml lists the packages by hand).
    assert "tarjama/cli.py" in modules and "tarjama/nlp/segment.py" in modules
    assert sorted(modules - set(names)) == []
    # Data files the package reads at run time (the server's page) are in it too.
    assets = {f"tarjama/{p.relative_to(source)}" for p in (source / "serve" / "static").iterdir()}
    assert assets and sorted(assets - set(names)) == []
    assert not any(n.startswith("tarjama/tests/") or n.startswith("tarjama/scripts/") for n in names)

    # A fresh venv with the wheel; its dependencies are borrowed from this environment through a
    # path entry (not a site dir, so this checkout's editable finder is not installed there).
    fresh = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run(
        [str(python), "-c",
         "import importlib.util, tarjama, tarjama.models.registry, tarjama.nlp.segment;"
         "print(tarjama.__file__);"
         "print([m for m in ('cli', 'models', 'nlp', 'eval') if importlib.util.find_spec(m)])"],
        cwd=outside, capture_output=True, text=True, env=env)
    assert probe.returncode == 0, probe.stderr
    location, generic = probe.stdout.splitlines()
    assert Path(location).resolve().is_relative_to(fresh.resolve())
    assert generic == "[]"
    for command in ([str(fresh / "bin" / "tarjama"), "--help"],
                    [str(python), "-m", "tarjama", "--version"]):
        done = subprocess.run(command, cwd=outside, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        assert "tarjama" in done.stdout


def _imports() -> dict[str, set[str]]:
    """Every module of the package and the tarjama modules it imports, at any depth of its code
    (function-level imports included: they hide circles, they do not break them)."""
    import ast

    modules: dict[str, Path] = {}
    for path in REPO.rglob("*.py"):
        relative = path.relative_to(REPO)
        if relative.parts[0] in ("tests", "scripts", ".venv", "build") or "__main__" in path.name:
            continue
        parts = ("tarjama", *relative.with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for target in targets:
                if isinstance(node, ast.ImportFrom) and target in modules:
                    # `from tarjama.x import y`: y may be a module of x
                    found.update(f"{target}.{a.name}" for a in node.names
                                 if f"{target}.{a.name}" in modules)
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.add(target)
        graph[name] = found - {"tarjama"}
    return graph


def test_no_import_circles() -> None:
    graph = _imports()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_nlp_is_text_in_text_out() -> None:
    """nlp/ reads the text it is given and nothing else: no files written, no network, no
    processes, no models; and it stands below every other folder."""
    import ast

    forbidden = {"os", "io", "shutil", "tempfile", "socket", "sqlite3", "subprocess", "threading",
                 "signal", "fcntl", "urllib", "http", "requests", "torch", "transformers",
                 "ctranslate2", "multiprocessing", "concurrent"}
    allowed_tarjama = ("tarjama.nlp", "tarjama.errors")
    for path in sorted((REPO / "nlp").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top not in forbidden, f"{path.name} imports {name}"
                if top == "tarjama":
                    assert name.startswith(allowed_tarjama), f"{path.name} imports {name}"
