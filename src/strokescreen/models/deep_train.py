"""Training loop of the DeepStroke network: frame-pair table, batches, adversarial steps,
checkpoints every epoch and resume.

Every epoch draws its shuffles, discriminator partners and branch dropout from
``np.random.default_rng([seed, epoch])``, so a run resumed from the checkpoint of epoch k
continues exactly as the uninterrupted run would have.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from strokescreen.errors import ConfigError, InputError
from strokescreen.models.deep_data import ADV_FORMS, CaseInputs, normalise_frames
from strokescreen.models.nets.deepstroke import DeepStrokeNet, NetSpec
from strokescreen.models.nets.discriminator import (
    SubjectDiscriminator,
    discriminator_loss,
    encoder_adversarial_loss,
    sample_partners,
)
from strokescreen.progress import Progress

NON_STROKE_WEIGHT = 2.0
CHECKPOINT_NAME = "last.pt"


@contextmanager
def torch_settings(num_threads: int | None, *, device: str = "cpu") -> Iterator[None]:
    """Fix torch's CPU thread count for a block (and, on CUDA, deterministic algorithms),
    then restore the previous settings.

    The operations used here (convolutions, batch norm, indexing and their gradients)
    are deterministic on CPU for a fixed thread count, so CPU runs skip
    ``torch.use_deterministic_algorithms``, whose first call imports torch's compiler
    stack (seconds). On CUDA it is switched on (warn-only for the few ops without a
    deterministic kernel).
    """
    old_threads = torch.get_num_threads()
    cuda = str(device).startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if cuda:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        old_det = torch.are_deterministic_algorithms_enabled()
        old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        torch.set_num_threads(int(num_threads or os.cpu_count() or 1))
        if cuda:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
        yield
    finally:
        torch.set_num_threads(old_threads)
        if cuda:
            torch.use_deterministic_algorithms(old_det, warn_only=old_warn)


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> cuda when available, else cpu; other names as given
    (:func:`strokescreen.devices.resolve_device`, shared with the parsing network)."""
    from strokescreen.devices import resolve_device as resolve

    return resolve(device)


@dataclass
class PairTable:
    """All frame pairs of a set of cases, one row per pair (or one audio row per case).

    frames : uint8 (F, px, px, 3); specs : float32 (n_cases, C, H, W) (zeros
    where absent); row_case, row_a, row_b : int (R,) (row_a/b = -1 without video);
    row_video, row_audio : bool (R,) input present; usable : bool (n_cases,);
    labels : float (n_cases,); subjects : int (n_cases,) codes.
    """

    case_ids: list[str]
    frames: np.ndarray
    specs: np.ndarray
    row_case: np.ndarray
    row_a: np.ndarray
    row_b: np.ndarray
    row_video: np.ndarray
    row_audio: np.ndarray
    usable: np.ndarray
    labels: np.ndarray
    subjects: np.ndarray
    meta: np.ndarray | None = None  # float32 (n_cases, d) metadata vectors, or None


