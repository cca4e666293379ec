#!/usr/bin/python3
"""onnx_import_fuzz.py --kiln KILN --seconds S [--runs N] --out DIR SEED_DIR...: fuzzes Kiln's ONNX importer.

Mutates the seed models (every *.onnx below the seed folders) at the level of
their protobuf (attributes, dimensions, element types, node inputs and
outputs, ops, initializers) and of their bytes, and imports each mutant in a
forked child. The contract: the import succeeds with a spec that passes
`kiln check --weights`, or fails with the importer's own error; an uncaught
exception, a signal or a spec that does not check is a finding, saved to
DIR/finding-N.onnx (move it to tests/fuzz/regressions/onnx/ once fixed:
tests/import/check_imports.py replays that folder). Seeded, so a run repeats.
"""
import argparse
import glob
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings

import onnx
from onnx import TensorProto

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from import_onnx import ImportFailure, import_model  # noqa: E402
from kiln_io import save_network  # noqa: E402

OPS = ["Conv", "Relu", "Add", "Mul", "Concat", "Reshape", "Flatten", "MaxPool", "AveragePool", "Gemm", "MatMul",
       "Sigmoid", "HardSigmoid", "ReduceMean", "Shape", "Gather", "Unsqueeze", "Slice", "Squeeze", "Pad", "Clip",
       "BatchNormalization", "Softmax", "GlobalAveragePool", "Identity", "Constant", "Cast", "Split"]
INTERESTING = [0, 1, -1, 2, 3, 7, -7, 64, 2 ** 31 - 1, -2 ** 31, 2 ** 40]


def mutate(model, rng):
    """One random change to `model` (in place)."""
    g = model.graph
    choice = rng.randrange(9)
    nodes = list(g.node)
    if choice == 0 and nodes:  # an integer attribute
        node = rng.choice(nodes)
        ints = [a for a in node.attribute if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)]
        if ints:
            a = rng.choice(ints)
            if a.type == onnx.AttributeProto.INT:
                a.i = rng.choice(INTERESTING)
            elif a.ints:
                a.ints[rng.randrange(len(a.ints))] = rng.choice(INTERESTING)
            else:
                a.ints.append(rng.choice(INTERESTING))
    elif choice == 1 and nodes:  # drop an attribute or a node
        node = rng.choice(nodes)
        if node.attribute and rng.random() < 0.5:
            del node.attribute[rng.randrange(len(node.attribute))]
        else:
            g.node.remove(node)
    elif choice == 2 and nodes:  # rewire an input
        node = rng.choice(nodes)
        names = [v.name for v in g.input] + [i.name for i in g.initializer] + [o for n in nodes for o in n.output]
        if node.input and names:
            node.input[rng.randrange(len(node.input))] = rng.choice(names + [""])
    elif choice == 3 and nodes:  # another op
        rng.choice(nodes).op_type = rng.choice(OPS)
    elif choice == 4 and g.input:  # an input's dimensions or type
        ttype = rng.choice(g.input).type.tensor_type
        if rng.random() < 0.3:
            ttype.elem_type = rng.choice([TensorProto.INT64, TensorProto.DOUBLE, TensorProto.FLOAT16, 0, 99])
        elif ttype.shape.dim:
            d = ttype.shape.dim[rng.randrange(len(ttype.shape.dim))]
            if rng.random() < 0.3:
                d.dim_param = rng.choice(["N", "H", ""])
            else:
                d.dim_value = rng.choice(INTERESTING)
    elif choice == 5 and g.initializer:  # an initializer's dimensions or type
        init = rng.choice(g.initializer)
        if init.dims and rng.random() < 0.7:
            init.dims[rng.randrange(len(init.dims))] = rng.choice(INTERESTING)
        else:
            init.data_type = rng.choice([TensorProto.INT8, TensorProto.FLOAT16, TensorProto.BFLOAT16,
                                         TensorProto.DOUBLE, TensorProto.STRING, 77])
    elif choice == 6 and nodes:  # duplicate a node, or swap two
        i, j = rng.randrange(len(nodes)), rng.randrange(len(nodes))
        if rng.random() < 0.5:
            g.node.insert(j, nodes[i])
        else:
            g.node[i].CopyFrom(nodes[j])
    elif choice == 7 and g.output:  # an output's name
        names = [o for n in nodes for o in n.output] + [v.name for v in g.input] + ["nowhere"]
        rng.choice(g.output).name = rng.choice(names)
    elif choice == 8 and model.opset_import:  # opset
        model.opset_import[0].version = rng.choice([1, 7, 9, 11, 13, 17, 18, 99])


