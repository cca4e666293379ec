#include "kiln/Error.hpp"

namespace kiln {
namespace {
thread_local std::string last_error;
}

void set_last_error(const std::string& message) { last_error = message; }

}  // namespace kiln

extern "C" const char* kiln_last_error(void) { return kiln::last_error.c_str(); }
