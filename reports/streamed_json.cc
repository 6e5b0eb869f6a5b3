#include "reports/streamed_json.h"

#include <random>

#include <fmt/format.h>

namespace stagegate::reports::internal {

nlohmann::ordered_json ObjectWithRoom(size_t keys) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  object.get_ref<nlohmann::ordered_json::object_t&>().reserve(keys);
  return object;
}

StreamedArray::StreamedArray() {
  std::random_device random;
  placeholder_ = fmt::format("stagegate-streamed-array-{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
}

StreamedArray::Json StreamedArray::Slot(size_t count) {
  count_ = count;
  return count == 0 ? Json::array() : Json::array({placeholder_});
}

std::string StreamedArray::Dump(const Json& document, const std::function<Json(size_t)>& element) const {
  std::string skeleton = document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (count_ == 0) return skeleton;
  // The placeholder is the array's only element, on a line of its own: each
  // element takes its place at that line's indentation, as dumping the whole
  // tree would have written it.
  const std::string token = "\"" + placeholder_ + "\"";
  const size_t at = skeleton.find(token);
  if (at == std::string::npos) return skeleton;  // the slot was not placed in `document`
  const size_t line_start = skeleton.rfind('\n', at) + 1;
  const unsigned int indent = static_cast<unsigned int>(at - line_start);
  std::string out;
  out.reserve(skeleton.size() + count_ * 1024);
  out.append(skeleton, 0, line_start);
  // nlohmann's own serializer (the one Json::dump uses) writes each element
  // straight into `out` at the array's indentation: no string per element,
  // whose growth made the allocator consolidate its free lists over and over.
  nlohmann::detail::serializer<Json> serializer(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                                                Json::error_handler_t::replace);
  for (size_t i = 0; i < count_; ++i) {
    out.append(indent, ' ');
    serializer.dump(element(i), /*pretty_print=*/true, /*ensure_ascii=*/false, /*indent_step=*/2, indent);
    if (i + 1 < count_) out += ",\n";
  }
  out.append(skeleton, at + token.size());
  return out;
}

}  // namespace stagegate::reports::internal
