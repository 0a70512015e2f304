// The header compiles as C++ (included twice: the include guard holds) and
// its functions link with C linkage; the C++ binding's guard holds too.
#include "tfe.h"
#include "tfe.h"
#include "tfe.hpp"
#include "tfe.hpp"

#include <cstdio>
#include <cstring>

static_assert(TFE_OK == 0, "TFE_OK is zero");
static_assert(sizeof(tfe_config_t) == 12, "tfe_config_t is three uint32_t");

int main() {
    tfe_context_t *ctx = nullptr;
    if (tfe_context_new(nullptr, &ctx) != TFE_OK) {
        std::fprintf(stderr, "tfe_context_new failed: %s\n", tfe_last_error_message());
        return 1;
    }
    tfe_context_free(ctx);
    if (tfe_context_new(nullptr, nullptr) != TFE_ERR_NULL_POINTER ||
        std::strstr(tfe_last_error_message(), "'out'") == nullptr) {
        std::fprintf(stderr, "expected a NULL-pointer error naming 'out'\n");
        return 1;
    }
    std::printf("header_cpp: tfe %s\n", tfe_version());
    return 0;
}
