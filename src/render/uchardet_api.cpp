#include "uchardet_api.hpp"

#include "txt2pdf/core/dynamic_library.hpp"

namespace txt2pdf {

UchardetApi load_uchardet_api(const std::string& library) {
  void* handle = open_library(library);
  UchardetApi api;
  resolve(handle, library, "uchardet_new", api.create);
  resolve(handle, library, "uchardet_delete", api.destroy);
  resolve(handle, library, "uchardet_handle_data", api.handle_data);
  resolve(handle, library, "uchardet_data_end", api.data_end);
  resolve(handle, library, "uchardet_get_charset", api.get_charset);
  return api;
}

const UchardetApi& uchardet_api() {
  static const UchardetApi api = load_uchardet_api(kUchardetLibrary);
  return api;
}

}  // namespace txt2pdf