def build_table(
    inputs: list[CaseInputs],
    spec: NetSpec,
    *,
    labels: np.ndarray | None = None,
    subjects: np.ndarray | None = None,
    spec_shape: tuple[int, ...] = (64, 64),
    meta: np.ndarray | None = None,
) -> tuple[PairTable, dict[str, list[str]]]:
    """Rows for every case the variant can use, and the skip reasons per case.

    spec_shape : (H, W) or (C, H, W) of the spectrogram images.
    A case with pairs gives one row per pair when the variant has a video branch (audio
    gathered per row); otherwise (no pairs, or an audio-only variant) a case with audio
    gives a single row, so an audio-only case is weighted once in the loss. The
    reasons name the branch the variant would have used and why it has no input.
    """
    n = len(inputs)
    labels = np.zeros(n) if labels is None else np.asarray(labels, dtype=np.float64)
    subjects = np.arange(n) if subjects is None else np.asarray(subjects)
    shape = tuple(spec_shape) if len(spec_shape) == 3 else (1, *spec_shape)  # (C, H, W)
    frames, specs = [], np.zeros((n, *shape), np.float32)
    rc, ra, rb, rv, rau = [], [], [], [], []
    usable = np.zeros(n, bool)
    reasons: dict[str, list[str]] = {}
    offset = 0
    for c, ci in enumerate(inputs):
        why = []
        has_v = spec.video and len(ci.pairs) > 0
        has_a = spec.audio and ci.spec is not None
        if spec.video and not has_v:
            why.append(f"video branch skipped: {ci.video_reason or 'no frame pairs'}")
        if spec.audio and not has_a:
            why.append(f"audio branch skipped: {ci.audio_reason or 'no audio'}")
        if why:
            reasons[ci.case_id] = why
        if has_a and ci.spec is not None:
            specs[c] = ci.spec if ci.spec.ndim == 3 else ci.spec[None]
        if not (has_v or has_a):
            continue
        usable[c] = True
        # one row per frame pair when the variant sees video; otherwise the case has one
        # input (its spectrogram) and gets one row, whatever its number of frame pairs
        k = len(ci.pairs) if has_v else 1
        rc += [c] * k
        rv += [has_v] * k
        rau += [has_a] * k
        if has_v:
            frames.append(ci.frames)
            ra += list(ci.pairs[:, 0] + offset)
            rb += list(ci.pairs[:, 1] + offset)
            offset += len(ci.frames)
        else:
            ra += [-1] * k
            rb += [-1] * k
    px = inputs[0].frames.shape[1] if inputs else 64
    table = PairTable(
        case_ids=[ci.case_id for ci in inputs],
        frames=np.concatenate(frames) if frames else np.zeros((0, px, px, 3), np.uint8),
        specs=specs, row_case=np.asarray(rc, np.int64), row_a=np.asarray(ra, np.int64),
        row_b=np.asarray(rb, np.int64), row_video=np.asarray(rv, bool),
        row_audio=np.asarray(rau, bool), usable=usable, labels=labels,
        subjects=np.unique(subjects, return_inverse=True)[1],
        meta=None if meta is None else np.asarray(meta, np.float32))
    return table, reasons


def batch_tensors(net: DeepStrokeNet, table: PairTable, rows: np.ndarray,
                  device: torch.device, *, drop_audio: np.ndarray | None = None,
                  drop_video: np.ndarray | None = None) -> dict:
    """Keyword arguments of ``net.forward`` for the given table rows."""
    uniq, inv = np.unique(table.row_case[rows], return_inverse=True)
    vmask = table.row_video[rows].copy()
    amask = table.row_audio[rows].copy()
    if drop_audio is not None:
        amask &= ~drop_audio
    if drop_video is not None:
        vmask &= ~drop_video
    out: dict = {"frames_a": None, "frames_b": None, "audio": None, "audio_index": None}
    if net.video is not None:
        px = table.frames.shape[1]
        fa = np.zeros((len(rows), px, px, 3), np.uint8)
        fb = np.zeros_like(fa)
        ok = table.row_a[rows] >= 0
        fa[ok] = table.frames[table.row_a[rows][ok]]
        fb[ok] = table.frames[table.row_b[rows][ok]]
        norm = normalise_frames
        if net.video.input_norm == "dlib":
            from strokescreen.models.nets.dlib_resnet import dlib_normalise as norm
        out["frames_a"] = torch.from_numpy(norm(fa)).to(device)
        out["frames_b"] = torch.from_numpy(norm(fb)).to(device)
        out["video_mask"] = torch.from_numpy(vmask.astype(np.float32)).to(device)
    if net.audio is not None:
        out["audio"] = torch.from_numpy(table.specs[uniq]).to(device)
        out["audio_mask"] = torch.from_numpy(amask.astype(np.float32)).to(device)
    out["audio_index"] = torch.from_numpy(inv.astype(np.int64)).to(device)
    if getattr(net, "meta", None) is not None:
        if table.meta is None:
            raise ValueError("a metadata variant needs the table's metadata vectors")
        out["meta"] = torch.from_numpy(table.meta[uniq]).to(device)
    return out


