// Package model asks an OpenAI-compatible chat-completions endpoint (OpenAI,
// Azure OpenAI, Mistral, vLLM, Ollama) for a reply through go-openai:
// streamed, under a timeout, retried on 429 and 5xx after the server's
// Retry-After, with the tokens it used. The model is given no tools.
package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Endpoint is where and as whom a brand's model is asked.
type Endpoint struct {
	BaseURL string
	Model   string
	APIKey  string
	// EmbeddingModel is the endpoint's embeddings model (empty: the brand's
	// knowledge is found without embeddings).
	EmbeddingModel string
}

// Options bound a call.
type Options struct {
	// Timeout bounds each attempt.
	Timeout time.Duration
	// Retries after the first attempt on 429 and 5xx.
	Retries int
	// MaxWait caps a Retry-After the client will honour; a longer one ends
	// the call (the budget of a draft is seconds, not minutes).
	MaxWait time.Duration
	// MaxTokens of the completion.
	MaxTokens int
}

// DefaultOptions suit a draft a moderator waits for.
var DefaultOptions = Options{Timeout: 30 * time.Second, Retries: 3, MaxWait: 20 * time.Second, MaxTokens: 400}

// Result is a completion.
type Result struct {
	Text string
	// FinishReason is the model's: "stop", "length", "content_filter".
	FinishReason string
	// PromptTokens and CompletionTokens are the usage the endpoint reported.
	PromptTokens, CompletionTokens int
	// Attempts is how many requests were made.
	Attempts int
}

// Tokens is the usage to meter.
func (r Result) Tokens() int64 { return int64(r.PromptTokens + r.CompletionTokens) }

// Client asks models. The zero value is not usable: use NewClient.
type Client struct {
	http *http.Client
	opt  Options
	// sleep waits between attempts (tests observe it).
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient is a client over transport (nil: http.DefaultTransport).
func NewClient(opt Options, transport http.RoundTripper) *Client {
	if transport == nil {
		transport = http.DefaultTransport
	}
	return &Client{http: &http.Client{Transport: hintTransport{transport}}, opt: opt, sleep: sleepCtx}
}

// SetSleep replaces the wait between attempts (tests record the delays).
func (c *Client) SetSleep(f func(ctx context.Context, d time.Duration) error) { c.sleep = f }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrRetryable is wrapped when the retries ran out on 429 or 5xx.
var ErrRetryable = errors.New("model endpoint kept failing")

// Complete streams a completion of messages.
func (c *Client) Complete(ctx context.Context, ep Endpoint, messages []openai.ChatCompletionMessage) (Result, error) {
	api := c.api(ep)
	req := openai.ChatCompletionRequest{
		Model: ep.Model, Messages: messages, MaxTokens: c.opt.MaxTokens, Temperature: 0.3,
		Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	var res Result
	attempts, err := c.retry(ctx, ep.Model, ep.BaseURL, func(ctx context.Context) error {
		var err error
		res, err = c.once(ctx, api, req)
		return err
	})
	res.Attempts = attempts
	return res, err
}

func (c *Client) api(ep Endpoint) *openai.Client {
	cfg := openai.DefaultConfig(ep.APIKey)
	cfg.BaseURL = strings.TrimRight(ep.BaseURL, "/")
	cfg.HTTPClient = c.http
	return openai.NewClientWithConfig(cfg)
}

// retry calls attempt (each call under the timeout) until it succeeds, a
// failure is not worth another try (not 429, 5xx or a timeout), or the
// retries run out; it returns the number of attempts made.
func (c *Client) retry(ctx context.Context, model, baseURL string, attempt func(context.Context) error) (int, error) {
	for n := 0; ; n++ {
		hint := &retryHint{}
		actx, cancel := context.WithTimeout(withHint(ctx, hint), c.opt.Timeout)
		err := attempt(actx)
		cancel()
		if err == nil {
			return n + 1, nil
		}
		status := statusOf(err)
		if status != http.StatusTooManyRequests && status < 500 && !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return n + 1, fmt.Errorf("ask %s at %s: %w", model, baseURL, err)
		}
		if n >= c.opt.Retries {
			return n + 1, fmt.Errorf("ask %s at %s: %w after %d attempts: %w", model, baseURL, ErrRetryable, n+1, err)
		}
		wait := hint.after
		if wait == 0 {
			wait = time.Duration(250<<n) * time.Millisecond
		}
		if wait > c.opt.MaxWait {
			return n + 1, fmt.Errorf("ask %s: the endpoint asks to wait %s, more than %s: %w", model, wait, c.opt.MaxWait, err)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return n + 1, err
		}
	}
}

// once is one streamed attempt.
func (c *Client) once(ctx context.Context, api *openai.Client, req openai.ChatCompletionRequest) (Result, error) {
	stream, err := api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return Result{}, err
	}
	defer stream.Close()
	var b strings.Builder
	var res Result
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{}, err
		}
		for _, ch := range chunk.Choices {
			b.WriteString(ch.Delta.Content)
			if ch.FinishReason != "" {
				res.FinishReason = string(ch.FinishReason)
			}
		}
		if chunk.Usage != nil {
			res.PromptTokens, res.CompletionTokens = chunk.Usage.PromptTokens, chunk.Usage.CompletionTokens
		}
	}
	res.Text = b.String()
	return res, nil
}

func statusOf(err error) int {
	var ae *openai.APIError
	var re *openai.RequestError
	switch {
	case errors.As(err, &ae):
		return ae.HTTPStatusCode
	case errors.As(err, &re):
		return re.HTTPStatusCode
	}
	return 0
}

// retryHint carries the Retry-After of an attempt's response out of
// go-openai, which does not expose response headers on errors.
type retryHint struct{ after time.Duration }

type hintKey struct{}

func withHint(ctx context.Context, h *retryHint) context.Context {
	return context.WithValue(ctx, hintKey{}, h)
}

type hintTransport struct{ next http.RoundTripper }

func (t hintTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if h, ok := r.Context().Value(hintKey{}).(*retryHint); ok && err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) {
		h.after = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp, err
}

// RetryAfter reads a Retry-After header: seconds or an HTTP date (RFC 9110
// §10.2.3); 0 when absent or unreadable.
func RetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
