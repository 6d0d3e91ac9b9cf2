"""Run parse_upload over every file of tests/forecasting/ingest/corpus and check expected.json."""
import importlib.util
import json
from pathlib import Path

import pytest

from forecasting.ingest.parsing import ParseLimits, parse_upload

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def _corpus_files():
    return sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.json")


def test_corpus_is_complete_and_large_enough():
    files = _corpus_files()
    assert sorted(EXPECTED) == files
    odd_or_bad = [f for f in files if not f.startswith("ok_sales_basic")]
    assert len(odd_or_bad) >= 30
    assert sum(not e["ok"] for e in EXPECTED.values()) >= 30
    total = sum((CORPUS / f).stat().st_size for f in files)
    assert total < 5 * 1024 * 1024


def test_corpus_generator_reproduces_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    expected = mod.write(tmp_path)
    assert expected == EXPECTED
    for name in expected:
        if name.endswith(".gz") or name == "ok_sales_gzip_without_gz_name.csv":
            continue  # zlib output may differ between zlib builds; content is checked by parsing
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    exp = EXPECTED[name]
    limits = ParseLimits(**exp.get("limits", {}))
    args = exp.get("args", {})
    res = parse_upload(CORPUS / name, name, limits=limits, **args)
    detail = f"{name}: errors={res.errors[:3]} warnings={res.warnings}"
    assert res.ok is exp["ok"], detail
    if "kind" in exp:
        assert res.kind == exp["kind"], detail
    if exp["ok"]:
        assert res.errors == [] and res.error_count == 0
        assert res.frame is not None and len(res.frame) == exp["rows"] == res.rows_total, detail
    else:
        assert res.frame is None
        assert res.errors, detail
        assert exp["error_contains"] in res.errors[0]["reason"], detail
        assert len(res.errors) == min(res.error_count, limits.max_errors_reported)
        for e in res.errors:
            assert set(e) == {"line", "column", "value", "reason"}
    if "error_line" in exp:
        assert res.errors[0]["line"] == exp["error_line"], detail
    if "error_column" in exp:
        assert res.errors[0]["column"] == exp["error_column"], detail
    if "error_count" in exp:
        assert res.error_count == exp["error_count"], detail
    if "warning_contains" in exp:
        assert any(exp["warning_contains"] in w for w in res.warnings), detail
    for key, value in exp.get("stats", {}).items():
        assert res.stats.get(key) == value, (key, res.stats)
