"""Receive an uploaded recording: stream it to disk under a random name, bounded in size,
and accept it only when its content is a video.

- The size limit is enforced while the body streams (and up front from Content-Length):
  nothing is ever held whole in memory, and an oversize upload stops at the limit (413).
- The client's file name is never used: the file is ``<data>/uploads/<32 hex chars>``.
- The content is checked twice: container magic bytes on the first bytes (422 early for
  anything that is not a known video container) and a PyAV probe that must find a video
  stream and decode one frame (422 otherwise).
- Multipart bodies: a form's CSRF token must arrive before the file part (as a header or
  an earlier field), so that no unauthenticated bytes reach the disk.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FILE_FIELD = "video"
MAX_FIELD_BYTES = 4096
MAX_FIELDS = 16
#: python-multipart's own limit; a longer boundary is a 400, not its exception.
MAX_BOUNDARY_CHARS = 256
SNIFF_BYTES = 512
#: Allowance for multipart boundaries and small fields on top of the file limit.
MULTIPART_SLACK_BYTES = 64 * 1024

RAW_CONTENT_TYPES = ("application/octet-stream",)


class UploadRejected(Exception):
    """The upload is refused; ``status_code`` is the HTTP status to answer with."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass
class SavedUpload:
    path: Path
    size_bytes: int
    container: str
    fields: dict[str, str] = field(default_factory=dict)


def sniff_container(head: bytes) -> str | None:
    """Name of the video container family that ``head`` (first bytes) starts, else None."""
    if len(head) >= 12 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "iso-bmff (mp4/mov/3gp)"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska/webm"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"FLV":
        return "flv"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg-ps"
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "mpeg-ts"
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):
        return "asf/wmv"
    return None


NOT_VIDEO_MESSAGE = (
    "the uploaded file is not a video recording (its content is not MP4, MOV, WebM, MKV, "
    "AVI or another video container); choose the video file again"
)


def probe_video(path: Path, *, max_packets: int = 300) -> None:
    """Raise :class:`UploadRejected` (422) unless PyAV finds a video stream with a frame."""
    import av

    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                raise UploadRejected(
                    422, "the uploaded file has no video track (audio only?); upload a video"
                )
            stream = container.streams.video[0]
            for n, packet in enumerate(container.demux(stream)):
                if packet.size and list(packet.decode()):
                    return
                if n >= max_packets:
                    break
            for _ in container.decode(stream):  # flush the decoder
                return
    except UploadRejected:
        raise
    except Exception as exc:  # PyAV/FFmpeg raise many types for broken input
        raise UploadRejected(
            422, "the uploaded file could not be read as a video (damaged or unsupported); "
            "record or export it again"
        ) from exc
    raise UploadRejected(422, "the uploaded video has no decodable frame; record it again")


