# lit configuration for Kiln's compiler tests (see lit.site.cfg.py.in).
import os
import sys

import lit.formats

# Run from ctest, or as: lit.py --param kiln_site_config=BUILD/tests/lit/lit.site.cfg.py tests/lit
# The site config (written by CMake) says where the tools are, then loads this file again.
if not hasattr(config, "kiln"):
    site = lit_config.params.get("kiln_site_config")
    if not site:
        lit_config.fatal("pass --param kiln_site_config=BUILD/tests/lit/lit.site.cfg.py")
    lit_config.load_config(config, site)
else:
    config.name = "kiln"
    config.test_format = lit.formats.ShTest(execute_external=True)
    config.suffixes = [".kiln", ".test"]
    config.excludes = ["Inputs"]
    config.test_source_root = os.path.dirname(__file__)
    config.test_exec_root = os.path.join(config.kiln_obj_root, "tests", "lit")

    # FileCheck, not and count live in LLVM's bin directory, which is not on PATH.
    config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment.get("PATH", "")])
    for name in ["HOME", "TMPDIR", "CC", "AR"]:
        if name in os.environ:
            config.environment[name] = os.environ[name]
    for name, value in os.environ.items():
        if name.startswith(("HL_", "KILN_")):
            config.environment[name] = value

    # For printf: every schedule key at KernelSchedule's own values, so that
    # a section that begins with it names a whole schedule.
    sys.path.insert(0, os.path.join(config.kiln_src_root, "tests", "support"))
    from schedule_keys import bare_keys
    config.substitutions.append(("%bare", "".join(line + "\\n" for line in bare_keys(config.kiln))))
    # The targets tests compile for where the host's would change the output.
    config.substitutions.append(("%avx512", "x86-64-linux-sse41-avx-avx2-fma-avx512-avx512_skylake"))
    config.substitutions.append(("%avx2", "x86-64-linux-sse41-avx-avx2-fma"))
    config.substitutions.append(("%kiln", config.kiln))
    config.substitutions.append(("%compare", config.compare))
    config.substitutions.append(("%golden", os.path.join(config.kiln_src_root, "tests", "numeric", "golden")))
    config.substitutions.append(("%python", config.python))
    config.substitutions.append(("%examples", os.path.join(config.kiln_src_root, "examples")))
    config.substitutions.append(("%hostile", os.path.join(config.kiln_src_root, "tests", "import", "hostile", "models")))
    config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
    config.substitutions.append(("%tools", os.path.join(config.kiln_src_root, "tools")))
