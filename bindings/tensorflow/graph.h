// graph.h -- what the TensorFlow ops know about a tfe graph: the graph given
// as the `graph` attr (its canonical encoding, as tfe_context_save writes it)
// loaded once per process and shared by shape functions and kernels, the
// fetches and feeds an op names in it, and tfe errors as TensorFlow statuses.
#ifndef TFE_TENSORFLOW_GRAPH_H
#define TFE_TENSORFLOW_GRAPH_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tfe.hpp"

namespace tfe_tensorflow {

// The status a TensorFlow caller gets for a tfe error: the closest canonical
// code (TFE_ERR_TIMEOUT is DeadlineExceeded, TFE_ERR_NETWORK Unavailable,
// ...) and a message "tfe: TFE_ERR_...: <the library's message>".
absl::Status ToStatus(const tfe::Error &error);

// A tfe graph loaded from its canonical encoding. Immutable once loaded; its
// context is thread-safe (libtfe serializes calls on it).
struct Graph {
    std::string encoding;
    tfe::Context context;
};

// The graph encoded in `encoding`, loaded at its first use in this process
// and shared afterwards (shape inference runs often; sessions need the
// same context their tensors belong to). A bad encoding is InvalidArgument
// with the library's reason.
absl::Status LoadGraph(const std::string &encoding, std::shared_ptr<const Graph> *out);

// One value an op fetches: tensor number `index` of the graph.
struct Fetch {
    std::int64_t index;
    std::vector<std::size_t> shape;
    // Whether this op's player receives the value (every fetch in a local
    // session; in a deployment, reveals to this player, and reveals to
    // every server at a server). Others come out empty (shape [0]).
    bool visible;
    tfe::Tensor tensor;
};

// One value an op feeds: the input or variable called `name`.
struct Feed {
    std::string name;
    std::vector<std::size_t> shape;
    tfe::Tensor tensor;
};

// What an op runs: its fetches and feeds resolved in its graph, checked
// (fetches must be reveals or public values; in a deployment, a player
// feeds only what it owns). `player` is empty for a local session.
struct Plan {
    std::shared_ptr<const Graph> graph;
    std::vector<Fetch> fetches;
    std::vector<Feed> feeds;
};

absl::Status MakePlan(const std::string &encoding, const std::vector<std::int64_t> &fetches,
                      const std::vector<std::string> &input_names, const std::string &player, Plan *out);

// "[5, 10]", for messages.
std::string ShapeString(const std::vector<std::size_t> &shape);

} // namespace tfe_tensorflow

#endif // TFE_TENSORFLOW_GRAPH_H
