"""Copy front-end assets from node_modules into a Python package (no CDN at run time).

    cd <folder> && npm ci && python3 tools/vendor_assets.py <folder>      # refresh the copies
    python3 tools/vendor_assets.py <folder> --check                       # verify them (tests)

``<folder>`` holds ``package.json`` + ``package-lock.json`` (exact versions from the npm
registry) and ``vendor.json``: ``{"manifest": "<path>", "files": [[package, file in the
package, destination], ...]}``, paths relative to the repository. The copies are committed, so
running and testing the platform needs only Python; the manifest records each file's package,
version and SHA-256, and ``--check`` compares it with the lock file and the files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _config(folder: Path) -> tuple[Path, list[tuple[str, str, Path]]]:
    config = json.loads((folder / "vendor.json").read_text())
    files = [(package, inner, ROOT / dest) for package, inner, dest in config["files"]]
    return ROOT / config["manifest"], files


def locked_versions(folder: Path) -> dict[str, str]:
    lock = json.loads((folder / "package-lock.json").read_text())
    return {
        name.removeprefix("node_modules/"): info["version"]
        for name, info in lock["packages"].items()
        if name.startswith("node_modules/")
    }


def build(folder: Path) -> int:
    modules = folder / "node_modules"
    if not modules.is_dir():
        print(f"node_modules missing: run `npm ci` in {folder} first", file=sys.stderr)
        return 1
    manifest_path, files = _config(folder)
    locked = locked_versions(folder)
    manifest = {}
    for package, inner, dest in files:
        installed = json.loads((modules / package / "package.json").read_text())["version"]
        if installed != locked[package]:
            print(
                f"{package} {installed} installed, {locked[package]} locked: npm ci",
                file=sys.stderr,
            )
            return 1
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules / package / inner, dest)
        manifest[str(dest.relative_to(ROOT))] = {
            "package": package,
            "version": installed,
            "source": inner,
            "sha256": sha256(dest),
        }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"copied {len(files)} files; {manifest_path.relative_to(ROOT)} written")
    return 0


def check(folder: Path) -> list[str]:
    """Problems with the vendored copies (empty: they match the lock file and the manifest)."""
    manifest_path, files = _config(folder)
    locked = locked_versions(folder)
    manifest = json.loads(manifest_path.read_text())
    problems = []
    for package, _inner, dest in files:
        key = str(dest.relative_to(ROOT))
        entry = manifest.get(key)
        if entry is None:
            problems.append(f"{key}: not in {manifest_path.name}")
            continue
        if entry["version"] != locked.get(package):
            problems.append(f"{key}: {entry['version']} vendored, {locked.get(package)} locked")
        if not dest.exists() or sha256(dest) != entry["sha256"]:
            problems.append(f"{key}: missing or changed since it was copied")
    return problems


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    folder = (Path.cwd() / argv[0]).resolve()
    if argv[1:] == ["--check"]:
        found = check(folder)
        print("\n".join(found) or "vendored assets match package-lock.json")
        return 1 if found else 0
    return build(folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
