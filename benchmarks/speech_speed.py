"""Seconds for all speech measures of one 60-second clip on one CPU core.

Usage: ``python benchmarks/speech_speed.py [--seconds 60] [--repeats 3]``

The clip is the three LibriSpeech readings of ``../shared/data/real/speech`` looped to
60 s when that folder exists, else a synthetic syllable train with pauses. Prints the
first call (lazy imports, numba compilation) and the median of the following calls,
with Praat pitch and, for comparison, with the pyin fallback.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real" / "speech"


def make_clip(seconds: float) -> tuple[np.ndarray, str]:
    """A 16 kHz clip of ``seconds`` and a description of where it came from."""
    from strokescreen.audio import prepare_samples

    files = sorted(REAL.glob("*.ogg")) if REAL.is_dir() else []
    n = int(seconds * 16000)
    if files:
        import soundfile as sf

        parts = []
        for f in files:
            data, rate = sf.read(f, dtype="float32")
            parts.append(prepare_samples(data, rate_hz=rate))
        x = np.concatenate(parts)
        return np.tile(x, int(np.ceil(n / x.size)))[:n], f"{len(files)} LibriSpeech readings looped"
    from strokescreen.audio.synthetic import syllable_train

    pauses = {k: 0.6 for k in range(10, 400, 12)}
    train = syllable_train(4.5, 400, pauses=pauses, rng=np.random.default_rng(0))
    return np.resize(train.samples, n), "synthetic syllable train (real folder absent)"


def time_measures(x: np.ndarray, repeats: int, pitch_method: str) -> dict[str, float]:
    """Wall and CPU seconds of the first call and medians of ``repeats`` further calls.

    CPU time (``time.process_time``) is printed too: on a shared machine the wall time
    includes waiting for the core, the CPU time does not.
    """
    from strokescreen.audio import SpeechConfig, speech_measures

    cfg = SpeechConfig(pitch_method=pitch_method)
    walls, cpus = [], []
    for _ in range(repeats + 1):
        w0, c0 = time.perf_counter(), time.process_time()
        speech_measures(x, task="pataka", config=cfg)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {
        "first_wall": walls[0],
        "first_cpu": cpus[0],
        "wall": statistics.median(walls[1:]),
        "cpu": statistics.median(cpus[1:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    x, source = make_clip(args.seconds)
    print(f"clip: {x.size / 16000:.1f} s, {source}; one core")
    for method in ("praat", "pyin"):
        r = time_measures(x, args.repeats, method)
        print(
            f"all speech measures, pitch={method:5s}: first call {r['first_wall']:.2f} s "
            f"(cpu {r['first_cpu']:.2f} s); then median {r['wall']:.2f} s "
            f"(cpu {r['cpu']:.2f} s) over {args.repeats} runs"
        )


if __name__ == "__main__":
    main()
