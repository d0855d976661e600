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

from strokescreen.errors import InputError
from strokescreen.models.deep_data import CaseInputs, normalise_frames
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
    """``"auto"`` -> cuda when available, else cpu; other names as given."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


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


def build_table(
    inputs: list[CaseInputs],
    spec: NetSpec,
    *,
    labels: np.ndarray | None = None,
    subjects: np.ndarray | None = None,
    spec_shape: tuple[int, ...] = (64, 64),
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
        subjects=np.unique(subjects, return_inverse=True)[1])
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
        out["frames_a"] = torch.from_numpy(normalise_frames(fa)).to(device)
        out["frames_b"] = torch.from_numpy(normalise_frames(fb)).to(device)
        out["video_mask"] = torch.from_numpy(vmask.astype(np.float32)).to(device)
    if net.audio is not None:
        out["audio"] = torch.from_numpy(table.specs[uniq]).to(device)
        out["audio_mask"] = torch.from_numpy(amask.astype(np.float32)).to(device)
    out["audio_index"] = torch.from_numpy(inv.astype(np.int64)).to(device)
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
    """
    dev = emb.device
    terms = []
    right = seen = 0
    for part, target in ((same_i, 1.0), (diff_i, 0.0)):
        ok = np.flatnonzero(part >= 0)
        if not len(ok):
            continue
        a = torch.from_numpy(ok).to(dev)
        b = torch.from_numpy(part[ok]).to(dev)
        score = disc(emb[a], emb[b].detach())
        goal = 0.5 if encoder else target
        terms.append(((score - goal) ** 2).sum())
        if count:
            right += int(((score.detach() > 0.5) == bool(target)).sum().item())
            seen += len(ok)
    loss = torch.stack(terms).sum() / len(emb) if terms else torch.zeros((), device=dev)
    return (loss, right, seen) if count else loss


