#pragma once

#include <functional>
#include <string>

namespace kiln {

// What a function run in a child process gave back, or why it gave nothing.
struct IsolatedResult {
  bool ok = false;
  std::string output;   // what the function returned, when ok
  std::string failure;  // otherwise: "timed out after 30 s", "crashed (Aborted)", an error's message
};

// Runs `work` in a child process forked from this one, so that a crash or a
// hang in it (a compiled candidate's kernel) cannot take this process along:
// the child is killed after `timeout_seconds` (0: never). The child sees a
// copy of this process's memory, but only the thread that forks: the caller
// must not have started threads (no thread pool, no network run) before.
// Throws UserError if no child can be made.
IsolatedResult run_isolated(const std::function<std::string()>& work, double timeout_seconds);

}  // namespace kiln
