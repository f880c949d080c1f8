// The tag every Batch job and ECS task the dispatcher starts carries (SubmitJob `tags` +
// `propagateTags`, RunTask `tags`). The IAM policies in deploy/ allow batch:TerminateJob and
// ecs:StopTask only on resources with this tag (aws:ResourceTag/<key>, ecs:ResourceTag/<key>), so
// the dispatcher's role cannot stop jobs that other systems share the account's queues with.
#pragma once

namespace txt2pdf {

inline constexpr const char* kManagedByTagKey = "txt2pdf:managed-by";
inline constexpr const char* kManagedByTagValue = "txt2pdf-dispatcher";

}  // namespace txt2pdf
