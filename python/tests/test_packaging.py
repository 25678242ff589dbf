"""The package works outside this repository: it reads its contract and policy from the copies it ships (package
data), not from the repo, and pyproject.toml ships those copies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from helpers import PYTHON_DIR, clean_env


def test_a_copy_of_the_package_alone_loads_its_contract(tmp_path) -> None:
    site = tmp_path / "site"
    shutil.copytree(os.path.join(PYTHON_DIR, "greyhaven_metrics"), site / "greyhaven_metrics")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import greyhaven_metrics as g, json; "
        "print(json.dumps([g.__file__, [m.name for m in g.CONTRACT.metrics], g.CONTRACT.metrics[1].buckets,"
        " g.POLICY.max_label_sets]))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env=clean_env(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    path, names, buckets, max_label_sets = json.loads(r.stdout)
    assert path.startswith(str(site))
    assert "http_requests_total" in names and buckets[0] == 0.01 and max_label_sets > 0


def test_pyproject_ships_the_contract_and_policy_as_package_data() -> None:
    with open(os.path.join(PYTHON_DIR, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    assert 'greyhaven_metrics = ["contract.json", "policy.json", "py.typed"]' in text
