#include "txt2pdf/dispatch/launcher.hpp"

namespace txt2pdf {

std::vector<std::pair<std::string, std::string>> job_environment(const JobSpec& spec) {
  std::vector<std::pair<std::string, std::string>> variables{
      {"SOURCE_BUCKET", spec.source_bucket}, {"OBJECT_KEY", spec.object_key}, {"DEST_BUCKET", spec.dest_bucket}};
  if (!spec.dest_key.empty()) variables.emplace_back("DEST_KEY", spec.dest_key);
  return variables;
}

}  // namespace txt2pdf