def epoch_batches(table: PairTable, rng: np.random.Generator, batch_size: int,
                  *, by: str = "case") -> list[np.ndarray]:
    """Shuffled batches of row indices, rows kept in twos so that most rows have a
    "same" partner for the discriminator in their batch: two rows of one case
    (``by="case"``), or, with ``by="subject"``, two rows of one subject taken from its
    different recordings in turn. A last batch under 2 rows joins the one before."""
    groups: list[np.ndarray] = []
    if by == "subject":
        for s in np.unique(table.subjects[table.usable]):
            cases = [c for c in np.flatnonzero(table.usable & (table.subjects == s))]
            per_case = [list(rng.permutation(np.flatnonzero(table.row_case == c)))
                        for c in rng.permutation(cases)]
            picked: list[int] = []  # round robin over the subject's recordings
            while any(per_case):
                for lst in per_case:
                    if lst:
                        picked.append(lst.pop())
            rows = np.asarray(picked, np.int64)
            groups += [rows[i:i + 2] for i in range(0, len(rows), 2)]
    else:
        for c in np.flatnonzero(table.usable):
            case_rows = rng.permutation(np.flatnonzero(table.row_case == c))
            groups += [case_rows[i:i + 2] for i in range(0, len(case_rows), 2)]
    if not groups:
        return []
    order = np.concatenate([groups[i] for i in rng.permutation(len(groups))])
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if len(batches) > 1 and len(batches[-1]) < 2:
        batches[-2] = np.concatenate([batches[-2], batches.pop()])
    return batches


