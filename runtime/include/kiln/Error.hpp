#pragma once

#include <stdexcept>
#include <string>

namespace kiln {

// A problem with a file or an argument given to the runtime. The message names
// the file and the reason; the C API turns it into a status code.
class RuntimeError : public std::runtime_error {
 public:
  RuntimeError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

void set_last_error(const std::string& message);

// Runs `body`, turning exceptions into a status code and kiln_last_error().
template <typename Body>
int guarded(Body&& body) noexcept;

}  // namespace kiln

#include "kiln/kiln_runtime.h"

template <typename Body>
int kiln::guarded(Body&& body) noexcept {
  try {
    body();
    set_last_error("");
    return KILN_OK;
  } catch (const RuntimeError& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return KILN_ERROR_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return KILN_ERROR_ARGUMENT;
  }
}
