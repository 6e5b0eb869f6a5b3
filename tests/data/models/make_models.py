#!/usr/bin/python3
"""Builds the test models of the inference executor and their reference outputs.

Run with Debian's Python (it has torch, onnx and numpy):
    /usr/bin/python3 tests/data/models/make_models.py
Everything is seeded: a rerun writes the same numbers (the .onnx bytes may
differ across torch versions). References come from torch (neural models) or
from the numpy code in this file (ai.onnx.ml models), never from Stagegate.

Reference file format (<model>.ref.txt), whitespace-separated tokens:
    input  <name> <float32|int64|string> <rank> <dims...>   then the values
    output <name> <float32|int64|string> <rank> <dims...>   then the values
    keys   <int64|string> <count>                            then the keys of
           the preceding output (ZipMap: the [N, C] values with C map keys)
Lines starting with '#' are comments. Strings hold no whitespace.
"""

import csv
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CMAPSS = os.path.join(ROOT, "..", "shared", "data", "cmapss", "train_FD001.txt")

SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20]
FEATURES = ["setting_1", "setting_2", "setting_3"] + [f"s{s}" for s in SENSORS]
FAILURE_HORIZON = 30  # label 1 when remaining useful life <= 30 cycles


def out(name):
    return os.path.join(HERE, name)


def fmt(values, kind):
    flat = np.asarray(values).reshape(-1)
    if kind == "float32":
        return " ".join("%.9g" % float(v) for v in flat.astype(np.float32))
    if kind == "int64":
        return " ".join(str(int(v)) for v in flat)
    return " ".join(str(v) for v in flat)


def kind_of(array):
    array = np.asarray(array)
    if array.dtype.kind == "f":
        return "float32"
    if array.dtype.kind in "iu":
        return "int64"
    return "string"


