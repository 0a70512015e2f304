// What the GoogleTest tests of the C++ binding share: EXPECT_TFE_ERROR,
// value comparisons, in-memory session options, and the seed program's
// graph as a fixture (a 10x10 variable of ones at server0 times a 5x10
// input of the input provider, revealed to the servers: 5x10 of 10.0).
#ifndef TFE_TEST_SUPPORT_HPP
#define TFE_TEST_SUPPORT_HPP

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tfe.hpp"

// Expects `statement` to throw tfe::Error with `expected_status` and a
// message containing `text`.
#define EXPECT_TFE_ERROR(statement, expected_status, text)                                                    \
    do {                                                                                                      \
        try {                                                                                                 \
            statement;                                                                                        \
            ADD_FAILURE() << #statement " did not throw";                                                    \
        } catch (const tfe::Error &e) {                                                                       \
            EXPECT_EQ(e.status(), expected_status) << e.what();                                               \
            EXPECT_NE(std::string(e.what()).find(text), std::string::npos)                                    \
                << "message '" << e.what() << "' should contain '" << (text) << "'";                         \
        }                                                                                                     \
    } while (0)

namespace tfe_test {

using Shape = std::vector<std::size_t>;

/// The seed program's weights: 100 ones.
inline const std::vector<double> kOnes(100, 1.0);

/// A provider that fills its input with ones.
inline void fill_ones(const std::string &, const std::vector<std::size_t> &, double *out, std::size_t len) {
    std::fill(out, out + len, 1.0);
}

/// `count` different free loopback ports. Each socket stays bound until all
/// are chosen: released one by one, the system may hand a port out twice.
inline std::vector<int> free_ports(std::size_t count) {
    std::vector<int> fds;
    std::vector<int> ports;
    for (std::size_t i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd >= 0) {
            fds.push_back(fd);
        }
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&addr), len) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
            break;
        }
        ports.push_back(ntohs(addr.sin_port));
    }
    for (int fd : fds) {
        close(fd);
    }
    if (ports.size() != count) {
        throw std::runtime_error("cannot find " + std::to_string(count) + " free loopback ports");
    }
    return ports;
}

/// Writes a hostmap of `players` on free loopback ports to the test
/// folder as `name`.json; its path.
inline std::string write_hostmap(const std::string &name, const std::vector<std::string> &players,
                                 int connect_timeout_ms = 20000) {
    std::string path = ::testing::TempDir() + name + ".json";
    std::vector<int> ports = free_ports(players.size());
    std::ofstream out(path);
    out << "{\"players\": [";
    for (std::size_t i = 0; i < players.size(); i++) {
        out << (i ? ", " : "") << "{\"name\": \"" << players[i] << "\", \"address\": \"127.0.0.1:" << ports[i]
            << "\"}";
    }
    out << "], \"connect_timeout_ms\": " << connect_timeout_ms << ", \"recv_timeout_ms\": 20000}\n";
    return path;
}

/// Session options with in-memory channels: no sockets, fastest.
inline tfe_session_options_t memory() {
    tfe_session_options_t options = tfe::default_session_options();
    options.transport = TFE_TRANSPORT_MEMORY;
    return options;
}

/// Runs `fetches` in a session over in-memory channels: the result of the
/// op tests, which fetch many reveals at once.
inline tfe::Result run_in_memory(const tfe::Context &ctx, const std::vector<tfe::Tensor> &fetches) {
    tfe::Session sess(ctx, memory());
    return sess.run(tfe::Fetches(fetches.begin(), fetches.end()));
}

/// Elementwise within `tolerance` (products are truncated: exact to about 2^-16).
inline void expect_near(const std::vector<double> &values, const std::vector<double> &expected,
                        double tolerance = 1e-3) {
    ASSERT_EQ(values.size(), expected.size());
    for (std::size_t i = 0; i < values.size(); i++) {
        EXPECT_NEAR(values[i], expected[i], tolerance) << "element " << i;
    }
}

/// Every value within 1e-3 of `expected`.
inline void expect_all(const std::vector<double> &values, double expected) {
    for (double v : values) {
        EXPECT_NEAR(v, expected, 1e-3);
    }
}

/// The seed program's graph: `w` (10x10 ones at server0), `x` (5x10 from
/// the input provider, through `provider`, or fed when it is empty) and
/// `out` = matmul(x, w) revealed to the servers.
struct SeedGraph {
    explicit SeedGraph(tfe::Provider provider = fill_ones)
        : w(ctx.private_variable("server0", kOnes, {10, 10})),
          x(ctx.private_input("input-provider", {5, 10}, std::move(provider))), out(tfe::matmul(x, w).reveal()) {}

    tfe::Context ctx;
    tfe::Tensor w, x, out;
};

} // namespace tfe_test

#endif // TFE_TEST_SUPPORT_HPP
