"""The ``brickwork`` command as a newcomer meets it: help, version, errors, pipes (each a quick subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import brickwork

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, **extra)


def _run(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brickwork", *args], cwd=cwd, env=_env(**extra),
                          capture_output=True, text=True, timeout=120)


MODELS = '''
from brickwork import nn

def net():
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU())

def broken():
    raise ValueError("the factory itself fails")
'''


def test_version(tmp_path: Path) -> None:
    r = _run(["--version"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == f"brickwork {brickwork.__version__}", r


def test_summary_prints_the_table_once(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(MODELS)
    r = _run(["summary", "models:net", "--input-size", "2", "4"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("Layer (type)") == 1 and r.stdout.count("Total params: 15") == 1, r.stdout


def test_summary_errors_are_one_line_with_status_2(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "syntax_error.py").write_text("def (:\n")
    cases = ((["models:net", "--input-size", "2", "5"], "check --input-size"),
             (["models:broken", "--input-size", "2", "4"], "the factory itself fails"),
             (["models:missing", "--input-size", "2"], "no callable 'missing'"),
             (["no_such_module:f", "--input-size", "2"], "cannot import"),
             (["syntax_error:f", "--input-size", "2"], "SyntaxError"),
             (["models", "--input-size", "2"], "MODULE:FACTORY"))
    for argv, fragment in cases:
        r = _run(["summary", *argv], tmp_path)
        assert r.returncode == 2, (argv, r.stdout, r.stderr)
        assert fragment in r.stderr and "Traceback" not in r.stderr, (argv, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (argv, r.stderr)


def test_every_option_has_help_and_shows_its_default(tmp_path: Path) -> None:
    from brickwork.__main__ import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in [("brickwork", parser), *sub.choices.items()]:
        if name == "run":  # the launcher parses its own arguments; its help is tested with it
            continue
        for action in p._actions:
            assert action.help, (name, action.option_strings or action.dest)
        assert p.formatter_class.__name__ == "ArgumentDefaultsHelpFormatter", name
    r = _run(["demo", "--help"], tmp_path)
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for fragment in ("(default: 3)", "(default: 128)", "(default: auto)", "(default: synthetic)",
                     "(default: brickwork-demo)", "--download"):
        assert fragment in text, fragment


def test_demo_mnist_without_data_says_download(tmp_path: Path) -> None:
    r = _run(["demo", "--data", "mnist"], tmp_path, BRICKWORK_DATA=str(tmp_path / "empty"))
    assert r.returncode == 2, r.stderr
    assert "--download" in r.stderr and "download=True" not in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # `brickwork info | head -1`: the reader closes the pipe after one line
    p = subprocess.Popen([sys.executable, "-m", "brickwork", "info"], cwd=tmp_path, env=_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # before the child writes anything, so every write meets a closed pipe
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert p.returncode in (0, 1), (p.returncode, err)
