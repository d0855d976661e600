#!/bin/bash
# Not a speed test: shape-free model inputs and length bookkeeping, before / after
# (docs/graded_targets.md, "Model inputs"). Runs severity_fusion.py on the code before the
# change (BASE, extracted with git archive), on this checkout, and on this checkout with
# --param face_inputs=all (bookkeeping only); then synthetic_realism.py (models trained on
# the cross-sectional table, the real healthy recordings graded and flagged) and
# realism_diagnosis.py. SYNTHETIC training data; a screening aid, not a diagnosis.
#
#   nohup benchmarks/shape_free_inputs.sh > /tmp/grade4/run_bench.log 2>&1 &
#
# Environment: SHAPE (80 x 5 s generator-3 feature table), VISITS (100 x 3 longitudinal
# feature table), OUT (output folder), BASE (commit before the change), PY (python).
set -euo pipefail
export OMP_NUM_THREADS=1
WT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$WT/../main/.venv/bin/python}
SHAPE=${SHAPE:-/tmp/shape/features.parquet}
VISITS=${VISITS:-/tmp/visits3/features.parquet}
OUT=${OUT:-/tmp/grade4}
BASE=${BASE:-fe311bc}
mkdir -p "$OUT/base"
git -C "$WT" archive "$BASE" src benchmarks | tar -x -C "$OUT/base"
fusion() {  # SRC-ROOT NAME ARGS...
    local root=$1 name=$2
    shift 2
    PYTHONPATH=$root/src nice "$PY" "$root/benchmarks/severity_fusion.py" "$@" \
        --out "$OUT/$name.json" > "$OUT/$name.txt" 2>&1
    date -u
}
date -u
fusion "$OUT/base" shape_before --table "$SHAPE" --models ordinal-logit,rf-regressor --label
fusion "$WT" shape_after --table "$SHAPE" --models ordinal-logit,rf-regressor --label
fusion "$WT" shape_after_allface --table "$SHAPE" --models ordinal-logit,rf-regressor --label \
    --param face_inputs=all
fusion "$WT" visits_grade --table "$VISITS" --target severity_grade \
    --models rf-regressor,ordinal-logit --label
fusion "$WT" visits_last --table "$VISITS" --target severity_last \
    --models rf-regressor,ordinal-logit
fusion "$WT" visits_change --table "$VISITS" --target severity_change --models rf-regressor
PYTHONPATH=$WT/src nice "$PY" "$WT/benchmarks/synthetic_realism.py" --table "v3=$SHAPE" \
    --out "$OUT/realism" > "$OUT/realism.log" 2>&1
PYTHONPATH=$WT/src nice "$PY" "$WT/benchmarks/realism_diagnosis.py" --table "$SHAPE" \
    --bench "$OUT/realism/v3" --out "$OUT/diagnosis.md" > /dev/null
date -u
echo DONE
