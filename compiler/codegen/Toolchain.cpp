#include "codegen/Toolchain.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "language/Diagnostics.h"

namespace kiln {
namespace fs = std::filesystem;

namespace {

std::string from_env(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  return value && *value ? value : fallback;
}

}  // namespace

std::string installation_prefix() {
  std::error_code error;
  return fs::read_symlink("/proc/self/exe", error).parent_path().parent_path().string();
}

Toolchain::Toolchain() : cc_(from_env("CC", "cc")), ar_(from_env("AR", "ar")) {
  fs::path prefix = installation_prefix();
  include_dir_ = (prefix / "include").string();
  runtime_library_ = (prefix / "lib" / "libkiln_runtime.a").string();
}

void run_program(const std::vector<std::string>& argv, const std::string& what) {
  // Capture the program's output so that a failure can show it.
  char log_template[] = "/tmp/kiln-tool-XXXXXX";
  int log = mkstemp(log_template);
  if (log < 0) throw UserError("error: cannot create a temporary file");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run '%s'\n", args[0]);
    _exit(127);
  }
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  close(log);
  std::ifstream in(log_template);
  std::stringstream output;
  output << in.rdbuf();
  std::remove(log_template);
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    throw UserError("error: " + what + " failed: " + command + "\n" + output.str());
  }
}

void Toolchain::compile_c(const std::string& source, const std::string& object) const {
  run_program({cc_, "-c", "-O2", "-fPIC", "-I" + include_dir_, source, "-o", object},
              "compiling " + source + " (set CC to choose the C compiler)");
}

void Toolchain::archive(const std::string& archive, const std::vector<std::string>& objects) const {
  std::error_code ignored;
  fs::remove(archive, ignored);
  std::vector<std::string> argv = {ar_, "rcs", archive};
  argv.insert(argv.end(), objects.begin(), objects.end());
  run_program(argv, "archiving " + archive + " (set AR to choose the archiver)");
}

void Toolchain::link_shared(const std::string& library, const std::string& archive) const {
  if (!fs::exists(runtime_library_))
    throw UserError("error: Kiln's runtime is missing: " + runtime_library_);
  run_program({cc_, "-shared", "-o", library, "-Wl,--whole-archive", archive, "-Wl,--no-whole-archive",
               runtime_library_, "-lstdc++", "-lpthread", "-ldl", "-lm"},
              "linking " + library);
}

}  // namespace kiln
