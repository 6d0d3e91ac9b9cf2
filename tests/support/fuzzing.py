"""Runs schemathesis (CLI) against a live server and reads its reports: used
by bench/fuzz.py (10,000+ requests) and the suite's shorter pass."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")


def run_schemathesis(*, schema_file: Path, base_url: str, host: str, headers: list[str], out: Path,
                     examples: int, seed: int = 1, workers: int = 2) -> dict:
    """{"requests", "5xx", "failures": Counter("<operation>: <first line>"), "seconds", "exit", "tail"}."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(Path(sys.executable).parent / "st"), "run", str(schema_file), "--url", base_url, "-H", f"Host: {host}",
           "--checks", CHECKS, "--max-examples", str(examples), "--seed", str(seed), "--generation-database", "none",
           "--report", "har,junit", "--report-dir", str(out), "--no-color", "--request-timeout", "60",
           "--workers", str(workers), "--phases", "examples,coverage,fuzzing"]
    for h in headers:
        cmd += ["-H", h]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=out, capture_output=True, text=True)
    hars, junits = list(out.glob("har-*.json")), list(out.glob("junit-*.xml"))
    if not hars or not junits:
        raise RuntimeError(f"schemathesis wrote no report ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    statuses = Counter(e["response"]["status"] for e in json.loads(hars[0].read_text())["log"]["entries"])
    failures = Counter()
    for case in ET.parse(junits[0]).getroot().iter("testcase"):
        for bad in list(case.findall("failure")) + list(case.findall("error")):
            text = (bad.text or bad.get("message") or "").strip()
            detail = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith("- ST")), text[:120])
            failures[f"{case.get('name')}: {detail}"] += 1
    return {"requests": sum(statuses.values()), "5xx": sum(n for s, n in statuses.items() if s >= 500),
            "failures": failures, "seconds": time.monotonic() - started, "exit": proc.returncode,
            "tail": proc.stdout[-3000:]}
