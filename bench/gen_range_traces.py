#!/usr/bin/env python3
"""glbuf's own allocation traces for glbuf_ranges (same format as
shared/traces/gen.py, see shared/reference/trace-format.md).

    bench/gen_range_traces.py OUTDIR [--only NAME] [--scale F]

Deterministic (fixed seeds). Traces:

stream-frames     a per-frame streaming workload: 128 MiB; every frame
                  allocates 150..250 transient ranges (64 B .. 256 KiB,
                  log-uniform, align 256: uniform-buffer offsets) and frees
                  the ranges of the frame three frames back (FIFO, as
                  fences retire); 3 % of a persistent set of ~3,000 ranges
                  (128 B .. 128 KiB, align 256) is replaced each frame.
adversarial-pack  fragmentation, then packing: 64 MiB filled to 95 % with
                  interleaved small (64 .. 1 KiB, align 16) and large
                  (4 .. 64 KiB, align 256) blocks; half the large ones are
                  freed; then mid-size requests (4 .. 16 KiB, align 256) are
                  packed into the holes (1 .. 4x their size) until the live
                  bytes reach 98 %, and churned at 98 % (free a random
                  mid-size range, request another). Phases: fragment,
                  free-large, pack.
adversarial-pack-small
                  the same shape one size class down: 16 MiB, small 16 ..
                  256 B (align 16), large 1 .. 16 KiB (align 64), requests
                  1 .. 4 KiB (align 64), and a different seed.
adversarial-pack-npot
                  adversarial-pack with vertex-stride alignments that are
                  not powers of two: large blocks and requests aligned to
                  lcm(stride, 256) for strides 12, 24, 36 and 56 B.

Failures are counted per phase by the replayers (# phase markers)."""
import math
import os
import random
import sys

KiB = 1024
MiB = 1024 * KiB


class Writer:
    """Same output as shared/traces/gen.py's writer: ids recycled as a stack."""

    def __init__(self, path, capacity, name, desc):
        self.f = open(path, "w")
        self.buf = []
        self.free_ids = []
        self.next_id = 0
        self.live = {}
        self.live_bytes = 0
        self.nops = 0
        self.peak = 0
        self.f.write(f"# capacity {capacity}\n# trace {name}\n# {desc}\n")

    def alloc(self, size, align):
        if self.free_ids:
            i = self.free_ids.pop()
        else:
            i = self.next_id
            self.next_id += 1
        self.buf.append(f"a {i} {size} {align}\n")
        self.live[i] = size
        self.live_bytes += size
        self.peak = max(self.peak, self.live_bytes)
        self.nops += 1
        self._maybe_flush()
        return i

    def free(self, i):
        self.buf.append(f"f {i}\n")
        self.live_bytes -= self.live.pop(i)
        self.free_ids.append(i)
        self.nops += 1
        self._maybe_flush()

    def mark(self, phase):
        self.buf.append(f"# phase {phase}\n")

    def _maybe_flush(self):
        if len(self.buf) >= 65536:
            self.flush()

    def flush(self):
        self.f.write("".join(self.buf))
        self.buf = []

    def close(self):
        self.flush()
        self.f.close()


def loguniform(rng, lo, hi):
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1)))) if lo < hi else lo


def stream_frames(out, scale):
    cap = 128 * MiB
    rng = random.Random(0x5EED1001)
    w = Writer(out, cap, "stream-frames",
               "per-frame transient ranges 64B..256KiB align 256 freed 3 frames later; 3% of ~3000 persistent replaced per frame")
    frames = int(2400 * scale)
    persistent = []
    w.mark("warm-up")
    while len(persistent) < 3000:
        persistent.append(w.alloc(loguniform(rng, 128, 128 * KiB), 256))
    w.mark("frames")
    in_flight = []
    for _ in range(frames):
        if len(in_flight) == 3:
            for i in in_flight.pop(0):
                w.free(i)
        for _ in range(len(persistent) * 3 // 100):
            k = rng.randrange(len(persistent))
            w.free(persistent[k])
            persistent[k] = w.alloc(loguniform(rng, 128, 128 * KiB), 256)
        frame = []
        for _ in range(rng.randint(150, 250)):
            frame.append(w.alloc(loguniform(rng, 64, 256 * KiB), 256))
        in_flight.append(frame)
    w.close()
    return w


def adversarial(out, scale, name, seed, cap, small, large, request, align_small, align_large, aligns=None):
    """aligns: optional list of alignments for the large blocks and the
    requests (chosen at random per allocation) instead of align_large."""
    rng = random.Random(seed)
    w = Writer(out, cap, name,
               f"fill 95% with interleaved small {small} / large {large}; free half the large; "
               f"pack requests {request} to 98% and churn there")

    def big_align():
        return rng.choice(aligns) if aligns else align_large

    w.mark("fragment")
    larges = []
    while w.live_bytes < 0.95 * cap:
        w.alloc(loguniform(rng, *small), align_small)
        larges.append(w.alloc(loguniform(rng, *large), big_align()))
    w.mark("free-large")
    rng.shuffle(larges)
    for i in larges[: len(larges) // 2]:
        w.free(i)
    w.mark("pack")
    packed = []
    while w.live_bytes < 0.98 * cap:
        packed.append(w.alloc(loguniform(rng, *request), big_align()))
    for _ in range(int(20000 * scale)):
        if w.live_bytes >= 0.98 * cap:
            k = rng.randrange(len(packed))
            packed[k], packed[-1] = packed[-1], packed[k]
            w.free(packed.pop())
        packed.append(w.alloc(loguniform(rng, *request), big_align()))
    w.close()
    return w


def lcm(a, b):
    return a * b // math.gcd(a, b)


TRACES = {
    "stream-frames": stream_frames,
    "adversarial-pack": lambda out, scale: adversarial(
        out, scale, "adversarial-pack", 0x5EED2001, 64 * MiB, (64, 1 * KiB), (4 * KiB, 64 * KiB),
        (4 * KiB, 16 * KiB), 16, 256),
    "adversarial-pack-small": lambda out, scale: adversarial(
        out, scale, "adversarial-pack-small", 0x5EED2002, 16 * MiB, (16, 256), (1 * KiB, 16 * KiB),
        (1 * KiB, 4 * KiB), 16, 64),
    "adversarial-pack-npot": lambda out, scale: adversarial(
        out, scale, "adversarial-pack-npot", 0x5EED2003, 64 * MiB, (64, 1 * KiB), (4 * KiB, 64 * KiB),
        (4 * KiB, 16 * KiB), 16, 256, aligns=[lcm(s, 256) for s in (12, 24, 36, 56)]),
}


def main():
    args = sys.argv[1:]
    outdir, only, scale = ".", None, 1.0
    i = 0
    while i < len(args):
        if args[i] == "--only":
            only = args[i + 1]
            i += 2
        elif args[i] == "--scale":
            scale = float(args[i + 1])
            i += 2
        else:
            outdir = args[i]
            i += 1
    os.makedirs(outdir, exist_ok=True)
    for name, fn in TRACES.items():
        if only and name != only:
            continue
        path = os.path.join(outdir, name + ".trace")
        w = fn(path, scale)
        print(f"{name}: {w.nops} ops, ids {w.next_id}, trace peak live {w.peak / MiB:.1f} MiB -> {path}")


if __name__ == "__main__":
    main()
