#!/usr/bin/env python3
"""tested-on.py - the README's "Tested on" table, from CTest runs of the GL suites.

Every GL suite prints one line per run:
    glbuf-profile: {"suite": ..., "asked": "4.1", "gl": "4.1", "renderer": ...,
                    "paths": ..., "run": N, "passed": N, "failed": N,
                    "skipped": N, "skips": [{"test": ..., "why": ...}]}
(tests/support/gl_fixture.c). This reads those lines from `ctest -V` logs
(the "NN: " prefix CTest puts before a test's output is ignored), or from
files holding only those lines, groups them by driver and profile, and prints
a Markdown table: driver, GL context, paths, tests passed / failed /
skipped with the reasons.

    tools/tested-on.py [--readme README.md] [--check] LOG...
      --extract DIR   also writes each LOG's glbuf-profile lines to DIR/NAME
      --readme FILE   replaces the table between <!-- tested-on:begin --> and
                      <!-- tested-on:end --> in FILE (else prints it)
      --require N     exits 1 unless every profile row has at least N suites,
                      none failed and none unavailable (CI: a suite skipped
                      wholesale fails)
"""
import argparse
import collections
import json
import os
import re
import sys

LINE = re.compile(r"^(?:\d+: )?glbuf-profile: (\{.*\})\s*$")
BEGIN, END = "<!-- tested-on:begin -->", "<!-- tested-on:end -->"


def read_runs(path):
    runs, lines = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            m = LINE.match(raw.rstrip("\n"))
            if m:
                runs.append(json.loads(m.group(1)))
                lines.append("glbuf-profile: " + m.group(1))
    return runs, lines


def version_key(v):
    try:
        major, minor = v.split(".")
        return (-int(major), -int(minor))
    except ValueError:
        return (0, 0)


def reason(why):
    # "... needs X; GL 4.1 here": the profile is the row already
    return re.sub(r"; GL \d+\.\d+ here$", "", why)


def rows(runs):
    groups = collections.OrderedDict()
    for r in runs:
        if r.get("available"):
            # GL_VERSION is "<gl version> [(profile)] <driver version>"
            release = re.sub(r"^\d+\.\d+(\.\d+)?\s*(\([^)]*\)\s*)?", "", r["version"]) or r["version"]
            driver = "%s, %s" % (r["renderer"], release)
        else:
            driver = "(no context)"
        groups.setdefault((driver, r["asked"]), []).append(r)
    out = []
    for (driver, asked), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], version_key(kv[0][1]))):
        avail = [r for r in rs if r.get("available")]
        unavailable = [r for r in rs if not r.get("available")]
        why = collections.Counter()
        for r in avail:
            for s in r["skips"]:
                why[reason(s["why"])] += 1
        gl = sorted({"%s %s" % (r["gl"], "core" if r["core"] else "compatibility") for r in avail})
        paths = sorted({r["paths"] for r in avail}, key=len, reverse=True)
        out.append({
            "driver": driver,
            "asked": asked,
            "gl": ", ".join(gl) or "-",
            "paths": paths[0] if paths else "-",
            "suites": len(rs),
            "unavailable": [(r["suite"], r.get("why", "")) for r in unavailable],
            "run": sum(r["run"] for r in avail),
            "passed": sum(r["passed"] for r in avail),
            "failed": sum(r["failed"] for r in avail),
            "skipped": sum(r["skipped"] for r in avail),
            "why": why,
        })
    return out


def markdown(table):
    lines = [
        "| Driver | GL context (asked for) | Paths | Suites | Tests passed | Failed | Skipped (why) |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for row in table:
        skipped = str(row["skipped"])
        if row["why"]:
            skipped += ": " + "; ".join("%s (%d)" % (w, n) for w, n in sorted(row["why"].items()))
        suites = str(row["suites"])
        if row["unavailable"]:
            suites += " (%d not run: %s)" % (len(row["unavailable"]), row["unavailable"][0][1])
        lines.append("| %s | %s (≤ %s) | %s | %s | %d of %d | %d | %s |" % (
            row["driver"], row["gl"], row["asked"], row["paths"], suites, row["passed"], row["run"],
            row["failed"], skipped))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--readme")
    ap.add_argument("--extract")
    ap.add_argument("--require", type=int, default=0)
    args = ap.parse_args()
    runs = []
    for path in args.logs:
        got, lines = read_runs(path)
        if not got:
            sys.exit("tested-on: no glbuf-profile line in %s (run ctest with -V)" % path)
        runs += got
        if args.extract:
            os.makedirs(args.extract, exist_ok=True)
            with open(os.path.join(args.extract, os.path.basename(path)), "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
    table = rows(runs)
    text = markdown(table)
    if args.readme:
        with open(args.readme, encoding="utf-8") as f:
            readme = f.read()
        if BEGIN not in readme or END not in readme:
            sys.exit("tested-on: %s has no %s ... %s section" % (args.readme, BEGIN, END))
        head, rest = readme.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(args.readme, "w", encoding="utf-8") as f:
            f.write(head + BEGIN + "\n" + text + END + tail)
    else:
        sys.stdout.write(text)
    bad = []
    for row in table:
        where = "%s, GL ≤ %s" % (row["driver"], row["asked"])
        if args.require and row["suites"] < args.require:
            bad.append("%s: %d GL suites reported, %d expected" % (where, row["suites"], args.require))
        if row["unavailable"]:
            bad.append("%s: skipped wholesale: %s" % (where, "; ".join("%s: %s" % u for u in row["unavailable"])))
        if row["failed"]:
            bad.append("%s: %d tests failed" % (where, row["failed"]))
        if row["run"] and row["skipped"] == row["run"]:
            bad.append("%s: every test skipped" % where)
    if args.require and bad:
        sys.exit("tested-on:\n  " + "\n  ".join(bad))


if __name__ == "__main__":
    main()
