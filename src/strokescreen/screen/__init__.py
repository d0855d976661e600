"""Screens that decide without a trained model (norm-based)."""

from strokescreen.screen.normative import (
    SCREEN_LABEL,
    SCREEN_METHOD,
    ScreenConfig,
    norm_screen,
    operating_point,
)

__all__ = ["SCREEN_LABEL", "SCREEN_METHOD", "ScreenConfig", "norm_screen", "operating_point"]
