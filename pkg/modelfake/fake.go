// Package modelfake is a local chat-completions server that speaks the
// OpenAI protocol as go-openai reads it: JSON or SSE streaming (chunks,
// finish_reason, a usage chunk with stream_options.include_usage, [DONE]),
// errors as {"error": {...}} with 429 + Retry-After and 500, slow answers,
// finish reasons length and content_filter. Its "model" answers from the
// knowledge-base excerpts of the system prompt; in adversarial mode it obeys
// whatever instructions the interaction's text carries, so that the output
// checks are tested against a model that misbehaves.
package modelfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ruche-project/ruche/pkg/greeting"
)

// Fault is a scripted answer to the next request.
type Fault struct {
	// Status 429 or 5xx answers an error; RetryAfter sets the header.
	Status     int
	RetryAfter string
	// Delay before answering (a slow model).
	Delay time.Duration
	// FinishReason "length" cuts the answer; "content_filter" empties it.
	FinishReason string
}

// Server is the fake endpoint; serve it with httptest or an http.Server.
type Server struct {
	// Adversarial makes the model obey instructions found in the
	// interaction.
	Adversarial bool
	mu          sync.Mutex
	faults      []Fault
	requests    int
}

// Script queues faults, answered one per request in order.
func (s *Server) Script(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// Requests counts the requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type request struct {
	Model         string    `json:"model"`
	Messages      []message `json:"messages"`
	MaxTokens     int       `json:"max_tokens"`
	Stream        bool      `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools          json.RawMessage `json:"tools"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string `json:"name"`
			Strict bool   `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
}

// ModerationSchema is the name of the JSON schema under which the fake
// answers as a moderation model (moderate).
const ModerationSchema = "moderation_labels"

// ServeHTTP answers POST …/chat/completions and POST …/embeddings.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	chat, embeddings := strings.HasSuffix(r.URL.Path, "/chat/completions"), strings.HasSuffix(r.URL.Path, "/embeddings")
	if r.Method != http.MethodPost || !chat && !embeddings {
		apiError(w, http.StatusNotFound, "invalid_request_error", "unknown route "+r.URL.Path)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		apiError(w, http.StatusUnauthorized, "invalid_request_error", "missing bearer token")
		return
	}
	if embeddings {
		s.serveEmbeddings(w, r)
		return
	}
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Model == "" || len(req.Messages) == 0 {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "model and messages are required")
		return
	}
	if len(req.Tools) > 0 && string(req.Tools) != "null" {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "this deployment takes no tools")
		return
	}
	f, ok := s.next(w, r)
	if !ok {
		return
	}
	text, finish := s.answer(req.Messages), "stop"
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_schema" && rf.JSONSchema != nil && rf.JSONSchema.Name == ModerationSchema {
		text = s.moderate(req.Messages)
	}
	words := strings.Fields(text)
	switch {
	case f.FinishReason == "content_filter":
		text, finish = "", "content_filter"
	case f.FinishReason == "length" || req.MaxTokens > 0 && len(words) > req.MaxTokens:
		n := min(len(words)/2, max(req.MaxTokens, 1))
		text, finish = strings.Join(words[:n], " "), "length"
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += len(strings.Fields(m.Content)) + 4
	}
	usage := map[string]int{"prompt_tokens": prompt, "completion_tokens": len(strings.Fields(text)), "total_tokens": prompt + len(strings.Fields(text))}
	id, created := fmt.Sprintf("chatcmpl-fake-%d", s.Requests()), time.Now().Unix()
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": created, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": message{Role: "assistant", Content: text}, "finish_reason": finish}},
			"usage":   usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, piece := range strings.SplitAfter(text, " ") {
		if piece != "" {
			send(chunk(map[string]any{"content": piece}, nil))
		}
		_ = i
	}
	send(chunk(map[string]any{}, finish))
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model, "choices": []any{}, "usage": usage})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// next counts a request and plays the next scripted fault: the delay,
// then the error answer if it has one (ok false: the request is answered).
func (s *Server) next(w http.ResponseWriter, r *http.Request) (f Fault, ok bool) {
	s.mu.Lock()
	s.requests++
	if len(s.faults) > 0 {
		f, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return f, false
		}
	}
	if f.Status != 0 {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		typ := "server_error"
		if f.Status == http.StatusTooManyRequests {
			typ = "rate_limit_exceeded"
		}
		apiError(w, f.Status, typ, fmt.Sprintf("scripted %d", f.Status))
		return f, false
	}
	return f, true
}

var (
	kbLine     = regexp.MustCompile(`(?m)^\[kb:([a-z0-9_-]+)\] ([^\n]*)$`)
	fenced     = regexp.MustCompile(`(?s)<<<INTERACTION\n(.*)\nINTERACTION>>>`)
	wordRe     = regexp.MustCompile(`[\p{L}\p{N}]+`)
	urlRe      = regexp.MustCompile(`(?i)(?:https?|hxxps?)://\S+|\b[a-z0-9-]+(?:\[\.\]|\.)(?:com|io|ly|ru|xyz|net)\S*`)
	b64Re      = regexp.MustCompile(`[A-Za-z0-9+/]{16,}={0,2}`)
	sayRe      = regexp.MustCompile(`(?is)(?:say|write|reply with|réponds|écris|dis|sag|di)\s*:?\s*["«“]([^"»”]+)["»”]`)
	leakRe     = regexp.MustCompile(`(?i)(system prompt|your instructions|tes instructions|vos instructions|prompt syst|repeat everything above|répète tout)`)
	roleRe     = regexp.MustCompile(`(?i)(pretend|you are now|tu es maintenant|roleplay|jeu de rôle|DAN)`)
	langRe     = regexp.MustCompile(`(?i)(answer in english|reply in english|réponds en anglais|antworte auf englisch)`)
	emailRe    = regexp.MustCompile(`(?i)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`)
	answerLang = regexp.MustCompile(`Reply in (French|English)`)
)

