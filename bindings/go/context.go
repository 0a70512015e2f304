package tfe

// #include "tfe.h"
import "C"

// Config is a tfe_config_t: the fixed-point configuration of a context.
type Config struct {
	FracBits   uint32 // fractional bits, 1 to 30
	IntBits    uint32 // every value lies within ±2^IntBits
	Comparison Comparison
}

// DefaultConfig is tfe_config_default(): 16 fractional bits, values within ±2^20.
func DefaultConfig() Config {
	return goConfig(C.tfe_config_default())
}

func goConfig(c C.tfe_config_t) Config {
	return Config{FracBits: uint32(c.frac_bits), IntBits: uint32(c.int_bits), Comparison: Comparison(c.comparison)}
}

// Context is a tfe_context_t: a computation under construction (its
// graph), with the input providers and variables' values given to it.
// Safe for use by several goroutines (the library serializes calls).
type Context struct {
	h handle[*C.tfe_context_t]

	// providers are those of its private inputs. A provider is added
	// before the library defines its input (and removed when that fails),
	// and sessions and parties take their snapshot after the library has
	// copied the graph (see ofContext): whatever the goroutines, a copy of
	// the graph never has an input whose provider its snapshot lacks.
	// Both happen with h held, so never after Close has released them.
	// The handle keeps the set too: Close, or the cleanup of a context
	// nobody closed, releases it with the C context, once.
	providers *providerSet
}

func newContext(ptr *C.tfe_context_t) *Context {
	c := &Context{providers: &providerSet{}}
	return initHandle(c, &c.h, "tfe.Context", ptr, func(p *C.tfe_context_t) { C.tfe_context_free(p) }, c.providers)
}

// NewContext makes an empty context (ABY3 over server0, server1, server2)
// with the fixed-point configuration cfg, or the default one for nil
// (tfe_context_new).
func NewContext(cfg *Config) (*Context, error) {
	var cfgC *C.tfe_config_t
	if cfg != nil {
		cfgC = &C.tfe_config_t{frac_bits: C.uint32_t(cfg.FracBits), int_bits: C.uint32_t(cfg.IntBits),
			comparison: C.uint32_t(cfg.Comparison)}
	}
	return made(newContext, func(out **C.tfe_context_t) C.enum_tfe_status_t { return C.tfe_context_new(cfgC, out) })
}

// LoadContext makes a context from a graph file that Save wrote
// (tfe_context_load). Its inputs have no providers: feed them.
func LoadContext(path string) (*Context, error) {
	p := cString(path)
	defer freeString(p)
	return made(newContext, func(out **C.tfe_context_t) C.enum_tfe_status_t { return C.tfe_context_load(p, out) })
}

// Close frees the context (tfe_context_free) and releases its input
// providers; its tensors and the sessions and parties made from it stay
// valid, with the providers they hold. Safe twice; later uses are
// ErrClosed. No run holds the context, so Close does not wait for one: an
// input provider of a run of its sessions or parties may call it.
func (c *Context) Close() { c.h.close() }

// snapshot returns the context's providers, each with one more reference,
// for a session or party whose C handle the library has just made from the
// context (with h held: see providers).
func (c *Context) snapshot() []*provider {
	c.providers.mu.Lock()
	defer c.providers.mu.Unlock()
	return retainAll(append([]*provider(nil), c.providers.list...))
}

// register adds p, and its reference, to the context's providers, before
// the library call that defines its input (with h held: see providers).
func (c *Context) register(p *provider) {
	c.providers.mu.Lock()
	defer c.providers.mu.Unlock()
	c.providers.list = append(c.providers.list, p)
}

// unregister removes p, added by register, once its input's definition
// failed, and gives its reference back to the caller. A snapshot taken
// meanwhile keeps its own reference.
func (c *Context) unregister(p *provider) {
	c.providers.mu.Lock()
	defer c.providers.mu.Unlock()
	ps := c.providers.list
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i] == p {
			c.providers.list = append(ps[:i], ps[i+1:]...)
			return
		}
	}
}

// tensorOut runs a C call that writes a new tensor, on the context.
func (c *Context) tensorOut(call func(ctx *C.tfe_context_t, out **C.tfe_tensor_t) C.enum_tfe_status_t) (*Tensor, error) {
	return madeOn(&c.h, newTensor, call)
}

// DefinePrivateVariable defines a private variable of shape owned by the
// player owner, called name ("" for "variable<N>"), initialized from
// values (row-major; nil: from a feed) at the owner in the first run that
// needs it (tfe_define_private_variable). The values stay in this process.
func (c *Context) DefinePrivateVariable(name, owner string, values []float64, shape []int) (*Tensor, error) {
	v, n := doubles(values)
	return c.definePrivate("tfe_define_private_variable", name, owner, shape,
		func(ctx *C.tfe_context_t, nameC, ownerC *C.char, shapeC *C.size_t, rank C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return C.tfe_define_private_variable(ctx, nameC, ownerC, v, n, shapeC, rank, out)
		})
}

