#include <HalideRuntime.h>

#include <mutex>

#include "SpinningThreadPool.h"
#include "kiln/kiln_runtime.h"

namespace {

int spinning_do_par_for(void* user_context, halide_task_t task, int min, int extent, uint8_t* closure) {
  return kiln::SpinningThreadPool::instance().par_for(user_context, task, min, extent, closure);
}

}  // namespace

namespace kiln {

void install_thread_pool() {
  static std::once_flag installed;
  std::call_once(installed, [] { halide_set_custom_do_par_for(spinning_do_par_for); });
}

}  // namespace kiln

extern "C" void kiln_set_num_threads(int threads) {
  kiln::install_thread_pool();
  halide_set_num_threads(threads);
  kiln::SpinningThreadPool::instance().set_threads(threads);
}
