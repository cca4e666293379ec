#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace kiln {

// Sends stderr to /dev/null while it lives. Halide's autoschedulers report
// their search and Halide warns about their schedules on stderr, between
// Kiln's progress lines; their errors still arrive as exceptions.
class QuietStderr {
 public:
  QuietStderr() {
    std::fflush(stderr);
    saved_ = dup(2);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 2);
      close(null);
    }
  }
  ~QuietStderr() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int saved_ = -1;
};

}  // namespace kiln