def flip_bytes(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    if data and rng.random() < 0.2:
        data = data[:rng.randrange(len(data))]
    return bytes(data)


def child(path, work):
    """In a forked child: 0 imported (spec written), 1 refused by the importer, 2 anything else."""
    warnings.simplefilter("ignore")
    try:
        spec, weights, _ = import_model(path, "m")
        save_network(work, "m", spec, weights)
        return 0
    except ImportFailure:
        return 1
    except Exception as e:  # noqa: BLE001 - exactly what the fuzzer looks for
        with open(os.path.join(work, "exception.txt"), "w") as f:
            f.write(f"{type(e).__name__}: {e}")
        return 2


def verdict(kiln, path, work):
    """Why importing `path` breaks the contract, or None."""
    for name in ("m.kiln", "exception.txt"):
        if os.path.exists(os.path.join(work, name)):
            os.remove(os.path.join(work, name))
    pid = os.fork()
    if pid == 0:
        os._exit(child(path, work))
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"the importer died of signal {os.WTERMSIG(status)}"
    code = os.WEXITSTATUS(status)
    if code == 2:
        return open(os.path.join(work, "exception.txt")).read()
    if code == 0:
        check = subprocess.run([kiln, "check", os.path.join(work, "m.kiln"), "--weights",
                                os.path.join(work, "m.safetensors")], capture_output=True, text=True)
        if check.returncode != 0:
            return "the spec does not check: " + (check.stderr.strip().splitlines() or ["?"])[0]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=0, help="stop after this many mutants (default: no limit)")
    parser.add_argument("seeds", nargs="+")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rng = random.Random(args.seed)
    seeds = []
    for folder in args.seeds:
        for path in sorted(glob.glob(os.path.join(folder, "**", "*.onnx"), recursive=True)):
            try:
                seeds.append(onnx.load(path))
            except Exception:  # noqa: BLE001 - hostile seeds that do not parse are mutated as bytes only
                seeds.append(open(path, "rb").read())
    os.makedirs(args.out, exist_ok=True)
    findings, runs, imported = 0, 0, 0
    started = time.time()
    deadline = started + args.seconds
    with tempfile.TemporaryDirectory() as work:
        mutant_path = os.path.join(work, "mutant.onnx")
        while time.time() < deadline and seeds and (args.runs == 0 or runs < args.runs):
            seed = rng.choice(seeds)
            if isinstance(seed, bytes) or rng.random() < 0.15:
                data = flip_bytes(seed if isinstance(seed, bytes) else seed.SerializeToString(), rng)
            else:
                mutant = onnx.ModelProto()
                mutant.CopyFrom(seed)
                for _ in range(rng.randint(1, 3)):
                    mutate(mutant, rng)
                data = mutant.SerializeToString()
            with open(mutant_path, "wb") as f:
                f.write(data)
            problem = verdict(args.kiln, mutant_path, work)
            runs += 1
            imported += os.path.exists(os.path.join(work, "m.kiln")) and problem is None
            if problem:
                findings += 1
                saved = os.path.join(args.out, f"finding-{findings}.onnx")
                with open(saved, "wb") as f:
                    f.write(data)
                print(f"FINDING {saved}: {problem}")
    print(f"onnx import fuzzing: {runs} mutants from {len(seeds)} seeds in {time.time() - started:.0f} s, "
          f"{imported} imported and checked, {findings} findings")
    print(f"{runs - findings} passed, {findings} failed")
    return 1 if findings or not runs else 0


if __name__ == "__main__":
    sys.exit(main())
