"""Smoke test of the patient benchmark (``make bench``): ``--quick`` runs and writes its report.
Benchmarks are never timed assertions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_patient_benchmark_quick(tmp_path: Path) -> None:
    report_path = tmp_path / "patient.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_patient.py"), "--quick", "--json",
                    str(report_path)], check=True, capture_output=True, cwd=tmp_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["quick"] and report["patients"] == 3
    assert len(report["engine"]) == 6
    assert all(case["mean_ms"] > 0 and case["variates"] > 0 for case in report["engine"].values())
    assert set(report["cohort"]) == set(report["worker_rss"]) == {"summary", "full"}
    written = {detail: cohort["parquet_bytes_per_patient"] for detail, cohort in report["cohort"].items()}
    assert written["full"] > written["summary"]
