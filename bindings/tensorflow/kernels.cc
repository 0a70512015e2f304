// kernels.cc -- the CPU kernels of TfeRun and TfeRelease, and the resource
// that holds a tfe session (every player in this process) or party (one
// player of a deployment) across runs: its connections and the shares of
// private variables live as long as the resource.
#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "graph.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/resource_mgr.h"
#include "tensorflow/core/framework/tensor.h"

namespace tfe_tensorflow {
namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Tensor;

// Where and how a TfeRun runs (its attrs other than the graph's).
struct Where {
    std::string player, hostmap, tls_key, transport;
    bool insecure_plaintext = false;
};

// A computation: one session or one party, opened at its first run (not
// when the resource is made: ResourceMgr::LookupOrCreate holds the device's
// resource lock while it makes one, and a party waits for its peers, which
// may be other TfeRun ops of this process).
class Computation : public tensorflow::ResourceBase {
  public:
    Computation(std::shared_ptr<const Graph> graph, Where where) : graph_(std::move(graph)), where_(std::move(where)) {}

    const Graph *graph() const { return graph_.get(); }

    // Runs `fetches` with `feeds`, opening the session or the party first if
    // no run has (a failed opening is tried again by the next run).
    absl::Status Run(const tfe::Fetches &fetches, const tfe::Feeds &feeds, std::optional<tfe::Result> *out) {
        TF_RETURN_IF_ERROR(Open());
        try {
            out->emplace(session_ ? session_->run(fetches, feeds) : party_->run(fetches, feeds));
        } catch (const tfe::Error &e) {
            return ToStatus(e);
        }
        return absl::OkStatus();
    }

    std::string DebugString() const override {
        return where_.player.empty() ? "tfe session (every player in this process)"
                                     : "tfe party of " + where_.player + " (" + where_.hostmap + ")";
    }

  private:
    absl::Status Open() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (session_ || party_) {
            return absl::OkStatus();
        }
        try {
            if (where_.player.empty()) {
                tfe_session_options_t options = tfe::default_session_options();
                options.transport = where_.transport == "memory" ? TFE_TRANSPORT_MEMORY
                                    : where_.transport == "tls"  ? TFE_TRANSPORT_TLS
                                                                 : TFE_TRANSPORT_TCP;
                session_.emplace(graph_->context, options);
            } else if (where_.insecure_plaintext) {
                party_.emplace(tfe::Party::open_insecure_plaintext(graph_->context, where_.hostmap, where_.player));
            } else {
                party_.emplace(tfe::Party::open(graph_->context, where_.hostmap, where_.player, where_.tls_key));
            }
        } catch (const tfe::Error &e) {
            return ToStatus(e);
        }
        return absl::OkStatus();
    }

    const std::shared_ptr<const Graph> graph_;
    const Where where_;
    std::mutex mutex_; // guards opening
    std::optional<tfe::Session> session_;
    std::optional<tfe::Party> party_;
};

