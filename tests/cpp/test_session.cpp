// GoogleTest tests of tfe.hpp, part 2: Session, Result and Feeds: runs and
// their values and stats, and every way a run can fail (each a tfe::Error
// with the right status and a message saying what was wrong), after which
// the session stays usable.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {

using tfe_test::expect_all;
using tfe_test::expect_near;
using tfe_test::fill_ones;
using tfe_test::kOnes;
using tfe_test::memory;

TEST(Session, ATensorDefinedAfterTheSessionIsNamedAsSuch) {
    tfe::Context ctx;
    auto w = ctx.private_variable("server0", kOnes, {10, 10});
    auto x = ctx.private_input("input-provider", {5, 10}, fill_ones);
    auto y = tfe::matmul(x, w);
    tfe::Session sess(ctx, memory());
    // The session holds the graph as it was: y.reveal() comes after it.
    EXPECT_TFE_ERROR(sess.run(y.reveal()), TFE_ERR_INVALID_ARGUMENT, "was defined after the session was created");
    auto out = y.reveal();
    tfe::Session after(ctx, memory());
    expect_all(after.run(out).value(0), 10.0);
}

TEST(Session, SeedProgramOverTcpWithStats) {
    tfe_test::SeedGraph seed;
    tfe::Session sess(seed.ctx);
    tfe::Result result = sess.run(seed.out);
    ASSERT_EQ(result.size(), 1u);
    EXPECT_EQ(result.shape(0), (std::vector<std::size_t>{5, 10}));
    auto values = result.value(0);
    ASSERT_EQ(values.size(), 50u);
    expect_all(values, 10.0);

    auto stats = result.stats();
    ASSERT_EQ(stats.size(), 4u);
    EXPECT_EQ(stats[0].name, "server0");
    EXPECT_EQ(stats[3].name, "input-provider");
    for (const auto &p : stats) {
        EXPECT_GT(p.rounds, 0u) << p.name;
        EXPECT_GT(p.bytes_sent, 0u) << p.name;
        EXPECT_GE(p.wire_bytes_sent, p.bytes_sent) << p.name;
    }
    // Per op kind: the servers' matmul and reveal traffic is accounted for.
    auto server1 = result.stats("server1");
    EXPECT_EQ(server1.name, "server1");
    auto matmul = std::find_if(server1.ops.begin(), server1.ops.end(), [](auto &o) { return o.name == "matmul"; });
    ASSERT_NE(matmul, server1.ops.end());
    EXPECT_EQ(matmul->count, 1u);
    EXPECT_GT(matmul->bytes_sent, 0u);
    EXPECT_NE(result.trace_json().find("\"name\":\"matmul\""), std::string::npos);
    EXPECT_NE(result.stats_table().find("input-provider"), std::string::npos);
    EXPECT_TFE_ERROR(result.stats("nobody"), TFE_ERR_INVALID_ARGUMENT, "unknown player 'nobody'");
    EXPECT_TFE_ERROR(result.value(1), TFE_ERR_INVALID_ARGUMENT, "out of range");
    EXPECT_TFE_ERROR(result.shape(5), TFE_ERR_INVALID_ARGUMENT, "out of range");
}

TEST(Session, OverTls) {
    tfe_test::SeedGraph seed;
    auto options = tfe::default_session_options();
    options.transport = TFE_TRANSPORT_TLS;
    tfe::Session sess(seed.ctx, options);
    expect_all(sess.run(seed.out).value(0), 10.0);
}

