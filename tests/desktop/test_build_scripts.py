"""build/*.sh and .ci/run: syntax, the apt "missing packages" logic and the venv fingerprint.

The scripts themselves are exercised end to end by CI (.ci/run -> build/test.sh); these tests
catch a broken edit in seconds and pin the rules that are easy to get wrong.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

SCRIPTS = ["build/common.sh", "build/test.sh", "build/run.sh", "build/package_linux.sh", ".ci/run"]


def bash(snippet: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``snippet`` after sourcing build/common.sh."""
    return subprocess.run(
        ["bash", "-c", f"source build/common.sh\n{snippet}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", **env},
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_parses(script):
    done = subprocess.run(["bash", "-n", str(ROOT / script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_missing_packages_understands_alternatives():
    if shutil.which("dpkg-query") is None:
        pytest.skip("not a Debian system")
    done = bash('ia_missing_packages bash "no-such-pkg-ia|bash" no-such-pkg-ia2 "no-such-a|no-such-b"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["no-such-pkg-ia2", "no-such-a|no-such-b"]


def test_find_python_picks_311_or_newer():
    done = bash('py=$(ia_find_python) && "$py" -c "import sys; print(sys.version_info >= (3, 11))"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_fingerprint_changes_with_extras_and_pyproject(tmp_path: Path):
    """The venv stamp must change when pyproject.toml or the extras change, and only then."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    root = tmp_path / "repo"
    (root / "build").mkdir(parents=True)
    shutil.copy(ROOT / "build" / "common.sh", root / "build" / "common.sh")
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    snippet = f'source "{root}/build/common.sh"; ia_install_fingerprint "test,ml"; ia_install_fingerprint ""'

    def prints() -> list[str]:
        done = subprocess.run(["bash", "-c", snippet], capture_output=True, text=True, check=True,
                              env={"PATH": "/usr/bin:/bin", "IA_VENV": str(venv)}, timeout=60)
        return done.stdout.split()

    first = prints()
    assert len(first) == 2 and first[0] != first[1]
    assert prints() == first
    (root / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["flask"]\n')
    changed = prints()
    assert changed[0] != first[0] and changed[1] != first[1]
