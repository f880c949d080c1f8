// Process-wide stop request (SIGTERM/SIGINT from Batch, ECS, docker stop, Ctrl-C). Handlers only
// set an atomic flag; long operations (HTTP transfers, sleeps, waits for children) poll it.
#pragma once

namespace txt2pdf {

// Installs SIGTERM/SIGINT handlers that call request_stop(). A second signal while a stop is
// pending ends the process at once with exit code 75 (the "second signal exits" rule).
void install_stop_handlers();
void request_stop() noexcept;
[[nodiscard]] bool stop_requested() noexcept;
// For tests: forget an earlier stop request.
void reset_stop_request() noexcept;

}  // namespace txt2pdf
