"""The documentation site (guide pages and the API reference generated from docstrings) builds with --strict."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj):`")


def test_no_sphinx_roles_in_docstrings() -> None:
    # the reference is Markdown: `Name` renders as code, :class:`Name` renders as raw text
    found = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "brickwork").rglob("*.py"))
             for i, line in enumerate(p.read_text().splitlines(), 1) if ROLE.search(line)]
    assert not found, f"Sphinx roles in docstrings (write `Name` instead of :class:`Name`): {found[:20]}"


def test_every_reference_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")
             if p.name != "CONTRIBUTING-internal.md" and "_griffe" not in p.parts]
    missing = [p for p in pages if p not in nav]
    assert not missing, f"pages missing from mkdocs.yml's nav: {missing}"


def test_chinese_guide_mirrors_the_english_one() -> None:
    docs = ROOT / "docs"
    english = sorted(p.relative_to(docs).as_posix() for p in (docs / "guide").glob("*.md")) + ["coming-from-pytorch.md"]
    missing = [p for p in english if not (docs / "zh" / p).exists()]
    assert not missing, f"guide pages without a Chinese translation in docs/zh/: {missing}"
    for p in english:
        text = (docs / "zh" / p).read_text()
        assert re.search(r"[\u4e00-\u9fff]", text), f"docs/zh/{p} has no Chinese text"
        back = "../" * (p.count("/") + 1) + p
        assert f"[English]({back})" in text, f"docs/zh/{p} should link to its English page {back}"


def test_mkdocs_builds_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("material", reason="the site's theme: pip install mkdocs-material (in the test extra)")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"),
                        "-d", str(site)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    page = (site / "reference" / "nn" / "index.html").read_text()
    assert "brickwork.nn.Module" in page and "Sequential" in page
    layers = (site / "reference" / "layers" / "index.html").read_text()
    assert "Conv2d" in layers and "Linear" in layers
    # docstring examples render as highlighted code blocks, not as paragraphs of ">>>" text
    linear = layers[layers.index('id="brickwork.nn.modules.Linear"'):]
    example = linear[linear.index("Examples:"):][:3000]
    assert '<div class="highlight">' in example and "&gt;&gt;&gt;" in example
    assert "<blockquote>" not in layers
    # __init__ parameters are merged into the class
    assert "in_features" in linear[:linear.index("Examples:")]
    schedulers = (site / "reference" / "lr_scheduler" / "index.html").read_text()
    for name in ("StepLR", "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau"):
        assert f'id="brickwork.optim.lr_scheduler.{name}"' in schedulers, name
    assert (site / "coming-from-pytorch" / "index.html").exists()
    # the language selector on every page, and the Chinese tree built
    home = (site / "index.html").read_text()
    assert 'hreflang="zh"' in home and 'href="zh/"' in home
    zh_io = (site / "zh" / "guide" / "io" / "index.html").read_text()
    assert "读写文件" in zh_io and 'hreflang="en"' in zh_io
    shutil.rmtree(site)
