#!/usr/bin/env python3
"""readme_programs.py - the README's programs are tests.

Every ```c and ```cpp block of README.md must be a complete program, marked
on the line before its fence:

    <!-- program: NAME.c [draws] -->

This script extracts each one, generates the app's GL loader the way the
README says (glad, gl:core=3.3), compiles the program as written against
the INSTALLED glbuf (pkg-config from --prefix: glbuf, or glbuf-view when the
program includes glbuf/view.h) with GLFW -- C11 -pedantic-errors, C++17
-pedantic-errors, warnings as errors -- and runs it in a virtual X server
(xvfb-run) with tests/readme/frame_limit.c preloaded, which closes the window
after --frames swaps and reports the frame: a program marked `draws` must
have drawn more than one colour. A README that drifts from the headers fails
to compile here; one whose programs fail exits non-zero.

Exit status 0 when every program compiled (and ran, where it could run);
1 on a failure; with --require-run, also 1 when the programs could not be
run (no xvfb-run or no shim).
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

MARK = re.compile(r"^<!--\s*program:\s*(\S+)((?:\s+\w+)*)\s*-->\s*$")
FENCE = re.compile(r"^```\s*([A-Za-z0-9+]*)\s*$")


def extract(readme):
    """[(name, flags, code, line)] for every marked C / C++ block; raises on an unmarked one."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    programs, i, errors = [], 0, []
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1).lower(), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if lang in ("c", "cpp", "c++"):
            k = start - 1
            while k >= 0 and lines[k].strip() == "":
                k -= 1
            mark = MARK.match(lines[k]) if k >= 0 else None
            if mark is None:
                errors.append("README.md:%d: a ```%s block that is not marked <!-- program: NAME -->" % (start + 1, lang))
            else:
                name, flags = mark.group(1), mark.group(2).split()
                want = ".cpp" if lang != "c" else ".c"
                if not name.endswith(want):
                    errors.append("README.md:%d: program %s is a ```%s block: name it *%s" % (start + 1, name, lang, want))
                programs.append((name, flags, "\n".join(lines[start + 1:j]) + "\n", start + 1))
        i = j + 1
    names = [p[0] for p in programs]
    for n in set(names):
        if names.count(n) > 1:
            errors.append("README.md: program %s appears %d times" % (n, names.count(n)))
    if errors:
        raise SystemExit("\n".join(errors))
    return programs


def run(cmd, env=None, timeout=300):
    print("$ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, text=True)
    if p.stdout:
        print(p.stdout.rstrip(), flush=True)
    return p


def pkg(args, modules, static, prefix):
    env = dict(os.environ)
    pcdirs = [os.path.join(prefix, d, "pkgconfig") for d in ("lib", "lib64", "lib/x86_64-linux-gnu")]
    env["PKG_CONFIG_PATH"] = os.pathsep.join([d for d in pcdirs if os.path.isdir(d)] +
                                            [env.get("PKG_CONFIG_PATH", "")])
    cmd = [args.pkg_config] + (["--static"] if static else []) + ["--cflags", "--libs"] + modules
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return shlex.split(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--readme", required=True)
    ap.add_argument("--prefix", required=True, help="where glbuf is installed")
    ap.add_argument("--out", required=True)
    ap.add_argument("--static", action="store_true", help="the install is the static library")
    ap.add_argument("--glad", default="glad")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--pkg-config", default="pkg-config")
    ap.add_argument("--shim", help="frame_limit.c built as a shared module")
    ap.add_argument("--xvfb-run", default=shutil.which("xvfb-run"))
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--require-run", action="store_true",
                    default=os.environ.get("GLBUF_README_REQUIRE_RUN", "") not in ("", "0"),
                    help="fail when the programs cannot be run (default: GLBUF_README_REQUIRE_RUN)")
    args = ap.parse_args()

    programs = extract(args.readme)
    if not programs:
        raise SystemExit("README.md has no marked programs")
    os.makedirs(args.out, exist_ok=True)
    glad_dir = os.path.join(args.out, "glad")
    shutil.rmtree(glad_dir, ignore_errors=True)
    # The loader the README tells the app to generate (glad 2), made the same way.
    if run([args.glad, "--quiet", "--reproducible", "--api", "gl:core=3.3", "--out-path", glad_dir, "c"]).returncode:
        raise SystemExit("glad failed")
    glad_obj = os.path.join(args.out, "glad.o")
    if run([args.cc, "-c", "-O1", "-I" + os.path.join(glad_dir, "include"),
            os.path.join(glad_dir, "src", "gl.c"), "-o", glad_obj]).returncode:
        raise SystemExit("compiling glad failed")
    glfw = pkg(args, ["glfw3"], False, args.prefix)

    can_run = bool(args.xvfb_run) and bool(args.shim) and os.path.exists(args.shim or "")
    failures = 0
    for name, flags, code, line in programs:
        src = os.path.join(args.out, name)
        exe = os.path.join(args.out, os.path.splitext(name)[0])
        with open(src, "w", encoding="utf-8") as f:
            f.write(code)
        modules = ["glbuf-view"] if re.search(r"#include\s*<glbuf/(view\.h|cpp/view\.hpp)>", code) else ["glbuf"]
        flags_pc = pkg(args, modules, args.static, args.prefix)
        rpath = [] if args.static else ["-Wl,-rpath," + os.path.join(args.prefix, "lib")]
        if name.endswith(".c"):
            cmd = [args.cc, "-std=c11", "-pedantic-errors", "-Wall", "-Wextra", "-Werror"]
        else:
            cmd = [args.cxx, "-std=c++17", "-pedantic-errors", "-Wall", "-Wextra", "-Werror"]
        cmd += ["-I" + os.path.join(glad_dir, "include"), src, glad_obj, "-o", exe] + flags_pc + glfw + ["-lm"] + rpath
        print("\n=== %s (README.md line %d) ===" % (name, line), flush=True)
        if run(cmd).returncode != 0:
            print("FAIL: %s does not compile as written" % name)
            failures += 1
            continue
        if not can_run:
            continue
        env = dict(os.environ, LD_PRELOAD=os.path.abspath(args.shim), README_FRAMES=str(args.frames),
                   README_PPM=exe + ".ppm")
        p = run([args.xvfb_run, "-a", "-s", "-screen 0 1280x720x24", exe], env=env, timeout=300)
        report = re.search(r"readme-frames: frame (\d+), (\d+)x(\d+), (\d+) colours", p.stdout or "")
        if p.returncode != 0:
            print("FAIL: %s exited with %d" % (name, p.returncode))
            failures += 1
        elif "draws" in flags and (report is None or int(report.group(4)) < 2):
            print("FAIL: %s was to draw, but its frame %s" % (name, "has one colour" if report else "was never swapped"))
            failures += 1
        else:
            print("ok: %s ran%s" % (name, ", frame %s: %s colours" % (report.group(1), report.group(4)) if report else ""))
    print("\nreadme: %d programs, %d compiled%s, %d failed" % (
        len(programs), len(programs) - failures, " and ran" if can_run else " (not run: no xvfb-run or shim)", failures))
    if failures:
        return 1
    if not can_run and args.require_run:
        print("readme: the programs could not be run and --require-run was given")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
