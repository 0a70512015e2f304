// Names of inputs and variables given from C++ (tfe::Name), the text of a
// provider's exception in the run's error, and variables' initial values
// that stay out of saved graphs.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "test_support.hpp"

using namespace tfe_test;

TEST(Names, GivenNamesAreUsedAndCheckedAutomaticOnesSkipThem) {
    tfe::Context ctx;
    auto w = ctx.private_variable("server0", kOnes, {10, 10}, tfe::Name("weights"));
    auto x = ctx.private_input("alice", {5, 10}, fill_ones, tfe::Name("input0"));
    auto auto_named = ctx.private_input("alice", {2});
    auto fed = ctx.private_variable("server1", {2}, tfe::Name("v.1"));
    EXPECT_EQ(w.name(), "weights");
    EXPECT_EQ(x.name(), "input0");
    EXPECT_EQ(auto_named.name(), "input1"); // input0 is taken
    EXPECT_EQ(fed.name(), "v.1");
    EXPECT_EQ(ctx.find("weights").shape(), (Shape{10, 10}));
    EXPECT_TFE_ERROR(ctx.private_input("bob", {2}, tfe::Name("weights")), TFE_ERR_INVALID_ARGUMENT,
                     "named 'weights' exists already");
    EXPECT_TFE_ERROR(ctx.private_input("bob", {2}, fill_ones, tfe::Name("a b")), TFE_ERR_INVALID_ARGUMENT,
                     "input or variable name 'a b'");
    EXPECT_TFE_ERROR(ctx.private_variable("bob", {2}, tfe::Name(std::string(65, 'n'))), TFE_ERR_INVALID_ARGUMENT,
                     "1 to 64 characters");
}

TEST(Names, AProviderExceptionIsTheRunsErrorNamingTheInput) {
    tfe::Context ctx;
    auto x = ctx.private_input(
        "alice", {2}, [](auto &, auto &, double *, std::size_t) { throw std::runtime_error("camera 7 is offline"); },
        tfe::Name("frames"));
    auto y = ctx.private_input(
        "alice", {2}, [](auto &, auto &, double *, std::size_t) { throw 42; }, tfe::Name("other"));
    auto x_out = x.reveal();
    auto y_out = y.reveal();
    tfe::Session sess(ctx, memory());
    EXPECT_TFE_ERROR(sess.run(x_out), TFE_ERR_INVALID_ARGUMENT, "invalid input 'frames': its provider failed");
    EXPECT_TFE_ERROR(sess.run(x_out), TFE_ERR_INVALID_ARGUMENT, ": camera 7 is offline");
    EXPECT_TFE_ERROR(sess.run(y_out), TFE_ERR_INVALID_ARGUMENT, "not a std::exception");
}

TEST(Names, ASavedGraphHoldsNoInitialValues) {
    const std::vector<double> secret(100, 1234.5678);
    const std::string path = "tfe-test-names.graph";
    tfe::Context ctx;
    auto w = ctx.private_variable("server0", secret, {10, 10}, tfe::Name("w"));
    auto out = w.reveal();
    ctx.save(path);
    std::ifstream file(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    file.close();
    std::remove(path.c_str());
    ASSERT_FALSE(bytes.empty());
    std::string as_double(sizeof(double), '\0');
    std::memcpy(&as_double[0], &secret[0], sizeof(double));
    EXPECT_EQ(bytes.find(as_double), std::string::npos) << "the saved graph holds w's values";
    // The context still gives w its values at its owner.
    tfe::Session sess(ctx, memory());
    expect_all(sess.run(out).value(0), 1234.5678);
}
