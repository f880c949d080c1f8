// SIGTERM/SIGINT (from Batch, ECS, docker stop, Ctrl-C) turned into stop requests at the edge:
// main() installs the handlers with the StopSources it owns and hands their tokens to what must
// stop (stop_token.hpp). The handlers only store into lock-free atomics.
#pragma once

#include "txt2pdf/core/stop_token.hpp"

namespace txt2pdf {

// Installs SIGTERM/SIGINT handlers (and ignores SIGPIPE). The first signal stops `first`; the
// next one stops `second` when one is given (a drain that a second signal cuts short), else ends
// the process at once with exit code 75 (the "second signal exits" rule). The sources are kept
// alive for the life of the process. Call once, from main().
void install_stop_handlers(const StopSource& first);
void install_stop_handlers(const StopSource& first, const StopSource& second);

}  // namespace txt2pdf
