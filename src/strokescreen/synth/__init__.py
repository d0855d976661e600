"""Synthetic cohorts with known ground truth (see docs/synthetic_cohort.md).

Public entry points (import from their modules; they pull in heavy dependencies):

- :func:`strokescreen.synth.cohort.generate_cohort` — write videos, manifest, per-frame
  truth and the cohort card for a :class:`strokescreen.synth.config.SynthConfig`;
- :func:`strokescreen.synth.params.draw_cohort` — draw every case's parameters without
  rendering; :func:`strokescreen.synth.oracle.oracle_auc` and
  :func:`strokescreen.synth.oracle.reference_oracle_auc` — how separable they are.

Everything generated here is synthetic and labelled so.
"""
