package model

import (
	"context"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

// EmbedBatch is the most texts one embeddings request carries: OpenAI
// takes 2,048 inputs, but self-hosted servers (vLLM, Ollama) batch less, and
// a smaller request is a smaller retry.
const EmbedBatch = 64

// Embeddings are the vectors of texts, in their order, with the tokens the
// endpoint reported.
type Embeddings struct {
	Vectors [][]float32
	Tokens  int64
}

// Embed asks ep for the embeddings of texts with its EmbeddingModel,
// EmbedBatch texts a request, each
// request retried like a completion. On an error, the vectors of the
// batches answered before are returned with it (and their tokens, to
// meter).
func (c *Client) Embed(ctx context.Context, ep Endpoint, texts []string) (Embeddings, error) {
	if ep.EmbeddingModel == "" {
		return Embeddings{}, fmt.Errorf("%s has no embeddings model", ep.BaseURL)
	}
	api, model := c.api(ep), ep.EmbeddingModel
	var out Embeddings
	for start := 0; start < len(texts); start += EmbedBatch {
		batch := texts[start:min(start+EmbedBatch, len(texts))]
		var res openai.EmbeddingResponse
		_, err := c.retry(ctx, model, ep.BaseURL, func(ctx context.Context) error {
			var err error
			res, err = api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: batch, Model: openai.EmbeddingModel(model)})
			return err
		})
		if err != nil {
			return out, err
		}
		out.Tokens += int64(res.Usage.TotalTokens)
		vecs := make([][]float32, len(batch))
		for _, d := range res.Data {
			if d.Index < 0 || d.Index >= len(batch) || vecs[d.Index] != nil || len(d.Embedding) == 0 {
				return out, fmt.Errorf("ask %s at %s: embedding index %d of %d inputs is out of range, repeated or empty", model, ep.BaseURL, d.Index, len(batch))
			}
			vecs[d.Index] = d.Embedding
		}
		for i, v := range vecs {
			if v == nil {
				return out, fmt.Errorf("ask %s at %s: no embedding for input %d of %d", model, ep.BaseURL, i, len(batch))
			}
		}
		out.Vectors = append(out.Vectors, vecs...)
	}
	return out, nil
}