def classification_loss(logit: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with weight 2.0 on non-stroke (y = 0) frame pairs (mean)."""
    w = torch.where(y < 0.5, torch.full_like(y, NON_STROKE_WEIGHT), torch.ones_like(y))
    return F.binary_cross_entropy_with_logits(logit, y, weight=w)


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    ok = np.isfinite(p)
    if ok.sum() < 2 or len(np.unique(y[ok])) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y[ok], p[ok]))


@torch.no_grad()
def predict_table(net: DeepStrokeNet, table: PairTable, device: torch.device, *,
                  batch_size: int = 64, embeddings: bool = False
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """Case probabilities (mean over frame pairs; NaN for unusable cases) and, with
    ``embeddings``, the per-row embedding at ``adv_stage``, averaged over space (R, C)."""
    net.eval()
    n_rows = len(table.row_case)
    row_p = np.zeros(n_rows)
    emb = []
    for i in range(0, n_rows, batch_size):
        rows = np.arange(i, min(n_rows, i + batch_size))
        out = net(**batch_tensors(net, table, rows, device))
        row_p[rows] = torch.sigmoid(out["logit"]).double().cpu().numpy()
        if embeddings:
            emb.append(out["embedding"].mean(dim=(2, 3)).cpu().numpy())
    probs = np.full(len(table.case_ids), np.nan)
    for c in np.flatnonzero(table.usable):
        probs[c] = row_p[table.row_case == c].mean()
    return probs, (np.concatenate(emb) if emb else None) if embeddings else None


def same_and_different(case_of_row: np.ndarray, subject_of_row: np.ndarray,
                       rng: np.random.Generator, *, same: str = "case"
                       ) -> tuple[np.ndarray, np.ndarray]:
    """For every row one "same" and one "different" partner row in the batch (-1: none).

    "same": another row of the same case (``same="case"``) or of the same subject's other
    recording (``"subject"``; another row of the case when the batch has none); never the
    row itself. "different": a row of another subject (else of another case).
    """
    case = np.asarray(case_of_row)
    subj = np.asarray(subject_of_row)
    idx = np.arange(len(case))
    s_out = np.full(len(case), -1, np.int64)
    d_out = np.full(len(case), -1, np.int64)
    for i in range(len(case)):
        pool = idx[(case == case[i]) & (idx != i)]
        if same == "subject":
            other = idx[(subj == subj[i]) & (case != case[i])]
            if len(other):
                pool = other
        if len(pool):
            s_out[i] = rng.choice(pool)
        diff = idx[subj != subj[i]]
        diff = diff if len(diff) else idx[case != case[i]]
        if len(diff):
            d_out[i] = rng.choice(diff)
    return s_out, d_out


def paper_adversarial_losses(disc: SubjectDiscriminator, emb: torch.Tensor,
                             same_i: np.ndarray, diff_i: np.ndarray, *, encoder: bool,
                             count: bool = False) -> Any:
    """The adversarial loss as the paper writes it: per frame pair ``i`` the *sum* over
    its "same" pair and its "different" pair of the squared error, averaged over frame
    pairs; the partner's embedding is a constant (detached).

    Discriminator (``encoder=False``): targets 1 (same) and 0 (different). Encoder
    (``encoder=True``): target 1/2 for both. Rows without a partner of a kind add no
    term of that kind. With ``count`` returns (loss, pairs judged right, pairs seen).

    The "same" and the "different" pairs go through D as *one* batch. D's batch-norm
    layers normalise over their batch: judged in two batches, one all "same" and one
    all "different", D learns to tell the batches apart by their statistics and scores
    a mixed batch, or any pair with its running statistics (the encoder's pass), at
    chance while its own accuracy reads near 100 % (tests/models/test_deep_presets.py).
    """
    dev = emb.device
    has_s, has_d = np.flatnonzero(same_i >= 0), np.flatnonzero(diff_i >= 0)
    if not len(has_s) + len(has_d):
        zero = torch.zeros((), device=dev)
        return (zero, 0, 0) if count else zero
    rows = torch.from_numpy(np.concatenate([has_s, has_d])).to(dev)
    partners = torch.from_numpy(np.concatenate([same_i[has_s], diff_i[has_d]])).to(dev)
    target = torch.cat([torch.ones(len(has_s)), torch.zeros(len(has_d))]).to(emb.dtype).to(dev)
    score = disc(emb[rows], emb[partners].detach())
    goal = torch.full_like(target, 0.5) if encoder else target
    loss = ((score - goal) ** 2).sum() / len(emb)
    if not count:
        return loss
    right = int(((score.detach() > 0.5) == (target > 0.5)).sum().item())
    return loss, right, len(target)


@dataclass(frozen=True)
class TrainSettings:
    """What one :func:`train_net` run does: its schedule and its adversarial game.

    epochs : int >= 1
        Passes over the frame-pair table; a resumed run continues up to this epoch.
    seed : int
        Seeds each epoch's ``np.random.default_rng([seed, epoch])``: shuffles,
        discriminator partners and branch dropout.
    lr : float > 0
        Adam learning rate of epoch 0, for the network and the discriminator alike.
    weight_decay : float >= 0
        Adam weight decay (L2) of the network's parameters (the discriminator has none).
    batch_size : int >= 2
        Frame pairs (table rows) per optimiser step.
    lambda_adv : float >= 0
        Weight of the adversarial losses (paper: 10; 0 trains the discriminator but lets
        it have no effect on the encoder).
    branch_dropout : probability in [0, 0.5)
        Per row of a fused variant with both inputs: chance of hiding its audio, and
        (separately) of hiding its video, in training.
    lr_step_epochs : int >= 0; lr_gamma : float in (0, 1]
        The learning rate of epoch ``e`` (from 0) is ``lr * lr_gamma ** (e //
        lr_step_epochs)``; constant when ``lr_step_epochs`` is 0.
    adv_form : ``"half_mean"`` or ``"paper"``
        The losses of :mod:`~strokescreen.models.nets.discriminator` (one partner per
        row) or :func:`paper_adversarial_losses`.
    adv_pairs : ``"case"`` or ``"subject"``
        What a "same" pair is for the discriminator: two frame pairs of one recording
        (the paper) or of one subject's two different recordings. A variant without
        video has one row per recording, so it always uses ``"subject"``.
    adv_output : ``"linear"`` or ``"sigmoid"``
        The discriminator's score (:class:`SubjectDiscriminator`'s ``output``).
    """

    epochs: int
    seed: int
    lr: float
    weight_decay: float
    batch_size: int
    lambda_adv: float
    branch_dropout: float
    lr_step_epochs: int = 0
    lr_gamma: float = 0.1
    adv_form: str = "half_mean"
    adv_pairs: str = "case"
    adv_output: str = "linear"

    def validate(self) -> TrainSettings:
        """Return self, or raise one :class:`ConfigError` naming the bad value."""
        checks = (
            (self.epochs >= 1, "epochs", self.epochs, "an integer >= 1"),
            (self.lr > 0, "lr", self.lr, "> 0"),
            (self.weight_decay >= 0, "weight_decay", self.weight_decay, ">= 0"),
            (self.batch_size >= 2, "batch_size", self.batch_size, "an integer >= 2"),
            (self.lambda_adv >= 0, "lambda_adv", self.lambda_adv, ">= 0"),
            (0.0 <= self.branch_dropout < 0.5, "branch_dropout", self.branch_dropout,
             "in [0, 0.5)"),
            (self.lr_step_epochs >= 0, "lr_step_epochs", self.lr_step_epochs, ">= 0"),
            (0.0 < self.lr_gamma <= 1.0, "lr_gamma", self.lr_gamma, "in (0, 1]"),
            (self.adv_form in ADV_FORMS, "adv_form", self.adv_form,
             " or ".join(map(repr, ADV_FORMS))),
            (self.adv_pairs in ("case", "subject"), "adv_pairs", self.adv_pairs,
             "'case' or 'subject'"),
            (self.adv_output in ("linear", "sigmoid"), "adv_output", self.adv_output,
             "'linear' or 'sigmoid'"),
        )
        for ok, name, value, want in checks:
            if not ok:
                raise ConfigError(f"training setting {name} must be {want}, got {value!r}")
        return self

    def lr_of_epoch(self, epoch: int) -> float:
        """Learning rate of ``epoch`` (from 0) under the step schedule."""
        if self.lr_step_epochs:
            return self.lr * self.lr_gamma ** (epoch // self.lr_step_epochs)
        return self.lr


@dataclass
class _Run:
    """What the steps of one training run share."""

    net: DeepStrokeNet
    disc: SubjectDiscriminator | None
    opt: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer | None
    table: PairTable
    settings: TrainSettings
    device: torch.device
    # the settings' adv_pairs, or "subject" for a variant without video (one row per
    # recording: a "same" pair can only be a subject's other recording)
    adv_pairs: str


@dataclass
class _StepLosses:
    """Losses of one batch step (floats) and the discriminator's right / seen pairs."""

    cls: float
    adv_e: float
    adv_d: float
    total: float
    d_right: int
    d_seen: int


def _build_discriminator(net: DeepStrokeNet, table: PairTable, settings: TrainSettings,
                         device: torch.device, generator: torch.Generator | None
                         ) -> SubjectDiscriminator | None:
    """The subject discriminator sized by a probe of the net's embedding (None when the
    variant is not adversarial), initialised from ``generator`` and started neutral."""
    if not net.spec.adversarial:
        return None
    with torch.no_grad():
        net.eval()
        probe = net(**batch_tensors(net, table, np.arange(min(2, len(table.row_case))),
                                    device))["embedding"]
    disc = SubjectDiscriminator(probe.shape[1], int(min(probe.shape[2:])),
                                output=settings.adv_output)
    if generator is not None:
        from strokescreen.models.nets.resnet import init_resnet

        init_resnet(disc, generator)
    disc.start_neutral()
    disc.to(device)
    return disc


def _build_optimisers(net: DeepStrokeNet, disc: SubjectDiscriminator | None,
                      settings: TrainSettings
                      ) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer | None]:
    """Adam for the net's trainable parameters (with weight decay) and Adam with betas
    (0.5, 0.999) for the discriminator. The step schedule is applied per epoch by
    :func:`_set_lr` with :meth:`TrainSettings.lr_of_epoch`."""
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)
    opt_d = (torch.optim.Adam(disc.parameters(), lr=settings.lr, betas=(0.5, 0.999))
             if disc is not None else None)
    return opt, opt_d


