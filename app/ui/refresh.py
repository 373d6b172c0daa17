"""What a tab builder hands back so the page-load event can refresh its lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

# (a function of no inputs returning one update per component, the components); it may
# take a `gr.Request` parameter, which Gradio fills in (the Corpus tab asks who is looking)
Refresh = tuple[Callable[..., Any], list[gr.components.Component]]
