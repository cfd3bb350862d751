"""Self-contained HTML reports: one file that opens offline, on a laptop and on a phone.

``page`` is the skeleton every report shares (inline CSS, escaping helpers, sections with
anchors); ``svg`` draws the figures inline. The reports built on them live beside them, one
module each (``run``: a run, comparison or scaling file).
"""

from __future__ import annotations
