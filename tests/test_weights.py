"""The one checksum file: every shipped weight file is listed and verified."""

import pytest
import torch

from segcore.deep import weights as W
from segcore.deep.threads import torch_threads


def test_every_shipped_weight_file_matches_its_recorded_digest():
    files = sorted(p.name for p in W.ASSETS_DIR.glob("*.pt"))
    assert files, "weights are committed"
    for name in files:
        assert W.expected_sha256(name) == W.sha256_of(W.ASSETS_DIR / name)


def test_record_sha256_keeps_other_lines(tmp_path):
    for name, payload in (("a.pt", b"a"), ("b.pt", b"b")):
        (tmp_path / name).write_bytes(payload)
    W.record_sha256(tmp_path, ["a.pt"])
    W.record_sha256(tmp_path, ["b.pt"])
    (tmp_path / "a.pt").write_bytes(b"changed")
    W.record_sha256(tmp_path, ["a.pt"])
    lines = (tmp_path / W.SUMS_FILE).read_text().splitlines()
    assert len(lines) == 2
    assert W.expected_sha256("a.pt", tmp_path) == W.sha256_of(tmp_path / "a.pt")
    assert W.expected_sha256("b.pt", tmp_path) == W.sha256_of(tmp_path / "b.pt")


def test_tampered_weights_are_refused(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"x": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="SHA-256"):
        W.load_state_dict(path, "0" * 64)
    assert W.load_state_dict(path, W.sha256_of(path))["x"].shape == (2,)


def test_torch_threads_is_bounded_and_restored():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError):
        with torch_threads(0):
            pass