TEST(Session, SeveralFetchesAndPublicValues) {
    tfe::Context ctx;
    auto a = ctx.private_variable("alice", {1, 2, 3, 4, 5, 6}, {2, 3});
    auto c = ctx.constant({0.5, 0.5, 0.5}, {3});
    auto sum = (a + c).reveal();
    auto total = tfe::reduce_sum(a).reveal("bob");
    auto gram = tfe::matmul(a, tfe::transpose(a)).reveal();
    tfe::Session sess(ctx, memory());
    auto result = sess.run({sum, total, gram, c});
    ASSERT_EQ(result.size(), 4u);
    EXPECT_EQ(result.value(0), (std::vector<double>{1.5, 2.5, 3.5, 4.5, 5.5, 6.5}));
    EXPECT_EQ(result.value(1), (std::vector<double>{21.0}));
    EXPECT_EQ(result.shape(1), (std::vector<std::size_t>{}));
    expect_near(result.value(2), {14.0, 32.0, 32.0, 77.0});
    EXPECT_EQ(result.value(3), (std::vector<double>{0.5, 0.5, 0.5}));
}

TEST(Session, VariablesPersistAndReset) {
    tfe::Context ctx;
    auto v = ctx.private_variable("server0", {1.0, 2.0}, {2});
    auto update = tfe::assign(v, v + v);
    auto read = v.reveal();
    tfe::Session sess(ctx, memory());
    EXPECT_EQ(sess.run(update).value(0).size(), 0u);
    EXPECT_EQ(sess.run(read).value(0), (std::vector<double>{2.0, 4.0}));
    sess.run(update);
    EXPECT_EQ(sess.run(read).value(0), (std::vector<double>{4.0, 8.0}));
    sess.reset_variables();
    EXPECT_EQ(sess.run(read).value(0), (std::vector<double>{1.0, 2.0}));
}

TEST(Feeds, FeedInputsAndVariables) {
    tfe::Context ctx;
    auto x = ctx.private_input("alice", {2});
    auto v = ctx.private_variable("server2", {2});
    auto out = (x + v).reveal();
    tfe::Session sess(ctx, memory());
    EXPECT_TFE_ERROR(sess.run(out), TFE_ERR_INVALID_ARGUMENT, "neither a feed nor a provider");
    tfe::Feeds feeds;
    feeds.set(x, {1.0, 2.0}).set(v, {10.0, 20.0});
    EXPECT_EQ(sess.run(out, feeds).value(0), (std::vector<double>{11.0, 22.0}));
    // The variable keeps its value; a feed for it is ignored from now on.
    tfe::Feeds next;
    next.set(x, {3.0, 3.0}).set(v, {0.0, 0.0});
    EXPECT_EQ(sess.run({out}, next).value(0), (std::vector<double>{13.0, 23.0}));
}

TEST(Feeds, BadFeedsAreInvalidArguments) {
    tfe::Context ctx, other;
    auto x = ctx.private_input("alice", {2});
    auto sum = x + x;
    auto y = other.private_input("alice", {2});
    tfe::Feeds feeds;
    EXPECT_TFE_ERROR(feeds.set(x, {1.0}), TFE_ERR_INVALID_ARGUMENT, "1 values for 'input0', expected 2");
    EXPECT_TFE_ERROR(feeds.set(sum, {1.0, 2.0}), TFE_ERR_INVALID_ARGUMENT, "expected an input or a variable");
    feeds.set(x, {1.0, 2.0});
    EXPECT_TFE_ERROR(feeds.set(y, {1.0, 2.0}), TFE_ERR_INVALID_ARGUMENT, "context");
    auto out = y.reveal();
    tfe::Session sess(other, memory());
    EXPECT_TFE_ERROR(sess.run(out, feeds), TFE_ERR_INVALID_ARGUMENT, "'feeds' holds tensors of context");
    tfe::Feeds out_of_range;
    out_of_range.set(y, {1.0, 3e6});
    EXPECT_TFE_ERROR(sess.run(out, out_of_range), TFE_ERR_INVALID_ARGUMENT, "3000000");
    tfe::Feeds good;
    good.set(y, {1.0, 2.0});
    EXPECT_EQ(sess.run(out, good).value(0), (std::vector<double>{1.0, 2.0}));
}

