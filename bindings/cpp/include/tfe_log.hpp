// tfe_log.hpp -- the library's log records in the C++ binding: a
// LogCallback object sends them to a handler while it lives (over
// tfe_set_log_callback). tfe.hpp includes it; include tfe.hpp.
//
//   tfe::LogCallback logging([](tfe::LogLevel level, const std::string &target, const std::string &message) {
//       std::clog << target << ": " << message << '\n';
//   }, tfe::LogLevel::Warn);
#ifndef TFE_LOG_HPP
#define TFE_LOG_HPP

#include <mutex>

#include "tfe.hpp"

namespace tfe {

/// Log levels, most severe first (tfe_log_level_t).
enum class LogLevel : int {
    Error = TFE_LOG_ERROR,
    Warn = TFE_LOG_WARN,
    Info = TFE_LOG_INFO,
    Debug = TFE_LOG_DEBUG,
    Trace = TFE_LOG_TRACE,
};

/// Receives one record: its level, target (the library module, e.g.
/// "tfe::net::tcp") and message. Called on library threads, possibly on
/// several at once; an exception it throws is dropped (it cannot cross
/// into the library).
using LogHandler = std::function<void(LogLevel level, const std::string &target, const std::string &message)>;

namespace detail {

/// The installed handler (there is one per process) and the lock that
/// orders installing and removing it.
struct LogState {
    std::mutex lock;
    const LogHandler *installed = nullptr;
};

inline LogState &log_state() {
    static LogState state;
    return state;
}

inline void log_record(void *user_data, int level, const char *target, const char *message) noexcept {
    try {
        (*static_cast<const LogHandler *>(user_data))(static_cast<LogLevel>(level), target, message);
    } catch (...) {
        // Nowhere to report it: the library's thread must not unwind.
    }
}

} // namespace detail

/// Sends the library's log records up to `max_level` to a handler for as
/// long as it lives (tfe_set_log_callback). A newer LogCallback replaces
/// an older one; destroying the current one turns logging off, and
/// returns only when no record is being handled any more. Move-only.
class LogCallback {
  public:
    /// Installs `handler`. Throws TFE_ERR_INVALID_ARGUMENT for a level
    /// outside Error..Trace, TFE_ERR_CONFIG when the process has another
    /// `log` logger (a Rust host's).
    LogCallback(LogHandler handler, LogLevel max_level) : handler_(std::make_unique<LogHandler>(std::move(handler))) {
        auto &state = detail::log_state();
        std::lock_guard<std::mutex> guard(state.lock);
        detail::check(tfe_set_log_callback(detail::log_record, handler_.get(), static_cast<int>(max_level)));
        state.installed = handler_.get();
    }

    ~LogCallback() {
        if (!handler_) {
            return; // moved from
        }
        auto &state = detail::log_state();
        std::lock_guard<std::mutex> guard(state.lock);
        if (state.installed == handler_.get()) {
            // Turning it off cannot fail; it waits for records in progress.
            tfe_set_log_callback(nullptr, nullptr, 0);
            state.installed = nullptr;
        }
    }

    // The handler lives on the heap: its address, the callback's user data, survives moves.
    LogCallback(LogCallback &&) noexcept = default;
    LogCallback(const LogCallback &) = delete;
    LogCallback &operator=(const LogCallback &) = delete;
    LogCallback &operator=(LogCallback &&) = delete;

    /// Whether this object's handler is the one receiving records.
    bool installed() const {
        auto &state = detail::log_state();
        std::lock_guard<std::mutex> guard(state.lock);
        return handler_ && state.installed == handler_.get();
    }

  private:
    std::unique_ptr<LogHandler> handler_;
};

} // namespace tfe

#endif // TFE_LOG_HPP
