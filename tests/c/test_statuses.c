/*
 * One test per status of tfe_status_t: each is reachable through the C API
 * and its message says what was wrong (and names the player, for network
 * failures). Network failures are made real from inside an input callback,
 * which runs on the input provider's thread while the servers wait for it:
 * it stalls (TFE_ERR_TIMEOUT), shuts the process's player connections down
 * (TFE_ERR_NETWORK), or writes bytes that are not a frame into them
 * (TFE_ERR_PROTOCOL). Only one session exists at a time in this program, so
 * every connected socket of the process belongs to it.
 *
 * TFE_ERR_ABORTED is what deployed parties see when another player gives
 * up (a local session reports the failure that started it instead): four
 * parties on threads of this process, the input provider's callback fails.
 * The same deployment shows TFE_ERR_INVALID_ARGUMENT for a callback that
 * runs its own party (whose run, on the same thread, waits for it): the
 * refused call does not disturb the run, which every player completes.
 *
 * TFE_ERR_INTERNAL and TFE_ERR_PANIC mean a bug in tfe, which no correct
 * call can provoke: tfe_selftest_fail, the diagnostic for bindings' tests,
 * returns them on request (for TFE_ERR_PANIC by really panicking inside the
 * panic boundary that guards every function).
 */
#define _POSIX_C_SOURCE 200809L

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tfe.h" /* a second time (check.h has it): the include guard holds */

int failures = 0;

static const size_t shape_x[1] = {4};

enum sabotage { NONE, STALL, SHUT_DOWN, GARBAGE };

/* Every connected stream socket of this process, called with each. */
static int for_each_connection(int (*action)(int fd)) {
    int found = 0;
    for (int fd = 3; fd < 4096; fd++) {
        int type = 0;
        socklen_t type_len = sizeof type;
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof peer;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 && type == SOCK_STREAM &&
            getpeername(fd, (struct sockaddr *)&peer, &peer_len) == 0) {
            found++;
            if (action(fd) != 0) {
                break;
            }
        }
    }
    return found;
}

static int shut_down(int fd) {
    shutdown(fd, SHUT_RDWR);
    return 0; /* all of them */
}

static int write_garbage(int fd) {
    unsigned char junk[20];
    memset(junk, 0xff, sizeof junk); /* kind 0xffffffff: not a frame kind */
    /* Into every connection: the receiving player may not expect anything
     * more from some peers in this run. */
    /* MSG_NOSIGNAL: a connection the library closed already is EPIPE, not SIGPIPE. */
    return send(fd, junk, sizeof junk, MSG_NOSIGNAL) != (ssize_t)sizeof junk;
}

static int sabotaging_input(void *user_data, const char *name, const size_t *shape, size_t rank,
                            double *out, size_t len) {
    (void)name;
    (void)shape;
    (void)rank;
    switch (*(enum sabotage *)user_data) {
    case STALL: {
        struct timespec pause = {4, 0};
        nanosleep(&pause, NULL);
        break;
    }
    case SHUT_DOWN:
        for_each_connection(shut_down);
        break;
    case GARBAGE:
        for_each_connection(write_garbage);
        break;
    case NONE:
        break;
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = 1.0;
    }
    return TFE_OK;
}

/* Runs "x revealed to the servers", x from an input provider that does
 * `what`, over TCP with a receive timeout of `timeout_ms`; checks the status
 * and the message. */
static void run_sabotaged(enum sabotage what, uint64_t timeout_ms, tfe_status_t expected, const char *text) {
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *out = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "input-provider", shape_x, 1, sabotaging_input, &what, &x));
    EXPECT_OK(tfe_reveal(ctx, x, NULL, &out));
    tfe_session_options_t options = tfe_session_options_default();
    options.recv_timeout_ms = timeout_ms;
    EXPECT_OK(tfe_session_new_local_with_options(ctx, &options, &sess));
    if (expected == TFE_OK) {
        EXPECT_OK(tfe_session_run(sess, &out, 1, &result));
        EXPECT(strcmp(tfe_last_error_message(), "") == 0);
    } else {
        EXPECT_ERROR(tfe_session_run(sess, &out, 1, &result), expected, text);
        EXPECT(result == NULL);
        /* Using the session after the failure is a status, never a crash. */
        tfe_status_t again = tfe_session_run(sess, &out, 1, &result);
        EXPECT(again == TFE_OK || strlen(tfe_last_error_message()) > 0);
    }
    tfe_result_free(result);
    tfe_session_free(sess);
    tfe_tensor_free(out);
    tfe_tensor_free(x);
    tfe_context_free(ctx);
}

static void test_ok(void) { run_sabotaged(NONE, 30000, TFE_OK, ""); }

