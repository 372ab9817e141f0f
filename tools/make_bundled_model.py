#!/usr/bin/env python3
"""Rebuild models/digits-mlp.onnx: a small classifier trained on the UCI digits bundled in testdata/.

Deterministic (fixed split and seed). Needs numpy, scikit-learn and onnx (pip install numpy scikit-learn onnx);
only developers run it: the resulting ONNX file is committed, so users never need Python for it.

Network: 64 inputs -> Gemm 64x32 -> Relu -> Gemm 32x10, exported with transB = 1 as PyTorch exports Linear.
Split: images 0..1437 train, 1437..1797 test (the last 20 %, in file order).
"""
import gzip
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.neural_network import MLPClassifier

root = pathlib.Path(__file__).resolve().parent.parent
with gzip.open(root / "testdata" / "digits.csv.gz", "rt") as f:
    data = np.loadtxt(f, delimiter=",")
x, y = data[:, :64] / 16.0, data[:, 64].astype(int)
split = 1437
clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=600, random_state=0)
clf.fit(x[:split], y[:split])
acc = clf.score(x[split:], y[split:])

w1, w2 = clf.coefs_[0].T.astype(np.float32), clf.coefs_[1].T.astype(np.float32)  # [out, in]
b1, b2 = clf.intercepts_[0].astype(np.float32), clf.intercepts_[1].astype(np.float32)
inits = [numpy_helper.from_array(a, n) for a, n in [(w1, "fc1.weight"), (b1, "fc1.bias"), (w2, "fc2.weight"), (b2, "fc2.bias")]]
nodes = [
    helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], name="/fc1/Gemm", transB=1),
    helper.make_node("Relu", ["h"], ["hr"], name="/relu/Relu"),
    helper.make_node("Gemm", ["hr", "fc2.weight", "fc2.bias"], ["logits"], name="/fc2/Gemm", transB=1),
]
graph = helper.make_graph(
    nodes, "digits_mlp",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 64])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, 10])],
    inits,
)
model = helper.make_model(graph, producer_name="nbq tools/make_bundled_model.py", opset_imports=[helper.make_opsetid("", 13)])
model.doc_string = f"UCI digits MLP 64-32-10, test accuracy {acc:.4f} on images 1437..1797"
onnx.checker.check_model(model)
out = root / "models" / "digits-mlp.onnx"
onnx.save(model, out)
print(f"wrote {out} ({out.stat().st_size} bytes); float test accuracy {acc:.4f}", file=sys.stderr)
