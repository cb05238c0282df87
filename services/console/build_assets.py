"""Copy the console's front-end assets from node_modules into the package (no CDN at run time).

    cd services/console && npm ci && python3 build_assets.py           # refresh the vendored copies
    python3 build_assets.py --check                                      # verify them (CI, tests)

The packages and their exact versions are pinned by package.json + package-lock.json (npm
registry). The copies under asn_console/static/vendor/ are committed, so `./dev run` and
`./dev test` need only Python; MANIFEST.json records each file's package, version and SHA-256,
and tests/unit/console/test_assets.py checks it against package-lock.json and the files.
axe-core is for the browser tests only and goes to tests/e2e/console/axe.min.js.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "asn_console" / "static" / "vendor"
TEST_VENDOR = HERE.parent.parent / "tests" / "e2e" / "console"
# (package, file inside the package, destination)
FILES = [
    ("echarts", "dist/echarts.min.js", VENDOR / "echarts.min.js"),
    ("htmx.org", "dist/htmx.min.js", VENDOR / "htmx.min.js"),
    ("axe-core", "axe.min.js", TEST_VENDOR / "axe.min.js"),
]
MANIFEST = VENDOR / "MANIFEST.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_versions() -> dict[str, str]:
    lock = json.loads((HERE / "package-lock.json").read_text())
    return {
        name.removeprefix("node_modules/"): info["version"]
        for name, info in lock["packages"].items()
        if name.startswith("node_modules/")
    }


def build() -> int:
    modules = HERE / "node_modules"
    if not modules.is_dir():
        print("node_modules missing: run `npm ci` in services/console first", file=sys.stderr)
        return 1
    locked = locked_versions()
    manifest = {}
    for package, inner, dest in FILES:
        installed = json.loads((modules / package / "package.json").read_text())["version"]
        if installed != locked[package]:
            print(
                f"{package} {installed} installed, {locked[package]} locked: npm ci",
                file=sys.stderr,
            )
            return 1
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules / package / inner, dest)
        manifest[str(dest.relative_to(HERE.parent.parent))] = {
            "package": package,
            "version": installed,
            "source": inner,
            "sha256": sha256(dest),
        }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"copied {len(FILES)} files; {MANIFEST.relative_to(HERE)} written")
    return 0


def check() -> list[str]:
    """Problems with the vendored copies (empty: they match the lock file and the manifest)."""
    root = HERE.parent.parent
    locked = locked_versions()
    manifest = json.loads(MANIFEST.read_text())
    problems = []
    for package, _inner, dest in FILES:
        key = str(dest.relative_to(root))
        entry = manifest.get(key)
        if entry is None:
            problems.append(f"{key}: not in MANIFEST.json")
            continue
        if entry["version"] != locked.get(package):
            problems.append(f"{key}: {entry['version']} vendored, {locked.get(package)} locked")
        if not dest.exists() or sha256(dest) != entry["sha256"]:
            problems.append(f"{key}: missing or changed since build_assets.py copied it")
    return problems


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        found = check()
        print("\n".join(found) or "vendored assets match package-lock.json")
        sys.exit(1 if found else 0)
    sys.exit(build())
