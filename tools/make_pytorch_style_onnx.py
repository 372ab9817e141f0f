"""Writes testdata/lenet-pytorch-style.onnx: a LeNet-style CNN graph laid out exactly as `torch.onnx.export`
(opset 17) writes `nn.Sequential(Conv2d(1, 8, 3, bias=False), ReLU(), MaxPool2d(2), Conv2d(8, 16, 3), ReLU(),
MaxPool2d(2), Flatten(), Linear(400, 10))`: node names `/conv1/Conv` ..., initializers `conv1.weight`,
`conv2.bias`, `fc.weight`, Gemm with transB = 1. PyTorch is not installable offline here, so the graph is built
with the `onnx` package's helpers; nbq's tests read it (`crates/nbq-quant/tests/files.rs`)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(5)
inits = [
    numpy_helper.from_array(rng.normal(0, 0.3, (8, 1, 3, 3)).astype(np.float32), "conv1.weight"),
    numpy_helper.from_array(rng.normal(0, 0.1, (16, 8, 3, 3)).astype(np.float32), "conv2.weight"),
    numpy_helper.from_array(rng.normal(0, 0.1, (16,)).astype(np.float32), "conv2.bias"),
    numpy_helper.from_array(rng.normal(0, 0.05, (10, 400)).astype(np.float32), "fc.weight"),
    numpy_helper.from_array(np.zeros(10, np.float32), "fc.bias"),
]
conv = dict(dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[1, 1])
pool = dict(ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2])
nodes = [
    helper.make_node("Conv", ["input", "conv1.weight"], ["/conv1/Conv_output_0"], "/conv1/Conv", **conv),
    helper.make_node("Relu", ["/conv1/Conv_output_0"], ["/relu1/Relu_output_0"], "/relu1/Relu"),
    helper.make_node("MaxPool", ["/relu1/Relu_output_0"], ["/pool1/MaxPool_output_0"], "/pool1/MaxPool", **pool),
    helper.make_node("Conv", ["/pool1/MaxPool_output_0", "conv2.weight", "conv2.bias"], ["/conv2/Conv_output_0"],
                     "/conv2/Conv", **conv),
    helper.make_node("Relu", ["/conv2/Conv_output_0"], ["/relu2/Relu_output_0"], "/relu2/Relu"),
    helper.make_node("MaxPool", ["/relu2/Relu_output_0"], ["/pool2/MaxPool_output_0"], "/pool2/MaxPool", **pool),
    helper.make_node("Flatten", ["/pool2/MaxPool_output_0"], ["/flatten/Flatten_output_0"], "/flatten/Flatten", axis=1),
    helper.make_node("Gemm", ["/flatten/Flatten_output_0", "fc.weight", "fc.bias"], ["output"], "/fc/Gemm",
                     alpha=1.0, beta=1.0, transB=1),
]
graph = helper.make_graph(
    nodes, "main_graph",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])],
    inits,
)
model = helper.make_model(graph, producer_name="pytorch", producer_version="2.5.1",
                          opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, "testdata/lenet-pytorch-style.onnx")