// definePrivate runs the C call of function, which defines a private input
// or variable called name ("" for none) of shape owned by owner.
func (c *Context) definePrivate(function, name, owner string, shape []int,
	call func(ctx *C.tfe_context_t, name, owner *C.char, shape *C.size_t, rank C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t) (*Tensor, error) {
	shapeC, rank, err := sizes(function, "shape", shape)
	if err != nil {
		return nil, err
	}
	nameC, ownerC := cStringOrNull(name), cString(owner)
	defer freeString(nameC)
	defer freeString(ownerC)
	return c.tensorOut(func(ctx *C.tfe_context_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return call(ctx, nameC, ownerC, shapeC, rank, out)
	})
}

// inputDefined, set by tests only, is called right after the library has
// defined an input with a provider, before DefinePrivateInput returns: a
// test makes a session from the context there, as another goroutine may.
var inputDefined func()

// DefinePrivateInput defines a private input of shape that the player
// owner provides at every run, called name ("" for "input<N>")
// (tfe_define_private_input). provide (see InputFunc) gives its values;
// with nil, every run must feed it.
func (c *Context) DefinePrivateInput(name, owner string, shape []int, provide InputFunc) (*Tensor, error) {
	const function = "tfe_define_private_input"
	if provide == nil {
		return c.definePrivate(function, name, owner, shape,
			func(ctx *C.tfe_context_t, nameC, ownerC *C.char, shapeC *C.size_t, rank C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
				return C.tfe_define_private_input(ctx, nameC, ownerC, shapeC, rank, nil, nil, out)
			})
	}
	p := newProvider(provide)
	registered := false
	t, err := c.definePrivate(function, name, owner, shape,
		func(ctx *C.tfe_context_t, nameC, ownerC *C.char, shapeC *C.size_t, rank C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			c.register(p) // before the library has the input: see providers
			status := defineInput(ctx, nameC, ownerC, shapeC, rank, p.handle, out)
			registered = status == C.TFE_OK
			if !registered {
				c.unregister(p)
			} else if inputDefined != nil {
				inputDefined()
			}
			return status
		})
	if !registered {
		releaseAll([]*provider{p}) // the definition failed, in the library or before
	}
	return t, err
}

// DefineConstant defines a public constant of shape from values
// (row-major) (tfe_define_constant).
func (c *Context) DefineConstant(values []float64, shape []int) (*Tensor, error) {
	shapeC, rank, err := sizes("tfe_define_constant", "shape", shape)
	if err != nil {
		return nil, err
	}
	v, n := doubles(values)
	return c.tensorOut(func(ctx *C.tfe_context_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_define_constant(ctx, v, n, shapeC, rank, out)
	})
}

// Save writes the context's graph to the file at path (tfe_context_save).
func (c *Context) Save(path string) error {
	p := cString(path)
	defer freeString(p)
	return c.h.call(func(ctx *C.tfe_context_t) C.enum_tfe_status_t { return C.tfe_context_save(ctx, p) })
}

// TensorCount is the number of nodes of the graph (tfe_context_tensor_count).
func (c *Context) TensorCount() (int, error) {
	return c.h.count(func(ctx *C.tfe_context_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_context_tensor_count(ctx, n) })
}

// Tensor is a new handle to node index of the graph (tfe_context_tensor).
func (c *Context) Tensor(index int) (*Tensor, error) {
	i, err := size("tfe_context_tensor", "index", index)
	if err != nil {
		return nil, err
	}
	return c.tensorOut(func(ctx *C.tfe_context_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_context_tensor(ctx, i, out)
	})
}

// Find is the input or variable called name (tfe_context_find).
func (c *Context) Find(name string) (*Tensor, error) {
	n := cString(name)
	defer freeString(n)
	return c.tensorOut(func(ctx *C.tfe_context_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_context_find(ctx, n, out)
	})
}

// Config is the context's fixed-point configuration (tfe_context_config).
func (c *Context) Config() (Config, error) {
	var out C.tfe_config_t
	err := c.h.call(func(ctx *C.tfe_context_t) C.enum_tfe_status_t { return C.tfe_context_config(ctx, &out) })
	return goConfig(out), err
}

// Players are the names of the graph's players, servers first
// (tfe_context_player_count, tfe_context_player_name).
func (c *Context) Players() ([]string, error) {
	ctx, err := c.h.acquire()
	if err != nil {
		return nil, err
	}
	defer c.h.release()
	var n C.size_t
	if err := check(func() C.enum_tfe_status_t { return C.tfe_context_player_count(ctx, &n) }); err != nil {
		return nil, err
	}
	names := make([]string, int(n))
	for i := range names {
		var name *C.char
		if err := check(func() C.enum_tfe_status_t { return C.tfe_context_player_name(ctx, C.size_t(i), &name) }); err != nil {
			return nil, err
		}
		names[i] = C.GoString(name)
	}
	return names, nil
}