static void test_invalid_argument(void) {
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *out = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_ERROR(tfe_define_private_input(ctx, NULL, "no spaces", shape_x, 1, NULL, NULL, &x),
                 TFE_ERR_INVALID_ARGUMENT, "player name 'no spaces': expected 1 to 64 characters");
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", shape_x, 1, NULL, NULL, &x));
    const size_t shape_y[1] = {3};
    EXPECT_ERROR(tfe_reshape(ctx, x, shape_y, 1, &out), TFE_ERR_INVALID_ARGUMENT, "tfe_reshape");
    tfe_tensor_free(x);
    tfe_context_free(ctx);
}

static void test_config(void) {
    tfe_context_t *ctx = NULL;
    tfe_config_t config = {16, 50, TFE_COMPARISON_FIXED_POINT_RANGE};
    EXPECT_ERROR(tfe_context_new(&config, &ctx), TFE_ERR_CONFIG, "integer bits");
    EXPECT(ctx == NULL);
    tfe_config_t comparison = {16, 20, 7};
    EXPECT_ERROR(tfe_context_new(&comparison, &ctx), TFE_ERR_CONFIG,
                 "comparison = 7: expected TFE_COMPARISON_FIXED_POINT_RANGE (0) or TFE_COMPARISON_FULL (1)");
    EXPECT(ctx == NULL);
}

static void test_null_pointer(void) {
    EXPECT_ERROR(tfe_session_run(NULL, NULL, 0, NULL), TFE_ERR_NULL_POINTER,
                 "tfe_session_run: parameter 'sess' is NULL, expected a valid pointer");
}

static void test_timeout(void) {
    run_sabotaged(STALL, 1500, TFE_ERR_TIMEOUT, "waiting for player 'input-provider'");
}

static void test_network(void) {
    run_sabotaged(SHUT_DOWN, 5000, TFE_ERR_NETWORK, "network error with player '");
}

static void test_protocol(void) {
    run_sabotaged(GARBAGE, 5000, TFE_ERR_PROTOCOL, "malformed frame");
}

static int failing_input(void *user_data, const char *name, const size_t *shape, size_t rank, double *out,
                         size_t len) {
    (void)user_data, (void)name, (void)shape, (void)rank, (void)out, (void)len;
    return TFE_ERR_INVALID_ARGUMENT;
}

/* One deployed player: opens its party, runs, keeps its status and message
 * (and its party, which its input callbacks may use during the run). */
struct player {
    const char *name, *hostmap;
    tfe_context_t *ctx;
    tfe_tensor_t *fetch;
    tfe_party_t *party;
    outcome_t outcome;
};

static int run_player(void *arg) {
    struct player *p = arg;
    tfe_result_t *result = NULL;
    tfe_status_t status = tfe_party_open_insecure_plaintext(p->ctx, p->hostmap, p->name, &p->party);
    if (status == TFE_OK) {
        status = tfe_party_run(p->party, &p->fetch, 1, NULL, &result);
    }
    keep_outcome(&p->outcome, status);
    tfe_result_free(result);
    tfe_party_free(p->party);
    return 0;
}

/* Fills ports[0..count) with different free loopback ports; 0 when it
 * cannot. Each socket stays bound until all are chosen: released one by one,
 * the system may hand a port out twice. */
static int free_ports(int *ports, int count) {
    int fds[8];
    int bound = 0;
    if (count > 8) {
        return 0;
    }
    for (; bound < count; bound++) {
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        fds[bound] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[bound] < 0) {
            break;
        }
        if (bind(fds[bound], (struct sockaddr *)&addr, len) != 0 ||
            getsockname(fds[bound], (struct sockaddr *)&addr, &len) != 0) {
            close(fds[bound]);
            break;
        }
        ports[bound] = ntohs(addr.sin_port);
    }
    for (int i = 0; i < bound; i++) {
        close(fds[i]);
    }
    return bound == count;
}

static const char *const player_names[4] = {"server0", "server1", "server2", "input-provider"};

/* Runs "x revealed to the servers" as four parties on threads of this
 * process, x from the input provider's `provide`, whose user data is the
 * input provider's player (players[3]); keeps each player's outcome in
 * `players`. Returns 0 when it could not start. */
static int run_deployment(tfe_input_fn provide, struct player players[4]) {
    const char *hostmap = "tfe-test-statuses-hostmap.json";
    FILE *file = fopen(hostmap, "w");
    EXPECT(file != NULL);
    if (file == NULL) {
        return 0;
    }
    int ports[4] = {0};
    EXPECT(free_ports(ports, 4));
    fprintf(file, "{\"players\": [");
    for (int i = 0; i < 4; i++) {
        fprintf(file, "%s{\"name\": \"%s\", \"address\": \"127.0.0.1:%d\"}", i ? ", " : "", player_names[i],
                ports[i]);
    }
    fprintf(file, "], \"connect_timeout_ms\": 20000, \"recv_timeout_ms\": 20000}\n");
    fclose(file);

    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *out = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "input-provider", shape_x, 1, provide, &players[3], &x));
    EXPECT_OK(tfe_reveal(ctx, x, NULL, &out));
    thrd_t threads[4];
    for (int i = 0; i < 4; i++) {
        players[i] = (struct player){.name = player_names[i], .hostmap = hostmap, .ctx = ctx, .fetch = out};
        EXPECT(thrd_create(&threads[i], run_player, &players[i]) == thrd_success);
    }
    for (int i = 0; i < 4; i++) {
        thrd_join(threads[i], NULL);
    }
    remove(hostmap);
    tfe_tensor_free(out);
    tfe_tensor_free(x);
    tfe_context_free(ctx);
    return 1;
}

