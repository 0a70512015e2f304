// A small JSON reader for the C++ tests: enough for
// tests/conformance/cases.json (objects, arrays, strings with the escapes
// json.dump writes, numbers as double, true, false, null). A malformed file
// throws std::runtime_error naming the offset.
#ifndef TFE_TEST_JSON_HPP
#define TFE_TEST_JSON_HPP

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tfe_test {

/// One JSON value; accessors throw std::runtime_error on the wrong kind.
class Json {
  public:
    enum class Kind { Null, Bool, Number, String, Array, Object };

    Kind kind() const noexcept { return kind_; }
    bool is_null() const noexcept { return kind_ == Kind::Null; }
    bool has(const std::string &key) const { return kind_ == Kind::Object && object_->count(key) != 0; }

    bool boolean() const { return expect(Kind::Bool, "true or false"), bool_; }
    double number() const { return expect(Kind::Number, "a number"), number_; }
    std::size_t size_value() const { return static_cast<std::size_t>(number()); }
    const std::string &string() const { return expect(Kind::String, "a string"), string_; }
    const std::vector<Json> &array() const { return expect(Kind::Array, "an array"), *array_; }
    const Json &operator[](const std::string &key) const {
        expect(Kind::Object, "an object");
        auto found = object_->find(key);
        if (found == object_->end()) {
            throw std::runtime_error("json: no key '" + key + "'");
        }
        return found->second;
    }

    std::vector<double> numbers() const {
        std::vector<double> out;
        for (const Json &v : array()) {
            out.push_back(v.number());
        }
        return out;
    }
    std::vector<std::size_t> sizes() const {
        std::vector<std::size_t> out;
        for (const Json &v : array()) {
            out.push_back(v.size_value());
        }
        return out;
    }

    /// Parses `text`; throws on anything but one value and white space.
    static Json parse(const std::string &text) {
        std::size_t at = 0;
        Json value = read(text, at);
        skip_space(text, at);
        if (at != text.size()) {
            fail(at, "text after the value");
        }
        return value;
    }

    /// Parses the file at `path`.
    static Json load(const std::string &path) {
        std::ifstream file(path);
        if (!file) {
            throw std::runtime_error("json: cannot read " + path);
        }
        std::stringstream text;
        text << file.rdbuf();
        return parse(text.str());
    }

  private:
    Kind kind_ = Kind::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::shared_ptr<std::vector<Json>> array_;
    std::shared_ptr<std::map<std::string, Json>> object_;

    void expect(Kind kind, const char *what) const {
        if (kind_ != kind) {
            throw std::runtime_error(std::string("json: expected ") + what);
        }
    }

    [[noreturn]] static void fail(std::size_t at, const std::string &what) {
        throw std::runtime_error("json: " + what + " at offset " + std::to_string(at));
    }

    static void skip_space(const std::string &s, std::size_t &at) {
        while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\r' || s[at] == '\t')) {
            at++;
        }
    }

    static void literal(const std::string &s, std::size_t &at, const std::string &word) {
        if (s.compare(at, word.size(), word) != 0) {
            fail(at, "expected " + word);
        }
        at += word.size();
    }

    static std::string read_string(const std::string &s, std::size_t &at) {
        std::string out;
        at++; // the opening quote
        while (at < s.size() && s[at] != '"') {
            char c = s[at++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at >= s.size()) {
                fail(at, "an unfinished escape");
            }
            char e = s[at++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                // The cases are ASCII apart from a few symbols in prose fields:
                // a code point below 0x80 is kept, any other becomes '?'.
                unsigned long code = std::strtoul(s.substr(at, 4).c_str(), nullptr, 16);
                out += code < 0x80 ? static_cast<char>(code) : '?';
                at += 4;
                break;
            }
            default: out += e; // \" \\ \/
            }
        }
        if (at >= s.size()) {
            fail(at, "an unfinished string");
        }
        at++; // the closing quote
        return out;
    }

    /// Reads an object's or array's items, comma-separated, from its opening
    /// bracket through `close`: `item` reads each from where it starts.
    template <class Item> static void read_items(const std::string &s, std::size_t &at, char close, Item item) {
        at++; // the opening bracket
        skip_space(s, at);
        while (at < s.size() && s[at] != close) {
            item();
            skip_space(s, at);
            if (at < s.size() && s[at] == ',') {
                at++;
            }
        }
        literal(s, at, std::string(1, close));
    }

    static Json read(const std::string &s, std::size_t &at) {
        skip_space(s, at);
        if (at >= s.size()) {
            fail(at, "expected a value");
        }
        Json v;
        char c = s[at];
        if (c == '{') {
            v.kind_ = Kind::Object;
            v.object_ = std::make_shared<std::map<std::string, Json>>();
            read_items(s, at, '}', [&] {
                skip_space(s, at);
                if (s[at] != '"') {
                    fail(at, "expected a key");
                }
                std::string key = read_string(s, at);
                skip_space(s, at);
                literal(s, at, ":");
                (*v.object_)[key] = read(s, at);
            });
        } else if (c == '[') {
            v.kind_ = Kind::Array;
            v.array_ = std::make_shared<std::vector<Json>>();
            read_items(s, at, ']', [&] { v.array_->push_back(read(s, at)); });
        } else if (c == '"') {
            v.kind_ = Kind::String;
            v.string_ = read_string(s, at);
        } else if (c == 't' || c == 'f') {
            v.kind_ = Kind::Bool;
            v.bool_ = c == 't';
            literal(s, at, v.bool_ ? "true" : "false");
        } else if (c == 'n') {
            literal(s, at, "null");
        } else {
            char *end = nullptr;
            v.kind_ = Kind::Number;
            v.number_ = std::strtod(s.c_str() + at, &end);
            if (end == s.c_str() + at) {
                fail(at, "expected a value");
            }
            at = static_cast<std::size_t>(end - s.c_str());
        }
        return v;
    }
};

} // namespace tfe_test

#endif // TFE_TEST_JSON_HPP