def _set_lr(run: _Run, lr: float) -> None:
    for o in (run.opt, run.opt_d):
        if o is not None:
            for group in o.param_groups:
                group["lr"] = lr


def _resume(run: _Run, ckpt: Path | None, fingerprint: str) -> tuple[list[dict], int]:
    """Load the checkpoint at ``ckpt`` when there is one; returns (history, epochs done)."""
    if ckpt is None or not ckpt.is_file():
        return [], 0
    state = torch.load(ckpt, map_location=run.device, weights_only=True)
    if state.get("fingerprint") != fingerprint:
        raise InputError(
            f"checkpoint {ckpt} belongs to another training (different variant, "
            "settings or cases); use another checkpoint folder or delete it")
    run.net.load_state_dict(state["net"])
    run.opt.load_state_dict(state["opt"])
    if run.disc is not None:
        run.disc.load_state_dict(state["disc"])
        run.opt_d.load_state_dict(state["opt_d"])  # type: ignore[union-attr]
    return list(state["history"]), int(state["epoch"])


def _write_checkpoint(run: _Run, ckpt: Path, *, fingerprint: str, epochs_done: int,
                      history: list[dict]) -> None:
    """Everything a resumed run needs after ``epochs_done`` epochs, written atomically."""
    state = {"fingerprint": fingerprint, "epoch": epochs_done, "net": run.net.state_dict(),
             "opt": run.opt.state_dict(), "history": history}
    if run.disc is not None:
        state["disc"] = run.disc.state_dict()
        state["opt_d"] = run.opt_d.state_dict()  # type: ignore[union-attr]
    _save_checkpoint(ckpt, state)


