#include "txt2pdf/core/signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include "txt2pdf/core/exit_codes.hpp"

namespace txt2pdf {
namespace {

// The handlers' view of the sources main() installed. The sources themselves live in static
// storage (never destroyed, so no handler can see a dangling pointer); only these atomics are
// touched from signal context.
std::atomic<const StopSource*> g_first{nullptr};
std::atomic<const StopSource*> g_second{nullptr};
std::atomic<int> g_signals{0};
static_assert(std::atomic<const StopSource*>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "signal handlers need lock-free atomics");

extern "C" void on_stop_signal(int /*signal*/) {
  const int count = g_signals.fetch_add(1) + 1;
  const StopSource* first = g_first.load();
  const StopSource* second = g_second.load();
  if (count == 1 && first != nullptr) {
    first->request_stop();
  } else if (second != nullptr) {
    second->request_stop();
  } else {
    _exit(kExitTransient);
  }
}

void install(const StopSource& first, const StopSource* second) {
  // Leaked on purpose (one pair per call, and main calls once): a handler may run at any time,
  // also during static destruction, and must never see a destroyed source.
  g_first.store(new StopSource(first));
  g_second.store(second != nullptr ? new StopSource(*second) : nullptr);
  g_signals.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and notice the stop
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

void install_stop_handlers(const StopSource& first) { install(first, nullptr); }
void install_stop_handlers(const StopSource& first, const StopSource& second) { install(first, &second); }

}  // namespace txt2pdf