static void test_aborted(void) {
    struct player players[4];
    if (!run_deployment(failing_input, players)) {
        return;
    }
    for (int i = 0; i < 3; i++) {
        EXPECT_OUTCOME(player_names[i], players[i].outcome, TFE_ERR_ABORTED, "'input-provider'");
    }
    EXPECT_OUTCOME(player_names[3], players[3].outcome, TFE_ERR_INVALID_ARGUMENT, "input callback");
}

/* What tfe_party_run of its own party returned inside the input callback. */
static outcome_t reentry;

/* Runs its own party (the player in `user_data`), then provides ones. */
static int reentering_input(void *user_data, const char *name, const size_t *shape, size_t rank, double *out,
                            size_t len) {
    struct player *me = user_data;
    tfe_result_t *result = NULL;
    keep_outcome(&reentry, tfe_party_run(me->party, &me->fetch, 1, NULL, &result));
    EXPECT(result == NULL);
    return provide_ones(NULL, name, shape, rank, out, len);
}

static void test_party_reentry(void) {
    struct player players[4];
    reentry = (outcome_t){.status = TFE_OK, .message = "the callback did not run"};
    if (!run_deployment(reentering_input, players)) {
        return;
    }
    const char *expected = "tfe_party_run: tfe_party_run was called from an input callback of this party's own "
                           "run, which waits for the callback: expected the call after that run returns";
    EXPECT_OUTCOME("the callback's run", reentry, TFE_ERR_INVALID_ARGUMENT, expected);
    EXPECT(strcmp(reentry.message, expected) == 0);
    for (int i = 0; i < 3; i++) {
        EXPECT_OUTCOME(player_names[i], players[i].outcome, TFE_OK, "");
    }
    /* The input provider completes its run too; nothing is revealed to it. */
    EXPECT_OUTCOME(player_names[3], players[3].outcome, TFE_OK, "");
}

static void test_internal(void) {
    EXPECT_ERROR(tfe_selftest_fail(TFE_ERR_INTERNAL), TFE_ERR_INTERNAL,
                 "tfe_selftest_fail: TFE_ERR_INTERNAL requested by the caller");
}

static void test_panic(void) {
    EXPECT_ERROR(tfe_selftest_fail(TFE_ERR_PANIC), TFE_ERR_PANIC, "tfe_selftest_fail: panicked");
    EXPECT(strstr(tfe_last_error_message(), "TFE_ERR_PANIC requested by the caller") != NULL);
    /* The boundary held: the library still works on this thread. */
    EXPECT_OK(tfe_selftest_fail(TFE_OK));
    EXPECT(strcmp(tfe_last_error_message(), "") == 0);
    EXPECT_ERROR(tfe_selftest_fail(42), TFE_ERR_INVALID_ARGUMENT, "status 42 is not a tfe_status_t");
}

static void test_names(void) {
    static const char *const names[] = {
        "TFE_OK",          "TFE_ERR_INVALID_ARGUMENT", "TFE_ERR_CONFIG", "TFE_ERR_NETWORK",
        "TFE_ERR_TIMEOUT", "TFE_ERR_PROTOCOL",         "TFE_ERR_ABORTED", "TFE_ERR_INTERNAL",
        "TFE_ERR_PANIC",   "TFE_ERR_NULL_POINTER",     "TFE_ERR_OUT_OF_RANGE",
    };
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
        EXPECT(strcmp(tfe_status_name(i), names[i]) == 0);
    }
    EXPECT(TFE_ERR_ABORTED == 6 && TFE_ERR_INTERNAL == 7 && TFE_ERR_PANIC == 8);
    EXPECT(strcmp(tfe_status_name(-1), "TFE_UNKNOWN_STATUS") == 0);
    EXPECT(strcmp(tfe_status_name(11), "TFE_UNKNOWN_STATUS") == 0);
}

int main(void) {
    test_ok();
    test_invalid_argument();
    test_config();
    test_null_pointer();
    test_timeout();
    test_network();
    test_protocol();
    test_aborted();
    test_party_reentry();
    test_internal();
    test_panic();
    test_names();
    return finish("test_statuses");
}
