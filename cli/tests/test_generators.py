"""Every oracle generator (integration_tests/scripts/gen_*.py) reproduces the committed seeds.

The integration project compares the package's observations with the committed expected seeds;
these seeds are only as good as the proof that the independent oracles still write them. Most
families prove it in their own test module (`build_family` regenerates the family's seeds and
compares digests); this module runs every other generator, so each one runs once per test
session (the integration project no longer regenerates all of them before its build).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_project_runner import INTEGRATION, seed_snapshot

TESTS = Path(__file__).parent
GENERATORS = sorted(p.stem.removeprefix("gen_") for p in (INTEGRATION / "scripts").glob("gen_*.py"))


def _families_with_their_own_check() -> set[str]:
    """Families whose test module calls build_family("<family>", …) (digests before/after)."""
    found = set()
    for path in TESTS.glob("test_*.py"):
        found |= set(re.findall(r'build_family\(\s*"(\w+)"', path.read_text()))
    return found


def _seed_digests() -> dict:
    """{seed path: its rows}, compared cell by cell to SEED_RTOL (last-bit differences of numpy /
    scipy between CPUs are the same seed; see dbt_project_runner.SeedSnapshot)."""
    return {str(p.relative_to(INTEGRATION)): seed_snapshot([p])
            for p in sorted((INTEGRATION / "seeds").rglob("*.csv"))}


def test_every_family_check_names_a_generator():
    # a renamed generator must not leave a family check that proves nothing
    assert _families_with_their_own_check() <= set(GENERATORS)
    assert {"cbpe", "drift", "performance"} <= _families_with_their_own_check()


@pytest.mark.parametrize("family", [g for g in GENERATORS if g not in _families_with_their_own_check()])
def test_generator_reproduces_the_committed_seeds(family):
    before = _seed_digests()
    proc = subprocess.run([sys.executable, str(INTEGRATION / "scripts" / f"gen_{family}.py")],
                          cwd=INTEGRATION / "scripts", capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    after = _seed_digests()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"gen_{family}.py changed committed seeds: {changed}"


def test_the_digest_check_sees_a_changed_seed(tmp_path, monkeypatch):
    # negative control: the comparison above notices one value changed in one seed
    seeds = tmp_path / "seeds" / "x"
    seeds.mkdir(parents=True)
    (seeds / "a.csv").write_text("v\n1\n")
    monkeypatch.setattr(sys.modules[__name__], "INTEGRATION", tmp_path)
    before = _seed_digests()
    (seeds / "a.csv").write_text("v\n2\n")
    assert before != _seed_digests()
