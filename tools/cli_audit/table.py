"""Render DIR/results.jsonl of tools/cli_audit/run.py as the markdown table of docs/cli_errors.md.

Usage: python tools/cli_audit/table.py DIR > table.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def verdict(row: dict) -> str:
    """ok: one line, non-zero exit, no traceback, the user's files untouched."""
    if row["rc"] == "TIMEOUT":
        return "ran (stopped at 60 s)"
    bad = []
    if row["tb"]:
        bad.append("traceback")
    if row["lost"]:
        bad.append("wrote into the user's files")
    if row["rc"] == 0:
        bad.append("exit 0")
    if row["nlines"] > 1:
        bad.append(f"{row['nlines']} lines")
    return "ok" if not bad else "; ".join(bad)


def main(base: str) -> None:
    rows = [json.loads(line) for line in Path(base, "results.jsonl").read_text().splitlines()]
    print("| command | bad input | exit | result | what the user reads (first 140 characters) |")
    print("|---|---|---|---|---|")
    for r in rows:
        msg = r["msg"].replace(f"{base}/in/", "").replace(f"{base}/o/", "").replace("|", "\\|")
        msg = msg.replace("`", "'")[:140]
        print(f"| {r['cmd']} | {r['what']} | {r['rc']} | {verdict(r)} | {msg} |")
    n_ok = sum(verdict(r) == "ok" for r in rows)
    print(f"\n{n_ok} of {len(rows)} tries give one line, a non-zero exit and no traceback, "
          "with the user's files untouched.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/strokescreen_cli_audit")
