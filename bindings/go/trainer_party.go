package tfe

// #include "tfe.h"
import "C"

import (
	"context"
	"unsafe"
)

// NewPartyTrainer makes a trainer of model's layers as player me of the
// deployment of the hostmap file (tfe_trainer_new_party), over TLS with
// me's private key file; every player makes the same trainer with the
// same players. The players connect at the first FitParty, EvaluateParty
// or Export.
func NewPartyTrainer(model *Model, hostmap, me, keyPath, modelOwner, dataOwner, labelOwner string) (*Trainer, error) {
	k := cString(keyPath)
	defer freeString(k)
	return newPartyTrainer(model, hostmap, me, modelOwner, dataOwner, labelOwner,
		func(m *C.tfe_model_t, h, n, o, d, l *C.char, out **C.tfe_trainer_t) C.enum_tfe_status_t {
			return C.tfe_trainer_new_party(m, h, n, k, o, d, l, out)
		})
}

// NewPartyTrainerInsecurePlaintext is NewPartyTrainer over plaintext TCP
// (tfe_trainer_new_party_insecure_plaintext): for tests and isolated
// networks only.
func NewPartyTrainerInsecurePlaintext(model *Model, hostmap, me, modelOwner, dataOwner, labelOwner string) (*Trainer, error) {
	return newPartyTrainer(model, hostmap, me, modelOwner, dataOwner, labelOwner,
		func(m *C.tfe_model_t, h, n, o, d, l *C.char, out **C.tfe_trainer_t) C.enum_tfe_status_t {
			return C.tfe_trainer_new_party_insecure_plaintext(m, h, n, o, d, l, out)
		})
}

func newPartyTrainer(model *Model, hostmap, me, modelOwner, dataOwner, labelOwner string,
	create func(m *C.tfe_model_t, h, n, o, d, l *C.char, out **C.tfe_trainer_t) C.enum_tfe_status_t) (*Trainer, error) {
	strs := []*C.char{cString(hostmap), cString(me), cString(modelOwner), cString(dataOwner), cString(labelOwner)}
	defer func() {
		for _, s := range strs {
			freeString(s)
		}
	}()
	return madeOn(&model.h, newTrainer, func(m *C.tfe_model_t, out **C.tfe_trainer_t) C.enum_tfe_status_t {
		return create(m, strs[0], strs[1], strs[2], strs[3], strs[4], out)
	})
}

// FitParty trains at one player of a deployment (tfe_trainer_fit_party):
// every player passes the same samples; the data owner its features x,
// the label owner its labels y, the others nil for what they do not own.
// The progress losses are the model owner's (NaN elsewhere). When ctx is
// done before the fit ends, this player's call is interrupted (see Fit)
// and so are the other players' calls. After any failed call the players
// may have stopped at different runs: every player's trainer then refuses
// to run, and is made anew.
func (t *Trainer) FitParty(ctx context.Context, samples int, x, y []float64, epochs, batchSize int, progress ProgressFunc) error {
	const fn = "tfe_trainer_fit_party"
	n, err := size(fn, "samples", samples)
	if err != nil {
		return err
	}
	e, err := size(fn, "epochs", epochs)
	if err != nil {
		return err
	}
	b, err := size(fn, "batch_size", batchSize)
	if err != nil {
		return err
	}
	xp, xn := doubles(x)
	yp, yn := doubles(y)
	return t.withProgress(ctx, "FitParty", progress, func(p *C.tfe_trainer_t, f C.tfe_train_progress_fn, ud unsafe.Pointer) C.enum_tfe_status_t {
		return C.tfe_trainer_fit_party(p, n, xp, xn, yp, yn, e, b, f, ud)
	})
}

// EvaluateParty evaluates at one player of a deployment
// (tfe_trainer_evaluate_party; samples, x, y as for FitParty): the loss
// and accuracy at the model owner, NaN elsewhere.
func (t *Trainer) EvaluateParty(ctx context.Context, samples int, x, y []float64) (loss, accuracy float64, err error) {
	n, err := size("tfe_trainer_evaluate_party", "samples", samples)
	if err != nil {
		return 0, 0, err
	}
	xp, xn := doubles(x)
	yp, yn := doubles(y)
	var l, a C.double
	err = t.run(ctx, "EvaluateParty", func(p *C.tfe_trainer_t) C.enum_tfe_status_t {
		return C.tfe_trainer_evaluate_party(p, n, xp, xn, yp, yn, &l, &a)
	})
	return float64(l), float64(a), err
}

// PredictParty predicts at one player of a deployment
// (tfe_trainer_predict_party): every player passes the same samples, the
// data owner its features x (nil elsewhere); the model owner (owner true)
// receives samples x outputs values, every other player nil.
func (t *Trainer) PredictParty(ctx context.Context, samples int, x []float64, outputs int, owner bool) ([]float64, error) {
	n, err := size("tfe_trainer_predict_party", "samples", samples)
	if err != nil {
		return nil, err
	}
	var out []float64
	if owner {
		out = make([]float64, samples*outputs)
	}
	return predictInto(x, out, func(xp *C.double, xn C.size_t, op *C.double, on C.size_t) error {
		return t.run(ctx, "PredictParty", func(p *C.tfe_trainer_t) C.enum_tfe_status_t {
			return C.tfe_trainer_predict_party(p, n, xp, xn, op, on)
		})
	})
}

// Finish waits, after this player's last call, until every other player
// of the deployment has completed the same calls (tfe_trainer_finish);
// nothing for a local trainer. When ctx is done first, the wait ends with
// its error (see run).
func (t *Trainer) Finish(ctx context.Context) error {
	return t.run(ctx, "Finish", func(p *C.tfe_trainer_t) C.enum_tfe_status_t { return C.tfe_trainer_finish(p) })
}
