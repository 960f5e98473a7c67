"""Installs are reproducible: every dependency in pyproject.toml is pinned, with hashes, in
requirements.lock (`make lock`), which `make install` installs from."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_is_pinned_with_hashes_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    names = {_norm(_NAME.match(spec).group(1)) for spec in wanted}
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {_norm(m) for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock, re.M)}
    missing = sorted(names - pinned)
    assert not missing, f"run `make lock`: not pinned in requirements.lock: {missing}"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 1)[1])
    unhashed = [b.split()[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
    assert not unhashed, f"pinned without hashes: {unhashed}"
