package tfe

// #include "tfe.h"
import "C"

import (
	"fmt"
	"runtime"
)

// String is the status's name in the header ("TFE_ERR_TIMEOUT", ...), or
// "TFE_UNKNOWN_STATUS" (tfe_status_name).
func (s Status) String() string { return StatusName(int(s)) }

// StatusName is the name of any status value (tfe_status_name).
func StatusName(status int) string {
	// A value no C int holds is no status either.
	if int(C.int(status)) != status {
		return "TFE_UNKNOWN_STATUS"
	}
	return C.GoString(C.tfe_status_name(C.int(status)))
}

// Error is a failed tfe call: its status and the library's message (which
// names the function and parameter and says what was expected and found).
// Compare with the sentinels through errors.Is:
// errors.Is(err, tfe.ErrTimeout).
type Error struct {
	Status  Status
	Message string
	closed  bool // a handle used after Close (ErrClosed)
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "tfe: " + e.Status.String()
	}
	return "tfe: " + e.Status.String() + ": " + e.Message
}

// Is makes errors.Is(err, tfe.ErrX) true for every error of that status,
// and errors.Is(err, tfe.ErrClosed) for a use after Close.
func (e *Error) Is(target error) bool {
	if target == ErrClosed {
		return e.closed
	}
	t, ok := target.(*Error)
	return ok && t.Message == "" && !t.closed && t.Status == e.Status
}

// The sentinel of each failure status, for errors.Is.
var (
	ErrInvalidArgument = &Error{Status: StatusInvalidArgument}
	ErrConfig          = &Error{Status: StatusConfig}
	ErrNetwork         = &Error{Status: StatusNetwork}
	ErrTimeout         = &Error{Status: StatusTimeout}
	ErrProtocol        = &Error{Status: StatusProtocol}
	ErrAborted         = &Error{Status: StatusAborted}
	ErrInternal        = &Error{Status: StatusInternal}
	ErrPanic           = &Error{Status: StatusPanic}
	ErrNullPointer     = &Error{Status: StatusNullPointer}
	ErrOutOfRange      = &Error{Status: StatusOutOfRange}
	// ErrClosed: a handle (Context, Tensor, Session, ...) used after its
	// Close. Such an error is also an ErrInvalidArgument, the status the C
	// API gives a freed handle.
	ErrClosed = &Error{Status: StatusInvalidArgument, Message: "use after Close", closed: true}
)

// statusError is the one place a status becomes an error: nil for
// StatusOK, else an *Error with the message. Call it on the OS thread that
// made the call, before any other tfe call there (see check).
func statusError(status C.enum_tfe_status_t) error {
	if status == C.TFE_OK {
		return nil
	}
	// The thread's last error is this call's unless the thread rule was
	// broken; then its message would belong to another call.
	if last := C.tfe_last_error_status(); last != status {
		return &Error{Status: Status(status), Message: "(no message: this OS thread's last error is " +
			Status(last).String() + ")"}
	}
	return &Error{Status: Status(status), Message: C.GoString(C.tfe_last_error_message())}
}

// check runs one fallible C call with the goroutine locked to its OS
// thread, so that the last error it reads is that call's (the C API keeps
// it per thread, and goroutines move between threads).
func check(call func() C.enum_tfe_status_t) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return statusError(call())
}

// argError is an ErrInvalidArgument that the binding finds before calling
// C (a negative size, lengths that differ), worded as the library's are.
func argError(function, param, format string, args ...any) error {
	return &Error{Status: StatusInvalidArgument,
		Message: fmt.Sprintf("%s: %s: %s", function, param, fmt.Sprintf(format, args...))}
}

func closedError(kind string) error {
	return &Error{Status: StatusInvalidArgument, Message: "this " + kind + " is closed", closed: true}
}

// SelftestFail makes the library fail with status (tfe_selftest_fail), to
// test error handling and log callbacks: nil for StatusOK; StatusPanic
// really panics inside the library, which the library catches.
func SelftestFail(status Status) error {
	if int(C.int(status)) != int(status) {
		return argError("tfe_selftest_fail", "status", "expected a tfe_status_t, found %d", int(status))
	}
	return check(func() C.enum_tfe_status_t { return C.tfe_selftest_fail(C.int(status)) })
}
