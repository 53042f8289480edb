"""What a user installs is complete: the sdist and the wheel carry the LICENSE, the wheel holds the package
and nothing else, and the wheel installed in a fresh virtual environment (not editable) runs the README's
autograd example and examples/xor.py. Builds with `python -m build --no-isolation`, so it runs offline."""

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_docs import code_blocks

ROOT = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ["pyproject.toml", "setup.cfg", "README.md", "LICENSE", "MANIFEST.in", "tinygrad_edu"]
BUILD_TOOLS = ["build", "twine", "setuptools", "wheel"]  # the `test` extra in setup.cfg installs them


def test_the_license_is_the_mit_license_setup_cfg_names():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the tinygrad_edu authors\n")
    assert "license = MIT" in (ROOT / "setup.cfg").read_text()


def test_the_test_extra_installs_every_build_tool():
    """Else the packaging tests below skip in CI (a fresh venv has no wheel) and a broken wheel ships."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    test_extra = {re.split(r"[<>=\[ ]", line)[0] for line in config["options.extras_require"]["test"].split()}
    assert set(BUILD_TOOLS) <= test_extra, f"add {sorted(set(BUILD_TOOLS) - test_extra)} to the test extra"


@pytest.fixture(scope="module")
def distributions(tmp_path_factory):
    """(sdist, wheel) built from a copy of the sources, so the checkout gets no build/ or .egg-info."""
    missing = [tool for tool in BUILD_TOOLS if importlib.util.find_spec(tool) is None]
    if missing:
        pytest.skip(f"building needs {', '.join(missing)}: pip install -e '.[test]'")
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)])
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)])
    return sdist, wheel


def run(command, **kwargs):
    """Run `command` in a clean environment: no PYTHONPATH pointing back at the checkout."""
    environment = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_metadata_and_the_license_only(distributions):
    _, wheel = distributions
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = next(name.split("/")[0] for name in names if ".dist-info/" in name)
    # setuptools 77+ puts it in licenses/ (PEP 639), older ones beside METADATA: either carries it
    assert {f"{dist_info}/licenses/LICENSE", f"{dist_info}/LICENSE"} & set(names), f"no LICENSE in {dist_info}"
    strays = [name for name in names if not name.startswith(("tinygrad_edu/", dist_info + "/"))]
    assert strays == [], f"the wheel holds files outside the package: {strays}"
    packaged = {name for name in names if name.endswith(".py")}
    expected = {path.relative_to(ROOT).as_posix() for path in (ROOT / "tinygrad_edu").rglob("*.py")}
    assert packaged == expected


@pytest.mark.slow
def test_the_sdist_carries_the_license(distributions):
    sdist, _ = distributions
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert "LICENSE" in names and "setup.cfg" in names and "tinygrad_edu/tensor.py" in names


@pytest.mark.slow
def test_the_installed_wheel_runs_the_readme_example_and_xor(distributions, tmp_path):
    _, wheel = distributions
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)])
    # numpy, the one dependency, comes from this environment (offline); tinygrad_edu only from the wheel
    site_packages = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip())
    (site_packages / "numpy_from_the_test_environment.pth").write_text(str(Path(np.__file__).parent.parent) + "\n")
    elsewhere = tmp_path / "elsewhere"  # not the checkout: `import tinygrad_edu` must find the installed copy
    elsewhere.mkdir()
    location = run([str(python), "-c", "import tinygrad_edu; print(tinygrad_edu.__file__)"], cwd=elsewhere)
    assert Path(location.strip()).is_relative_to(site_packages), location
    readme_example = next(block for block in code_blocks(ROOT / "README.md") if block.expected_output)
    assert run([str(python), "-c", readme_example.code], cwd=elsewhere) == readme_example.expected_output
    shutil.copy2(ROOT / "examples" / "xor.py", elsewhere / "xor.py")
    assert run([str(python), "xor.py", "--steps", "300"], cwd=elsewhere).strip().endswith("accuracy: 100.00%")
