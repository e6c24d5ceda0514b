package moderation

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ruche-project/ruche/events"
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/pkg/pii"
	"github.com/ruche-project/ruche/services/moderation/classify"
)

// LineRequest is one input line of `ruche classify`. Unknown fields are
// ignored, so an evaluation set with its expected labels can be fed as is.
type LineRequest struct {
	ID      string      `json:"id,omitempty"`
	Text    *string     `json:"text"`
	Lang    string      `json:"lang,omitempty"`
	Brand   string      `json:"brand,omitempty"`
	Network string      `json:"network,omitempty"`
	Author  *LineAuthor `json:"author,omitempty"`
}

// LineAuthor is the author of a LineRequest.
type LineAuthor struct {
	ID          string    `json:"id,omitempty"`
	Handle      string    `json:"handle,omitempty"`
	DisplayName string    `json:"display_name,omitempty"`
	Followers   int64     `json:"followers,omitempty"`
	Verified    bool      `json:"verified,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// LineReport is one output line of `ruche classify`: every label, and the
// policy's decision. Personal data is reported by kind only, never by value.
type LineReport struct {
	Line          int                `json:"line"`
	ID            string             `json:"id,omitempty"`
	Brand         string             `json:"brand"`
	Lang          classify.Lang      `json:"lang"`
	Spam          classify.Spam      `json:"spam"`
	Toxicity      classify.Toxicity  `json:"toxicity"`
	PII           []pii.Kind         `json:"pii"`
	Sentiment     classify.Sentiment `json:"sentiment"`
	Intent        classify.Intent    `json:"intent"`
	Urgent        []string           `json:"urgent"`
	Priority      int                `json:"priority"`
	SLADue        *time.Time         `json:"sla_due,omitempty"`
	Verdict       v1.Verdict         `json:"verdict"`
	Actions       []string           `json:"actions"`
	RuleHits      []string           `json:"rule_hits"`
	PolicyVersion int                `json:"policy_version"`
	Labels        []string           `json:"labels"`
	// LabelReasons says what decided each label (Result.Reasons).
	LabelReasons map[string][]string `json:"label_reasons"`
}

// LineError is the output line for an input line that could not be read.
type LineError struct {
	Line  int    `json:"line"`
	Field string `json:"field"`
	Error string `json:"error"`
}

// DefaultBrand is the brand of lines that name none.
const DefaultBrand = "demo"

// ClassifyLines reads LineRequests, one JSON object per line, and writes one
// LineReport per line (a LineError for a malformed line, naming its line
// number and field, and goes on). It returns how many lines failed; err is
// only for reading or writing. now stands for the time the interactions were
// received (the SLA counts from it).
func ClassifyLines(in io.Reader, out io.Writer, policies Policies, now time.Time) (failed int, err error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), v1.MaxTextBytes*2)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		rep, lerr := classifyLine(n, []byte(line), policies, now)
		var v any = rep
		if lerr != nil {
			failed++
			v = lerr
		}
		if err := enc.Encode(v); err != nil {
			return failed, fmt.Errorf("write line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return failed, fmt.Errorf("read input: %w", err)
	}
	return failed, nil
}

func classifyLine(n int, line []byte, policies Policies, now time.Time) (*LineReport, *LineError) {
	bad := func(field, format string, a ...any) *LineError {
		return &LineError{Line: n, Field: field, Error: fmt.Sprintf("line %d: field %q: ", n, field) + fmt.Sprintf(format, a...)}
	}
	var req LineRequest
	if err := json.Unmarshal(line, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, bad(te.Field, "is %s, want %s", te.Value, te.Type)
		}
		return nil, &LineError{Line: n, Field: "", Error: fmt.Sprintf("line %d: not a JSON object: %v", n, err)}
	}
	switch {
	case req.Text == nil:
		return nil, bad("text", "is required")
	case len(*req.Text) > v1.MaxTextBytes:
		return nil, bad("text", "is longer than %d bytes", v1.MaxTextBytes)
	case req.Author != nil && req.Author.Followers < 0:
		return nil, bad("author.followers", "is negative")
	}
	brand := req.Brand
	if brand == "" {
		brand = DefaultBrand
	}
	if err := events.ValidateBrand(brand); err != nil {
		return nil, bad("brand", "%v", err)
	}
	p, err := policies.Policy(brand)
	if err != nil {
		return nil, bad("brand", "no policy: %v", err)
	}
	network := req.Network
	if network == "" {
		network = "cli"
	}
	r := v1.Received{ID: v1.InteractionID(network, fmt.Sprint(n)), Brand: brand, Network: network, Kind: v1.KindComment,
		PlatformID: fmt.Sprint(n), Text: *req.Text, Lang: req.Lang, CreatedAt: now, ReceivedAt: now, Source: v1.SourceSandbox}
	var created time.Time
	if a := req.Author; a != nil {
		r.Author = v1.Author{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, Followers: a.Followers, Verified: a.Verified}
		created = a.CreatedAt
	}
	a := assess(nil, r, created, p, nil)
	return &LineReport{
		Line: n, ID: req.ID, Brand: brand,
		Lang: a.Result.Lang, Spam: a.Result.Spam, Toxicity: a.Result.Toxicity, PII: a.Result.PIIKinds(),
		Sentiment: a.Result.Sentiment, Intent: a.Result.Intent, Urgent: a.Result.Urgent,
		Priority: a.Outcome.Priority, SLADue: a.Outcome.SLADue, Verdict: a.Outcome.Verdict, Actions: a.Outcome.Actions,
		RuleHits: a.Outcome.RuleHits, PolicyVersion: a.PolicyVersion, Labels: a.Result.Labels(), LabelReasons: a.Result.Reasons(),
	}, nil
}
