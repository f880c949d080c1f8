#include "txt2pdf/dispatch/routing.hpp"

#include "txt2pdf/core/strings.hpp"

namespace txt2pdf {

RouteDecision route_by_size(const RoutingRule& rule, const ObjectHead& source) {
  constexpr std::string_view kPrefix = "x-amz-meta-";
  for (const auto& [name, value] : source.metadata) {
    std::string key = to_lower(name);
    if (key.compare(0, kPrefix.size(), kPrefix) == 0) key.erase(0, kPrefix.size());
    if (key == "processor-type" && value == "pool") {
      return {"batch", "processor-type-pool", "x-amz-meta-processor-type: pool asks for AWS Batch"};
    }
  }
  const auto size = std::to_string(source.size);
  const auto limit = std::to_string(rule.inprocess_max_bytes);
  if (source.size > rule.inprocess_max_bytes) {
    return {rule.large_launcher, "over-inprocess-max", size + " bytes > INPROCESS_MAX_BYTES=" + limit};
  }
  return {rule.small_launcher, "within-inprocess-max", size + " bytes <= INPROCESS_MAX_BYTES=" + limit};
}

}  // namespace txt2pdf
