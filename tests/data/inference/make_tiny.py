#!/usr/bin/python3
"""Writes the tiny models of the `stagegate model` CLI flow test and the fuzz
seed corpus (tests/cli/model_flow.sh, tests/fuzz/corpus/model_fuzz/).

Run from the repository root with Debian's python3-onnx: /usr/bin/python3 tests/data/inference/make_tiny.py
The outputs are committed; no test runs Python. Weights are fixed numbers so
that the expected outputs in model_flow.sh can be computed by hand.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "fuzz", "corpus", "model_fuzz")


def tensor(name, values, dtype=np.float32):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def save(model, path):
    onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def tiny_mlp():
    # x [N, 3] → Gemm(W1 [3, 2], b1) → Relu → Gemm(W2 [2, 1], b2) → Sigmoid → score [N, 1]
    # and the hidden layer through Softmax → probs [N, 2].
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="fc1"),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "W2", "b2"], ["z"], name="fc2"),
        helper.make_node("Sigmoid", ["z"], ["score"], name="sigmoid"),
        helper.make_node("Softmax", ["r"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 2])],
        [tensor("W1", [[1, 0], [0, 1], [1, -1]]), tensor("b1", [0, 0]),
         tensor("W2", [[1], [-1]]), tensor("b2", [0])])
    model = helper.make_model(graph, producer_name="make_tiny", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def fixed_batch():
    # x [1, 2] → Mul by 2 → Shape/Reshape round trip → y [1, 2]; a fixed batch of one row.
    nodes = [
        helper.make_node("Mul", ["x", "two"], ["m"]),
        helper.make_node("Shape", ["m"], ["s"]),
        helper.make_node("Reshape", ["m", "s"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "fixed_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [tensor("two", [2.0])])
    model = helper.make_model(graph, producer_name="make_tiny", opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    return model


def shape_ops():
    # The shape arithmetic exporters emit (folded at plan time) and a mix of
    # data-dependent operators: a seed that reaches deep into the executor.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus_one"], ["shape"], axis=0),
        helper.make_node("Reshape", ["x", "shape"], ["flat"]),
        helper.make_node("Slice", ["flat", "starts", "ends", "axes1", "steps"], ["sliced"]),
        helper.make_node("Transpose", ["sliced"], ["t"], perm=[1, 0]),
        helper.make_node("ReduceSum", ["t", "axes0"], ["r"], keepdims=0),
        helper.make_node("Softmax", ["sliced"], ["p"], axis=-1),
        helper.make_node("Greater", ["p", "half"], ["mask"]),
        helper.make_node("Where", ["mask", "p", "half"], ["w"]),
        helper.make_node("Cast", ["mask"], ["mask_int"], to=TensorProto.INT64),
        helper.make_node("ReduceMax", ["w"], ["y"], axes=[1], keepdims=1),
    ]
    graph = helper.make_graph(
        nodes, "shape_ops",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("r", TensorProto.FLOAT, ["M"]),
         helper.make_tensor_value_info("mask_int", TensorProto.INT64, ["N", "M"])],
        [tensor("zero", 0, np.int64), tensor("axes0", [0], np.int64), tensor("minus_one", [-1], np.int64),
         tensor("starts", [-1], np.int64), tensor("ends", [-100], np.int64), tensor("axes1", [1], np.int64),
         tensor("steps", [-2], np.int64), tensor("half", 0.5)])
    model = helper.make_model(graph, producer_name="make_tiny", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def unsupported():
    graph = helper.make_graph(
        [helper.make_node("Erf", ["x"], ["y"], name="erf")], "unsupported",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])])
    model = helper.make_model(graph, producer_name="make_tiny", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def main():
    os.makedirs(CORPUS, exist_ok=True)
    save(tiny_mlp(), os.path.join(HERE, "tiny_mlp.onnx"))
    save(unsupported(), os.path.join(HERE, "unsupported.onnx"))
    save(tiny_mlp(), os.path.join(CORPUS, "tiny_mlp.onnx"))
    save(fixed_batch(), os.path.join(CORPUS, "fixed_batch.onnx"))
    save(unsupported(), os.path.join(CORPUS, "unsupported.onnx"))
    save(shape_ops(), os.path.join(CORPUS, "shape_ops.onnx"))
    data = tiny_mlp().SerializeToString()
    with open(os.path.join(CORPUS, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(HERE, "tiny_rows.csv"), "w") as f:
        f.write("a,b,c\n1,2,3\n0,0,0\n-1,0.5,2\n")


if __name__ == "__main__":
    main()
