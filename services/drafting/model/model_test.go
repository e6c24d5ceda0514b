package model_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/ruche-project/ruche/pkg/modelfake"
	"github.com/ruche-project/ruche/services/drafting/model"
)

var msgs = []openai.ChatCompletionMessage{
	{Role: "system", Content: "Reply in English.\n[kb:shipping] Shipping: We ship within 24 hours."},
	{Role: "user", Content: "<<<INTERACTION\nwhen do you ship my order?\nINTERACTION>>>"},
}

func setup(t *testing.T, opt model.Options) (*modelfake.Server, *model.Client, model.Endpoint, *[]time.Duration) {
	fake := &modelfake.Server{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := model.NewClient(opt, nil)
	var waits []time.Duration
	c.SetSleep(func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil })
	return fake, c, model.Endpoint{BaseURL: srv.URL + "/v1", Model: "m", APIKey: "k"}, &waits
}

func TestComplete(t *testing.T) {
	opt := model.Options{Timeout: 2 * time.Second, Retries: 2, MaxWait: 10 * time.Second, MaxTokens: 100}
	t.Run("streams_text_and_usage", func(t *testing.T) {
		_, c, ep, _ := setup(t, opt)
		res, err := c.Complete(context.Background(), ep, msgs)
		if err != nil || res.Text != "Hello, we ship within 24 hours. [kb:shipping]" || res.FinishReason != "stop" || res.PromptTokens == 0 || res.CompletionTokens != 7 {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("429_waits_retry_after_then_500_backs_off", func(t *testing.T) {
		fake, c, ep, waits := setup(t, opt)
		fake.Script(modelfake.Fault{Status: 429, RetryAfter: "2"}, modelfake.Fault{Status: 503})
		res, err := c.Complete(context.Background(), ep, msgs)
		if err != nil || res.Attempts != 3 || len(*waits) != 2 || (*waits)[0] != 2*time.Second || (*waits)[1] != 500*time.Millisecond {
			t.Fatalf("%+v, %v, waits %v", res, err, *waits)
		}
	})
	t.Run("gives_up_after_the_retries", func(t *testing.T) {
		fake, c, ep, _ := setup(t, opt)
		fake.Script(modelfake.Fault{Status: 500}, modelfake.Fault{Status: 500}, modelfake.Fault{Status: 500})
		if _, err := c.Complete(context.Background(), ep, msgs); !errors.Is(err, model.ErrRetryable) || fake.Requests() != 3 {
			t.Fatalf("err = %v after %d requests", err, fake.Requests())
		}
	})
	t.Run("a_retry_after_too_long_ends_the_call", func(t *testing.T) {
		fake, c, ep, waits := setup(t, opt)
		fake.Script(modelfake.Fault{Status: 429, RetryAfter: "3600"})
		if _, err := c.Complete(context.Background(), ep, msgs); err == nil || len(*waits) != 0 {
			t.Fatalf("err = %v, waits %v", err, *waits)
		}
	})
	t.Run("a_400_is_not_retried", func(t *testing.T) {
		fake, c, _, _ := setup(t, opt)
		srv := httptest.NewServer(fake)
		defer srv.Close()
		_, err := c.Complete(context.Background(), model.Endpoint{BaseURL: srv.URL + "/v1", APIKey: "k"}, msgs) // no model: 400
		if err == nil || fake.Requests() != 0 {
			t.Fatalf("err = %v, %d requests", err, fake.Requests())
		}
	})
	t.Run("slow_answer_times_out_and_is_retried", func(t *testing.T) {
		// The first answer would come after an hour (the fake stops waiting
		// when the request is cancelled); the timeout is long enough for a
		// loaded CI machine to answer the retry.
		fast := opt
		fast.Timeout = time.Second
		fake, c, ep, _ := setup(t, fast)
		fake.Script(modelfake.Fault{Delay: time.Hour})
		res, err := c.Complete(context.Background(), ep, msgs)
		if err != nil || res.Attempts < 2 || res.Attempts != fake.Requests() {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("finish_reasons_length_and_content_filter", func(t *testing.T) {
		fake, c, ep, _ := setup(t, opt)
		fake.Script(modelfake.Fault{FinishReason: "length"}, modelfake.Fault{FinishReason: "content_filter"})
		res, err := c.Complete(context.Background(), ep, msgs)
		if err != nil || res.FinishReason != "length" || !strings.HasPrefix("Hello, we ship within 24 hours. [kb:shipping]", res.Text) {
			t.Fatalf("%+v, %v", res, err)
		}
		if res, err = c.Complete(context.Background(), ep, msgs); err != nil || res.FinishReason != "content_filter" || res.Text != "" {
			t.Fatalf("%+v, %v", res, err)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"7": 7 * time.Second, "": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
	} {
		if got := model.RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestEmbed(t *testing.T) {
	opt := model.Options{Timeout: 2 * time.Second, Retries: 2, MaxWait: 10 * time.Second}
	embedding := func(ep model.Endpoint) model.Endpoint { ep.EmbeddingModel = "e"; return ep }
	t.Run("vectors_in_order_batched_with_usage", func(t *testing.T) {
		fake, c, ep, _ := setup(t, opt)
		texts := make([]string, model.EmbedBatch+3)
		for i := range texts {
			texts[i] = "colis numéro " + strings.Repeat("x", i+1)
		}
		res, err := c.Embed(context.Background(), embedding(ep), texts)
		if err != nil || len(res.Vectors) != len(texts) || fake.Requests() != 2 || res.Tokens != int64(3*len(texts)) {
			t.Fatalf("%d vectors, %d tokens, %d requests, %v", len(res.Vectors), res.Tokens, fake.Requests(), err)
		}
		want := modelfake.Embed(texts[model.EmbedBatch+1])
		for i, f := range res.Vectors[model.EmbedBatch+1] {
			if f != want[i] {
				t.Fatalf("vector %d differs from the fake's embedding of its text at %d", model.EmbedBatch+1, i)
			}
		}
	})
	t.Run("429_waits_retry_after", func(t *testing.T) {
		fake, c, ep, waits := setup(t, opt)
		fake.Script(modelfake.Fault{Status: 429, RetryAfter: "4"})
		if res, err := c.Embed(context.Background(), embedding(ep), []string{"bonjour colis"}); err != nil || len(res.Vectors) != 1 || len(*waits) != 1 || (*waits)[0] != 4*time.Second {
			t.Fatalf("%+v, %v, waits %v", res, err, *waits)
		}
	})
	t.Run("an_empty_input_is_refused_not_retried", func(t *testing.T) {
		fake, c, ep, _ := setup(t, opt)
		_, err := c.Embed(context.Background(), embedding(ep), []string{"ok", " "})
		if err == nil || !strings.Contains(err.Error(), "input[1]") || fake.Requests() != 0 {
			t.Fatalf("err = %v after %d counted requests", err, fake.Requests())
		}
	})
	t.Run("no_embeddings_model_is_an_error", func(t *testing.T) {
		_, c, ep, _ := setup(t, opt)
		if _, err := c.Embed(context.Background(), ep, []string{"x"}); err == nil {
			t.Fatal("embedded without a model")
		}
	})
}

// TestFakeEmbeddingsProtocol reads the fake's /v1/embeddings with
// go-openai as a client of OpenAI would: base64 vectors equal the float
// ones, dimensions shorten them to unit vectors, a single string is one
// input, errors are API errors.
func TestFakeEmbeddingsProtocol(t *testing.T) {
	srv := httptest.NewServer(&modelfake.Server{})
	t.Cleanup(srv.Close)
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = srv.URL + "/v1"
	api := openai.NewClientWithConfig(cfg)
	ctx := context.Background()
	float, err := api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: "e", Input: []string{"livraison rapide", "délais de livraison"}})
	if err != nil || len(float.Data) != 2 || float.Data[1].Index != 1 || len(float.Data[0].Embedding) != modelfake.Dimensions || float.Usage.PromptTokens != 5 || float.Object != "list" {
		t.Fatalf("%+v, %v", float, err)
	}
	b64, err := api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: "e", Input: []string{"livraison rapide"}, EncodingFormat: openai.EmbeddingEncodingFormatBase64})
	if err != nil || len(b64.Data) != 1 || fmt.Sprint(b64.Data[0].Embedding) != fmt.Sprint(float.Data[0].Embedding) {
		t.Fatalf("base64 %v differs from float, %v", b64.Data, err)
	}
	short, err := api.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: "e", Input: "livraison rapide", Dimensions: 64})
	var norm float64
	for _, f := range short.Data[0].Embedding {
		norm += float64(f) * float64(f)
	}
	if err != nil || len(short.Data[0].Embedding) != 64 || math.Abs(norm-1) > 1e-4 {
		t.Fatalf("%d dimensions, norm %f, %v", len(short.Data[0].Embedding), norm, err)
	}
	if sim, _ := float.Data[0].DotProduct(&float.Data[1]); sim < 0.5 {
		t.Errorf("paraphrases at similarity %f", sim)
	}
	_, err = api.CreateEmbeddings(ctx, openai.EmbeddingRequest{Model: "e", Input: [][]int{{1, 2}}})
	var ae *openai.APIError
	if !errors.As(err, &ae) || ae.HTTPStatusCode != http.StatusBadRequest || ae.Type != "invalid_request_error" {
		t.Fatalf("token arrays: %v", err)
	}
}
