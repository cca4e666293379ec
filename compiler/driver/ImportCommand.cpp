// kiln import: ONNX models to .kiln + .safetensors, by Kiln's Python importer
// (share/kiln/tools/import_onnx.py, which uses Debian's python3-onnx), then
// the same check as `kiln check --weights`, so that no import reports
// success with a spec Kiln would reject.
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "codegen/Toolchain.h"
#include "driver/Commands.h"
#include "language/Diagnostics.h"

namespace kiln {
namespace {

// The file's stem as a C identifier: "resnet-18.v1.onnx" -> "resnet_18_v1".
std::string default_network_name(const std::string& model) {
  std::string name = std::filesystem::path(model).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "t_" + name;
  return name;
}

int run_importer(const std::vector<std::string>& command, const std::string& model) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& arg : command) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "error: kiln import needs %s with python3-onnx (apt-get install python3-onnx)\n", args[0]);
    _exit(1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) throw UserError("error: cannot run the ONNX importer");
  if (WIFSIGNALED(status))
    throw UserError(model + ": error: the importer died of signal " + std::to_string(WTERMSIG(status)) +
                    " (a bug of Kiln's importer; please report it)");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int import_command(const ImportOptions& options) {
  std::string script = installation_prefix() + "/share/kiln/tools/import_onnx.py";
  if (!std::filesystem::exists(script)) throw UserError("error: Kiln's ONNX importer is missing: " + script);
  const char* python = std::getenv("KILN_PYTHON");
  std::string name = options.name.empty() ? default_network_name(options.model) : options.name;
  std::vector<std::string> command = {python && *python ? python : "/usr/bin/python3", script, options.model, "-o",
                                      options.out_dir, "--batch", std::to_string(options.batch), "--name", name};
  for (const std::string& shape : options.input_shapes) command.insert(command.end(), {"--input-shape", shape});
  int status = run_importer(command, options.model);
  if (status != 0) return status;

  std::string spec = (std::filesystem::path(options.out_dir) / (name + ".kiln")).string();
  std::string weights = (std::filesystem::path(options.out_dir) / (name + ".safetensors")).string();
  try {
    check_weights_file(load_network(spec), weights);
  } catch (const UserError& e) {
    std::string reason = e.what();
    reason = reason.substr(0, reason.find('\n'));
    std::filesystem::remove(spec);
    std::filesystem::remove(weights);
    throw UserError(options.model + ": error: the spec imported from it does not check, a bug of Kiln's importer "
                    "(please report it): " + reason);
  }
  return 0;
}

}  // namespace kiln
