// ops.cc -- the TensorFlow ops of tfe: TfeRun (run a tfe graph, feeding TF
// tensors and returning revealed values) and TfeRelease (close the session
// or party a TfeRun holds). Their shape function reads the graph: the
// outputs' shapes are the fetches' shapes, and inputs are checked against
// the shapes the graph gives them, when the TensorFlow graph is built.
#include <string>
#include <vector>

#include "graph.h"
#include "tensorflow/core/framework/common_shape_fns.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace tfe_tensorflow {
namespace {

using tensorflow::shape_inference::DimensionHandle;
using tensorflow::shape_inference::InferenceContext;
using tensorflow::shape_inference::ShapeHandle;

absl::Status RunShape(InferenceContext *c) {
    std::string graph, player;
    std::vector<std::int64_t> fetches;
    std::vector<std::string> input_names;
    TF_RETURN_IF_ERROR(c->GetAttr("graph", &graph));
    TF_RETURN_IF_ERROR(c->GetAttr("fetches", &fetches));
    TF_RETURN_IF_ERROR(c->GetAttr("input_names", &input_names));
    TF_RETURN_IF_ERROR(c->GetAttr("player", &player));
    if (static_cast<int>(input_names.size()) != c->num_inputs()) {
        return absl::InvalidArgumentError("tfe: the op has " + std::to_string(c->num_inputs()) +
                                          " inputs but attr input_names names " +
                                          std::to_string(input_names.size()));
    }
    if (static_cast<int>(fetches.size()) != c->num_outputs()) {
        return absl::InvalidArgumentError("tfe: the op has " + std::to_string(c->num_outputs()) +
                                          " outputs (attr Tout) but attr fetches names " +
                                          std::to_string(fetches.size()));
    }
    Plan plan;
    TF_RETURN_IF_ERROR(MakePlan(graph, fetches, input_names, player, &plan));
    for (std::size_t i = 0; i < plan.feeds.size(); i++) {
        const Feed &feed = plan.feeds[i];
        std::vector<DimensionHandle> dims;
        for (std::size_t d : feed.shape) {
            dims.push_back(c->MakeDim(static_cast<std::int64_t>(d)));
        }
        ShapeHandle merged;
        if (!c->Merge(c->input(static_cast<int>(i)), c->MakeShape(dims), &merged).ok()) {
            return absl::InvalidArgumentError("tfe: inputs[" + std::to_string(i) + "] feeds \"" + feed.name +
                                              "\" of shape " + ShapeString(feed.shape) + ", but has shape " +
                                              c->DebugString(c->input(static_cast<int>(i))));
        }
    }
    for (std::size_t i = 0; i < plan.fetches.size(); i++) {
        const Fetch &fetch = plan.fetches[i];
        std::vector<DimensionHandle> dims;
        if (fetch.visible) {
            for (std::size_t d : fetch.shape) {
                dims.push_back(c->MakeDim(static_cast<std::int64_t>(d)));
            }
        } else {
            dims.push_back(c->MakeDim(0));
        }
        c->set_output(static_cast<int>(i), c->MakeShape(dims));
    }
    return absl::OkStatus();
}

} // namespace

REGISTER_OP("TfeRun")
    .Input("inputs: Tin")
    .Output("outputs: Tout")
    .Attr("Tin: list({float, double}) >= 0")
    .Attr("Tout: list({float, double}) >= 1")
    .Attr("graph: string")
    .Attr("fetches: list(int) >= 1")
    .Attr("input_names: list(string) = []")
    .Attr("player: string = ''")
    .Attr("hostmap: string = ''")
    .Attr("tls_key: string = ''")
    .Attr("insecure_plaintext: bool = false")
    .Attr("transport: {'tcp', 'memory', 'tls'} = 'tcp'")
    .Attr("container: string = ''")
    .Attr("shared_name: string = ''")
    .SetIsStateful()
    .SetShapeFn(RunShape)
    .Doc(R"doc(
Runs a tfe computation (secure multi-party computation, ABY3) and returns
the values revealed to this player.

The computation (a tfe session with every player in this process when
`player` is empty, else this process as `player` of the deployment
`hostmap` describes) is a resource named by `container` and `shared_name`:
made at the first run, it keeps its connections and the shares of private
variables across runs until TfeRelease closes it.

inputs: values of the graph's inputs and variables named by `input_names`
  (a variable's value is read only when it is initialized).
outputs: the values of the graph's tensors numbered `fetches` (reveals or
  public values); a fetch revealed to another player is empty (shape [0]).
graph: the graph in tfe's canonical encoding (tfe_context_save).
)doc");

REGISTER_OP("TfeRelease")
    .Attr("container: string = ''")
    .Attr("shared_name: string")
    .SetIsStateful()
    .SetShapeFn(tensorflow::shape_inference::NoOutputs)
    .Doc(R"doc(
Closes the tfe session or party of the TfeRun resource `shared_name` (its
players stop, its connections close); the next TfeRun opens a new one.
Nothing happens when there is none.
)doc");

} // namespace tfe_tensorflow