def _branch_dropout(run: _Run, rows: np.ndarray, rng: np.random.Generator
                    ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Rows whose audio / video is hidden this step (fused variants only)."""
    p = run.settings.branch_dropout
    if not (run.net.spec.video and run.net.spec.audio and p > 0):
        return None, None
    u = rng.random(len(rows))
    both = run.table.row_video[rows] & run.table.row_audio[rows]
    return both & (u < p), both & (u >= p) & (u < 2 * p)


@contextmanager
def _frozen(disc: SubjectDiscriminator) -> Iterator[None]:
    """The discriminator's parameters take no gradient inside the block."""
    for p in disc.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in disc.parameters():
            p.requires_grad_(True)


def _batch_step(run: _Run, rows: np.ndarray, rng: np.random.Generator
                ) -> tuple[_StepLosses, torch.Tensor]:
    """One optimiser step on ``rows``: the encoder and heads minimise
    L_cls + lambda * L_adv(E) with D fixed, then D minimises lambda * L_adv(D) on
    detached embeddings. Returns the losses and the rows' logits (detached)."""
    net, disc, table, device = run.net, run.disc, run.table, run.device
    lambda_adv, paper = run.settings.lambda_adv, run.settings.adv_form == "paper"
    drop_a, drop_v = _branch_dropout(run, rows, rng)
    kw = batch_tensors(net, table, rows, device, drop_audio=drop_a, drop_video=drop_v)
    cases = table.row_case[rows]
    y = torch.from_numpy(table.labels[cases].astype(np.float32)).to(device)
    out = net(**kw)
    emb = out["embedding"]
    l_cls = classification_loss(out["logit"], y)
    l_e = l_d = torch.zeros((), device=device)
    if disc is not None and paper:
        same_i, diff_i = same_and_different(cases, table.subjects[cases], rng,
                                            same=run.adv_pairs)
        with _frozen(disc):
            disc.eval()  # the encoder's pass leaves D's batch-norm statistics alone
            l_e = paper_adversarial_losses(disc, emb, same_i, diff_i, encoder=True)
            disc.train()
    elif disc is not None:
        partner, same = sample_partners(cases, table.subjects[cases], rng,
                                        same=run.adv_pairs)
        p_t = torch.from_numpy(partner).to(device)
        same_t = torch.from_numpy(same).to(device)
        with _frozen(disc):
            l_e = encoder_adversarial_loss(disc(emb, emb[p_t]))
    run.opt.zero_grad(set_to_none=True)
    (l_cls + lambda_adv * l_e).backward()
    run.opt.step()
    d_right = d_seen = 0
    if disc is not None:
        emb_d = emb.detach()
        if paper:
            l_d, d_right, d_seen = paper_adversarial_losses(disc, emb_d, same_i, diff_i,
                                                            encoder=False, count=True)
        else:
            d_out = disc(emb_d, emb_d[p_t])
            l_d = discriminator_loss(d_out, same_t)
            d_right = int(((d_out.detach() > 0.5) == same_t).sum().item())
            d_seen = len(rows)
        run.opt_d.zero_grad(set_to_none=True)  # type: ignore[union-attr]
        (lambda_adv * l_d).backward()
        run.opt_d.step()  # type: ignore[union-attr]
    total = l_cls.item() + lambda_adv * (l_e.item() + l_d.item())
    losses = _StepLosses(cls=l_cls.item(), adv_e=l_e.item(), adv_d=l_d.item(), total=total,
                         d_right=d_right, d_seen=d_seen)
    return losses, out["logit"].detach()


def _train_epoch(run: _Run, epoch: int, *, progress: Progress | None,
                 val_table: PairTable | None) -> tuple[dict[str, float | None], int]:
    """One pass over the table with epoch ``epoch``'s (from 0) rates and random draws;
    returns its history record (mean losses, discriminator accuracy, lr, AUCs) and its
    number of batches."""
    settings, table = run.settings, run.table
    epochs = settings.epochs
    rng = np.random.default_rng([settings.seed, epoch])
    lr_now = settings.lr_of_epoch(epoch)
    _set_lr(run, lr_now)
    batches = epoch_batches(table, rng, settings.batch_size,
                            by=run.adv_pairs if run.disc is not None else "case")
    n_batches = len(batches)
    run.net.train()
    if run.disc is not None:
        run.disc.train()
    sums = {"loss": 0.0, "loss_cls": 0.0, "loss_adv_e": 0.0, "loss_adv_d": 0.0}
    d_right = d_seen = 0
    row_p = np.full(len(table.row_case), np.nan)
    for b, rows in enumerate(batches):
        step, logit = _batch_step(run, rows, rng)
        d_right += step.d_right
        d_seen += step.d_seen
        row_p[rows] = torch.sigmoid(logit).double().cpu().numpy()
        for k, v in (("loss", step.total), ("loss_cls", step.cls),
                     ("loss_adv_e", step.adv_e), ("loss_adv_d", step.adv_d)):
            sums[k] += v
        if progress is not None:
            progress(epoch * n_batches + b + 1, total=epochs * n_batches,
                     note=f"epoch {epoch + 1}/{epochs} loss {step.total:.3f}")
    rec: dict[str, float | None] = {
        "epoch": epoch + 1, **{k: v / max(1, n_batches) for k, v in sums.items()}}
    rec["disc_accuracy"] = d_right / d_seen if d_seen else None
    rec["lr"] = lr_now
    case_p = np.array([row_p[table.row_case == c].mean() if table.usable[c] else np.nan
                       for c in range(len(table.case_ids))])
    rec["train_auc"] = _auc(table.labels, case_p)
    rec["val_auc"] = None
    if val_table is not None:
        rec["val_auc"] = _auc(val_table.labels, predict_table(run.net, val_table, run.device)[0])
    return rec, n_batches


def _report_epoch(progress: Progress, rec: dict, *, epochs: int, n_batches: int) -> None:
    """The end-of-epoch progress note: mean loss and the validation (else training) AUC."""
    epoch = int(rec["epoch"])
    auc = rec["val_auc"] if rec["val_auc"] is not None else rec["train_auc"]
    which = "val" if rec["val_auc"] is not None else "train"
    auc_s = f"{auc:.3f}" if auc is not None else "n/a"
    progress(epoch * n_batches, total=epochs * n_batches,
             note=f"epoch {epoch}/{epochs} loss {rec['loss']:.3f} {which} AUC {auc_s}")


def _save_checkpoint(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train_net(
    net: DeepStrokeNet,
    table: PairTable,
    settings: TrainSettings,
    *,
    device: torch.device,
    fingerprint: str,
    checkpoint_dir: Path | None = None,
    progress: Progress | None = None,
    val_table: PairTable | None = None,
    generator: torch.Generator | None = None,
) -> tuple[SubjectDiscriminator | None, list[dict]]:
    """Train ``net`` (in place) on ``table`` under ``settings``; returns the discriminator
    (None for a variant without one) and the history, one record per epoch.

    One step: the encoder and heads minimise L_cls + lambda * L_adv(E) with D fixed; then
    D minimises lambda * L_adv(D) on detached embeddings (E frozen). The reported loss is
    L_cls + lambda * (L_adv(E) + L_adv(D)). The history records, per epoch, the mean
    losses, the share of pairs the discriminator judged right (``disc_accuracy``; 0.5 =
    fooled), the learning rate and the training (and, with ``val_table``, validation)
    AUC. The learning rate is set at the start of each epoch, so a resumed run uses the
    same rates.

    device : where the net (already moved there) trains. fingerprint : identifies this
    training; after every epoch the full state goes to ``checkpoint_dir/last.pt``, and a
    checkpoint found there with the same fingerprint is resumed from (another one raises
    :class:`InputError`). progress : ``progress(done, total=..., note=...)`` per batch
    and per epoch. generator : initialises the discriminator's weights.
    """
    settings.validate()
    disc = _build_discriminator(net, table, settings, device, generator)
    opt, opt_d = _build_optimisers(net, disc, settings)
    run = _Run(net=net, disc=disc, opt=opt, opt_d=opt_d, table=table, settings=settings,
               device=device, adv_pairs=settings.adv_pairs if net.spec.video else "subject")
    ckpt = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir else None
    history, start = _resume(run, ckpt, fingerprint)
    for epoch in range(start, settings.epochs):
        rec, n_batches = _train_epoch(run, epoch, progress=progress, val_table=val_table)
        history.append(rec)
        if ckpt is not None:
            _write_checkpoint(run, ckpt, fingerprint=fingerprint, epochs_done=epoch + 1,
                              history=history)
        if progress is not None:
            _report_epoch(progress, rec, epochs=settings.epochs, n_batches=n_batches)
    net.eval()
    return disc, history
