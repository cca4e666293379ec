#!/usr/bin/python3
"""check_imports.py --kiln KILN DIR...: `kiln import` of every DIR/*.onnx keeps
its contract: exit 0 with a spec that checks (kiln import checks it before it
reports success), or exit 1 with one line `MODEL.onnx: error: ...` on stderr,
never a traceback. Where DIR/NAME.expect exists, it holds a phrase of that
error line, or `imports`. Prints one line per model and 'N passed, N failed'.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile


def verdict(kiln, model, work):
    """Why the import of `model` breaks the contract, or None."""
    run = subprocess.run([kiln, "import", model, "-o", work], capture_output=True, text=True, timeout=300)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ": error: " in line]
    expect_path = os.path.splitext(model)[0] + ".expect"
    expect = open(expect_path).read().strip() if os.path.exists(expect_path) else None
    if run.returncode == 0:
        if errors or any("Traceback" in line for line in lines):
            return "exit 0 with errors: " + " | ".join(lines)
        if expect not in (None, "imports"):
            return f"imported, but expected the error '{expect}'"
        return None
    if run.returncode != 1:
        return f"exit {run.returncode}: " + " | ".join(lines)
    if len(lines) != 1 or not lines[0].startswith(model + ": error: "):
        return "not one 'MODEL: error:' line: " + " | ".join(lines[:6])
    if expect == "imports" or (expect is not None and expect not in lines[0]):
        return f"expected '{expect}', got: {lines[0]}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    models = sorted(m for d in args.dirs for m in glob.glob(os.path.join(d, "*.onnx")))
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for model in models:
            problem = verdict(args.kiln, model, work)
            failed += problem is not None
            print(f"{'FAIL' if problem else 'ok'}: {os.path.basename(model)}" + (f": {problem}" if problem else ""))
    print(f"{len(models) - failed} passed, {failed} failed")
    return 1 if failed or not models else 0


if __name__ == "__main__":
    sys.exit(main())
