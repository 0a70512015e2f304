// graph.cc -- loading the `graph` attr once per process, resolving an op's
// fetches and feeds in it, and mapping tfe errors to TensorFlow statuses.
#include "graph.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>

namespace tfe_tensorflow {

absl::Status ToStatus(const tfe::Error &error) {
    std::string message = std::string("tfe: ") + error.status_name() + ": " + error.what();
    switch (error.status()) {
    case TFE_ERR_NETWORK:
        return absl::UnavailableError(message);
    case TFE_ERR_TIMEOUT:
        return absl::DeadlineExceededError(message);
    case TFE_ERR_ABORTED:
        return absl::AbortedError(message);
    case TFE_ERR_PROTOCOL:
        // Players disagree (another graph, a malformed message): running
        // together is not possible until they agree.
        return absl::FailedPreconditionError(message);
    case TFE_ERR_INTERNAL:
    case TFE_ERR_PANIC:
        return absl::InternalError(message);
    case TFE_ERR_OUT_OF_RANGE:
        // Not OutOfRange: tf.data takes that for the end of a dataset and
        // would stop iterating silently at an overflowed result.
    case TFE_ERR_INVALID_ARGUMENT:
    case TFE_ERR_CONFIG:
    case TFE_ERR_NULL_POINTER:
    default:
        return absl::InvalidArgumentError(message);
    }
}

namespace {

// libtfe loads graphs from files: the encoding goes through a private
// temporary file, removed right after.
absl::Status LoadFromBytes(const std::string &encoding, tfe::Context *out) {
    const char *dir = getenv("TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/tfe-tf-graph-XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0) {
        return absl::InternalError("tfe: cannot create a temporary file for the graph in " + path);
    }
    std::size_t written = 0;
    while (written < encoding.size()) {
        ssize_t n = write(fd, encoding.data() + written, encoding.size() - written);
        if (n <= 0) {
            close(fd);
            unlink(path.c_str());
            return absl::InternalError("tfe: cannot write the graph to the temporary file " + path);
        }
        written += static_cast<std::size_t>(n);
    }
    close(fd);
    try {
        *out = tfe::Context::load(path);
    } catch (const tfe::Error &e) {
        unlink(path.c_str());
        return absl::InvalidArgumentError(std::string("tfe: attr graph (") + std::to_string(encoding.size()) +
                                          " bytes) is not a tfe graph in the canonical encoding "
                                          "(tfe_context_save): " +
                                          e.what());
    }
    unlink(path.c_str());
    return absl::OkStatus();
}

bool IsServer(const std::string &player) {
    return player == "server0" || player == "server1" || player == "server2";
}

} // namespace

absl::Status LoadGraph(const std::string &encoding, std::shared_ptr<const Graph> *out) {
    // Keyed by the whole encoding: two graphs never share an entry. Entries
    // live as long as the process, as the op library does.
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const Graph>> graphs;
    std::lock_guard<std::mutex> lock(mutex);
    auto found = graphs.find(encoding);
    if (found != graphs.end()) {
        *out = found->second;
        return absl::OkStatus();
    }
    tfe::Context context;
    absl::Status status = LoadFromBytes(encoding, &context);
    if (!status.ok()) {
        return status;
    }
    auto graph = std::make_shared<const Graph>(Graph{encoding, std::move(context)});
    graphs.emplace(encoding, graph);
    *out = graph;
    return absl::OkStatus();
}

std::string ShapeString(const std::vector<std::size_t> &shape) {
    std::ostringstream s;
    s << "[";
    for (std::size_t i = 0; i < shape.size(); i++) {
        s << (i ? ", " : "") << shape[i];
    }
    s << "]";
    return s.str();
}

absl::Status MakePlan(const std::string &encoding, const std::vector<std::int64_t> &fetches,
                      const std::vector<std::string> &input_names, const std::string &player, Plan *out) {
    Plan plan;
    absl::Status status = LoadGraph(encoding, &plan.graph);
    if (!status.ok()) {
        return status;
    }
    const tfe::Context &ctx = plan.graph->context;
    try {
        if (!player.empty()) {
            auto players = ctx.players();
            if (std::find(players.begin(), players.end(), player) == players.end()) {
                std::string names;
                for (const auto &p : players) {
                    names += (names.empty() ? "" : ", ") + p;
                }
                return absl::InvalidArgumentError("tfe: attr player: \"" + player +
                                                  "\" is not a player of the graph (its players: " + names + ")");
            }
        }
        const std::size_t size = ctx.size();
        for (std::size_t i = 0; i < fetches.size(); i++) {
            const std::int64_t index = fetches[i];
            if (index < 0 || static_cast<std::size_t>(index) >= size) {
                return absl::InvalidArgumentError("tfe: attr fetches[" + std::to_string(i) + "]: tensor " +
                                                  std::to_string(index) + " is not in the graph (it has " +
                                                  std::to_string(size) + " tensors)");
            }
            tfe::Tensor tensor = ctx.tensor(static_cast<std::size_t>(index));
            const tfe::TensorKind kind = tensor.kind();
            if (kind != tfe::TensorKind::Revealed && kind != tfe::TensorKind::Public) {
                return absl::InvalidArgumentError(
                    "tfe: attr fetches[" + std::to_string(i) + "]: tensor " + std::to_string(index) +
                    " is " + (kind == tfe::TensorKind::Private ? "private" : "an assignment") +
                    "; an op fetches reveals (tfe_reveal) and public values only");
            }
            // Public values are computed by every player; a reveal reaches
            // its player, or every server.
            const std::string owner = tensor.owner();
            const bool visible = player.empty() || kind == tfe::TensorKind::Public || owner == player ||
                                 (owner.empty() && IsServer(player));
            plan.fetches.push_back(Fetch{index, tensor.shape(), visible, std::move(tensor)});
        }
        for (std::size_t i = 0; i < input_names.size(); i++) {
            const std::string &name = input_names[i];
            tfe::Tensor tensor = [&] {
                try {
                    return ctx.find(name);
                } catch (const tfe::Error &e) {
                    throw tfe::Error(e.status(), "attr input_names[" + std::to_string(i) + "]: " + e.what());
                }
            }();
            const std::string owner = tensor.owner();
            if (!player.empty() && owner != player) {
                return absl::InvalidArgumentError("tfe: attr input_names[" + std::to_string(i) + "]: \"" + name +
                                                  "\" belongs to " + owner + ", and only its owner feeds it; this " +
                                                  "op runs as " + player);
            }
            plan.feeds.push_back(Feed{name, tensor.shape(), std::move(tensor)});
        }
    } catch (const tfe::Error &e) {
        return ToStatus(e);
    }
    *out = std::move(plan);
    return absl::OkStatus();
}

} // namespace tfe_tensorflow
