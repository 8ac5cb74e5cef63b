"""Peak memory of the grading process on hostile input: the naive way and nncourse's way, side by side.

Run: PYTHONPATH=src python benchmarks/bench_intake.py [--gib N]
Each figure is measured in a fresh subprocess as the growth of its peak RSS
(VmHWM, reset through /proc/self/clear_refs) over the step alone:
- a forged reply whose JSON header holds 32 MiB: read whole and json.loads'ed
  (the naive way) vs protocol.read_message (lengths capped before reading);
- a ~1 MB zip whose module inflates to N GiB: zipfile's read() vs resolve_submission;
- a 60 kB header nested 30000 deep: json.loads vs the nesting check.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEP = r"""
import io, json, struct, sys, time, zipfile
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import intake_corpus as corpus
from nncourse.sandbox import protocol
from nncourse.submission import resolve_submission

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

def frame(head):
    return io.BytesIO(struct.pack("<QQ", len(head) + 16, len(head)) + head + struct.pack("<Q", 0))

way, kind = sys.argv[1].split("-")
if kind == "header":
    reader = frame(b'"' + b"A" * (32 * 2**20 - 2) + b'"')
elif kind == "nesting":
    reader = frame(b"[" * 30000 + b"]" * 30000)
else:
    stream, crc, size = corpus.deflated_zeros(int(sys.argv[2]))
    bomb = Path(sys.argv[4]) / "bomb.zip"
    bomb.write_bytes(corpus.zip_bytes([corpus.zip_entry(corpus.MODULE, b"", compressed=stream, crc=crc, size=size)]))
    del stream
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak starts again from here
base, started, outcome = peak(), time.perf_counter(), "read"
try:
    if kind == "zip":
        if way == "naive":
            with zipfile.ZipFile(bomb) as zf:
                zf.read(corpus.MODULE)
        else:
            resolve_submission(bomb, corpus.MODULE)
    elif way == "naive":
        size, hlen = struct.unpack("<QQ", reader.read(16))
        body = reader.read(size - 8)
        json.loads(body[:hlen])
    else:
        protocol.read_message(reader.read)
except Exception as exc:
    outcome = f"refused ({type(exc).__name__})"
print(json.dumps({"growth": peak() - base, "seconds": time.perf_counter() - started, "outcome": outcome}))
"""


def measure(step: str, arg: str, tmp: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{HERE.parent / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run([sys.executable, "-c", STEP, step, arg, str(HERE.parent / "tests"), str(tmp)],
                         capture_output=True, text=True, env=env, timeout=900)
    if out.returncode != 0:
        return {"growth": float("nan"), "seconds": float("nan"), "outcome": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=int, default=1, help="GiB the zip bomb inflates to (naive run holds it all)")
    args = parser.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'input':34} {'way':8} {'peak RSS growth':>16} {'time':>8}  outcome")
        for label, kind, arg in (("forged reply, 32 MiB JSON header", "header", "0"),
                                 ("reply header nested 30000 deep", "nesting", "0"),
                                 (f"1 MB zip inflating to {args.gib} GiB", "zip", str(args.gib))):
            for way in ("naive", "capped"):
                fig = measure(f"{way}-{kind}", arg, Path(tmp))
                print(f"{label:34} {way:8} {fig['growth'] / 2**20:13.1f} MB {fig['seconds']:7.2f}s  {fig['outcome']}")


if __name__ == "__main__":
    main()
