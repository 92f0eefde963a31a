"""Archives written by several synths at once (two runs in one checkout, or test copies sharing its build cache)."""

from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from modules.packaging.zipping import write_zip


def test_concurrent_writers_of_one_archive_all_succeed_and_leave_one_complete_archive(tmp_path: Path) -> None:
    sources = []
    for index in range(40):
        source = tmp_path / "src" / f"module_{index}.py"
        source.parent.mkdir(exist_ok=True)
        source.write_text(f"VALUE = {index}\n" * 200)
        sources.append((f"pkg/module_{index}.py", source))
    target = tmp_path / "build" / "layer.zip"
    with ThreadPoolExecutor(max_workers=8) as pool:
        written = list(pool.map(lambda _: write_zip(target, sources), range(16)))
    assert written == [target] * 16
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 40
    assert sorted(p.name for p in target.parent.iterdir()) == ["layer.zip"]  # no partial file left behind
