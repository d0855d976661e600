from __future__ import annotations

from typer.testing import CliRunner

from strokescreen.cli import app


def test_doctor_reports_the_stack_and_exits_0():
    res = CliRunner().invoke(app, ["doctor"])
    assert res.exit_code == 0, res.output
    for word in ("mediapipe", "0.10.21", "numpy", "opencv", "torch", "CPU cores", "core stack works"):
        assert word in res.output