class _Sink:
    """Writes the file part to disk, counting bytes and sniffing the first ones."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self.head = b""
        self.container: str | None = None
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise UploadRejected(
                413, f"the upload is larger than the limit of {_mb(self.max_bytes)}"
            )
        if self.container is None:
            self.head += data[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.finish_sniff()
        os.write(self._fd, data)

    def finish_sniff(self) -> None:
        if self.container is None:
            self.container = sniff_container(self.head)
            if self.container is None:
                raise UploadRejected(422, NOT_VIDEO_MESSAGE)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n} bytes"


async def receive_upload(
    request: Request,
    upload_dir: Path,
    *,
    max_bytes: int,
    csrf_ok: Callable[[str | None], bool] | None = None,
    allow_raw: bool = False,
) -> SavedUpload:
    """Stream the request body's recording into ``upload_dir`` and return where it is.

    ``csrf_ok(token)`` is asked before the first file byte is written, with the token from
    the ``X-CSRF-Token`` header or an earlier ``csrf_token`` form field; False -> 403.
    ``allow_raw``: a body of type ``application/octet-stream`` or ``video/*`` is the file.
    Raises :class:`UploadRejected` (400, 403, 413, 415, 422); nothing is left on disk then.
    """
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + MULTIPART_SLACK_BYTES:
        raise UploadRejected(413, f"the upload is larger than the limit of {_mb(max_bytes)}")
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    name = secrets.token_hex(16)
    part_path = upload_dir / f"{name}.part"
    final_path = upload_dir / name
    sink: _Sink | None = None
    fields: dict[str, str] = {}
    try:
        if ctype == b"multipart/form-data" and b"boundary" in params:
            if not 1 <= len(params[b"boundary"]) <= MAX_BOUNDARY_CHARS:
                raise UploadRejected(400, "the multipart boundary is malformed (RFC 2046 "
                                     f"allows 1-70 characters, at most {MAX_BOUNDARY_CHARS} "
                                     "here)")
            sink = await _receive_multipart(
                request, params[b"boundary"], part_path, max_bytes, csrf_ok, fields
            )
        elif allow_raw and (ctype.startswith(b"video/") or ctype.decode() in RAW_CONTENT_TYPES):
            if csrf_ok is not None and not csrf_ok(request.headers.get("x-csrf-token")):
                raise UploadRejected(403, "the form has expired; reload the page and try again")
            sink = _Sink(part_path, max_bytes)
            async for chunk in request.stream():
                if chunk:
                    sink.write(chunk)
        else:
            raise UploadRejected(
                415, "send the recording as multipart/form-data with a 'video' file field"
                + (" or as application/octet-stream" if allow_raw else "")
            )
        if sink is None or sink.size == 0:
            raise UploadRejected(400, "no video file was received; choose a file to upload")
        sink.finish_sniff()
        sink.close()
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(probe_video, part_path)
        os.replace(part_path, final_path)
        return SavedUpload(final_path, sink.size, sink.container or "", fields)
    except BaseException:
        if sink is not None:
            sink.close()
        part_path.unlink(missing_ok=True)
        raise


async def _receive_multipart(
    request: Request,
    boundary: bytes,
    part_path: Path,
    max_bytes: int,
    csrf_ok: Callable[[str | None], bool] | None,
    fields: dict[str, str],
) -> _Sink | None:
    state: dict = {"name": None, "is_file": False, "buf": bytearray(), "hfield": b"",
                   "hvalue": b"", "headers": {}, "sink": None, "n": 0}
    header_token = request.headers.get("x-csrf-token")

    def on_part_begin() -> None:
        state.update(name=None, is_file=False, buf=bytearray(), headers={})
        state["n"] += 1
        if state["n"] > MAX_FIELDS:
            raise UploadRejected(400, "too many form fields")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["hfield"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["hvalue"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["hfield"].lower()] = state["hvalue"]
        state["hfield"], state["hvalue"] = b"", b""

    def on_headers_finished() -> None:
        _, opts = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["name"] = opts.get(b"name", b"").decode("latin-1")
        state["is_file"] = b"filename" in opts
        if state["is_file"]:
            if state["name"] != FILE_FIELD or state["sink"] is not None:
                raise UploadRejected(400, f"send exactly one file, in the '{FILE_FIELD}' field")
            if csrf_ok is not None and not csrf_ok(header_token or fields.get("csrf_token")):
                raise UploadRejected(403, "the form has expired; reload the page and try again")
            state["sink"] = _Sink(part_path, max_bytes)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["is_file"]:
            state["sink"].write(data[start:end])
        else:
            state["buf"] += data[start:end]
            if len(state["buf"]) > MAX_FIELD_BYTES:
                raise UploadRejected(400, "a form field is too long")

    def on_part_end() -> None:
        if not state["is_file"] and state["name"]:
            fields[state["name"]] = state["buf"].decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except UploadRejected:
        if state["sink"] is not None:
            state["sink"].close()
        raise
    except Exception as exc:  # malformed multipart body
        if state["sink"] is not None:
            state["sink"].close()
        raise UploadRejected(400, "the upload was malformed; try again") from exc
    return state["sink"]
