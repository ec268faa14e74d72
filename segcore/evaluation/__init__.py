"""Evaluation protocols: instance AP and panoptic quality."""
