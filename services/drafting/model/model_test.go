package model_test

import (
	"context"
	"errors"
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
		fast := opt
		fast.Timeout = 100 * time.Millisecond
		fake, c, ep, _ := setup(t, fast)
		fake.Script(modelfake.Fault{Delay: time.Second})
		res, err := c.Complete(context.Background(), ep, msgs)
		if err != nil || res.Attempts != 2 {
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
