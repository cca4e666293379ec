"""Every schedule key at KernelSchedule's own values, as the compiler's table
of keys has them (compiler/schedule/ScheduleKeys.cpp).

A section that begins with these lines names a whole schedule: the keys a
section leaves out would otherwise keep the default heuristic's values.
Later lines of the section override them. `kiln check --print-schedule`
writes the table in its header ("#   KEY = VALUE   help"); tests that draw
or write whole schedules read it from there, so that a new key needs no
change here.
"""
import os
import re
import subprocess
import tempfile

SPEC = "network keys\ninput x: f32[1, 1, 1, 2]\ny = relu(x)\noutput y\n"


def bare_keys(kiln):
    with tempfile.TemporaryDirectory() as work:
        spec = os.path.join(work, "keys.kiln")
        with open(spec, "w") as f:
            f.write(SPEC)
        printed = subprocess.run([kiln, "check", spec, "--print-schedule"], capture_output=True, text=True,
                                 check=True).stdout
    keys = [f"{key} = {value}" for key, value in re.findall(r"^#   (\w+) = (\S+)", printed, re.M)]
    if not keys:
        raise RuntimeError(f"{kiln} check --print-schedule listed no keys")
    return keys