def write_ref(name, inputs, outputs):
    """inputs/outputs: lists of (name, array) or (name, array, keys) for maps."""
    lines = [f"# reference of {name}.onnx, written by make_models.py"]
    for tag, items in (("input", inputs), ("output", outputs)):
        for item in items:
            value_name, array = item[0], np.asarray(item[1])
            kind = kind_of(array)
            dims = " ".join(str(d) for d in array.shape)
            lines.append(f"{tag} {value_name} {kind} {array.ndim} {dims}".rstrip())
            lines.append(fmt(array, kind))
            if len(item) > 2:
                keys = np.asarray(item[2])
                lines.append(f"keys {kind_of(keys)} {keys.size}")
                lines.append(fmt(keys, kind_of(keys)))
    with open(out(f"{name}.ref.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def op_list(path):
    model = onnx.load(path)
    return sorted({(n.domain + ":" if n.domain else "") + n.op_type for n in model.graph.node})


def export(module, example, name, input_name, output_name, dynamic=True):
    module.eval()
    path = out(f"{name}.onnx")
    axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if dynamic else None
    torch.onnx.export(module, example, path, opset_version=13, input_names=[input_name],
                      output_names=[output_name], dynamic_axes=axes, do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)  # EVAL fuses BatchNorm into Conv
    onnx.checker.check_model(onnx.load(path))
    return path


# --------------------------------------------------------------------------
# MLP on C-MAPSS FD001


class Standardize(torch.nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def make_mlp(mean, std):
    return torch.nn.Sequential(Standardize(mean, std), torch.nn.Linear(16, 32), torch.nn.ReLU(),
                               torch.nn.Linear(32, 1), torch.nn.Sigmoid())


def cmapss():
    data = np.loadtxt(CMAPSS)
    unit, cycle = data[:, 0].astype(int), data[:, 1]
    max_cycle = {u: cycle[unit == u].max() for u in np.unique(unit)}
    rul = np.array([max_cycle[u] for u in unit]) - cycle
    columns = [2, 3, 4] + [4 + s for s in SENSORS]  # settings at 2..4, sensor k at 4 + k
    x = data[:, columns].astype(np.float32)
    y = (rul <= FAILURE_HORIZON).astype(np.float32)
    return unit, x, y


def train(x, y, mean, std, steps, seed):
    torch.manual_seed(seed)
    model = make_mlp(mean, std)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).reshape(-1, 1)
    loss_fn = torch.nn.BCELoss()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        optimizer.step()
    return model, float(loss)


def mlp_models():
    unit, x, y = cmapss()
    train_rows = unit <= 80
    mean = x[train_rows].mean(axis=0)
    std = x[train_rows].std(axis=0)
    std[std == 0] = 1.0  # setting_3 is constant in FD001
    rng = np.random.default_rng(7)
    held_out = np.flatnonzero(unit >= 81)
    golden_rows = np.sort(rng.choice(held_out, size=2000, replace=False))
    gx, gy = x[golden_rows], y[golden_rows]
    with open(out("golden.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(FEATURES + ["label"])
        for row, label in zip(gx, gy):
            writer.writerow(["%.9g" % v for v in row] + [int(label)])
    for name, steps in (("mlp", 300), ("mlp_v1", 40)):
        model, loss = train(x[train_rows], y[train_rows], mean, std, steps, seed=1)
        model.eval()
        export(model, torch.from_numpy(gx[:2]), name, "readings", "failure_prob")
        with torch.no_grad():
            prob = model(torch.from_numpy(gx)).numpy().reshape(-1)
        accuracy = float(((prob > 0.5) == (gy > 0.5)).mean())
        print(f"{name}: train loss {loss:.4f}, golden accuracy {accuracy:.4f}")
        with open(out(f"{name}_reference.csv"), "w") as f:
            f.write("failure_prob\n" + "".join("%.9g\n" % v for v in prob))


# --------------------------------------------------------------------------
# Convolutional, recurrent and autoencoder models (random weights)


def randomize_batchnorm(bn, generator):
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(bn.num_features, generator=generator) * 0.5)
        bn.running_var.copy_(torch.rand(bn.num_features, generator=generator) + 0.5)
        bn.weight.copy_(torch.rand(bn.num_features, generator=generator) + 0.5)
        bn.bias.copy_(torch.randn(bn.num_features, generator=generator) * 0.1)


class Cnn1d(torch.nn.Module):
    def __init__(self, generator):
        super().__init__()
        self.conv1 = torch.nn.Conv1d(4, 8, kernel_size=5, padding=2)
        self.bn = torch.nn.BatchNorm1d(8)
        randomize_batchnorm(self.bn, generator)
        self.pool1 = torch.nn.MaxPool1d(2)
        self.conv2 = torch.nn.Conv1d(8, 8, kernel_size=3, stride=1, dilation=2)
        self.pool2 = torch.nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)
        self.gap = torch.nn.AdaptiveAvgPool1d(1)
        self.fc = torch.nn.Linear(8, 1)

    def forward(self, x):
        x = self.pool1(torch.relu(self.bn(self.conv1(x))))
        x = self.pool2(torch.relu(self.conv2(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


class Cnn2d(torch.nn.Module):
    def __init__(self, generator):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(2, 4, kernel_size=3, stride=2, padding=1, dilation=2, groups=2)
        self.bn = torch.nn.BatchNorm2d(4)
        randomize_batchnorm(self.bn, generator)
        self.pool1 = torch.nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True)
        self.conv2 = torch.nn.Conv2d(4, 4, kernel_size=3, padding=(1, 0), groups=4)  # depthwise
        self.pool2 = torch.nn.AvgPool2d(kernel_size=2, stride=1, padding=1, count_include_pad=False)  # True exports a Pad
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        x = self.pool1(torch.relu(self.bn(self.conv1(x))))
        x = self.pool2(self.conv2(x))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class Recurrent(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(input_size=4, hidden_size=16, num_layers=1, batch_first=True)
        self.fc = torch.nn.Linear(16, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1, :])


def drop_zero_initial_states(path):
    """Omits initial_h/initial_c that torch builds as zeros with ConstantOfShape.

    ONNX defines an omitted initial state as zeros, so the graph computes the
    same; Stagegate's executor has no ConstantOfShape kernel. The nodes that
    only fed those zeros (Shape, Gather, Unsqueeze, Concat, Constant) go too.
    """
    model = onnx.load(path)
    graph = model.graph
    producers = {output: node for node in graph.node for output in node.output}
    for node in graph.node:
        if node.op_type in ("LSTM", "GRU"):
            for slot in (5, 6):
                if slot < len(node.input) and producers.get(node.input[slot]) is not None and \
                        producers[node.input[slot]].op_type == "ConstantOfShape":
                    node.input[slot] = ""
    needed = {output.name for output in graph.output}
    kept = []
    for node in reversed(list(graph.node)):
        if any(output in needed for output in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    onnx.checker.check_model(model)
    onnx.save(model, path)


def neural_model(name, module, example, input_name, output_name, expected_ops):
    path = export(module, example, name, input_name, output_name)
    if "LSTM" in expected_ops or "GRU" in expected_ops:
        drop_zero_initial_states(path)
    ops = op_list(path)
    missing = [op for op in expected_ops if op not in ops]
    assert not missing, f"{name}: torch folded away {missing}; ops {ops}"
    with torch.no_grad():
        result = module(example).numpy()
    write_ref(name, [(input_name, example.numpy())], [(output_name, result)])
    print(f"{name}: {ops}")


def neural_models():
    generator = torch.Generator().manual_seed(11)
    torch.manual_seed(11)
    neural_model("cnn1d", Cnn1d(generator).eval(), torch.randn(3, 4, 30, generator=generator), "window", "score",
                 ["Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool"])
    neural_model("cnn2d", Cnn2d(generator).eval(), torch.randn(2, 2, 13, 11, generator=generator), "image",
                 "logits", ["Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool"])
    neural_model("lstm", Recurrent(torch.nn.LSTM).eval(), torch.randn(3, 30, 4, generator=generator), "window",
                 "score", ["LSTM"])
    neural_model("gru", Recurrent(torch.nn.GRU).eval(), torch.randn(3, 30, 4, generator=generator), "window",
                 "score", ["GRU"])
    autoencoder = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4), torch.nn.Tanh(),
                                      torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 16)).eval()
    neural_model("autoencoder", autoencoder, torch.randn(5, 16, generator=generator), "readings", "reconstruction",
                 ["Gemm", "Tanh"])


# --------------------------------------------------------------------------
# ops_mix: the general-purpose operators, built with onnx.helper; the
# reference is the same computation written with torch.


def ops_mix():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    w = rng.normal(size=(4,)).astype(np.float32)
    f = lambda name, a: numpy_helper.from_array(np.asarray(a), name)
    inits = [
        f("w", w),
        f("shape_6x4", np.array([6, 4], dtype=np.int64)),
        f("idx", np.array([2, 0], dtype=np.int64)),
        f("starts", np.array([1], dtype=np.int64)),
        f("ends", np.array([3], dtype=np.int64)),
        f("axes1", np.array([1], dtype=np.int64)),
        f("axes0", np.array([0], dtype=np.int64)),
        f("lo", np.array(-1.5, dtype=np.float32)),
        f("hi", np.array(1.5, dtype=np.float32)),
        f("two", np.array(2.0, dtype=np.float32)),
        f("half", np.array(0.5, dtype=np.float32)),
        f("zero", np.array(0.0, dtype=np.float32)),
        f("one", np.array(1.0, dtype=np.float32)),
        f("shape_idx", np.array([2], dtype=np.int64)),
    ]
    n = helper.make_node
    nodes = [
        n("Softmax", ["x"], ["sm"], axis=-1),
        n("LogSoftmax", ["x"], ["lsm"], axis=1),
        n("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),                  # [3, 2, 4]
        n("Reshape", ["xt", "shape_6x4"], ["x64"]),                      # [6, 4]
        n("Gather", ["x64", "idx"], ["g"], axis=0),                      # [2, 4]
        n("Slice", ["x", "starts", "ends", "axes1"], ["sl"]),            # [2, 2, 4]
        n("ReduceMean", ["sl"], ["rm"], axes=[1], keepdims=0),           # [2, 4]
        n("Concat", ["g", "rm"], ["cat"], axis=0),                       # [4, 4]
        n("Unsqueeze", ["cat", "axes0"], ["uq"]),                        # [1, 4, 4]
        n("Squeeze", ["uq", "axes0"], ["sq"]),                           # [4, 4]
        n("Clip", ["sq", "lo", "hi"], ["clip"]),
        n("LeakyRelu", ["clip"], ["lrelu"], alpha=0.2),
        n("Abs", ["lrelu"], ["abs"]),
        n("Sqrt", ["abs"], ["sqrt"]),
        n("Pow", ["sqrt", "two"], ["pow"]),
        n("Exp", ["pow"], ["exp"]),
        n("Log", ["exp"], ["log"]),
        n("Greater", ["sq", "half"], ["gt"]),
        n("Less", ["sq", "zero"], ["lt"]),
        n("Where", ["gt", "log", "w"], ["where"]),
        n("Cast", ["lt"], ["lt_f"], to=TensorProto.FLOAT),
        n("Equal", ["lt_f", "one"], ["eq"]),
        n("Cast", ["eq"], ["eq_f"], to=TensorProto.FLOAT),
        n("Min", ["where", "clip"], ["mn"]),
        n("Max", ["where", "clip", "w"], ["mx"]),
        n("Sum", ["mn", "mx", "eq_f"], ["total"]),
        n("ReduceSum", ["total", "axes1"], ["rsum"], keepdims=1),        # [4, 1] (opset 13: axes input)
        n("ReduceMax", ["sm"], ["rmax"], axes=[2], keepdims=0),          # [2, 3]
        n("Shape", ["x"], ["xshape"]),
        n("Gather", ["xshape", "shape_idx"], ["last_dim"], axis=0),      # [1] = [4]
        n("Cast", ["last_dim"], ["last_dim_f"], to=TensorProto.FLOAT),
        n("Mul", ["rsum", "last_dim_f"], ["scaled"]),
        n("Add", ["lsm", "sm"], ["mixed"]),
    ]
    outputs = [("scaled", [4, 1]), ("rmax", [2, 3]), ("mixed", [2, 3, 4]), ("eq", [4, 4])]
    graph = helper.make_graph(
        nodes, "ops_mix", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info(name, TensorProto.BOOL if name == "eq" else TensorProto.FLOAT, dims)
         for name, dims in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_models.py")
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, out("ops_mix.onnx"))

    t = torch.from_numpy(x)
    wt = torch.from_numpy(w)
    sm = torch.softmax(t, dim=-1)
    lsm = torch.log_softmax(t, dim=1)
    x64 = t.permute(1, 0, 2).reshape(6, 4)
    g = x64[[2, 0]]
    rm = t[:, 1:3, :].mean(dim=1)
    sq = torch.cat([g, rm], dim=0).unsqueeze(0).squeeze(0)
    clip = torch.clamp(sq, -1.5, 1.5)
    lrelu = torch.nn.functional.leaky_relu(clip, 0.2)
    log = torch.log(torch.exp(torch.pow(torch.sqrt(torch.abs(lrelu)), 2.0)))
    where = torch.where(sq > 0.5, log, wt)
    eq = (sq < 0).float() == 1.0
    mn = torch.minimum(where, clip)
    mx = torch.maximum(torch.maximum(where, clip), wt)
    total = mn + mx + eq.float()
    scaled = total.sum(dim=1, keepdim=True) * 4.0
    rmax = sm.amax(dim=2)
    mixed = lsm + sm
    write_ref("ops_mix", [("x", x)], [("scaled", scaled.numpy()), ("rmax", rmax.numpy()), ("mixed", mixed.numpy()),
                                      ("eq", eq.numpy().astype(np.int64))])
    print(f"ops_mix: {op_list(out('ops_mix.onnx'))}")


# --------------------------------------------------------------------------
# ai.onnx.ml models; references by the numpy code below.

ML_OPSETS = [helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 1)]


def save_ml(name, nodes, inputs, outputs, ml_opset=1):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    opsets = [helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", ml_opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="make_models.py")
    onnx.checker.check_model(model)
    onnx.save(model, out(f"{name}.onnx"))
    print(f"{name}: {op_list(out(f'{name}.onnx'))}")


def random_trees(rng, n_trees, n_features, n_classes, depth=3, class_ids_fixed=None, leaf_scale=1.0):
    """Full binary trees of `depth`: node ids 0.. in breadth-first order."""
    nodes = dict(treeids=[], nodeids=[], featureids=[], values=[], modes=[], true=[], false=[],
                 missing=[])
    leaves = dict(treeids=[], nodeids=[], ids=[], weights=[])
    modes = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_LEQ", "BRANCH_NEQ"]
    for tree in range(n_trees):
        n_internal = 2 ** depth - 1
        for node in range(2 ** (depth + 1) - 1):
            nodes["treeids"].append(tree)
            nodes["nodeids"].append(node)
            if node < n_internal:
                nodes["featureids"].append(int(rng.integers(n_features)))
                nodes["values"].append(float(np.float32(rng.normal())))
                nodes["modes"].append(modes[int(rng.integers(len(modes)))])
                nodes["true"].append(2 * node + 1)
                nodes["false"].append(2 * node + 2)
                nodes["missing"].append(int(rng.integers(2)))
            else:
                nodes["featureids"].append(0)
                nodes["values"].append(0.0)
                nodes["modes"].append("LEAF")
                nodes["true"].append(0)
                nodes["false"].append(0)
                nodes["missing"].append(0)
                classes = [class_ids_fixed] if class_ids_fixed is not None else \
                    sorted(rng.choice(n_classes, size=int(rng.integers(1, n_classes + 1)), replace=False))
                for c in classes:
                    leaves["treeids"].append(tree)
                    leaves["nodeids"].append(node)
                    leaves["ids"].append(int(c))
                    leaves["weights"].append(float(np.float32(rng.normal() * leaf_scale)))
    return nodes, leaves


def tree_attributes(nodes):
    return dict(nodes_treeids=nodes["treeids"], nodes_nodeids=nodes["nodeids"],
                nodes_featureids=nodes["featureids"], nodes_values=nodes["values"], nodes_modes=nodes["modes"],
                nodes_truenodeids=nodes["true"], nodes_falsenodeids=nodes["false"],
                nodes_missing_value_tracks_true=nodes["missing"])


def walk_trees(x, nodes, leaves, n_outputs):
    """Per row and tree, the leaf's votes: returns a list (rows) of lists (trees) of {id: weight}."""
    index = {(t, n): i for i, (t, n) in enumerate(zip(nodes["treeids"], nodes["nodeids"]))}
    votes = {}
    for t, n, c, w in zip(leaves["treeids"], leaves["nodeids"], leaves["ids"], leaves["weights"]):
        votes.setdefault((t, n), []).append((c, np.float32(w)))
    trees = sorted(set(nodes["treeids"]))
    result = []
    for row in x:
        per_tree = []
        for tree in trees:
            i = index[(tree, 0)]
            while nodes["modes"][i] != "LEAF":
                v = np.float32(row[nodes["featureids"][i]])
                th = np.float32(nodes["values"][i])
                mode = nodes["modes"][i]
                # As onnxruntime: the comparison (false for NaN except NEQ), or a
                # missing value whose node tracks missing values to the true branch.
                go_true = {"BRANCH_LEQ": v <= th, "BRANCH_LT": v < th, "BRANCH_GTE": v >= th,
                           "BRANCH_GT": v > th, "BRANCH_EQ": v == th, "BRANCH_NEQ": v != th}[mode]
                go_true = bool(go_true) or (bool(nodes["missing"][i]) and bool(np.isnan(v)))
                nxt = nodes["true"][i] if go_true else nodes["false"][i]
                i = index[(tree, nxt)]
            per_tree.append(votes.get((tree, nodes["nodeids"][i]), []))
        result.append(per_tree)
    return result


def logistic(v):
    return 1.0 / (1.0 + np.exp(-v))


def softmax(v):
    e = np.exp(v - v.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def tree_inputs(rng, rows, n_features):
    x = rng.normal(size=(rows, n_features)).astype(np.float32)
    x[1, 0] = np.nan  # a missing value: follows nodes_missing_value_tracks_true
    x[4, 2] = np.nan
    return x


def trees_multiclass(rng):
    n_features, labels = 4, np.array([10, 20, 30], dtype=np.int64)
    nodes, leaves = random_trees(rng, 3, n_features, len(labels))
    attrs = tree_attributes(nodes)
    attrs.update(class_treeids=leaves["treeids"], class_nodeids=leaves["nodeids"], class_ids=leaves["ids"],
                 class_weights=leaves["weights"], classlabels_int64s=labels.tolist(), post_transform="NONE",
                 base_values=[0.1, -0.2, 0.05])
    tree = helper.make_node("TreeEnsembleClassifier", ["features"], ["label", "scores"], domain="ai.onnx.ml",
                            **attrs)
    zipmap = helper.make_node("ZipMap", ["scores"], ["probabilities"], domain="ai.onnx.ml",
                              classlabels_int64s=labels.tolist())
    map_type = onnx.TypeProto()  # seq(map(int64, float)); onnx 1.12's helper has no map builder
    map_type.sequence_type.elem_type.map_type.key_type = TensorProto.INT64
    map_type.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    save_ml("trees", [tree, zipmap], [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
            [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
             helper.make_value_info("probabilities", map_type)])
    x = tree_inputs(rng, 12, n_features)
    scores = np.zeros((len(x), len(labels)), dtype=np.float64)
    for r, per_tree in enumerate(walk_trees(x, nodes, leaves, len(labels))):
        for votes in per_tree:
            for c, w in votes:
                scores[r, c] += w
    scores += np.array(attrs["base_values"], dtype=np.float32)
    label = labels[np.argmax(scores, axis=1)]
    write_ref("trees", [("features", x)], [("label", label), ("probabilities", scores.astype(np.float32), labels)])


def trees_binary(rng):
    n_features, labels = 3, np.array([0, 1], dtype=np.int64)
    nodes, leaves = random_trees(rng, 4, n_features, 2, class_ids_fixed=0)
    attrs = tree_attributes(nodes)
    attrs.update(class_treeids=leaves["treeids"], class_nodeids=leaves["nodeids"], class_ids=leaves["ids"],
                 class_weights=leaves["weights"], classlabels_int64s=labels.tolist(), post_transform="LOGISTIC",
                 base_values=[0.25])
    tree = helper.make_node("TreeEnsembleClassifier", ["features"], ["label", "probabilities"],
                            domain="ai.onnx.ml", **attrs)
    save_ml("trees_binary", [tree], [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
            [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
             helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])])
    x = tree_inputs(rng, 12, n_features)
    score = np.zeros(len(x))
    for r, per_tree in enumerate(walk_trees(x, nodes, leaves, 1)):
        score[r] = sum(w for votes in per_tree for _, w in votes) + 0.25
    # onnxruntime's binary case (one class column, mixed-sign weights):
    # label by the sign of the raw score, probabilities [logistic(-s), logistic(s)].
    assert min(leaves["weights"]) < 0
    label = np.where(score > 0, labels[1], labels[0])
    probabilities = np.stack([logistic(-score), logistic(score)], axis=1)
    write_ref("trees_binary", [("features", x)], [("label", label), ("probabilities", probabilities)])


def trees_regressor(rng):
    n_features, n_targets = 5, 2
    nodes, leaves = random_trees(rng, 5, n_features, n_targets)
    attrs = tree_attributes(nodes)
    attrs.update(target_treeids=leaves["treeids"], target_nodeids=leaves["nodeids"], target_ids=leaves["ids"],
                 target_weights=leaves["weights"], n_targets=n_targets, aggregate_function="AVERAGE",
                 base_values=[1.0, -1.0], post_transform="NONE")
    # Use the BRANCH_EQ mode on one node so the walk covers it.
    attrs["nodes_modes"] = ["BRANCH_EQ" if i == 2 else m for i, m in enumerate(attrs["nodes_modes"])]
    nodes["modes"] = attrs["nodes_modes"]
    tree = helper.make_node("TreeEnsembleRegressor", ["features"], ["prediction"], domain="ai.onnx.ml", **attrs)
    save_ml("trees_regressor", [tree],
            [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
            [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["N", n_targets])])
    x = tree_inputs(rng, 10, n_features)
    pred = np.zeros((len(x), n_targets))
    for r, per_tree in enumerate(walk_trees(x, nodes, leaves, n_targets)):
        for votes in per_tree:
            for c, w in votes:
                pred[r, c] += w
    pred = pred / 5 + np.array([1.0, -1.0])
    write_ref("trees_regressor", [("features", x)], [("prediction", pred)])


def linear_models(rng):
    n_features = 4
    offset = rng.normal(size=n_features).astype(np.float32)
    scale = (rng.random(n_features) + 0.5).astype(np.float32)
    coefficients = rng.normal(size=(3, n_features)).astype(np.float32)
    intercepts = rng.normal(size=3).astype(np.float32)
    labels = ["healthy", "degraded", "failing"]
    scaler = helper.make_node("Scaler", ["features"], ["scaled"], domain="ai.onnx.ml", offset=offset.tolist(),
                              scale=scale.tolist())
    classifier = helper.make_node("LinearClassifier", ["scaled"], ["label", "probabilities"], domain="ai.onnx.ml",
                                  coefficients=coefficients.reshape(-1).tolist(), intercepts=intercepts.tolist(),
                                  classlabels_strings=labels, post_transform="SOFTMAX")
    save_ml("linear", [scaler, classifier],
            [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
            [helper.make_tensor_value_info("label", TensorProto.STRING, ["N"]),
             helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])])
    x = rng.normal(size=(8, n_features)).astype(np.float32)
    scores = ((x - offset) * scale).astype(np.float64) @ coefficients.T.astype(np.float64) + intercepts
    write_ref("linear", [("features", x)],
              [("label", np.array([labels[i] for i in scores.argmax(axis=1)])), ("probabilities", softmax(scores))])

    reg_coefficients = rng.normal(size=n_features).astype(np.float32)
    normalizer = helper.make_node("Normalizer", ["features"], ["normalized"], domain="ai.onnx.ml", norm="L2")
    regressor = helper.make_node("LinearRegressor", ["normalized"], ["prediction"], domain="ai.onnx.ml",
                                 coefficients=reg_coefficients.tolist(), intercepts=[0.5], targets=1)
    save_ml("linear_regressor", [normalizer, regressor],
            [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
            [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["N", 1])])
    x = rng.normal(size=(8, n_features)).astype(np.float32)
    normalized = x.astype(np.float64) / np.sqrt((x.astype(np.float64) ** 2).sum(axis=1, keepdims=True))
    prediction = normalized @ reg_coefficients.astype(np.float64).reshape(-1, 1) + 0.5
    write_ref("linear_regressor", [("features", x)], [("prediction", prediction)])


def label_encoder():
    keys = ["pump", "valve", "fan", "compressor"]
    values = [3, 1, 4, 1]
    encoder = helper.make_node("LabelEncoder", ["component"], ["code"], domain="ai.onnx.ml", keys_strings=keys,
                               values_int64s=values, default_int64=-1)
    save_ml("label_encoder", [encoder], [helper.make_tensor_value_info("component", TensorProto.STRING, ["N"])],
            [helper.make_tensor_value_info("code", TensorProto.INT64, ["N"])], ml_opset=2)
    components = np.array(["fan", "pump", "bearing", "compressor", "valve", "fan"])
    codes = np.array([dict(zip(keys, values)).get(c, -1) for c in components], dtype=np.int64)
    write_ref("label_encoder", [("component", components)], [("code", codes)])


def main():
    mlp_models()
    neural_models()
    ops_mix()
    rng = np.random.default_rng(2024)
    trees_multiclass(rng)
    trees_binary(rng)
    trees_regressor(rng)
    linear_models(rng)
    label_encoder()


if __name__ == "__main__":
    main()