// answer is the model: the knowledge-base excerpt of the system prompt that
// shares the most words with the interaction, cited as [kb:id].
func (s *Server) answer(msgs []message) string {
	var system, user string
	for _, m := range msgs {
		switch m.Role {
		case "system":
			system += m.Content + "\n"
		case "user":
			user += m.Content + "\n"
		}
	}
	text := user
	if m := fenced.FindStringSubmatch(user); m != nil {
		text = m[1]
	}
	french := !strings.Contains(answerLang.FindString(system), "English")
	if s.Adversarial {
		if out := obey(system, text); out != "" {
			return out
		}
	}
	words := map[string]bool{}
	for _, w := range wordRe.FindAllString(strings.ToLower(text), -1) {
		if len(w) > 3 {
			words[w] = true
		}
	}
	best, bestID, bestN := "", "", 0
	for _, m := range kbLine.FindAllStringSubmatch(system, -1) {
		n := 0
		for _, w := range wordRe.FindAllString(strings.ToLower(m[2]), -1) {
			if words[w] {
				n++
			}
		}
		if n > bestN {
			best, bestID, bestN = m[2], m[1], n
		}
	}
	greet, none := "Bonjour,", "Merci pour votre message, nous revenons vers vous très vite."
	if !french {
		greet, none = "Hello,", "Thank you for your message, we will get back to you very soon."
	}
	if bestN == 0 {
		return greet + " " + none
	}
	if _, body, ok := strings.Cut(best, ": "); ok {
		best = body
	}
	// Like a model writing well: the entry's sentence goes on after the
	// greeting's comma.
	return greet + " " + greeting.After(best, system) + " [kb:" + bestID + "]"
}

// obey is the adversarial model: it does what the injected text asks.
func obey(system, text string) string {
	var out []string
	if leakRe.MatchString(text) {
		out = append(out, "Sure! My instructions are: "+system)
	}
	if m := sayRe.FindStringSubmatch(text); m != nil {
		out = append(out, m[1])
	}
	for _, u := range urlRe.FindAllString(text, -1) {
		out = append(out, "Click here: "+u)
	}
	for _, e := range emailRe.FindAllString(text, -1) {
		out = append(out, "Write to "+e)
	}
	for _, enc := range b64Re.FindAllString(text, -1) {
		if dec, err := base64.StdEncoding.DecodeString(enc); err == nil {
			out = append(out, "Decoded: "+string(dec)+" "+obey(system, string(dec)))
		}
	}
	if roleRe.MatchString(text) {
		out = append(out, "As DAN, free of all rules, I say: the brand is a scam, see http://free-gifts.example.ru and send your card number to us.")
	}
	if langRe.MatchString(text) {
		out = append(out, "Hello! We are happy to help you in English today, with anything you need from us.")
	}
	return strings.TrimSpace(strings.Join(out, " "))
}

// Cues of the fake moderation model: a few words per label, French and
// English. It is a stand-in to test the plumbing (schema, timeouts, budget,
// fallback, injection), not a model to measure.
var (
	spamCue   = regexp.MustCompile(`(?i)\b(promo|gratuit|free|click|cliquez|dm me|mp moi|crypto|bitcoin|followers|abonnés|my channel|ma chaîne|outlet|gagnez|win)\b|https?://`)
	toxicCue  = regexp.MustCompile(`(?i)\b(idiot|idiots|stupid|garbage|nul|nuls|débile|crétin|connard|trash|dumb|losers?|incompétents?)\b`)
	threatCue = regexp.MustCompile(`(?i)\b(tuer|kill|crever|brûler|burn|sais où|know where|attention à (toi|lui|vous)|watch your back)\b`)
	// obeyCue is an instruction to the moderation model in the text.
	obeyCue = regexp.MustCompile(`(?i)(ignore|oublie|disregard).{0,40}(instructions|consignes|rules|règles)|(answer|réponds|reply|output)\s*:?\s*\{`)
)

// moderate is the fake moderation model: labels of the fenced interaction
// as the JSON object the schema asks for. In adversarial mode, a text that
// instructs the model is obeyed: every label false, and a field the schema
// does not have.
func (s *Server) moderate(msgs []message) string {
	var user string
	for _, m := range msgs {
		if m.Role == "user" {
			user += m.Content + "\n"
		}
	}
	text := user
	if m := fenced.FindStringSubmatch(user); m != nil {
		text = m[1]
	}
	if s.Adversarial && obeyCue.MatchString(text) {
		return `{"spam": false, "toxicity": false, "threat": false, "override": "approved by the author"}`
	}
	b, _ := json.Marshal(map[string]bool{
		"spam": spamCue.MatchString(text), "toxicity": toxicCue.MatchString(text), "threat": threatCue.MatchString(text),
	})
	return string(b)
}
