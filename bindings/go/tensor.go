package tfe

// #include "tfe.h"
import "C"

// TensorKind is a tfe_tensor_kind_t: what a tensor is.
type TensorKind uint32

// The tensor kinds of include/tfe.h.
const (
	TensorPublic     = TensorKind(C.TFE_TENSOR_PUBLIC)
	TensorPrivate    = TensorKind(C.TFE_TENSOR_PRIVATE)
	TensorRevealed   = TensorKind(C.TFE_TENSOR_REVEALED)
	TensorAssignment = TensorKind(C.TFE_TENSOR_ASSIGNMENT)
)

// Tensor is a tfe_tensor_t: a node of one context's graph. Immutable;
// usable from any goroutine; valid until Close, even after its context's.
type Tensor struct {
	h handle[*C.tfe_tensor_t]
}

func newTensor(ptr *C.tfe_tensor_t) *Tensor {
	t := &Tensor{}
	initHandle(t, &t.h, "tfe.Tensor", ptr, func(p *C.tfe_tensor_t) { C.tfe_tensor_free(p) }, nil)
	return t
}

// Close frees the tensor handle (tfe_tensor_free); the node stays in the
// graph. Safe twice; later uses are ErrClosed.
func (t *Tensor) Close() { t.h.close() }

// Shape is the tensor's shape (tfe_tensor_shape).
func (t *Tensor) Shape() ([]int, error) {
	p, err := t.h.acquire()
	if err != nil {
		return nil, err
	}
	defer t.h.release()
	var shape *C.size_t
	var rank C.size_t
	if err := check(func() C.enum_tfe_status_t { return C.tfe_tensor_shape(p, &shape, &rank) }); err != nil {
		return nil, err
	}
	return goShape(shape, rank), nil
}

// Name is the name of an input or variable (tfe_tensor_name); other
// tensors have none (ErrInvalidArgument).
func (t *Tensor) Name() (string, error) {
	return t.text(func(p *C.tfe_tensor_t, s **C.char) C.enum_tfe_status_t { return C.tfe_tensor_name(p, s) })
}

// Owner is the player that owns a private input or variable (tfe_tensor_owner).
func (t *Tensor) Owner() (string, error) {
	return t.text(func(p *C.tfe_tensor_t, s **C.char) C.enum_tfe_status_t { return C.tfe_tensor_owner(p, s) })
}

func (t *Tensor) text(call func(*C.tfe_tensor_t, **C.char) C.enum_tfe_status_t) (string, error) {
	p, err := t.h.acquire()
	if err != nil {
		return "", err
	}
	defer t.h.release()
	var s *C.char
	if err := check(func() C.enum_tfe_status_t { return call(p, &s) }); err != nil {
		return "", err
	}
	return C.GoString(s), nil
}

// Kind is what the tensor is (tfe_tensor_kind).
func (t *Tensor) Kind() (TensorKind, error) {
	p, err := t.h.acquire()
	if err != nil {
		return 0, err
	}
	defer t.h.release()
	var kind C.enum_tfe_tensor_kind_t
	err = check(func() C.enum_tfe_status_t { return C.tfe_tensor_kind(p, &kind) })
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
