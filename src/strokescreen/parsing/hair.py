"""Predicted hair kept only where it is attached to the head (pure functions).

Principle: hair grows from the scalp, so hair that is not connected to the head is not
hair. The training label says the same by construction: hair is the person segmentation
outside the face oval and above the pupil line (:func:`strokescreen.parsing.masks.hair_proxy`),
so every labelled hair pixel belongs to a region that touches the face. A network can
still paint "hair" on a brown door or a shadow beside the head; such a patch is a
connected component of hair pixels that does not reach the face.

Rule (:func:`keep_attached_hair`): the hair pixels are split into 8-connected components;
a component is kept when one of its pixels is within ``gap_px + 1`` pixels (chessboard
distance) of a face pixel — skin, FPP, brows, eyes or mouth — i.e. when at most
``gap_px`` pixels of another class separate it from the face. The gap allows for the
seam of a pixel or two of background that an arg-max leaves on a boundary between two
classes; :func:`default_gap_px` sets it to 1/64 of the crop side (2 px at the 128 px
``tiny`` crop, about 3-4 mm of face). Removed hair pixels become background; every other
pixel is left as it is. A map without any face pixel is returned unchanged: with no
head to measure from, the rule cannot tell scalp hair from a stray patch, and the
network's output is shown as it is rather than emptied.

Second rule, at inference (:func:`gate_hair_by_person`): the hair label is a subset of the
person mask by construction, so predicted hair outside the person mask of the same crop
contradicts the label's definition and becomes background; this removes a "wing" over the
background that is joined to the scalp hair and so survives the first rule. The mask is
widened by ``tol_px`` (chessboard dilation, :func:`default_person_tol_px`: 1/64 of the
crop side, 2 px at 128 px) for the uncertainty of its edge: the training label resamples
the segmenter's mask from its 192 px crop to the model's crop and thresholds it at 0.5 (up
to a pixel of shift), and a network trained on such edges places its own boundary to
about a pixel. A map whose person mask is empty (the segmenter found no one, though a face
was detected) is returned unchanged: a failed segmenter must not erase all the hair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from strokescreen.errors import InputError

#: the face classes hair must reach (names of :data:`strokescreen.parsing.masks.CLASSES`)
FACE_CLASSES = ("skin", "fpp", "brows", "eyes", "mouth")
#: the gap allowed between hair and face, as a fraction of the crop side
GAP_FRACTION = 1 / 64
#: the tolerance around the person mask, as a fraction of the crop side
PERSON_TOL_FRACTION = 1 / 64


def default_gap_px(size_px: int) -> int:
    """The gap bridged between hair and face in a crop of ``size_px`` pixels (at least 1)."""
    return max(1, int(round(size_px * GAP_FRACTION)))


def keep_attached_hair(labels: np.ndarray, *, hair: int, face: Sequence[int],
                       background: int = 0, gap_px: int | None = None) -> np.ndarray:
    """Label maps with the hair not attached to the face turned into background.

    labels : ndarray, shape (H, W) or (N, H, W), integer class codes.
    hair : the code of hair. face : the codes of the face classes (skin, FPP, brows, eyes,
    mouth). background : the code removed hair pixels get. gap_px : pixels of another
    class allowed between a kept hair component and the face (None = :func:`default_gap_px`
    of the map's side). Returns a new array of the same shape and dtype; maps without a
    face pixel, or without hair, are returned unchanged.
    """
    lab = np.asarray(labels)
    if lab.ndim not in (2, 3):
        raise InputError(f"label maps of shape {lab.shape}: give (H, W) or (N, H, W)")
    if gap_px is None:
        gap_px = default_gap_px(min(lab.shape[-2:]))
    if gap_px < 0:
        raise InputError(f"hair gap of {gap_px} px is negative; give 0 or more pixels")
    batch = lab if lab.ndim == 3 else lab[None]
    out = batch.copy()
    is_hair = batch == hair
    is_face = np.isin(batch, np.asarray(list(face)))
    todo = is_hair.reshape(len(batch), -1).any(1) & is_face.reshape(len(batch), -1).any(1)
    if todo.any():
        h, f = is_hair[todo], is_face[todo]
        # 8-connected in the image plane, never across maps
        structure = np.zeros((3, 3, 3), bool)
        structure[1] = True
        comp, n = ndimage.label(h, structure=structure)
        width = 2 * (gap_px + 1) + 1
        near = ndimage.maximum_filter(f, size=(1, width, width), mode="constant", cval=0)
        kept = np.zeros(n + 1, bool)
        kept[np.unique(comp[near & h])] = True
        kept[0] = False
        drop = h & ~kept[comp]
        sub = out[todo]
        sub[drop] = background
        out[todo] = sub
    return out if lab.ndim == 3 else out[0]


def keep_attached_hair_named(labels: np.ndarray, classes: Sequence[str], *,
                             gap_px: int | None = None) -> np.ndarray:
    """:func:`keep_attached_hair` for maps coded in the order of ``classes`` (names of
    :data:`strokescreen.parsing.masks.CLASSES`); unchanged when there is no hair class."""
    names = list(classes)
    if "hair" not in names:
        return np.asarray(labels)
    face = [names.index(c) for c in FACE_CLASSES if c in names]
    return keep_attached_hair(labels, hair=names.index("hair"), face=face,
                              background=names.index("background"), gap_px=gap_px)


def default_person_tol_px(size_px: int) -> int:
    """The person mask's edge tolerance in a crop of ``size_px`` pixels (at least 1)."""
    return max(1, int(round(size_px * PERSON_TOL_FRACTION)))


def gate_hair_by_person(labels: np.ndarray, person: np.ndarray, *, hair: int,
                        background: int = 0, tol_px: int | None = None) -> np.ndarray:
    """Label maps with the hair outside the (widened) person mask turned into background.

    labels : (H, W) or (N, H, W) integer class codes. person : bool mask(s) of the same
    shape. hair, background : the class codes. tol_px : pixels the person mask is widened
    by (chessboard distance; None = :func:`default_person_tol_px` of the map's side).
    Returns a new array of the same shape and dtype; every pixel that is not hair, and
    every map whose person mask is empty, is left as it is.
    """
    lab = np.asarray(labels)
    per = np.asarray(person, bool)
    if lab.ndim not in (2, 3):
        raise InputError(f"label maps of shape {lab.shape}: give (H, W) or (N, H, W)")
    if per.shape != lab.shape:
        raise InputError(f"person mask of shape {per.shape} for label maps of shape "
                         f"{lab.shape}; give one mask per map, of the same size")
    if tol_px is None:
        tol_px = default_person_tol_px(min(lab.shape[-2:]))
    if tol_px < 0:
        raise InputError(f"person-mask tolerance of {tol_px} px is negative; give 0 or more")
    batch, pb = (lab, per) if lab.ndim == 3 else (lab[None], per[None])
    out = batch.copy()
    has_person = pb.reshape(len(pb), -1).any(1)
    if has_person.any():
        width = 2 * tol_px + 1
        inside = ndimage.maximum_filter(pb, size=(1, width, width), mode="constant", cval=0)
        drop = (batch == hair) & ~inside & has_person[:, None, None]
        out[drop] = background
    return out if lab.ndim == 3 else out[0]


def gate_hair_by_person_named(labels: np.ndarray, person: np.ndarray,
                              classes: Sequence[str], *, tol_px: int | None = None,
                              gap_px: int | None = None) -> np.ndarray:
    """:func:`gate_hair_by_person` for maps coded in the order of ``classes``, followed by
    :func:`keep_attached_hair` (hair the gate cut off from the face is not attached hair
    either); unchanged when there is no hair class."""
    names = list(classes)
    if "hair" not in names:
        return np.asarray(labels)
    gated = gate_hair_by_person(labels, person, hair=names.index("hair"),
                                background=names.index("background"), tol_px=tol_px)
    return keep_attached_hair_named(gated, names, gap_px=gap_px)
