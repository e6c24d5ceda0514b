package moderation_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation"
	"github.com/ruche-project/ruche/services/moderation/policy"
)

// TestBrandDomains: a brand policy's domains make a link to a lookalike of
// one spam (phishing on the brand's page); without them the same text is
// not; a malformed domain is refused naming it.
func TestBrandDomains(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	r := v1.Received{ID: "x:1", Brand: "demo", Network: "sandbox", Text: "Offre fidélité : un café offert, inscrivez-vous sur cafe-lumlere.fr",
		CreatedAt: at, ReceivedAt: at}
	p, err := policy.Compile(query.PolicyDocument{Extends: policy.ExtendsBuiltin, Domains: []string{"cafe-lumiere.fr"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := moderation.Decide(r, p, at)
	if m.Verdict != v1.VerdictSpam || !slices.Contains(m.LabelReasons["spam"], "link:lookalike_domain") {
		t.Fatalf("with the brand's domains: %s %v", m.Verdict, m.LabelReasons)
	}
	if m := moderation.Decide(r, policy.Default, at); slices.Contains(m.Labels, "spam") {
		t.Fatalf("without them: %v %v", m.Labels, m.LabelReasons)
	}
	_, err = policy.Compile(query.PolicyDocument{Domains: []string{"cafe-lumiere.fr", "https://x.fr/"}}, 2)
	var fe *policy.FieldError
	if !errors.As(err, &fe) || fe.Path() != "domains[1]" {
		t.Fatalf("a URL as a domain: %v", err)
	}
}
