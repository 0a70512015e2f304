// GoogleTest tests of tfe.hpp, part 1: Error, Context, Tensor and the
// operators: what they build, and every way building can fail (each a
// tfe::Error with the right status and a message saying what was wrong).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "test_support.hpp"

namespace {

using tfe_test::kOnes;

template <class T> constexpr bool move_only() {
    return std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T> &&
           !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T>;
}
static_assert(move_only<tfe::Context>() && move_only<tfe::Tensor>() && move_only<tfe::Session>() &&
                  move_only<tfe::Result>() && move_only<tfe::Feeds>(),
              "every handle class is move-only");

TEST(Error, CarriesStatusNameAndMessage) {
    tfe::Error e(TFE_ERR_TIMEOUT, "waited too long");
    EXPECT_EQ(e.status(), TFE_ERR_TIMEOUT);
    EXPECT_STREQ(e.status_name(), "TFE_ERR_TIMEOUT");
    EXPECT_STREQ(e.what(), "waited too long");
    EXPECT_STREQ(tfe_status_name(42), "TFE_UNKNOWN_STATUS");
}

TEST(Version, MatchesTheHeader) {
    EXPECT_EQ(tfe::version(), std::to_string(TFE_VERSION_MAJOR) + "." + std::to_string(TFE_VERSION_MINOR) + "." +
                                  std::to_string(TFE_VERSION_PATCH));
}

TEST(Context, DefaultAndCustomConfig) {
    tfe::Context a;
    EXPECT_NE(a.get(), nullptr);
    tfe_config_t config = tfe::default_config();
    EXPECT_EQ(config.frac_bits, 16u);
    config.frac_bits = 12;
    tfe::Context b(config);
    EXPECT_NE(b.get(), nullptr);
}

TEST(Context, BadConfigIsAConfigError) {
    tfe_config_t config = tfe::default_config();
    config.frac_bits = 40;
    EXPECT_TFE_ERROR(tfe::Context{config}, TFE_ERR_CONFIG, "fractional bits");
}

TEST(Context, DefinitionsAndTheirShapesAndNames) {
    tfe::Context ctx;
    auto w = ctx.private_variable("server0", kOnes, {10, 10});
    auto v = ctx.private_variable("server1", {3});
    auto x = ctx.private_input("alice", {5, 10}, [](auto &, auto &, double *, std::size_t) {});
    auto fed = ctx.private_input("bob", {2});
    auto c = ctx.constant({1.0, 2.0}, {2});
    EXPECT_EQ(w.shape(), (std::vector<std::size_t>{10, 10}));
    EXPECT_EQ(x.shape(), (std::vector<std::size_t>{5, 10}));
    EXPECT_EQ(c.shape(), (std::vector<std::size_t>{2}));
    EXPECT_EQ(w.name(), "variable0");
    EXPECT_EQ(v.name(), "variable1");
    EXPECT_EQ(x.name(), "input0");
    EXPECT_EQ(fed.name(), "input1");
    EXPECT_TFE_ERROR(c.name(), TFE_ERR_INVALID_ARGUMENT, "expected an input or a variable");
}

TEST(Context, TellsItsConfigPlayersAndTensorKindsAndOwners) {
    tfe_config_t config = tfe::default_config();
    config.frac_bits = 12;
    config.int_bits = 24;
    config.comparison = TFE_COMPARISON_FULL;
    tfe::Context ctx(config);
    tfe_config_t read = ctx.config();
    EXPECT_EQ(read.frac_bits, 12u);
    EXPECT_EQ(read.int_bits, 24u);
    EXPECT_EQ(read.comparison, static_cast<std::uint32_t>(TFE_COMPARISON_FULL));
    EXPECT_EQ(tfe::Context().config().frac_bits, tfe::default_config().frac_bits);

    EXPECT_EQ(ctx.players(), (std::vector<std::string>{"server0", "server1", "server2"}));
    auto w = ctx.private_variable("alice", kOnes, {10, 10});
    auto x = ctx.private_input("bob", {5, 10});
    auto c = ctx.constant({1, 2}, {2});
    auto y = tfe::matmul(x, w);
    auto to_carol = y.reveal("carol");
    auto to_all = y.reveal();
    EXPECT_EQ(ctx.players(), (std::vector<std::string>{"server0", "server1", "server2", "alice", "bob", "carol"}));

    EXPECT_EQ(w.kind(), tfe::TensorKind::Private);
    EXPECT_EQ(x.kind(), tfe::TensorKind::Private);
    EXPECT_EQ(c.kind(), tfe::TensorKind::Public);
    EXPECT_EQ((c + c).kind(), tfe::TensorKind::Public);
    EXPECT_EQ(y.kind(), tfe::TensorKind::Private);
    EXPECT_EQ(to_carol.kind(), tfe::TensorKind::Revealed);
    EXPECT_EQ(tfe::assign(w, w).kind(), tfe::TensorKind::Assignment);
    EXPECT_EQ(w.owner(), "alice");
    EXPECT_EQ(x.owner(), "bob");
    EXPECT_EQ(to_carol.owner(), "carol");
    EXPECT_EQ(to_all.owner(), "");
    EXPECT_EQ(c.owner(), "");
    EXPECT_EQ(y.owner(), "");

    const char *name = reinterpret_cast<const char *>(1);
    EXPECT_EQ(tfe_context_player_name(ctx.get(), 6, &name), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("index 6: the context has 6 players"), std::string::npos);
    EXPECT_EQ(name, reinterpret_cast<const char *>(1));
    EXPECT_EQ(tfe_tensor_kind(w.get(), nullptr), TFE_ERR_NULL_POINTER);
    EXPECT_EQ(tfe_tensor_owner(reinterpret_cast<tfe_tensor_t *>(ctx.get()), &name), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(tfe_context_config(reinterpret_cast<tfe_context_t *>(w.get()), &read), TFE_ERR_INVALID_ARGUMENT);
}

TEST(Context, BadDefinitionsAreInvalidArguments) {
    tfe::Context ctx;
    EXPECT_TFE_ERROR(ctx.private_variable("bad name!", kOnes, {10, 10}), TFE_ERR_INVALID_ARGUMENT, "'bad name!'");
    EXPECT_TFE_ERROR(ctx.private_variable("server0", kOnes, {3, 3}), TFE_ERR_INVALID_ARGUMENT, "100");
    EXPECT_TFE_ERROR(ctx.private_variable("server0", {}, {2}), TFE_ERR_INVALID_ARGUMENT, "0 values, expected 2");
    EXPECT_TFE_ERROR(ctx.private_input("", {2}, [](auto &, auto &, double *, std::size_t) {}),
                     TFE_ERR_INVALID_ARGUMENT, "player name");
    EXPECT_TFE_ERROR(ctx.constant({1e300}, {1}), TFE_ERR_INVALID_ARGUMENT, "tfe_define_constant");
    EXPECT_TFE_ERROR(ctx.save("/nonexistent-dir/graph.tfe"), TFE_ERR_INVALID_ARGUMENT, "cannot write");
    // A failed definition leaves the context usable.
    auto ok = ctx.private_input("alice", {2});
    EXPECT_EQ(ok.name(), "input0");
}

TEST(Context, SavesItsGraph) {
    tfe::Context ctx;
    ctx.private_variable("server0", kOnes, {10, 10});
    std::string path = ::testing::TempDir() + "tfe-cpp-test.graph";
    ctx.save(path);
    EXPECT_EQ(std::remove(path.c_str()), 0);
}

TEST(Tensor, OperatorsInferShapes) {
    tfe::Context ctx;
    auto a = ctx.private_variable("alice", {1, 2, 3, 4, 5, 6}, {2, 3});
    auto c = ctx.constant({0.5, 0.5, 0.5}, {3});
    EXPECT_EQ((a + c).shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ((a - c).shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ((a * c).shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ((-a).shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(tfe::square(a).shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(tfe::reduce_sum(a).shape(), (std::vector<std::size_t>{}));
    EXPECT_EQ(tfe::reduce_sum(a, 0).shape(), (std::vector<std::size_t>{3}));
    EXPECT_EQ(tfe::transpose(a).shape(), (std::vector<std::size_t>{3, 2}));
    EXPECT_EQ(tfe::transpose(a, {1, 0}).shape(), (std::vector<std::size_t>{3, 2}));
    EXPECT_EQ(tfe::reshape(a, {6}).shape(), (std::vector<std::size_t>{6}));
    EXPECT_EQ(tfe::matmul(a, tfe::transpose(a)).shape(), (std::vector<std::size_t>{2, 2}));
    EXPECT_EQ(tfe::reveal(a).shape(), (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(tfe::reveal(a, "bob").shape(), (std::vector<std::size_t>{2, 3}));
    auto update = tfe::assign(a, a + a);
    EXPECT_NE(update.get(), nullptr);
}

TEST(Tensor, ShapeMismatchesNameBothShapes) {
    tfe::Context ctx;
    auto w = ctx.private_variable("server0", kOnes, {10, 10});
    auto x = ctx.private_input("alice", {5, 10});
    EXPECT_TFE_ERROR(tfe::matmul(w, x), TFE_ERR_INVALID_ARGUMENT, "[10, 10] x [5, 10]");
    EXPECT_TFE_ERROR(w + x, TFE_ERR_INVALID_ARGUMENT, "[5, 10]");
    EXPECT_TFE_ERROR(tfe::reshape(x, {7}), TFE_ERR_INVALID_ARGUMENT, "tfe_reshape");
    EXPECT_TFE_ERROR(tfe::reduce_sum(x, 2), TFE_ERR_INVALID_ARGUMENT, "tfe_reduce_sum_axis");
    EXPECT_TFE_ERROR(tfe::transpose(x, {0, 0}), TFE_ERR_INVALID_ARGUMENT, "tfe_transpose");
    EXPECT_TFE_ERROR(tfe::assign(x, w), TFE_ERR_INVALID_ARGUMENT, "private variable");
    EXPECT_TFE_ERROR(x.reveal("no/slash"), TFE_ERR_INVALID_ARGUMENT, "'no/slash'");
    auto r = x.reveal();
    EXPECT_TFE_ERROR(r + r, TFE_ERR_INVALID_ARGUMENT, "revealed");
}

TEST(Tensor, OperandsOfAnotherContextAreRejected) {
    tfe::Context one, two;
    auto a = one.private_variable("server0", kOnes, {10, 10});
    auto b = two.private_variable("server0", kOnes, {10, 10});
    EXPECT_TFE_ERROR(a + b, TFE_ERR_INVALID_ARGUMENT, "'y' is a tensor of another context");
}

TEST(Tensor, OutlivesItsContextObject) {
    tfe::Tensor x = [] {
        tfe::Context ctx;
        return ctx.private_variable("server0", kOnes, {10, 10});
    }();
    // The tensor keeps the context's state: operators still work.
    EXPECT_EQ(tfe::square(x).shape(), (std::vector<std::size_t>{10, 10}));
}

TEST(MovedFrom, ObjectsGiveNullPointerErrorsNotCrashes) {
    tfe::Context ctx;
    auto x = ctx.private_variable("server0", kOnes, {10, 10});
    tfe::Tensor y = std::move(x);
    EXPECT_EQ(x.get(), nullptr); // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_TFE_ERROR(x.shape(), TFE_ERR_NULL_POINTER, "'tensor'");
    EXPECT_TFE_ERROR(-x, TFE_ERR_NULL_POINTER, "tfe_neg: parameter");
    EXPECT_TFE_ERROR(y + x, TFE_ERR_NULL_POINTER, "'y'");

    tfe::Context other = std::move(ctx);
    EXPECT_TFE_ERROR(ctx.constant({1.0}, {1}), TFE_ERR_NULL_POINTER, "'ctx'");
    EXPECT_TFE_ERROR(ctx.private_input("alice", {1}, [](auto &, auto &, double *, std::size_t) {}),
                     TFE_ERR_NULL_POINTER, "moved from");
    EXPECT_TFE_ERROR(ctx.save("x"), TFE_ERR_NULL_POINTER, "'ctx'");
    EXPECT_TFE_ERROR(tfe::Session{ctx}, TFE_ERR_NULL_POINTER, "'ctx'");
    EXPECT_EQ(other.constant({1.0}, {1}).shape(), (std::vector<std::size_t>{1}));

    tfe::Feeds feeds;
    tfe::Feeds moved = std::move(feeds);
    EXPECT_TFE_ERROR(feeds.set(y, kOnes), TFE_ERR_NULL_POINTER, "'feeds'");
    moved.set(y, kOnes);
}

} // namespace

namespace {

TEST(Context, LoadsASavedGraphAndFindsItsTensors) {
    std::string path = ::testing::TempDir() + "tfe-cpp-load.graph";
    tfe_test::SeedGraph(nullptr).ctx.save(path); // x without a provider: fed below
    tfe::Context loaded = tfe::Context::load(path);
    EXPECT_EQ(std::remove(path.c_str()), 0);
    ASSERT_EQ(loaded.size(), 4u); // w, x, the product, its reveal
    auto x = loaded.find("input0");
    EXPECT_EQ(x.shape(), (std::vector<std::size_t>{5, 10}));
    auto out = loaded.tensor(3);
    EXPECT_EQ(out.shape(), (std::vector<std::size_t>{5, 10}));
    EXPECT_TFE_ERROR(loaded.tensor(4), TFE_ERR_INVALID_ARGUMENT, "index 4 is out of range: the graph has 4");
    EXPECT_TFE_ERROR(loaded.find("nope"), TFE_ERR_INVALID_ARGUMENT, "no input or variable is named 'nope'");
    EXPECT_TFE_ERROR(tfe::Context::load(path), TFE_ERR_INVALID_ARGUMENT, "cannot read graph file");

    tfe::Session sess(loaded, tfe_test::memory());
    tfe::Feeds feeds;
    feeds.set(x, std::vector<double>(50, 1.0));
    // The file holds w's shape, not its values: its owner gives them.
    feeds.set(loaded.find("variable0"), kOnes);
    tfe_test::expect_all(sess.run(out, feeds).value(0), 10.0);
}

} // namespace
