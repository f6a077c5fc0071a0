"""Build the installer for this OS, then (with --smoke) smoke-test the frozen app.

    python packaging/build.py            # bundle + installer (Linux: .tar.gz)
    python packaging/build.py --smoke    # ... then packaging/smoke.py on the bundle

Steps: PyInstaller one-folder build from packaging/playground.spec (its log is checked: a
"Library not found" warning is an error, because the bundle would then fail on machines that
lack the library); the bundle's layout is checked (the playground package as .py files, the
resources, the build id); its size is reported with the biggest parts; then the per-OS wrapper:

- Linux: dist/neural-playground-VERSION-linux-ARCH.tar.gz (the folder, a .desktop entry, an
  icon and install.sh for a per-user install);
- Windows: dist/NeuralPlayground-VERSION-setup.exe from packaging/windows/installer.iss (Inno
  Setup's ISCC, per-user install, no administrator rights);
- macOS: "dist/Neural Playground.app", signed (ad hoc unless MACOS_CODESIGN_IDENTITY is set)
  with the hardened runtime and packaging/macos/entitlements.plist, in
  dist/NeuralPlayground-VERSION-macos-ARCH.dmg.

Writes dist/build-summary.json (times, sizes, artefacts). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
IS_WIN = sys.platform == "win32"
IS_MAC = sys.platform == "darwin"
APP_NAME = "Neural Playground"
FOLDER = "NeuralPlayground" if (IS_WIN or IS_MAC) else "neural-playground"
EXE = {"win32": "NeuralPlayground.exe", "darwin": "NeuralPlayground"}.get(
    sys.platform, "neural-playground")
# must be in the bundle, as files (see the spec: the kernels must not live only in the PYZ)
REQUIRED = [
    "playground/__init__.py", "playground/_numba_cache.py", "playground/kernels/dense.py",
    "playground/kernels/conv.py", "playground/selftest.py", "playground/ui/app.py",
    "playground/resources/__init__.py", "playground/resources/presets/xor.json",
    "playground/resources/presets/lenet.json", "playground/resources/datasets/mnist.npz",
    "playground/resources/datasets/LICENSES.md", "playground/resources/fonts/DejaVuSans.ttf",
    "playground-build-id.txt",
]
MISSING_LIBRARY = re.compile(r"WARNING: Library not found.*")


class BuildError(Exception):
    pass


def version() -> str:
    text = (ROOT / "playground" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__ = [\"']([^\"']+)", text, re.M)
    if not match:
        raise BuildError("no __version__ in playground/__init__.py")
    return match.group(1)


def arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def log(text: str) -> None:
    print(f"[build] {text}", flush=True)


def run_pyinstaller(dist: Path, work: Path) -> tuple[float, Path]:
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "pyinstaller.log"
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--distpath", str(dist), "--workpath", str(work),
               str(PACKAGING / "playground.spec")]
    log(" ".join(command))
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as out:
        proc = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    text = log_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode:
        print(text[-6000:])
        raise BuildError(f"PyInstaller failed (exit {proc.returncode}); log: {log_path}")
    missing = MISSING_LIBRARY.findall(text)
    if missing:
        raise BuildError("PyInstaller could not find libraries the bundle needs (install them "
                         "on the build machine; see DESIGN.md):\n  " + "\n  ".join(missing))
    log(f"PyInstaller done in {seconds:.1f} s, no missing libraries (log: {log_path})")
    return seconds, log_path


def bundle_paths(dist: Path) -> tuple[Path, Path, Path]:
    """(folder to ship, the executable, the folder holding the collected files)."""
    if IS_MAC:
        app = dist / f"{APP_NAME}.app"
        # sys._MEIPASS: binaries here, data files in Resources with symlinks here
        return app, app / "Contents" / "MacOS" / EXE, app / "Contents" / "Frameworks"
    folder = dist / FOLDER
    return folder, folder / EXE, folder / "_internal"


def check_layout(internal: Path) -> None:
    missing = [p for p in REQUIRED if not (internal / p).is_file()]
    if missing:
        raise BuildError(f"the bundle lacks {', '.join(missing)} (under {internal})")
    log("layout ok: playground as .py files, resources, build id")


def tree_size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(shipped: Path, internal: Path) -> dict:
    total = tree_size(shipped)
    folders = [internal] + ([internal.parent / "Resources"] if IS_MAC else [])
    sizes: dict[str, int] = {}
    for folder in folders:
        for p in folder.iterdir():
            sizes[p.name] = sizes.get(p.name, 0) + tree_size(p)
    parts = sorted(((size, name) for name, size in sizes.items()), reverse=True)
    files = sorted(((p.stat().st_size, p.relative_to(shipped).as_posix())
                    for p in shipped.rglob("*") if p.is_file() and not p.is_symlink()),
                   reverse=True)
    mb = 1 << 20
    log(f"bundle {shipped.name}: {total / mb:.0f} MB; biggest parts:")
    for size, name in parts[:8]:
        print(f"    {size / mb:7.1f} MB  {name}")
    log("biggest files:")
    for size, name in files[:6]:
        print(f"    {size / mb:7.1f} MB  {name}")
    return {"total_mb": round(total / mb, 1),
            "parts_mb": {name: round(size / mb, 1) for size, name in parts[:12]},
            "files_mb": {name: round(size / mb, 1) for size, name in files[:12]}}


# --- per-OS wrappers ---------------------------------------------------------------------------
def linux_archive(dist: Path, folder: Path, ver: str) -> Path:
    out = dist / f"neural-playground-{ver}-linux-{arch()}.tar.gz"
    top = f"neural-playground-{ver}"
    extras = [(PACKAGING / "linux" / "neural-playground.desktop", "neural-playground.desktop"),
              (PACKAGING / "linux" / "neural-playground.svg", "neural-playground.svg"),
              (PACKAGING / "linux" / "install.sh", "install.sh"),
              (PACKAGING / "linux" / "README.txt", "README.txt")]
    start = time.perf_counter()
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=f"{top}/{folder.name}")
        for src, name in extras:
            tar.add(src, arcname=f"{top}/{name}")
    log(f"{out.name}: {out.stat().st_size / (1 << 20):.0f} MB in "
        f"{time.perf_counter() - start:.1f} s")
    return out


def find_iscc() -> str:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES"),
                 os.environ.get("LOCALAPPDATA") and os.path.join(os.environ["LOCALAPPDATA"],
                                                                 "Programs")):
        if base:
            candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
            if candidate.is_file():
                return str(candidate)
    raise BuildError("Inno Setup 6 (ISCC.exe) not found: install it (choco install innosetup)")


def windows_installer(dist: Path, folder: Path, ver: str) -> Path:
    iscc = find_iscc()
    out_base = f"NeuralPlayground-{ver}-setup"
    subprocess.run([iscc, f"/DAppVersion={ver}", f"/DSourceDir={folder}",
                    f"/DOutputDir={dist}", f"/DOutputBase={out_base}",
                    str(PACKAGING / "windows" / "installer.iss")], check=True)
    out = dist / f"{out_base}.exe"
    log(f"{out.name}: {out.stat().st_size / (1 << 20):.0f} MB")
    return out


def macos_sign_and_dmg(dist: Path, app: Path, ver: str) -> Path:
    identity = os.environ.get("MACOS_CODESIGN_IDENTITY") or "-"
    entitlements = PACKAGING / "macos" / "entitlements.plist"
    # PyInstaller signs every binary; with an identity it also enables the hardened runtime.
    # Ad hoc it does not, so re-sign the app with it here: the smoke test then runs the JIT
    # under the same rules as a notarized release.
    timestamp = "--timestamp=none" if identity == "-" else "--timestamp"  # notarization needs one
    subprocess.run(["codesign", "--force", "--options", "runtime", timestamp,
                    "--entitlements", str(entitlements), "--sign", identity, str(app)],
                   check=True)
    subprocess.run(["codesign", "--verify", "--strict", "--verbose=2", str(app)], check=True)
    staging = dist / "dmg"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    subprocess.run(["ditto", str(app), str(staging / app.name)], check=True)
    (staging / "Applications").symlink_to("/Applications")
    out = dist / f"NeuralPlayground-{ver}-macos-{arch()}.dmg"
    if out.exists():
        out.unlink()
    subprocess.run(["hdiutil", "create", "-volname", APP_NAME, "-srcfolder", str(staging),
                    "-ov", "-format", "UDZO", str(out)], check=True)
    shutil.rmtree(staging)
    log(f"{out.name}: {out.stat().st_size / (1 << 20):.0f} MB")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder")
    parser.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"),
                        help="PyInstaller's work folder")
    parser.add_argument("--skip-build", action="store_true",
                        help="reuse the bundle already in --dist")
    parser.add_argument("--no-installer", action="store_true",
                        help="stop after the bundle (no archive, installer or dmg)")
    parser.add_argument("--smoke", action="store_true",
                        help="then run packaging/smoke.py on the bundle")
    parser.add_argument("--xvfb", action="store_true",
                        help="with --smoke on Linux: also run under Xvfb (xcb platform)")
    args = parser.parse_args(argv)
    dist, work = Path(args.dist).resolve(), Path(args.work).resolve()
    ver = version()
    summary: dict = {"version": ver, "platform": platform.platform(), "python":
                     platform.python_version()}
    try:
        import PyInstaller

        summary["pyinstaller"] = PyInstaller.__version__
        if not args.skip_build:
            seconds, _ = run_pyinstaller(dist, work)
            summary["pyinstaller_seconds"] = round(seconds, 1)
        shipped, exe, internal = bundle_paths(dist)
        if not exe.is_file():
            raise BuildError(f"no executable at {exe}")
        check_layout(internal)
        summary["bundle"] = str(shipped)
        summary["executable"] = str(exe)
        summary["size"] = size_report(shipped, internal)
        if not args.no_installer:
            start = time.perf_counter()
            if IS_WIN:
                artefact = windows_installer(dist, shipped, ver)
            elif IS_MAC:
                artefact = macos_sign_and_dmg(dist, shipped, ver)
            else:
                artefact = linux_archive(dist, shipped, ver)
            summary["installer"] = str(artefact)
            summary["installer_mb"] = round(artefact.stat().st_size / (1 << 20), 1)
            summary["installer_seconds"] = round(time.perf_counter() - start, 1)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"[build] FAILED: {exc}", file=sys.stderr)
        return 1
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "build-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if args.smoke:
        # Windows: the console twin prints; the windowed exe (what the menu starts) is run too
        tested = exe.with_name("playground.exe") if IS_WIN else exe
        command = [sys.executable, str(PACKAGING / "smoke.py"), str(tested),
                   "--out", str(dist / "smoke")]
        if IS_WIN:
            command += ["--windowed", str(exe)]
        if args.xvfb:
            command.append("--xvfb")
        log(" ".join(command))
        return subprocess.run(command).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
