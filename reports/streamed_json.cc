#include "reports/streamed_json.h"

#include <memory>
#include <random>
#include <string_view>

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

namespace {

// Collects text in a buffer written to a stream a megabyte at a time:
// nlohmann's own stream adapter puts most characters one call at a time.
class BufferedStreamSink : public nlohmann::detail::output_adapter_protocol<char> {
 public:
  explicit BufferedStreamSink(std::ostream& out) : out_(out) { buffer_.reserve(kFlushSize + 4096); }
  ~BufferedStreamSink() override { Flush(); }
  void write_character(char c) override {
    buffer_.push_back(c);
    if (buffer_.size() >= kFlushSize) Flush();
  }
  void write_characters(const char* s, std::size_t length) override {
    buffer_.append(s, length);
    if (buffer_.size() >= kFlushSize) Flush();
  }
  void Flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kFlushSize = std::size_t{1} << 20;
  std::ostream& out_;
  std::string buffer_;
};

}  // namespace

std::string StreamedArray::Dump(const Json& document, const std::function<Json(size_t)>& element) const {
  std::string out;
  Write(nlohmann::detail::output_adapter<char, std::string>(out), document, element);
  return out;
}

void StreamedArray::DumpTo(std::ostream& out, const Json& document,
                           const std::function<Json(size_t)>& element) const {
  auto sink = std::make_shared<BufferedStreamSink>(out);
  Write(sink, document, element);
  sink->Flush();
}

void StreamedArray::Write(nlohmann::detail::output_adapter_t<char> sink, const Json& document,
                          const std::function<Json(size_t)>& element) const {
  const std::string skeleton = document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  auto write = [&](std::string_view text) { sink->write_characters(text.data(), text.size()); };
  const std::string token = "\"" + placeholder_ + "\"";
  const size_t at = count_ == 0 ? std::string::npos : skeleton.find(token);
  if (at == std::string::npos) {  // an empty array, or the slot was not placed in `document`
    write(skeleton);
    return;
  }
  // The placeholder is the array's only element, on a line of its own: each
  // element takes its place at that line's indentation, as dumping the whole
  // tree would have written it.
  const size_t line_start = skeleton.rfind('\n', at) + 1;
  const unsigned int indent = static_cast<unsigned int>(at - line_start);
  write(std::string_view(skeleton).substr(0, line_start));
  // nlohmann's own serializer (the one Json::dump uses) writes each element
  // straight into the sink at the array's indentation: no string per
  // element, whose growth made the allocator consolidate its free lists over
  // and over.
  nlohmann::detail::serializer<Json> serializer(sink, ' ', Json::error_handler_t::replace);
  const std::string separator = ",\n", margin(indent, ' ');
  for (size_t i = 0; i < count_; ++i) {
    write(margin);
    serializer.dump(element(i), /*pretty_print=*/true, /*ensure_ascii=*/false, /*indent_step=*/2, indent);
    if (i + 1 < count_) write(separator);
  }
  write(std::string_view(skeleton).substr(at + token.size()));
}

}  // namespace stagegate::reports::internal
