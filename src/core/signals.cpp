#include "txt2pdf/core/signals.hpp"

#include <atomic>
#include <csignal>
#include <unistd.h>

#include "txt2pdf/core/exit_codes.hpp"

namespace txt2pdf {
namespace {

std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need a lock-free flag");

extern "C" void on_stop_signal(int /*signal*/) {
  if (g_stop_requested.exchange(true)) _exit(kExitTransient);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and notice the flag
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

void request_stop() noexcept { g_stop_requested.store(true); }
bool stop_requested() noexcept { return g_stop_requested.load(); }
void reset_stop_request() noexcept { g_stop_requested.store(false); }

}  // namespace txt2pdf