TEST(Session, BadOptionsAreConfigErrors) {
    tfe::Context ctx;
    auto options = tfe::default_session_options();
    options.transport = 9;
    EXPECT_TFE_ERROR((tfe::Session{ctx, options}), TFE_ERR_CONFIG, "transport = 9");
    options = tfe::default_session_options();
    options.connect_timeout_ms = 0;
    EXPECT_TFE_ERROR((tfe::Session{ctx, options}), TFE_ERR_CONFIG, "connect_timeout_ms");
}

TEST(Session, BadFetchesAreInvalidArgumentsAndTheSessionStaysUsable) {
    tfe::Context ctx, other;
    auto x = ctx.private_variable("server0", kOnes, {10, 10});
    auto out = x.reveal();
    tfe::Session sess(ctx, memory());
    auto late = tfe::square(x).reveal(); // defined after the session was made
    auto foreign = other.constant({1.0}, {1});
    EXPECT_TFE_ERROR(sess.run(x), TFE_ERR_INVALID_ARGUMENT, "private");
    EXPECT_TFE_ERROR(sess.run(std::vector<std::reference_wrapper<const tfe::Tensor>>{}), TFE_ERR_INVALID_ARGUMENT,
                     "nothing to fetch");
    EXPECT_TFE_ERROR(sess.run(late), TFE_ERR_INVALID_ARGUMENT, "tfe_session_run");
    EXPECT_TFE_ERROR(sess.run(foreign), TFE_ERR_INVALID_ARGUMENT, "'fetches[0]' is a tensor of another context");
    tfe::Tensor moved = std::move(late);
    EXPECT_TFE_ERROR(sess.run(late), TFE_ERR_NULL_POINTER, "'fetches[0]'"); // NOLINT(bugprone-use-after-move)
    expect_all(sess.run(out).value(0), 1.0);
}

TEST(Session, AThrowingProviderFailsTheRunAndTheSessionStaysUsable) {
    std::atomic<int> calls{0};
    tfe::Context ctx;
    auto x = ctx.private_input("bob", {3}, [&](auto &name, auto &shape, double *out, std::size_t len) {
        if (calls++ == 0) {
            throw std::runtime_error("sensor offline");
        }
        EXPECT_EQ(name, "input0");
        EXPECT_EQ(shape, (std::vector<std::size_t>{3}));
        std::fill(out, out + len, 2.0);
    });
    auto out = x.reveal("server2");
    tfe::Session sess(ctx); // TCP: the provider runs on bob's own thread
    // The exception's text is the run's error (before: "returned 3").
    EXPECT_TFE_ERROR(sess.run(out), TFE_ERR_INVALID_ARGUMENT, "invalid input 'input0'");
    EXPECT_EQ(calls.load(), 1);
    calls = 0;
    EXPECT_TFE_ERROR(sess.run(out), TFE_ERR_INVALID_ARGUMENT, "sensor offline");
    EXPECT_EQ(sess.run(out).value(0), (std::vector<double>{2.0, 2.0, 2.0}));
    EXPECT_EQ(calls.load(), 2);
}

