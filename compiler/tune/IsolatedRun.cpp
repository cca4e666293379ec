#include "tune/IsolatedRun.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "language/Diagnostics.h"

namespace kiln {
namespace {

// The child's exit status when `work` threw: its output is the message.
constexpr int kThrew = 3;

void write_all(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(kThrew + 1);
    done += static_cast<size_t>(n);
  }
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

}  // namespace

IsolatedResult run_isolated(const std::function<std::string()>& work, double timeout_seconds) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw UserError(std::string("error: cannot make a pipe: ") + std::strerror(errno));
  std::fflush(nullptr);  // or the child would write out this process's buffered output again
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw UserError(std::string("error: cannot start a child process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(pipe_fds[0]);
    int status = 0;
    std::string output;
    try {
      output = work();
    } catch (const std::exception& error) {
      output = error.what();
      status = kThrew;
    } catch (...) {
      output = "error: an exception of unknown type";
      status = kThrew;
    }
    write_all(pipe_fds[1], output);
    std::fflush(nullptr);
    _exit(status);  // no destructors: the parent's objects are not the child's to tear down
  }
  close(pipe_fds[1]);

  IsolatedResult result;
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));
  bool timed_out = false;
  char buffer[1 << 16];
  for (;;) {
    int wait_ms = -1;
    if (timeout_seconds > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left);
    }
    pollfd readable{pipe_fds[0], POLLIN, 0};
    int ready = poll(&readable, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the deadline is checked above
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child closed its end: it is done
    result.output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (timed_out) {
    result.failure = "timed out after " + seconds_text(timeout_seconds) + " s";
  } else if (WIFSIGNALED(status)) {
    result.failure = std::string("crashed (") + strsignal(WTERMSIG(status)) + ")";
  } else if (WEXITSTATUS(status) == kThrew) {
    result.failure = result.output;
  } else if (WEXITSTATUS(status) != 0) {
    result.failure = "exited with status " + std::to_string(WEXITSTATUS(status));
  } else {
    result.ok = true;
    return result;
  }
  result.output.clear();
  return result;
}

}  // namespace kiln
