#!/usr/bin/env bash
# gpu-suite.sh - the whole test suite and the benchmarks on the NVIDIA machine
# the `device` tool lends (x86-64, an H200, gcc/cmake/python3, no package
# registry, no display; ../shared/device-gl.md). Run it there from the
# repository root, with the Debian packages device-gl.md lists carried in .gl/:
#
#     tools/gpu-suite.sh [--bench full|quick|none]      (default: full, ~4 min)
#
# It unpacks the carried GL dispatch (glvnd), EGL/GL headers, Check and
# pkg-config, points glvnd at NVIDIA's EGL, builds outside the carried tree
# (/tmp: a carried path is replaced on every call), runs every CTest test
# (the GL suites once per profile: on NVIDIA the Mesa-only profiles get what
# the driver gives for a 4.3 / 4.1 / 3.3 request, or report themselves not
# run), replays the GL fault sweep's run 23 verbosely, runs glbuf-bench from a
# Release build (the matrix, then issue 17's placement table and heavy drawing
# workload: 256 MiB in 10,000 meshes), glbuf-bench-mega (fills per placement,
# pre-sized and grown from 4 MiB, against memcpy) and glbuf-bench-stream (the
# ring against every other upload method, 64 KiB .. 16 MiB), and renders the
# "Tested on" rows of this machine. Everything
# goes to $OUT (default ./gpu-suite-out), at most 8 files (the tool's limit):
#   env.txt       GPU, driver, compiler, cmake; the commit
#   build.log     configure and build, Debug (tests) and Release (bench)
#   ctest.log     ctest -V: every suite's output and its glbuf-profile line
#   fault-gl.log  test_fault_gl, GLBUF_FAULT_RUN=23, GLBUF_TEST_VERBOSE=1
#   bench.md, bench.json   glbuf-bench's matrix and every figure (bench.md also
#                 the placement table and the heavy drawing workload)
#   placement.md  glbuf-bench-mega, then glbuf-bench-stream, then
#                 glbuf-bench-meshes: issue 14's mesh churn scene (5,000
#                 meshes, 2 % replaced a frame, defragmentation at 8 MiB a
#                 frame, 600 frames, 2 in flight; then without trim, in
#                 host-visible placement, and without frame pacing; seconds)
#   tested-on.md  tools/tested-on.py over ctest.log
# Exit status: non-zero when the build or a test failed.
set -uo pipefail
bench=full
case "${1:-}" in
  --bench) bench=${2:?--bench full|quick|none} ;;
  "") ;;
  *) echo "usage: $0 [--bench full|quick|none]" >&2; exit 2 ;;
esac
out=${OUT:-$PWD/gpu-suite-out}
mkdir -p "$out"
jobs=$(nproc)
log() { printf '\n=== %s ===\n' "$*"; }

log "carried packages"
if compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" / 2>/dev/null; done
  ldconfig
else
  echo "no .gl/*.deb here: using what the machine has"
fi
[ -e /usr/bin/pkg-config ] || ln -sf /usr/bin/pkgconf /usr/bin/pkg-config
nvidia_egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$nvidia_egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$nvidia_egl

{
  echo "commit: $(git rev-parse HEAD 2>/dev/null || cat .glbuf-commit 2>/dev/null || echo unknown)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  uname -srm
  gcc --version | head -1
  cmake --version | head -1
  echo "cores: $jobs"
} > "$out/env.txt"
cat "$out/env.txt"

log "build (Debug for the tests, Release for the benchmarks)"
status=0
{
  cmake -S . -B /tmp/glbuf-debug -DCMAKE_BUILD_TYPE=Debug -DGLBUF_BUILD_DEMO=OFF &&
    cmake --build /tmp/glbuf-debug -j "$jobs" &&
    { [ "$bench" = none ] ||
      { cmake -S . -B /tmp/glbuf-release -DCMAKE_BUILD_TYPE=Release -DGLBUF_BUILD_DEMO=OFF -DGLBUF_BUILD_TESTS=OFF &&
        cmake --build /tmp/glbuf-release -j "$jobs" --target glbuf-bench glbuf-bench-mega glbuf-bench-stream glbuf-bench-meshes; }; }
} > "$out/build.log" 2>&1 || { echo "build failed:"; tail -40 "$out/build.log"; exit 1; }
echo "built"

log "ctest (every test; GL suites per profile)"
ctest --test-dir /tmp/glbuf-debug -j "$jobs" -V > "$out/ctest.log" 2>&1 || status=1
grep -E "^ *[0-9]+/[0-9]+ Test|tests passed|Not Run|Failed" "$out/ctest.log" | sed 's/^ *//' | tail -80
grep -E "^[0-9]+: [0-9]+ tests on GL|^[0-9]+: SKIP|^[0-9]+: (fault sweep|bad input)" "$out/ctest.log" || true

log "the GL fault sweep's run 23, verbose"
(cd /tmp/glbuf-debug/tests && GLBUF_FAULT_RUN=23 GLBUF_TEST_VERBOSE=1 ./test_fault_gl) > "$out/fault-gl.log" 2>&1 || status=1
grep -E "fault injected|fault sweep|Checks|:[EF]:" "$out/fault-gl.log"

if [ "$bench" != none ]; then
  log "glbuf-bench ($bench)"
  quick=()
  [ "$bench" = quick ] && quick=(--quick)
  /tmp/glbuf-release/bench/glbuf-bench "${quick[@]}" --json "$out/bench.json" > "$out/bench.md" 2>/dev/null || status=1
  cat "$out/bench.md"

  log "placement: glbuf-bench-mega and glbuf-bench-stream ($bench); glbuf-bench-meshes"
  runs=(--runs 3)
  [ "$bench" = quick ] && runs=(--quick --runs 1)
  { echo "## glbuf-bench-mega ${runs[*]}"; echo
    /tmp/glbuf-release/bench/glbuf-bench-mega "${runs[@]}"; echo
    echo "## glbuf-bench-stream ${quick[*]}"; echo
    /tmp/glbuf-release/bench/glbuf-bench-stream "${quick[@]}"; echo
    for a in "" "--trim manual" "--placement host" "--in-flight 0"; do
      echo "## glbuf-bench-meshes --meshes 5000 --frames 600 --replace 2 --budget 8 $a"; echo
      /tmp/glbuf-release/bench/glbuf-bench-meshes --meshes 5000 --frames 600 --replace 2 --budget 8 $a; echo
    done
  } > "$out/placement.md" 2>&1 || status=1
  cat "$out/placement.md"
fi

log "tested on"
python3 tools/tested-on.py "$out/ctest.log" | tee "$out/tested-on.md" || status=1
exit $status
