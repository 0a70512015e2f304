// The seed program of TF Encrypted in C++ (bindings/cpp/include/tfe.hpp):
// a private 5x10 input from an input provider times a private 10x10
// variable of ones held by server0, revealed to the servers: a 5x10 matrix
// of 10.0. Prints it and what the run cost each player; on an error prints
// the status and message and exits 1.
//
// Build with CMake (target seed_matmul_cpp), or by hand:
//   g++ -std=c++17 -Iinclude -Ibindings/cpp/include examples/cpp/seed_matmul.cpp
//       -Ltarget/release -ltfe -Wl,-rpath,$PWD/target/release -o seed_matmul
#include <algorithm>
#include <cstdio>
#include <vector>

#include "tfe.hpp"

int main() {
    try {
        tfe::Context ctx; // ABY3, default fixed point
        // w's values stay in this process, for its owner: the graph holds its shape.
        auto w = ctx.private_variable("server0", std::vector<double>(100, 1.0), {10, 10}, tfe::Name("w"));
        // Runs at the input provider only, on a library thread.
        auto x = ctx.private_input(
            "input-provider", {5, 10},
            [](auto &, auto &, double *out, std::size_t len) { std::fill(out, out + len, 1.0); }, tfe::Name("x"));
        auto y = tfe::matmul(x, w);
        auto out = y.reveal(); // to every server

        tfe::Session sess(ctx);
        tfe::Result result = sess.run(out); // 5x10 of 10.0

        auto values = result.value(0);
        auto shape = result.shape(0);
        for (std::size_t i = 0; i < shape[0]; i++) {
            for (std::size_t j = 0; j < shape[1]; j++) {
                std::printf("%s%.1f", j ? " " : "", values[i * shape[1] + j]);
            }
            std::printf("\n");
        }
        std::printf("%-18s %12s %9s %7s %11s\n", "player", "bytes sent", "messages", "rounds", "wall time");
        for (const auto &p : result.stats()) {
            std::printf("%-18s %12llu %9llu %7llu %9.3fms\n", p.name.c_str(), (unsigned long long)p.bytes_sent,
                        (unsigned long long)p.messages_sent, (unsigned long long)p.rounds, p.wall_time_ns / 1e6);
        }
        return 0;
    } catch (const tfe::Error &e) {
        std::fprintf(stderr, "error (%s): %s\n", e.status_name(), e.what());
        return 1;
    }
}
