"""The client's in-tree build backend: the wheel holds the package and its metadata; the editable wheel a .pth."""

from __future__ import annotations

import importlib.util
import tarfile
import zipfile
from pathlib import Path

CLIENT = Path(__file__).resolve().parent.parent.parent / "client"


def _backend():
    spec = importlib.util.spec_from_file_location("client_backend", CLIENT / "build_backend" / "backend.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wheel_holds_every_module_py_typed_and_the_dependencies(tmp_path):
    name = _backend().build_wheel(str(tmp_path))

    with zipfile.ZipFile(tmp_path / name) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read("labeling_client-0.1.0.dist-info/METADATA").decode()
        record = wheel.read("labeling_client-0.1.0.dist-info/RECORD").decode()
    sources = {p.relative_to(CLIENT / "src").as_posix() for p in (CLIENT / "src").rglob("*.py")}
    assert sources <= names and "labeling_client/py.typed" in names
    assert not any("__pycache__" in n for n in names)
    for dependency in ("requests", "pandas", "pyarrow"):
        assert f"Requires-Dist: {dependency}" in metadata
    assert 'Requires-Dist: standardwebhooks>=1.0; extra == "webhooks"' in metadata
    assert all(f"{n}," in record for n in names)  # every file has its hash line


def test_the_editable_wheel_points_at_the_checkout_and_the_sdist_builds(tmp_path):
    backend = _backend()
    with zipfile.ZipFile(tmp_path / backend.build_editable(str(tmp_path))) as wheel:
        assert wheel.read("labeling_client.pth").decode().strip() == str(CLIENT / "src")
    with tarfile.open(tmp_path / backend.build_sdist(str(tmp_path))) as sdist:
        members = sdist.getnames()
    assert "labeling_client-0.1.0/pyproject.toml" in members and "labeling_client-0.1.0/PKG-INFO" in members
