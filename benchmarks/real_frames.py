"""Frames of the real healthy videos for fitting landmark relations (no annotation used).

Shared by ``fit_mesh_mapping.py`` and ``fit_ert_box.py``: every ``step``-th frame (at most
``max_frames`` per video) of the GRID clips, single_face and wolfgang_langer in
../shared/data/real/video, as given and mirrored, with the index of its video (the group
for leave-one-video-out checks).
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def real_videos() -> list[str]:
    """The real healthy videos the fits use, in a fixed order (the group index)."""
    videos = sorted(glob.glob(str(REAL / "video" / "grid" / "*.mpg")))
    return videos + [str(REAL / "video" / "single_face.mp4"),
                     str(REAL / "video" / "wolfgang_langer_pexels.mp4")]


def real_frames(step: int = 4, max_frames: int = 160) -> Iterator[tuple[int, np.ndarray]]:
    """(video index, RGB frame) for every sampled frame, then the same frame mirrored."""
    import av

    for g, v in enumerate(real_videos()):
        with av.open(v) as c:
            for i, fr in enumerate(c.decode(video=0)):
                if i % step:
                    continue
                if i >= max_frames * step:
                    break
                img = fr.to_ndarray(format="rgb24")
                yield g, img
                yield g, np.ascontiguousarray(img[:, ::-1])


def print_counts(groups: list[int]) -> None:
    """Print how many faces each video gave."""
    for g, v in enumerate(real_videos()):
        print(f"{Path(v).name}: {sum(1 for x in groups if x == g)} faces", flush=True)