// A provider runs on a library thread while its session's run waits for
// it: running that session from the provider, or resetting its variables,
// throws TFE_ERR_INVALID_ARGUMENT (the binding takes no lock of its own
// on the way to C), and the run goes on with the values the provider then
// gives. Another session runs from the provider.
TEST(Session, AProviderThatRunsOrResetsItsOwnSessionIsRefusedAndTheRunGoesOn) {
    const tfe::Session *own = nullptr;
    const tfe::Tensor *own_out = nullptr;
    tfe::Context other_ctx;
    auto other_out = other_ctx.private_variable("server1", {1.0, 2.0}, {2}).reveal();
    tfe::Session other(other_ctx, memory());
    // Filled on the provider's thread, read here once the run has returned.
    std::vector<std::pair<tfe_status_t, std::string>> refusals;
    std::vector<double> other_values;
    tfe_test::SeedGraph seed([&](auto &name, auto &shape, double *out, std::size_t len) {
        auto refused = [&](auto reenter) {
            try {
                reenter();
                refusals.emplace_back(TFE_OK, "not refused");
            } catch (const tfe::Error &e) {
                refusals.emplace_back(e.status(), e.what());
            }
        };
        refused([&] { own->run(*own_out); });
        refused([&] { own->run(*own_out, tfe::Feeds()); });
        refused([&] { own->reset_variables(); });
        other_values = other.run(other_out).value(0);
        fill_ones(name, shape, out, len);
    });
    tfe::Session sess(seed.ctx); // TCP: the provider runs on input-provider's own thread
    own = &sess;
    own_out = &seed.out;
    // Twice: the session stays usable, and its provider meets the same refusals.
    for (int run = 0; run < 2; run++) {
        refusals.clear();
        other_values.clear();
        expect_all(sess.run(seed.out).value(0), 10.0);
        // Both run overloads call tfe_session_run_with_feeds.
        const char *calls[] = {"tfe_session_run_with_feeds", "tfe_session_run_with_feeds",
                               "tfe_session_reset_variables"};
        ASSERT_EQ(refusals.size(), 3u);
        for (std::size_t i = 0; i < 3; i++) {
            EXPECT_EQ(refusals[i].first, TFE_ERR_INVALID_ARGUMENT) << refusals[i].second;
            EXPECT_EQ(refusals[i].second, std::string(calls[i]) + ": " + calls[i] +
                                              " was called from an input callback of this session's own run, "
                                              "which waits for the callback: expected the call after that run "
                                              "returns");
        }
        EXPECT_EQ(other_values, (std::vector<double>{1.0, 2.0}));
    }
}

TEST(Session, AStalledPlayerIsATimeoutNamingIt) {
    tfe::Context ctx;
    auto x = ctx.private_input("slow-provider", {2}, [](auto &, auto &, double *out, std::size_t len) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3000));
        std::fill(out, out + len, 1.0);
    });
    auto out = x.reveal();
    auto options = tfe::default_session_options();
    options.recv_timeout_ms = 1000; // long enough for setup under valgrind
    tfe::Session sess(ctx, options);
    EXPECT_TFE_ERROR(sess.run(out), TFE_ERR_TIMEOUT, "'slow-provider'");
}

TEST(Session, ATensorOfAFreedContextIsRejectedByAnother) {
    tfe::Tensor out = [] {
        tfe::Context ctx;
        auto x = ctx.private_input("alice", {2}, fill_ones);
        return x.reveal();
    }();
    // The context object is gone; tensors keep its state (and the provider).
    tfe::Context ctx2;
    EXPECT_TFE_ERROR(tfe::Session(ctx2, memory()).run(out), TFE_ERR_INVALID_ARGUMENT, "another context");
}

TEST(MovedFrom, SessionsAndResultsGiveNullPointerErrors) {
    tfe::Context ctx;
    auto out = ctx.private_variable("server0", kOnes, {10, 10}).reveal();
    tfe::Session sess(ctx, memory());
    tfe::Result result = sess.run(out);
    tfe::Result kept = std::move(result);
    EXPECT_TFE_ERROR(result.size(), TFE_ERR_NULL_POINTER, "'result'"); // NOLINT(bugprone-use-after-move)
    EXPECT_TFE_ERROR(result.stats(), TFE_ERR_NULL_POINTER, "'result'");
    EXPECT_EQ(kept.size(), 1u);
    tfe::Session other = std::move(sess);
    EXPECT_TFE_ERROR(sess.run(out), TFE_ERR_NULL_POINTER, "'sess'"); // NOLINT(bugprone-use-after-move)
    EXPECT_TFE_ERROR(sess.reset_variables(), TFE_ERR_NULL_POINTER, "'sess'");
    EXPECT_EQ(other.run(out).size(), 1u);
}

} // namespace
