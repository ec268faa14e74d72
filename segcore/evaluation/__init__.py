"""Evaluation protocols: scoring a label map against a scene (VOID ignored), instance AP,
panoptic quality."""
