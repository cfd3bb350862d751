"""roadbench: profile the Django ORM on three ways to model road sub-classes."""

from __future__ import annotations

__version__ = "0.1.0"