def _save_checkpoint(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train_net(
    net: DeepStrokeNet,
    table: PairTable,
    *,
    epochs: int,
    seed: int,
    lr: float,
    weight_decay: float,
    batch_size: int,
    lambda_adv: float,
    branch_dropout: float,
    device: torch.device,
    fingerprint: str,
    checkpoint_dir: Path | None = None,
    progress: Progress | None = None,
    val_table: PairTable | None = None,
    generator: torch.Generator | None = None,
    adv_pairs: str = "case",
    adv_output: str = "linear",
    lr_step_epochs: int = 0,
    lr_gamma: float = 0.1,
    adv_form: str = "half_mean",
) -> tuple[SubjectDiscriminator | None, list[dict]]:
    """Train ``net`` (in place) on ``table``; returns the discriminator and the history.

    One step: the encoder and heads minimise L_cls + lambda * L_adv(E) with D fixed; then
    D minimises lambda * L_adv(D) on detached embeddings (E frozen). The reported loss is
    L_cls + lambda * (L_adv(E) + L_adv(D)). After every epoch the full state goes to
    ``checkpoint_dir/last.pt``; a checkpoint found there with the same ``fingerprint``
    is resumed from. ``adv_pairs`` says what a "same" pair is for the discriminator:
    two frame pairs of one recording (``"case"``, the paper) or of one subject's two
    different recordings (``"subject"``). The history records, per epoch, the share of
    pairs the discriminator judged right (``disc_accuracy``; 0.5 = fooled). A variant
    without video has one row per recording, so its "same" pairs are always
    ``"subject"`` pairs (two recordings of one person).

    The learning rate of epoch ``e`` (from 0) is ``lr * lr_gamma ** (e // lr_step_epochs)``
    (constant when ``lr_step_epochs`` is 0), set at the start of each epoch so a resumed
    run uses the same rates. ``adv_form``: ``"half_mean"`` (the losses of
    :mod:`~strokescreen.models.nets.discriminator`, one partner per row) or ``"paper"``
    (:func:`paper_adversarial_losses`).
    """
    if adv_form not in ("half_mean", "paper"):
        raise ValueError(f"adv_form must be 'half_mean' or 'paper', got {adv_form!r}")
    if adv_pairs not in ("case", "subject"):
        raise ValueError(f"adv_pairs must be 'case' or 'subject', got {adv_pairs!r}")
    spec = net.spec
    disc = None
    if spec.adversarial:
        with torch.no_grad():
            net.eval()
            probe = net(**batch_tensors(net, table, np.arange(min(2, len(table.row_case))),
                                        device))["embedding"]
        disc = SubjectDiscriminator(probe.shape[1], int(min(probe.shape[2:])),
                                    output=adv_output)
        if generator is not None:
            from strokescreen.models.nets.resnet import init_resnet

            init_resnet(disc, generator)
        disc.start_neutral()
        disc.to(device)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    opt_d = (torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
             if disc is not None else None)
    history: list[dict] = []
    start = 0
    ckpt = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir else None
    if ckpt is not None and ckpt.is_file():
        state = torch.load(ckpt, map_location=device, weights_only=True)
        if state.get("fingerprint") != fingerprint:
            raise InputError(
                f"checkpoint {ckpt} belongs to another training (different variant, "
                "settings or cases); use another checkpoint folder or delete it")
        net.load_state_dict(state["net"])
        opt.load_state_dict(state["opt"])
        if disc is not None:
            disc.load_state_dict(state["disc"])
            opt_d.load_state_dict(state["opt_d"])  # type: ignore[union-attr]
        history = list(state["history"])
        start = int(state["epoch"])
    fused = spec.video and spec.audio
    if not spec.video:
        # one row per recording: a "same" pair can only be a subject's other recording
        adv_pairs = "subject"
    n_batches = None
    for epoch in range(start, epochs):
        rng = np.random.default_rng([seed, epoch])
        lr_now = lr * lr_gamma ** (epoch // lr_step_epochs) if lr_step_epochs else lr
        for o in (opt, opt_d):
            if o is not None:
                for group in o.param_groups:
                    group["lr"] = lr_now
        batches = epoch_batches(table, rng, batch_size,
                                by=adv_pairs if disc is not None else "case")
        n_batches = len(batches)
        net.train()
        if disc is not None:
            disc.train()
        sums = {"loss": 0.0, "loss_cls": 0.0, "loss_adv_e": 0.0, "loss_adv_d": 0.0}
        d_right = d_seen = 0
        row_p = np.full(len(table.row_case), np.nan)
        for b, rows in enumerate(batches):
            drop_a = drop_v = None
            if fused and branch_dropout > 0:
                u = rng.random(len(rows))
                both = table.row_video[rows] & table.row_audio[rows]
                drop_a = both & (u < branch_dropout)
                drop_v = both & (u >= branch_dropout) & (u < 2 * branch_dropout)
            kw = batch_tensors(net, table, rows, device, drop_audio=drop_a, drop_video=drop_v)
            y = torch.from_numpy(table.labels[table.row_case[rows]].astype(np.float32)).to(device)
            out = net(**kw)
            l_cls = classification_loss(out["logit"], y)
            l_e = l_d = torch.zeros((), device=device)
            if disc is not None and adv_form == "paper":
                same_i, diff_i = same_and_different(
                    table.row_case[rows], table.subjects[table.row_case[rows]], rng,
                    same=adv_pairs)
                emb = out["embedding"]
                for p in disc.parameters():
                    p.requires_grad_(False)
                disc.eval()  # the encoder's pass leaves D's batch-norm statistics alone
                l_e = paper_adversarial_losses(disc, emb, same_i, diff_i, encoder=True)
                disc.train()
                for p in disc.parameters():
                    p.requires_grad_(True)
            elif disc is not None:
                partner, same = sample_partners(table.row_case[rows],
                                                table.subjects[table.row_case[rows]], rng,
                                                same=adv_pairs)
                p_t = torch.from_numpy(partner).to(device)
                same_t = torch.from_numpy(same).to(device)
                emb = out["embedding"]
                for p in disc.parameters():
                    p.requires_grad_(False)
                l_e = encoder_adversarial_loss(disc(emb, emb[p_t]))
                for p in disc.parameters():
                    p.requires_grad_(True)
            opt.zero_grad(set_to_none=True)
            (l_cls + lambda_adv * l_e).backward()
            opt.step()
            if disc is not None and adv_form == "paper":
                emb_d = out["embedding"].detach()
                l_d, right, seen = paper_adversarial_losses(disc, emb_d, same_i, diff_i,
                                                            encoder=False, count=True)
                d_right += right
                d_seen += seen
                opt_d.zero_grad(set_to_none=True)  # type: ignore[union-attr]
                (lambda_adv * l_d).backward()
                opt_d.step()  # type: ignore[union-attr]
            elif disc is not None:
                emb_d = out["embedding"].detach()
                d_out = disc(emb_d, emb_d[p_t])
                l_d = discriminator_loss(d_out, same_t)
                d_right += int(((d_out.detach() > 0.5) == same_t).sum().item())
                d_seen += len(rows)
                opt_d.zero_grad(set_to_none=True)  # type: ignore[union-attr]
                (lambda_adv * l_d).backward()
                opt_d.step()  # type: ignore[union-attr]
            row_p[rows] = torch.sigmoid(out["logit"].detach()).double().cpu().numpy()
            total = l_cls.item() + lambda_adv * (l_e.item() + l_d.item())
            for k, v in (("loss", total), ("loss_cls", l_cls.item()),
                         ("loss_adv_e", l_e.item()), ("loss_adv_d", l_d.item())):
                sums[k] += v
            if progress is not None:
                progress(epoch * n_batches + b + 1, total=epochs * n_batches,
                         note=f"epoch {epoch + 1}/{epochs} loss {total:.3f}")
        rec: dict[str, float | None] = {
            "epoch": epoch + 1, **{k: v / max(1, n_batches) for k, v in sums.items()}}
        rec["disc_accuracy"] = d_right / d_seen if d_seen else None
        rec["lr"] = lr_now
        case_p = np.array([row_p[table.row_case == c].mean() if table.usable[c] else np.nan
                           for c in range(len(table.case_ids))])
        rec["train_auc"] = _auc(table.labels, case_p)
        rec["val_auc"] = None
        if val_table is not None:
            rec["val_auc"] = _auc(val_table.labels, predict_table(net, val_table, device)[0])
        history.append(rec)
        if ckpt is not None:
            state = {"fingerprint": fingerprint, "epoch": epoch + 1, "net": net.state_dict(),
                     "opt": opt.state_dict(), "history": history}
            if disc is not None:
                state["disc"] = disc.state_dict()
                state["opt_d"] = opt_d.state_dict()  # type: ignore[union-attr]
            _save_checkpoint(ckpt, state)
        if progress is not None:
            auc = rec["val_auc"] if rec["val_auc"] is not None else rec["train_auc"]
            which = "val" if rec["val_auc"] is not None else "train"
            auc_s = f"{auc:.3f}" if auc is not None else "n/a"
            progress((epoch + 1) * n_batches, total=epochs * n_batches,
                     note=f"epoch {epoch + 1}/{epochs} loss {rec['loss']:.3f} {which} AUC {auc_s}")
    net.eval()
    return disc, history
