#!/usr/bin/python3
"""onnx_testdata.py --kiln KILN [DIR]: every model file of ONNX's own test data
(Debian's libonnx-testdata) through Kiln's importer. Each must import to a
spec that passes `kiln check --weights`, or fail with the importer's own
error (ImportFailure: one line naming the node); any other exception, or a
spec that does not check, is a failure. Prints the failures and a summary.
"""
import argparse
import glob
import os
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz"))
from onnx_import_fuzz import verdict  # noqa: E402 - the same contract, checked the same way


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("root", nargs="?", default="/usr/share/libonnx-testdata/data")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    models = sorted(glob.glob(os.path.join(args.root, "**", "model.onnx"), recursive=True))
    imported, refused, failed = 0, 0, []
    with tempfile.TemporaryDirectory() as work:
        for path in models:
            problem = verdict(args.kiln, path, work)
            if problem:
                failed.append(f"{os.path.relpath(os.path.dirname(path), args.root)}: {problem}")
            elif os.path.exists(os.path.join(work, "m.kiln")):
                imported += 1
            else:
                refused += 1
    for line in failed:
        print("FAIL:", line)
    print(f"{len(models)} models: {imported} imported and checked, {refused} refused with an error line")
    print(f"{imported + refused} passed, {len(failed)} failed")
    return 1 if failed or not models else 0


if __name__ == "__main__":
    sys.exit(main())
