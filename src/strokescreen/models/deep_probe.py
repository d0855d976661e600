"""Identity probe: how much subject identity a trained encoder's features still carry.

A linear classifier (standardised logistic regression) is fitted on frozen embeddings of
one recording per subject and asked to name the subject of another recording of the
same subjects. High accuracy = the embedding identifies people; adversarial training
should bring it towards chance (1 / number of subjects).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strokescreen.errors import InputError


def identity_probe(model, cases_df: pd.DataFrame, *, order_by: str | None = None) -> dict:
    """Subject-identification accuracy of a linear probe on ``model``'s embeddings.

    Parameters
    ----------
    model : fitted DeepStrokeClassifier
        Embeddings are the encoder's feature map at ``model.adv_stage`` (the stage the
        discriminator sees), averaged over space: one vector per frame pair.
    cases_df : DataFrame with ``case_id, subject_id, case_dir``
        Subjects with at least two usable recordings take part; per subject the first
        recording (by ``order_by``, default ``recorded_at`` when present, else
        ``case_id``) trains the probe and the second tests it.

    Returns
    -------
    dict: ``accuracy`` (frame pairs of the test recordings), ``case_accuracy`` (mean probe
    probabilities per test recording), ``chance`` (1 / n_subjects), ``n_subjects``,
    ``n_train_pairs``, ``n_test_pairs``, ``adv_stage``, ``adversarial``, ``variant``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from strokescreen.models.deep_train import (
        build_table,
        predict_table,
        resolve_device,
        torch_settings,
    )

    model._check_fitted()
    for col in ("case_id", "subject_id", "case_dir"):
        if col not in cases_df.columns:
            raise InputError(f"identity probe needs column {col!r} in the cases table")
    key = order_by or ("recorded_at" if "recorded_at" in cases_df.columns else "case_id")
    df = cases_df.sort_values(["subject_id", key]).reset_index(drop=True)
    preset = model.preset_
    device = resolve_device(str(getattr(model, "device", "cpu")))
    with torch_settings(model._threads(), device=str(device)):
        inputs = model._inputs(df, preset)
        # a metadata variant's forward pass needs the cases' metadata vectors too
        table, _ = build_table(inputs, model.net_.spec, spec_shape=preset.spec_shape,
                               meta=model._metadata_matrix(df))
        model.net_.to(device)  # the model's device (a fitted net rests on the CPU)
        try:
            _, emb = predict_table(model.net_, table, device,
                                   batch_size=preset.batch_size, embeddings=True)
        finally:
            model.net_.cpu()
    usable = pd.Series(table.usable, index=df.index)
    first: dict[str, int] = {}
    second: dict[str, int] = {}
    for i, s in zip(df.index, df["subject_id"], strict=True):
        if not usable[i]:
            continue
        if s not in first:
            first[s] = i
        elif s not in second:
            second[s] = i
    subjects = sorted(second)
    if len(subjects) < 2:
        raise InputError(f"identity probe needs >= 2 subjects with two usable recordings, "
                         f"found {len(subjects)}")
    code = {s: k for k, s in enumerate(subjects)}
    tr_rows = np.concatenate([np.flatnonzero(table.row_case == first[s]) for s in subjects])
    te_rows = np.concatenate([np.flatnonzero(table.row_case == second[s]) for s in subjects])
    subj_of_case = df["subject_id"].to_numpy()
    y_tr = np.array([code[subj_of_case[table.row_case[r]]] for r in tr_rows])
    y_te = np.array([code[subj_of_case[table.row_case[r]]] for r in te_rows])
    assert emb is not None
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    clf.fit(emb[tr_rows], y_tr)
    proba = clf.predict_proba(emb[te_rows])
    pred = clf.classes_[proba.argmax(1)]
    case_hits = []
    for s in subjects:
        m = table.row_case[te_rows] == second[s]
        case_hits.append(clf.classes_[proba[m].mean(0).argmax()] == code[s])
    return {
        "accuracy": float(np.mean(pred == y_te)),
        "case_accuracy": float(np.mean(case_hits)),
        "chance": 1.0 / len(subjects),
        "n_subjects": len(subjects),
        "n_train_pairs": int(len(tr_rows)),
        "n_test_pairs": int(len(te_rows)),
        "adv_stage": int(model.adv_stage),
        "adversarial": bool(model.net_.spec.adversarial),
        "variant": model.variant,
    }