class RunOp : public OpKernel {
  public:
    explicit RunOp(OpKernelConstruction *ctx) : OpKernel(ctx) {
        std::string graph;
        std::vector<std::int64_t> fetches;
        std::vector<std::string> input_names;
        OP_REQUIRES_OK(ctx, ctx->GetAttr("graph", &graph));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("fetches", &fetches));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("input_names", &input_names));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("player", &where_.player));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("hostmap", &where_.hostmap));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("tls_key", &where_.tls_key));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("insecure_plaintext", &where_.insecure_plaintext));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("transport", &where_.transport));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("container", &container_));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("shared_name", &shared_name_));
        if (!where_.player.empty()) {
            OP_REQUIRES(ctx, !where_.hostmap.empty(),
                        absl::InvalidArgumentError("tfe: attr hostmap: a player of a deployment (attr player \"" +
                                                   where_.player + "\") needs the hostmap file's path"));
            OP_REQUIRES(ctx, where_.insecure_plaintext || !where_.tls_key.empty(),
                        absl::InvalidArgumentError("tfe: attr tls_key: player \"" + where_.player +
                                                   "\" needs its private key's path (or attr "
                                                   "insecure_plaintext, for tests on a trusted network only)"));
        }
        OP_REQUIRES_OK(ctx, MakePlan(graph, fetches, input_names, where_.player, &plan_));
        for (const Fetch &fetch : plan_.fetches) {
            fetch_refs_.push_back(std::cref(fetch.tensor));
        }
        if (shared_name_.empty()) {
            // No name to share it by: a computation of this kernel alone.
            own_.reset(new Computation(plan_.graph, where_));
        }
    }

    void Compute(OpKernelContext *ctx) override {
        tensorflow::core::RefCountPtr<Computation> computation;
        OP_REQUIRES_OK(ctx, Find(ctx, &computation));
        OP_REQUIRES(ctx, computation->graph() == plan_.graph.get(),
                    absl::InvalidArgumentError("tfe: attr shared_name \"" + shared_name_ +
                                               "\" names a computation of another graph"));
        std::optional<tfe::Result> result;
        try {
            tfe::Feeds feeds;
            OP_REQUIRES_OK(ctx, SetFeeds(ctx, &feeds));
            OP_REQUIRES_OK(ctx, computation->Run(fetch_refs_, feeds, &result));
            OP_REQUIRES_OK(ctx, SetOutputs(ctx, *result));
        } catch (const tfe::Error &e) {
            ctx->SetStatus(ToStatus(e));
        }
    }

  private:
    // The kernel's own computation, or the resource `shared_name` (made now
    // if no kernel has made it).
    absl::Status Find(OpKernelContext *ctx, tensorflow::core::RefCountPtr<Computation> *out) {
        if (own_) {
            own_->Ref();
            out->reset(own_.get());
            return absl::OkStatus();
        }
        tensorflow::ResourceMgr *rm = ctx->resource_manager();
        const std::string &container = container_.empty() ? rm->default_container() : container_;
        Computation *found = nullptr;
        TF_RETURN_IF_ERROR(rm->LookupOrCreate<Computation>(container, shared_name_, &found, [this](Computation **c) {
            *c = new Computation(plan_.graph, where_);
            return absl::OkStatus();
        }));
        out->reset(found);
        return absl::OkStatus();
    }

    absl::Status SetFeeds(OpKernelContext *ctx, tfe::Feeds *feeds) {
        std::vector<double> converted;
        for (std::size_t i = 0; i < plan_.feeds.size(); i++) {
            const Feed &feed = plan_.feeds[i];
            const Tensor &input = ctx->input(static_cast<int>(i));
            bool same = input.dims() == static_cast<int>(feed.shape.size());
            for (int d = 0; same && d < input.dims(); d++) {
                same = input.dim_size(d) == static_cast<std::int64_t>(feed.shape[d]);
            }
            if (!same) {
                return absl::InvalidArgumentError("tfe: inputs[" + std::to_string(i) + "] feeds \"" + feed.name +
                                                  "\" of shape " + ShapeString(feed.shape) + ", but has shape " +
                                                  input.shape().DebugString());
            }
            const std::size_t n = static_cast<std::size_t>(input.NumElements());
            const double *values = nullptr;
            if (input.dtype() == tensorflow::DT_DOUBLE) {
                values = input.flat<double>().data();
            } else {
                auto flat = input.flat<float>();
                converted.assign(flat.data(), flat.data() + n);
                values = converted.data();
            }
            // The values are copied into the feeds: `converted` may be reused.
            tfe::detail::check(tfe_feeds_set(feeds->get(), feed.tensor.get(), values, n));
        }
        return absl::OkStatus();
    }

    absl::Status SetOutputs(OpKernelContext *ctx, const tfe::Result &result) {
        for (std::size_t i = 0; i < plan_.fetches.size(); i++) {
            const Fetch &fetch = plan_.fetches[i];
            tensorflow::TensorShape shape;
            if (fetch.visible) {
                for (std::size_t d : fetch.shape) {
                    shape.AddDim(static_cast<std::int64_t>(d));
                }
            } else {
                shape.AddDim(0);
            }
            Tensor *out = nullptr;
            TF_RETURN_IF_ERROR(ctx->allocate_output(static_cast<int>(i), shape, &out));
            if (!fetch.visible) {
                continue;
            }
            const double *data = nullptr;
            std::size_t len = 0;
            tfe::detail::check(tfe_result_value(result.get(), i, &data, &len));
            if (len != static_cast<std::size_t>(shape.num_elements())) {
                return absl::InternalError("tfe: fetch " + std::to_string(fetch.index) + " has " +
                                           std::to_string(len) + " values, its shape " + ShapeString(fetch.shape) +
                                           " says " + std::to_string(shape.num_elements()));
            }
            if (out->dtype() == tensorflow::DT_DOUBLE) {
                std::copy(data, data + len, out->flat<double>().data());
            } else {
                std::copy(data, data + len, out->flat<float>().data());
            }
        }
        return absl::OkStatus();
    }

    Plan plan_;
    tfe::Fetches fetch_refs_;
    Where where_;
    std::string container_, shared_name_;
    tensorflow::core::RefCountPtr<Computation> own_;
};

class ReleaseOp : public OpKernel {
  public:
    explicit ReleaseOp(OpKernelConstruction *ctx) : OpKernel(ctx) {
        OP_REQUIRES_OK(ctx, ctx->GetAttr("container", &container_));
        OP_REQUIRES_OK(ctx, ctx->GetAttr("shared_name", &shared_name_));
    }

    void Compute(OpKernelContext *ctx) override {
        tensorflow::ResourceMgr *rm = ctx->resource_manager();
        const std::string &container = container_.empty() ? rm->default_container() : container_;
        absl::Status status = rm->Delete<Computation>(container, shared_name_);
        if (!status.ok() && !absl::IsNotFound(status)) {
            ctx->SetStatus(status);
        }
    }

  private:
    std::string container_, shared_name_;
};

REGISTER_KERNEL_BUILDER(Name("TfeRun").Device(tensorflow::DEVICE_CPU), RunOp);
REGISTER_KERNEL_BUILDER(Name("TfeRelease").Device(tensorflow::DEVICE_CPU), ReleaseOp);

} // namespace
} // namespace tfe_tensorflow
