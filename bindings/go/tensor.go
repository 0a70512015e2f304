package tfe

// #include "tfe.h"
import "C"

// Tensor is a tfe_tensor_t: a node of one context's graph. Immutable;
// usable from any goroutine; valid until Close, even after its context's.
type Tensor struct {
	h handle[*C.tfe_tensor_t]
}

func newTensor(ptr *C.tfe_tensor_t) *Tensor {
	t := &Tensor{}
	return initHandle(t, &t.h, "tfe.Tensor", ptr, func(p *C.tfe_tensor_t) { C.tfe_tensor_free(p) }, nil)
}

// Close frees the tensor handle (tfe_tensor_free); the node stays in the
// graph. Safe twice; later uses are ErrClosed. A run holds its fetches
// until it returns: from an input provider of a run that fetches the
// tensor, Close would wait for good, so it panics instead with an
// ErrInvalidArgument error that says to close it after Run returns, and
// the run fails with that message (see InputFunc).
func (t *Tensor) Close() { t.h.closeOutsideProviders() }

// Shape is the tensor's shape (tfe_tensor_shape).
func (t *Tensor) Shape() ([]int, error) {
	return t.h.shape(func(p *C.tfe_tensor_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_tensor_shape(p, s, r)
	})
}

// Name is the name of an input or variable (tfe_tensor_name); other
// tensors have none (ErrInvalidArgument).
func (t *Tensor) Name() (string, error) {
	return t.h.text(func(p *C.tfe_tensor_t, s **C.char) C.enum_tfe_status_t { return C.tfe_tensor_name(p, s) })
}

// Owner is the player that owns a private input or variable (tfe_tensor_owner).
func (t *Tensor) Owner() (string, error) {
	return t.h.text(func(p *C.tfe_tensor_t, s **C.char) C.enum_tfe_status_t { return C.tfe_tensor_owner(p, s) })
}

// Kind is what the tensor is (tfe_tensor_kind).
func (t *Tensor) Kind() (TensorKind, error) {
	var kind C.enum_tfe_tensor_kind_t
	err := t.h.call(func(p *C.tfe_tensor_t) C.enum_tfe_status_t { return C.tfe_tensor_kind(p, &kind) })
	return TensorKind(kind), err
}

// operands acquires the C handles of ts (in order) for one call; release
// them with releaseAll once it returns. A closed (or nil) tensor is an
// error naming its parameter.
func operands(function string, names []string, ts []*Tensor) ([]*C.tfe_tensor_t, func(), error) {
	ptrs := make([]*C.tfe_tensor_t, len(ts))
	done := func(n int) {
		for _, t := range ts[:n] {
			t.h.release()
		}
	}
	for i, t := range ts {
		if t == nil {
			done(i)
			return nil, nil, &Error{Status: StatusNullPointer, Message: function + ": " + names[i] + " is nil"}
		}
		p, err := t.h.acquire()
		if err != nil {
			done(i)
			return nil, nil, &Error{Status: StatusInvalidArgument, closed: true,
				Message: function + ": " + names[i] + ": expected a live tfe.Tensor, found a closed one"}
		}
		ptrs[i] = p
	}
	return ptrs, func() { done(len(ts)) }, nil
}
