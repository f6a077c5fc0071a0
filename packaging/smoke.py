"""Smoke-test a frozen Neural Playground: `python packaging/smoke.py EXECUTABLE [--xvfb]`.

Runs the bundle's `--selftest --report` as a user would meet it:

1. cold: a fresh home folder, no Numba cache: the kernels compile and are cached in the
   per-user, per-version folder (checked: the folder is under that home, misses > 0);
2. warm: the same home again: every kernel comes from the cache (hits, no misses);
3. read-only home (POSIX): the cache falls back to a private folder in the temp folder, the
   selftest still passes, and a second run hits that cache. As root, the runs drop to the
   user nobody with setpriv (a chmod 555 home then really is read-only, and so is the bundle);
   without setpriv, root gets a home under a regular file;
4. with --xvfb (Linux): under Xvfb with the real xcb platform plugin, then
   `--screenshot` of the window (reported; not fatal while that option is being built).

Each run's time until it printed OK is measured from outside. Reports and frames go to --out
(default dist/smoke); summary.json there has the numbers. Exit status 0 when all passed.
Standard library only (it runs where only the bundle is).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IS_WIN = sys.platform == "win32"
NOBODY = 65534
TIMEOUT = 600


class SmokeFailed(Exception):
    pass


def base_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "QT_QPA_PLATFORM", "DISPLAY",
                "WAYLAND_DISPLAY", "PYTHONPATH", "PYTHONHOME"):
        env.pop(key, None)
    env["HOME"] = str(home)
    if IS_WIN:
        env["USERPROFILE"] = str(home)
        env["LOCALAPPDATA"] = str(home / "AppData" / "Local")
    return env


def run(command: list[str], env: dict[str, str], name: str, out: Path,
        cwd: Path | None = None) -> dict:
    """Run, stream the output to out/NAME.log, time until the line OK."""
    log_path = out / f"{name}.log"
    start = time.perf_counter()
    ok_at = None
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if line.strip() == "OK" and ok_at is None:
                ok_at = time.perf_counter() - start
        code = proc.wait(timeout=TIMEOUT)
    wall = time.perf_counter() - start
    return {"name": name, "exit": code, "seconds_to_ok": None if ok_at is None else round(
        ok_at, 2), "seconds": round(wall, 2), "log": str(log_path)}


def selftest(exe: Path, env: dict[str, str], name: str, out: Path,
             prefix: list[str] | None = None, cwd: Path | None = None) -> dict:
    report = out / f"{name}.json"
    if report.exists():
        report.unlink()
    result = run([*(prefix or []), str(exe), "--selftest", "--report", str(report)], env,
                 name, out, cwd)
    log_text = Path(result["log"]).read_text(encoding="utf-8", errors="replace")
    if result["exit"] != 0 or not report.exists():
        raise SmokeFailed(f"{name}: exit {result['exit']}\n{log_text[-3000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    if not data["ok"] or not data["environment"]["frozen"]:
        raise SmokeFailed(f"{name}: report says ok={data['ok']}, frozen="
                          f"{data['environment']['frozen']}: {data.get('error')}")
    cache = data["numba_cache"]
    result.update(report=str(report), cache_folder=cache["folder"],
                  cache_source=cache["source"], cache_hits=cache["hits"],
                  cache_misses=cache["misses"], kernels=cache["kernels_used"],
                  qt_platform=data["checks"]["render"]["qt_platform"],
                  colours=data["checks"]["render"]["colours"], timings=data["timings"])
    took = result["seconds_to_ok"] or result["seconds"]  # a windowed .exe prints nothing
    print(f"[smoke] {name:<16} OK after {took:6.2f} s  "
          f"cache {cache['source']}: {cache['hits']} hits, {cache['misses']} misses  "
          f"Qt {result['qt_platform']}", flush=True)
    return result


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailed(message)


def inside(path: str | None, folder: Path) -> bool:
    return bool(path) and os.path.realpath(path).startswith(os.path.realpath(folder))


def cold_and_warm(exe: Path, work: Path, out: Path) -> list[dict]:
    home = work / "home"
    home.mkdir()
    env = base_env(home)
    # started from two different folders: the cache must not depend on the launch folder
    # (it did with the package in the PYZ: Numba then keys the cache on the working folder)
    launch_a, launch_b = work / "launch-a", work / "launch-b"
    launch_a.mkdir()
    launch_b.mkdir()
    cold = selftest(exe, env, "cold", out, cwd=launch_a)
    expect(cold["cache_source"] == "user" and inside(cold["cache_folder"], home),
           f"cold: the cache is not in the fresh home: {cold['cache_folder']}")
    expect(cold["cache_misses"] > 0, "cold: no kernel was compiled, yet the cache was empty")
    warm = selftest(exe, env, "warm", out, cwd=launch_b)
    expect(warm["cache_folder"] == cold["cache_folder"], "warm: another cache folder")
    expect(warm["cache_misses"] == 0 and warm["cache_hits"] >= warm["kernels"] > 0,
           f"warm: {warm['cache_hits']} hits, {warm['cache_misses']} misses")
    return [cold, warm]


def _nobody_can_run(exe: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                            "--clear-groups", "test", "-x", str(exe)])
    return probe.returncode == 0


def read_only_home(exe: Path, work: Path, out: Path) -> list[dict]:
    tmp = work / "ro-tmp"
    tmp.mkdir()
    reports = work / "ro-reports"
    reports.mkdir()
    prefix: list[str] = []
    if _nobody_can_run(exe):
        how = "user nobody, home chmod 555"
        home = work / "ro-home"
        home.mkdir()
        home.chmod(0o555)
        for folder in (tmp, reports):
            os.chown(folder, NOBODY, NOBODY)
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    elif hasattr(os, "geteuid") and os.geteuid() != 0:
        how = "home chmod 555"
        home = work / "ro-home"
        home.mkdir()
        home.chmod(0o555)
    else:
        how = "root: home under a regular file"
        (work / "file").write_text("")
        home = work / "file" / "home"
    env = base_env(home)
    env["TMPDIR"] = str(tmp)
    print(f"[smoke] read-only home: {how}", flush=True)
    results = []
    for name in ("readonly-home-1", "readonly-home-2"):
        result = selftest(exe, env, name, reports, prefix)
        result["how"] = how
        expect(result["cache_source"] == "fallback" and inside(result["cache_folder"], tmp),
               f"{name}: the cache did not fall back to the temp folder: "
               f"{result['cache_source']} {result['cache_folder']}")
        results.append(result)
    expect(results[1]["cache_misses"] == 0 and results[1]["cache_hits"] > 0,
           "readonly-home-2: the fallback cache was not reused")
    for path in reports.iterdir():
        shutil.copy(path, out / path.name)
    return results


def under_xvfb(exe: Path, work: Path, out: Path) -> list[dict]:
    if not shutil.which("xvfb-run"):
        raise SmokeFailed("--xvfb: xvfb-run is not installed (apt-get install xvfb xauth)")
    home = work / "home"  # warm from the first runs
    env = base_env(home)
    prefix = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]
    result = selftest(exe, env, "xvfb", out, prefix)
    expect(result["qt_platform"] == "xcb", f"xvfb: Qt platform {result['qt_platform']}")
    shot = out / "screenshot.png"
    if shot.exists():
        shot.unlink()
    # --screenshot picks offscreen unless told: here it is told to draw through Xvfb
    attempt = run([*prefix, str(exe), "--screenshot", str(shot), "--preset", "spiral",
                   "--train-seconds", "3"], {**env, "QT_QPA_PLATFORM": "xcb"}, "screenshot",
                  out)
    attempt["png"] = str(shot) if shot.exists() else None
    ok = attempt["exit"] == 0 and shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    attempt["ok"] = ok
    if ok:
        attempt["png_kb"] = round(shot.stat().st_size / 1024)
        print(f"[smoke] screenshot       {shot} ({attempt['png_kb']} KB)", flush=True)
    else:
        tail = Path(attempt["log"]).read_text(errors="replace").strip().splitlines()[-1:]
        print(f"[smoke] screenshot       not made (exit {attempt['exit']}: "
              f"{tail[0] if tail else ''}); the selftest's frame is {out / 'xvfb.png'}",
              flush=True)
    return [result, attempt]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exe", help="the frozen app's executable")
    parser.add_argument("--out", default="dist/smoke", help="reports, logs and frames")
    parser.add_argument("--xvfb", action="store_true", help="also run under Xvfb (Linux)")
    parser.add_argument("--windowed", metavar="EXE",
                        help="Windows: also run the windowed twin (no stdout) once, warm")
    parser.add_argument("--no-readonly", action="store_true",
                        help="skip the read-only home runs")
    args = parser.parse_args(argv)
    exe = Path(args.exe).resolve()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"executable": str(exe), "runs": []}
    work = Path(tempfile.mkdtemp(prefix="playground-smoke-"))
    work.chmod(0o755)  # setpriv's nobody must reach the folders inside
    code = 0
    try:
        summary["runs"] += cold_and_warm(exe, work, out)
        if args.windowed:
            windowed = selftest(Path(args.windowed).resolve(), base_env(work / "home"),
                                "windowed", out)
            expect(windowed["cache_misses"] == 0, "windowed: did not use the warm cache")
            summary["runs"].append(windowed)
        if not IS_WIN and not args.no_readonly:
            summary["runs"] += read_only_home(exe, work, out)
        if args.xvfb:
            summary["runs"] += under_xvfb(exe, work, out)
        print("[smoke] all passed", flush=True)
    except SmokeFailed as exc:
        print(f"[smoke] FAILED: {exc}", file=sys.stderr, flush=True)
        summary["error"] = str(exc)
        code = 1
    finally:
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        # make everything removable again (a chmod 555 home, nobody's files)
        for path in [work, *work.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR)
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
