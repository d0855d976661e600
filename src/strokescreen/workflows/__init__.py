"""Workflows: the one layer that chains stages and owns folders on disk.

Stage packages (``io``, ``face``, ``preprocess``, ``audio``, ``features``, ``models``,
``evaluation``, ``report``, ``synth``) never import this package; the CLI and the web app
call it.

assess         one recording to ``result.json``, ``report.html`` (+ PDF) and ``case/``
measure        one photo or video to its measures against normal ranges
feature_table  per-case ``features.json`` and the cohort feature table from a manifest
cases          the case table of a modelling command (manifest + work folder, or a table)
ablation       the ablation study: every model on the same subject-grouped folds
landmarks      landmark accuracy against iBUG-68 annotations (``landmarks-eval``)
landmarks_train  a 68-point shape predictor trained on a clinic's annotated frames

Nothing is imported here, so importing one workflow stays light.
"""
