package classify

import "github.com/ruche-project/ruche/services/moderation/classify/internal/tokens"

// Batch classifies the texts of one batch and lends them the memory the
// texts of the previous batches gave back: a caller that classifies
// batches after batches (the moderation service) allocates a fraction of
// what Classify alone allocates. Create one per batch, classify, read the
// Results, then Release once. Its zero value is ready to use; it is safe
// for concurrent use. A nil *Batch classifies as Classify does.
type Batch struct {
	storage tokens.Arena[Token]
}

// Classify is Classify, with the Result's Text valid until Release.
func (b *Batch) Classify(in Input) Result {
	if b == nil {
		return Classify(in)
	}
	return classify(in, b.storage.Lend())
}

// Release ends the batch: the Texts of its Results (Result.Text, and the
// tokens of any copy) may not be read afterwards; everything else of a
// Result, and strings taken from its tokens, stay valid. Releasing twice
// is harmless.
func (b *Batch) Release() {
	if b != nil {
		b.storage.Release()
	}
}
