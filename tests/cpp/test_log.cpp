// GoogleTest tests of tfe_log.hpp (LogCallback) and of the binding's
// mapping of every status to tfe::Error, both driven by tfe_selftest_fail:
// it returns any status on request (really panicking inside the library
// for TFE_ERR_PANIC) and logs one warning per call.
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "test_support.hpp"

namespace {

/// Records what a handler receives (from any library thread).
struct Records {
    std::mutex lock;
    std::vector<std::tuple<tfe::LogLevel, std::string, std::string>> seen;

    tfe::LogHandler handler() {
        return [this](tfe::LogLevel level, const std::string &target, const std::string &message) {
            std::lock_guard<std::mutex> guard(lock);
            seen.emplace_back(level, target, message);
        };
    }

    std::size_t count() {
        std::lock_guard<std::mutex> guard(lock);
        return seen.size();
    }
};

TEST(SelfTest, EveryStatusMapsToAnErrorWithItsMessage) {
    for (int status = TFE_ERR_INVALID_ARGUMENT; status <= TFE_ERR_NULL_POINTER; status++) {
        const std::string name = tfe_status_name(status);
        if (status == TFE_ERR_PANIC) {
            EXPECT_TFE_ERROR(tfe::detail::check(tfe_selftest_fail(status)), TFE_ERR_PANIC,
                             "panicked (a bug in tfe, please report it): TFE_ERR_PANIC requested by the caller");
        } else {
            EXPECT_TFE_ERROR(tfe::detail::check(tfe_selftest_fail(status)), static_cast<tfe_status_t>(status),
                             "tfe_selftest_fail: " + name + " requested by the caller");
        }
    }
    EXPECT_NO_THROW(tfe::detail::check(tfe_selftest_fail(TFE_OK)));
    EXPECT_TFE_ERROR(tfe::detail::check(tfe_selftest_fail(-3)), TFE_ERR_INVALID_ARGUMENT, "status -3");
}

TEST(LogCallback, ReceivesRecordsWhileItLives) {
    Records records;
    {
        tfe::LogCallback logging(records.handler(), tfe::LogLevel::Warn);
        EXPECT_TRUE(logging.installed());
        tfe_selftest_fail(TFE_ERR_TIMEOUT);
        ASSERT_EQ(records.count(), 1u);
        auto [level, target, message] = records.seen[0];
        EXPECT_EQ(level, tfe::LogLevel::Warn);
        EXPECT_EQ(target, "tfe::ffi::selftest");
        EXPECT_NE(message.find("TFE_ERR_TIMEOUT"), std::string::npos) << message;
    }
    tfe_selftest_fail(TFE_ERR_TIMEOUT); // logging is off again
    EXPECT_EQ(records.count(), 1u);
}

TEST(LogCallback, LevelsFilterAndNewerCallbacksReplaceOlderOnes) {
    Records older, newer;
    tfe::LogCallback first(older.handler(), tfe::LogLevel::Error); // below Warn: the self-test's record is filtered
    tfe_selftest_fail(TFE_ERR_CONFIG);
    EXPECT_EQ(older.count(), 0u);
    {
        tfe::LogCallback second(newer.handler(), tfe::LogLevel::Trace);
        EXPECT_FALSE(first.installed());
        tfe::LogCallback moved = std::move(second); // the handler's address, the user data, survives
        tfe_selftest_fail(TFE_ERR_CONFIG);
        EXPECT_EQ(newer.count(), 1u);
    }
    // Destroying `first` now must not disturb whoever is installed: nobody is.
    tfe_selftest_fail(TFE_ERR_CONFIG);
    EXPECT_EQ(older.count(), 0u);
    EXPECT_EQ(newer.count(), 1u);
}

TEST(LogCallback, AThrowingHandlerDoesNotReachTheLibrary) {
    int calls = 0;
    tfe::LogCallback logging(
        [&](tfe::LogLevel, const std::string &, const std::string &) {
            calls++;
            throw std::runtime_error("handler failed");
        },
        tfe::LogLevel::Warn);
    EXPECT_TFE_ERROR(tfe::detail::check(tfe_selftest_fail(TFE_ERR_NETWORK)), TFE_ERR_NETWORK, "requested");
    EXPECT_EQ(calls, 1);
}

TEST(LogCallback, BadLevelsAreInvalidArguments) {
    Records records;
    EXPECT_TFE_ERROR(tfe::LogCallback(records.handler(), static_cast<tfe::LogLevel>(9)), TFE_ERR_INVALID_ARGUMENT,
                     "max_level 9");
    EXPECT_TFE_ERROR(tfe::LogCallback(records.handler(), static_cast<tfe::LogLevel>(-1)), TFE_ERR_INVALID_ARGUMENT,
                     "max_level -1");
}

} // namespace
