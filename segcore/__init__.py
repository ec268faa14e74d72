"""SegLab's backend: segmentation algorithms that return every intermediate step.

``segcore`` never imports Streamlit. Each algorithm returns a
:class:`segcore.trace.Trace` holding the final output and the steps that led
to it, so a page can replay them.
"""

__all__ = ["trace", "images", "scenes", "metrics"]
