// GoogleTest tests of tfe::Party (tfe_party_t): four players of a
// deployment, each on its own thread of this process, connected over
// loopback as the hostmap says. A run gives each player what is revealed
// to it; a failing player makes the others fail with TFE_ERR_ABORTED naming
// it; a player with another graph is refused with TFE_ERR_PROTOCOL; a
// player whose peers never come gives up opening when its caller cancels.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

#define EXPECT_TFE_STATUS(call, expected) EXPECT_EQ((call), (expected)) << tfe_last_error_message()

const std::vector<std::string> kPlayers = {"server0", "server1", "server2", "input-provider"};

// Writes a hostmap of the four players on free loopback ports.
std::string write_hostmap(const std::string &name, int connect_timeout_ms = 20000) {
    return tfe_test::write_hostmap(name, kPlayers, connect_timeout_ms);
}

// What each player's thread got: its result's first value, or its error.
struct Outcome {
    tfe_status_t status = TFE_OK;
    std::string message;
    std::vector<double> value;
    std::string stats_player;
};

// Runs `contexts[i]` as player i (each opens its party and runs `fetch(i)`),
// over TLS with the keys in `key_dir` when it is not empty.
std::vector<Outcome> run_players(const std::vector<const tfe::Context *> &contexts,
                                 const std::function<const tfe::Tensor &(std::size_t)> &fetch,
                                 const std::string &hostmap, const std::string &key_dir = "") {
    std::vector<Outcome> outcomes(kPlayers.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < kPlayers.size(); i++) {
        threads.emplace_back([&, i] {
            try {
                auto party = key_dir.empty()
                                 ? tfe::Party::open_insecure_plaintext(*contexts[i], hostmap, kPlayers[i])
                                 : tfe::Party::open(*contexts[i], hostmap, kPlayers[i],
                                                    key_dir + "/" + kPlayers[i] + ".key");
                auto result = party.run(fetch(i));
                outcomes[i].stats_player = result.stats().at(0).name;
                outcomes[i].value = result.value(0);
            } catch (const tfe::Error &e) {
                outcomes[i].status = e.status();
                outcomes[i].message = e.what();
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    return outcomes;
}

TEST(Party, FourPlayersRunTheSeedProgram) {
    tfe_test::SeedGraph seed;
    const tfe::Context &ctx = seed.ctx;
    std::string hostmap = write_hostmap("tfe-party-seed");
    auto outcomes = run_players({&ctx, &ctx, &ctx, &ctx},
                                [&](std::size_t) -> const tfe::Tensor & { return seed.out; }, hostmap);
    std::remove(hostmap.c_str());
    for (std::size_t i = 0; i < 3; i++) {
        EXPECT_EQ(outcomes[i].status, TFE_OK) << kPlayers[i] << ": " << outcomes[i].message;
        EXPECT_EQ(outcomes[i].stats_player, kPlayers[i]);
        ASSERT_EQ(outcomes[i].value.size(), 50u) << kPlayers[i];
        tfe_test::expect_all(outcomes[i].value, 10.0);
    }
    // The input provider learns nothing: its result has no value.
    EXPECT_EQ(outcomes[3].status, TFE_ERR_INVALID_ARGUMENT) << outcomes[3].message;
    EXPECT_NE(outcomes[3].message.find("not revealed to this player"), std::string::npos) << outcomes[3].message;
}

TEST(Party, FourPlayersOverTlsWithGeneratedCertificates) {
    tfe::Context ctx;
    auto x = ctx.private_input("input-provider", {3},
                               [](auto &, auto &, double *out, std::size_t len) { std::fill(out, out + len, 2.0); });
    auto out = tfe::square(x).reveal();
    std::string hostmap = write_hostmap("tfe-party-tls");
    std::string dir = ::testing::TempDir() + "tfe-party-tls-certs";
    tfe::generate_certificates(hostmap, dir);
    auto outcomes = run_players({&ctx, &ctx, &ctx, &ctx}, [&](std::size_t) -> const tfe::Tensor & { return out; },
                                hostmap, dir);
    for (std::size_t i = 0; i < 3; i++) {
        EXPECT_EQ(outcomes[i].status, TFE_OK) << kPlayers[i] << ": " << outcomes[i].message;
        ASSERT_EQ(outcomes[i].value.size(), 3u) << kPlayers[i];
        EXPECT_NEAR(outcomes[i].value[0], 4.0, 1e-3);
    }
    // A private key that is not there is a configuration error naming it.
    try {
        tfe::Party::open(ctx, hostmap, "server0", dir + "/missing.key");
        ADD_FAILURE() << "opened a party without its key";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(e.status(), TFE_ERR_CONFIG) << e.what();
        EXPECT_NE(std::string(e.what()).find("missing.key"), std::string::npos) << e.what();
    }
    std::remove(hostmap.c_str());
    for (const auto &name : kPlayers) {
        std::remove((dir + "/" + name + ".pem").c_str());
        std::remove((dir + "/" + name + ".key").c_str());
    }
    EXPECT_TFE_STATUS(tfe_hostmap_generate_certificates("/nonexistent/hostmap.json", dir.c_str()), TFE_ERR_CONFIG);
    EXPECT_TFE_STATUS(tfe_hostmap_generate_certificates(nullptr, dir.c_str()), TFE_ERR_NULL_POINTER);
}

TEST(Party, AFailingPlayerIsNamedByTheOthersAsAborted) {
    tfe::Context ctx;
    auto x = ctx.private_input("input-provider", {3}, [](auto &, auto &, double *, std::size_t) {
        throw std::runtime_error("sensor offline");
    });
    auto out = x.reveal();
    std::string hostmap = write_hostmap("tfe-party-abort");
    auto outcomes = run_players({&ctx, &ctx, &ctx, &ctx}, [&](std::size_t) -> const tfe::Tensor & { return out; },
                                hostmap);
    std::remove(hostmap.c_str());
    EXPECT_EQ(outcomes[3].status, TFE_ERR_INVALID_ARGUMENT) << outcomes[3].message;
    EXPECT_NE(outcomes[3].message.find("invalid input 'input0'"), std::string::npos) << outcomes[3].message;
    EXPECT_NE(outcomes[3].message.find("sensor offline"), std::string::npos) << outcomes[3].message;
    for (std::size_t i = 0; i < 3; i++) {
        EXPECT_EQ(outcomes[i].status, TFE_ERR_ABORTED) << kPlayers[i] << ": " << outcomes[i].message;
        EXPECT_NE(outcomes[i].message.find("'input-provider' aborted the run: invalid input 'input0'"),
                  std::string::npos)
            << outcomes[i].message;
        // The exception's text stays at the input's owner.
        EXPECT_EQ(outcomes[i].message.find("sensor offline"), std::string::npos) << outcomes[i].message;
    }
}

TEST(Party, APlayerWithAnotherGraphIsRefused) {
    tfe::Context ctx, other;
    auto x = ctx.private_input("input-provider", {3});
    auto out = x.reveal();
    auto y = other.private_input("input-provider", {4});
    auto other_out = y.reveal();
    // Refused players are not waited for longer than this.
    std::string hostmap = write_hostmap("tfe-party-graph", 3000);
    auto outcomes = run_players(
        {&ctx, &ctx, &other, &ctx},
        [&](std::size_t i) -> const tfe::Tensor & { return i == 2 ? other_out : out; }, hostmap);
    std::remove(hostmap.c_str());
    bool refused = false;
    for (const auto &o : outcomes) {
        EXPECT_NE(o.status, TFE_OK);
        refused = refused || (o.status == TFE_ERR_PROTOCOL && o.message.find("different graph") != std::string::npos);
    }
    EXPECT_TRUE(refused) << outcomes[0].message << " / " << outcomes[2].message;
}

// server0's run is interrupted from the input provider's callback (another
// thread): server0 waits for that input meanwhile, so it can only finish by
// failing. The callback repeats the interrupt until server0's run returns
// (an interrupt before server0's run began would reach nothing).
TEST(Party, AnInterruptedPartyIsNamedByTheOthersAsAborted) {
    std::atomic<const tfe::Party *> server0{nullptr};
    std::atomic<bool> server0_done{false};
    tfe_test::SeedGraph seed([&](auto &, auto &, double *out, std::size_t len) {
        while (!server0_done.load()) {
            if (const tfe::Party *party = server0.load()) {
                party->interrupt();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        std::fill(out, out + len, 1.0);
    });
    std::string hostmap = write_hostmap("tfe-party-interrupt");
    std::vector<Outcome> outcomes(kPlayers.size());
    // The parties outlive the threads: the callback may still hold server0's.
    std::vector<std::optional<tfe::Party>> parties(kPlayers.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < kPlayers.size(); i++) {
        threads.emplace_back([&, i] {
            try {
                parties[i].emplace(tfe::Party::open_insecure_plaintext(seed.ctx, hostmap, kPlayers[i]));
                if (i == 0) {
                    server0.store(&*parties[i]);
                }
                outcomes[i].value = parties[i]->run(seed.out).value(0);
            } catch (const tfe::Error &e) {
                outcomes[i].status = e.status();
                outcomes[i].message = e.what();
            }
            if (i == 0) {
                server0_done.store(true);
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    std::remove(hostmap.c_str());
    EXPECT_EQ(outcomes[0].status, TFE_ERR_ABORTED) << outcomes[0].message;
    EXPECT_NE(outcomes[0].message.find("the run was interrupted by its caller"), std::string::npos)
        << outcomes[0].message;
    for (std::size_t i = 1; i < 3; i++) {
        EXPECT_EQ(outcomes[i].status, TFE_ERR_ABORTED) << kPlayers[i] << ": " << outcomes[i].message;
        EXPECT_NE(outcomes[i].message.find("'server0' aborted the run: the run was interrupted by its caller"),
                  std::string::npos)
            << outcomes[i].message;
    }
}

// A player whose peers never come gives up when its check says so, at the
// check's fifth call (no timing decides it: were the check not asked, open
// would fail at the hostmap's 60 s connect timeout with another status),
// naming whom it waited for: server0 waits for the others to connect,
// server2 connects to server0 first. TLS and plaintext.
TEST(Party, OpeningGivesUpWhenCancelledNamingWhomItWaitedFor) {
    tfe_test::SeedGraph seed;
    std::string hostmap = write_hostmap("tfe-party-cancel", 60000);
    std::string dir = ::testing::TempDir() + "tfe-party-cancel-certs";
    tfe::generate_certificates(hostmap, dir);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"server0", "while waiting for server1, server2, input-provider"}, {"server2", "while waiting for server0"}};
    for (bool tls : {false, true}) {
        for (const auto &[me, waited_for] : cases) {
            int calls = 0;
            auto fifth = [&] { return ++calls == 5; };
            try {
                if (tls) {
                    tfe::Party::open(seed.ctx, hostmap, me, dir + "/" + me + ".key", fifth);
                } else {
                    tfe::Party::open_insecure_plaintext(seed.ctx, hostmap, me, fifth);
                }
                ADD_FAILURE() << me << " opened without its peers";
            } catch (const tfe::Error &e) {
                EXPECT_EQ(e.status(), TFE_ERR_ABORTED) << e.what();
                std::string expected = "player '" + me + "' aborted the run: opening was cancelled by its caller " +
                                       waited_for;
                EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
            }
            EXPECT_EQ(calls, 5) << me << (tls ? " over TLS" : "");
        }
    }
    // What the check throws gives up and comes out of open() as it was thrown.
    EXPECT_THROW(tfe::Party::open_insecure_plaintext(seed.ctx, hostmap, "server0",
                                                     []() -> bool { throw std::invalid_argument("shutting down"); }),
                 std::invalid_argument);
    std::remove(hostmap.c_str());
    for (const auto &name : kPlayers) {
        std::remove((dir + "/" + name + ".pem").c_str());
        std::remove((dir + "/" + name + ".key").c_str());
    }
}

TEST(Party, BadArgumentsAreStatuses) {
    tfe::Context ctx;
    ctx.private_input("input-provider", {3});
    EXPECT_THROW(tfe::Party::open_insecure_plaintext(ctx, "/nonexistent/hostmap.json", "server0"), tfe::Error);
    try {
        tfe::Party::open(ctx, "/nonexistent/hostmap.json", "server0", "/nonexistent/key.pem");
        ADD_FAILURE() << "opened a party without a hostmap";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(e.status(), TFE_ERR_CONFIG) << e.what();
        EXPECT_NE(std::string(e.what()).find("/nonexistent/hostmap.json"), std::string::npos) << e.what();
    }
    tfe_party_t *party = nullptr;
    EXPECT_EQ(tfe_party_open(ctx.get(), "h.json", "server0", nullptr, &party), TFE_ERR_NULL_POINTER);
    EXPECT_NE(std::string(tfe_last_error_message()).find("'tls_key_path'"), std::string::npos);
    EXPECT_EQ(tfe_party_run(nullptr, nullptr, 0, nullptr, nullptr), TFE_ERR_NULL_POINTER);
    tfe_party_free(nullptr);
}

} // namespace
