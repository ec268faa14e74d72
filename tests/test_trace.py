"""Trace/Step: the result shape, bounded recording, pickling."""

import pickle

import numpy as np
import pytest

from segcore.trace import Step, Trace, TraceRecorder


@pytest.mark.parametrize("max_steps", [2, 3, 5, 16])
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_recorder_bounds_and_spans_the_run(max_steps, n):
    rec = TraceRecorder(max_steps)
    for i in range(n):
        rec.add(f"it {i}", np.full(2, i), "caption", sse=float(i))
    idx = [s.index for s in rec.steps]
    assert len(idx) <= max_steps
    assert idx[0] == 0 and idx[-1] == n - 1
    assert idx == sorted(set(idx))
    trace = rec.finish({"labels": np.zeros(2)})
    assert trace.total_steps == n and trace.truncated == (len(idx) < n)
    assert trace.steps[-1].metrics["sse"] == n - 1


def test_unbounded_keeps_everything():
    rec = TraceRecorder()
    for i in range(50):
        rec.add("x", i)
    assert [s.index for s in rec.steps] == list(range(50))


def test_trace_output_attributes_and_pickle():
    trace = Trace({"labels": np.arange(4)}, (Step("a", np.ones(2), "c", {"m": 1.0}),),
                  params={"k": 3}, warnings=("w",))
    back = pickle.loads(pickle.dumps(trace))
    np.testing.assert_array_equal(back.labels, np.arange(4))
    assert back.steps[0].metrics == {"m": 1.0} and back.warnings == ("w",) and back.params == {"k": 3}
    with pytest.raises(AttributeError):
        _ = trace.nothing
    with pytest.raises(Exception):
        trace.output = {}


def test_bad_max_steps():
    with pytest.raises(ValueError):
        TraceRecorder(1)
