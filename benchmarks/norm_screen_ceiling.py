"""The ceiling of a first-presentation norm-based screen (no recording of the person before).

Not a speed test and no data read: the published healthy spreads and the screen's
stated assumptions through :mod:`strokescreen.screen.ceiling` (signal detection theory,
known healthy spreads, i.e. infinitely many normal subjects). Prints, per planted droop,
the best detection rate of any rest-only screen, of rest + smile movement read together,
of the max-|z| of the two (Sidak), and with a baseline recording of the same person, at
5 % of healthy faces flagged and at the face family's 1.70 % share. Screening aid, not a
diagnosis.

Usage: python benchmarks/norm_screen_ceiling.py
"""

from __future__ import annotations

import math

from strokescreen.screen.ceiling import (
    combined_d_prime,
    detection_rate,
    max_test_rate,
    movement_ratio,
    required_d_prime,
)

#: healthy left-right commissure-height difference at rest, RMS (mm): MEEI normals
#: (docs/normal_ranges.md: 0.025 IPU, 1.6 mm at a 63 mm inter-pupil distance)
REST_SD_MM = 1.61
#: healthy smile movement ratio (L - R) / (L + R), RMS over 13 healthy people
#: (movement_normals.json)
MOVE_SD = 0.101
#: movement lost per mm of droop: the synthetic generator's stated coupling (not published)
LOSS_PER_MM = 0.13
#: one recording's commissure-height repeatability (mm): 0.0047 IPU x 63 mm
#: (docs/norm_screen.md); a change between two recordings has SD sqrt(2) times that
REPEAT_SD_MM = 0.0047 * 63.0
LEVELS = (0.05, 0.017)


def main() -> int:
    print("## Ceiling of a first-presentation screen (known healthy spreads; screening aid, "
          "not a diagnosis)\n")
    print("| droop | d' rest | d' smile movement | rest only | rest + movement combined | "
          "max of the two (Sidak) | with a baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mm in (1.5, 3.0, 5.0):
        d_rest = mm / REST_SD_MM
        d_move = movement_ratio(mm, loss_per_mm=LOSS_PER_MM) / MOVE_SD
        d_comb = combined_d_prime([d_rest, d_move])
        d_base = mm / (math.sqrt(2.0) * REPEAT_SD_MM)
        cells = []
        for d in (d_rest, d_comb):
            cells.append(" / ".join(f"{detection_rate(d, level=a):.1%}" for a in LEVELS))
        cells.append(" / ".join(f"{max_test_rate([d_rest, d_move], level=a):.1%}"
                                for a in LEVELS))
        cells.append(" / ".join(f"{detection_rate(d_base, level=a):.1%}" for a in LEVELS))
        print(f"| {mm:g} mm | {d_rest:.2f} | {d_move:.2f} | " + " | ".join(cells) + " |")
    print("\ncells: at 5 % / at 1.7 % of healthy faces flagged")
    for a in LEVELS:
        need = required_d_prime(0.90, level=a)
        d_rest = 3.0 / REST_SD_MM
        need_move = math.sqrt(max(need**2 - d_rest**2, 0.0)) * MOVE_SD
        kept = (1.0 - need_move) / (1.0 + need_move)
        print(f"90 % of 3 mm at {a:.1%} healthy flagged needs d' {need:.2f}: rest alone "
              f"needs a healthy SD of {3.0 / need:.2f} mm; with the smile, a movement ratio "
              f"of {need_move:.3f} ({(1 - kept) / 3.0:.1%} of the movement lost per mm)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
