// kiln import: ONNX models to .kiln + .safetensors, by Kiln's Python importer
// (share/kiln/tools/import_onnx.py, which uses Debian's python3-onnx).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "codegen/Toolchain.h"
#include "driver/Commands.h"
#include "language/Diagnostics.h"

namespace kiln {

int import_command(const ImportOptions& options) {
  std::string script = installation_prefix() + "/share/kiln/tools/import_onnx.py";
  if (!std::filesystem::exists(script)) throw UserError("error: Kiln's ONNX importer is missing: " + script);
  const char* python = std::getenv("KILN_PYTHON");
  std::vector<std::string> argv = {python && *python ? python : "/usr/bin/python3", script, options.model, "-o",
                                   options.out_dir, "--batch", std::to_string(options.batch)};
  if (!options.name.empty()) argv.insert(argv.end(), {"--name", options.name});
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "error: kiln import needs %s with python3-onnx (apt-get install python3-onnx)\n", args[0]);
    _exit(1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) throw UserError("error: cannot run the ONNX importer");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace kiln
