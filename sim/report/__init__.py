"""Figures and reports, drawn from Results only."""

from .figures import FIGURES, write_figures

__all__ = ["FIGURES", "write_figures"]
