"""Subject-grouped evaluation: splits, metrics, operating points, fairness, plots, report.

Modules: :mod:`.splits` (group k-fold, leave-one-subject-out, time-cutoff hold-out),
:mod:`.metrics` (AUC + subject-cluster bootstrap CI, operating points),
:mod:`.engine` (``cross_validate``, ``write_evaluation``), :mod:`.training` (fit for use
with an out-of-fold threshold), :mod:`.fairness`, :mod:`.importance`, :mod:`.plots`,
:mod:`.report`, :mod:`.cohort_checks` (manifest / table validation), :mod:`.config`.
Nothing is imported here, so ``import strokescreen.io.cohort_checks`` stays light.
"""
