"""Real mounts for the store's tests: a read-only bind mount and a small tmpfs. Root ignores
file permissions, so a folder made read-only or "full" by other means proves nothing here."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


class Mounts:
    """Mounts made by one test, all unmounted at its end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mounted: list[Path] = []

    def _mount(self, *args: str, target: Path) -> Path:
        target.mkdir(parents=True)
        done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount here ({done.stderr.strip()}): these tests need root")
        self.mounted.append(target)
        return target

    def read_only(self, source: Path) -> Path:
        """``source`` bind-mounted read-only (read-only even for root)."""
        target = self._mount("--bind", str(source), target=self.root / f"ro{len(self.mounted)}")
        subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        return target

    def tmpfs(self, *, size_kb: int, free_kb: int | None = None) -> Path:
        """A tmpfs of ``size_kb``; with ``free_kb``, filled up to that much free space."""
        target = self._mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                             target=self.root / f"tmpfs{len(self.mounted)}")  # fmt: skip
        if free_kb is not None:
            import os

            stats = os.statvfs(target)
            filler = stats.f_bavail * stats.f_frsize - free_kb * 1024
            with (target / "filler").open("wb") as fh:
                fh.write(bytes(max(0, filler)))
        return target

    def close(self) -> None:
        for target in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[Mounts]:
    """Make real mounts in this test's folder (skips the test where mounting is not allowed)."""
    made = Mounts(tmp_path / "mounts")
    try:
        yield made
    finally:
        made.close()
