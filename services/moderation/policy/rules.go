package policy

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/moderation/classify"
)

// Actions that only brand policies use (see Rules).
const (
	ActionSpam   = "spam"
	ActionIgnore = "ignore"
	// ActionRoutePrefix starts "route:<queue>".
	ActionRoutePrefix = "route:"
	// ActionPriorityPrefix starts "priority:+N" / "priority:-N".
	ActionPriorityPrefix = "priority:"
)

// ExtendsBuiltin is the PolicyDocument.Extends value that applies the
// built-in policy before the brand's rules.
const ExtendsBuiltin = "builtin"

// Limits of a policy document.
const (
	MaxRules    = 200
	MaxListSize = 500
	MaxRegexLen = 1000
)

// Rules is a brand policy compiled from a query.PolicyDocument.
//
// Precedence, documented for the people who write policies:
//  1. With extends: builtin, the built-in policy decides first; its verdict,
//     actions and rule hits are the starting point.
//  2. Rules are evaluated top to bottom. Every rule whose conditions all hold
//     adds its actions (once each, in order) and its name to the rule hits;
//     a rule with stop: true ends the evaluation.
//  3. ignore ends the evaluation too. It makes the verdict "ignore" and drops
//     the actions only when nothing before it asked for hide, spam or
//     escalate: an ignore never un-hides.
//  4. The verdict is the strongest asked for, starting from the built-in
//     one: spam > escalate > hide > review > allow (spam implies hide). A
//     rule can raise the verdict, never lower it, except through ignore.
//  5. The first route:<queue> wins; later ones are not added.
//  6. priority:+N/-N boosts add up on top of the computed priority, clamped
//     to 0..100; spam and ignore are always 0.
//  7. An SLA is due when the outcome needs a reply or is escalated.
//  8. A threat that the outcome hides is escalated too, and an escalated
//     threat has the top priority: a threat is never hidden silently.
type Rules struct {
	version int
	doc     query.PolicyDocument
	rules   []rule
	sla     SLATable
}

type rule struct {
	name      string
	labels    []string
	allLabels []string
	notLabels []string
	keywords  []string // canonical forms, " word word "
	regex     *regexp.Regexp
	authors   []string
	networks  []string
	kinds     []string
	minFollow int64
	then      []string
	boost     int
	stop      bool
}

// FieldError names the rule and the field of a policy document that is
// wrong: "rules[2].when.regex: ...".
type FieldError struct {
	// Rule is the rule's index, -1 for a document-level field.
	Rule  int
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Rule < 0 {
		return e.Field + ": " + e.Msg
	}
	return fmt.Sprintf("rules[%d].%s: %s", e.Rule, e.Field, e.Msg)
}

// Path is the field's full path, e.g. "rules[2].when.regex".
func (e *FieldError) Path() string {
	if e.Rule < 0 {
		return e.Field
	}
	return fmt.Sprintf("rules[%d].%s", e.Rule, e.Field)
}

// Compile validates doc and compiles it as policy version version. The
// error is a *FieldError naming the first wrong field.
func Compile(doc query.PolicyDocument, version int) (*Rules, error) {
	bad := func(i int, field, format string, a ...any) error {
		return &FieldError{Rule: i, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if doc.Extends != "" && doc.Extends != ExtendsBuiltin {
		return nil, bad(-1, "extends", "must be %q or empty, got %q", ExtendsBuiltin, doc.Extends)
	}
	if len(doc.Rules) > MaxRules {
		return nil, bad(-1, "rules", "at most %d rules, got %d", MaxRules, len(doc.Rules))
	}
	sla, err := compileSLA(doc.SLA)
	if err != nil {
		return nil, err
	}
	if len(doc.Domains) > MaxDomains {
		return nil, bad(-1, "domains", "at most %d domains, got %d", MaxDomains, len(doc.Domains))
	}
	for i, d := range doc.Domains {
		if !domainRe.MatchString(d) {
			return nil, bad(-1, fmt.Sprintf("domains[%d]", i), "%q is not a domain name such as cafe-lumiere.fr", d)
		}
	}
	p := &Rules{version: version, doc: doc, sla: sla}
	names := map[string]bool{}
	for i, r := range doc.Rules {
		c := rule{name: r.Name, stop: r.Stop, minFollow: r.When.MinFollowers}
		switch {
		case strings.TrimSpace(r.Name) == "":
			return nil, bad(i, "name", "is required")
		case len(r.Name) > 100:
			return nil, bad(i, "name", "is longer than 100 characters")
		case names[r.Name]:
			return nil, bad(i, "name", "%q is already the name of another rule", r.Name)
		}
		names[r.Name] = true
		w := r.When
		lists := []struct {
			field string
			in    []string
			out   *[]string
			check func(string) error
		}{
			{"when.labels", w.Labels, &c.labels, checkLabel},
			{"when.all_labels", w.AllLabels, &c.allLabels, checkLabel},
			{"when.not_labels", w.NotLabels, &c.notLabels, checkLabel},
			{"when.authors", w.Authors, &c.authors, nonEmpty},
			{"when.networks", w.Networks, &c.networks, checkNetwork},
			{"when.kinds", w.Kinds, &c.kinds, checkKind},
		}
		for _, l := range lists {
			if len(l.in) > MaxListSize {
				return nil, bad(i, l.field, "at most %d items", MaxListSize)
			}
			for j, x := range l.in {
				if err := l.check(x); err != nil {
					return nil, bad(i, fmt.Sprintf("%s[%d]", l.field, j), "%v", err)
				}
				*l.out = append(*l.out, strings.ToLower(strings.TrimSpace(x)))
			}
		}
		if len(w.Keywords) > MaxListSize {
			return nil, bad(i, "when.keywords", "at most %d items", MaxListSize)
		}
		for j, k := range w.Keywords {
			canon := strings.TrimSpace(classify.Normalize(k).Canon)
			if canon == "" {
				return nil, bad(i, fmt.Sprintf("when.keywords[%d]", j), "has no word in it")
			}
			c.keywords = append(c.keywords, " "+canon+" ")
		}
		if w.Regex != "" {
			if len(w.Regex) > MaxRegexLen {
				return nil, bad(i, "when.regex", "is longer than %d characters", MaxRegexLen)
			}
			re, err := regexp.Compile(w.Regex)
			if err != nil {
				return nil, bad(i, "when.regex", "is not a valid RE2 expression: %v", err)
			}
			c.regex = re
		}
		if w.MinFollowers < 0 {
			return nil, bad(i, "when.min_followers", "is negative")
		}
		if len(r.Then) == 0 {
			return nil, bad(i, "then", "needs at least one action")
		}
		for j, a := range r.Then {
			a = strings.TrimSpace(a)
			boost, err := checkAction(a)
			if err != nil {
				return nil, bad(i, fmt.Sprintf("then[%d]", j), "%v", err)
			}
			c.boost += boost
			if !strings.HasPrefix(a, ActionPriorityPrefix) {
				c.then = append(c.then, a)
			}
		}
		p.rules = append(p.rules, c)
	}
	return p, nil
}

func nonEmpty(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("is empty")
	}
	return nil
}

var labelRe = regexp.MustCompile(`^[a-z_]+(:[a-z_]+)?$`)

func checkLabel(s string) error {
	if !labelRe.MatchString(s) {
		return fmt.Errorf("%q is not a label (e.g. spam, toxicity:high, intent:complaint)", s)
	}
	return nil
}

func checkNetwork(s string) error {
	if !regexp.MustCompile(`^[a-z0-9_-]{1,32}$`).MatchString(s) {
		return fmt.Errorf("%q is not a network name", s)
	}
	return nil
}

var kinds = v1.Kinds

func checkKind(s string) error {
	if !slices.Contains(kinds, v1.Kind(s)) {
		return fmt.Errorf("%q is not a kind (%v)", s, kinds)
	}
	return nil
}

var queueRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// checkAction validates one action and returns its priority boost.
func checkAction(a string) (int, error) {
	switch a {
	case ActionHide, ActionSpam, ActionEscalate, ActionReview, ActionNeedsReply, ActionIgnore:
		return 0, nil
	}
	if q, ok := strings.CutPrefix(a, ActionRoutePrefix); ok {
		if !queueRe.MatchString(q) {
			return 0, fmt.Errorf("queue %q must be 1 to 64 of a-z, 0-9, '-', '_'", q)
		}
		return 0, nil
	}
	if n, ok := strings.CutPrefix(a, ActionPriorityPrefix); ok {
		b, err := strconv.Atoi(n)
		if err != nil || b < -100 || b > 100 || (n[0] != '+' && n[0] != '-') {
			return 0, fmt.Errorf("%q: want priority:+N or priority:-N with N up to 100", a)
		}
		return b, nil
	}
	return 0, fmt.Errorf("unknown action %q (hide, spam, escalate, review, needs_reply, ignore, route:<queue>, priority:+N)", a)
}

func compileSLA(s *query.PolicySLA) (SLATable, error) {
	t := SLATable{ByIntent: map[classify.Intent]time.Duration{}, Escalate: DefaultSLA.Escalate}
	for k, v := range DefaultSLA.ByIntent {
		t.ByIntent[k] = v
	}
	if s == nil {
		return t, nil
	}
	for _, f := range []struct {
		field string
		v     string
		set   func(time.Duration)
	}{
		{"sla.complaint", s.Complaint, func(d time.Duration) { t.ByIntent[classify.IntentComplaint] = d }},
		{"sla.question", s.Question, func(d time.Duration) { t.ByIntent[classify.IntentQuestion] = d }},
		{"sla.purchase", s.Purchase, func(d time.Duration) { t.ByIntent[classify.IntentPurchase] = d }},
		{"sla.escalate", s.Escalate, func(d time.Duration) { t.Escalate = d }},
	} {
		if f.v == "" {
			continue
		}
		d, err := time.ParseDuration(f.v)
		if err != nil || d < 0 || d > 30*24*time.Hour {
			return t, &FieldError{Rule: -1, Field: f.field, Msg: fmt.Sprintf("%q: want a duration such as 2h or 30m, up to 720h", f.v)}
		}
		f.set(d)
	}
	return t, nil
}

// Version implements Policy.
func (p *Rules) Version() int { return p.version }

// BrandDomains are the brand's own domains (the document's domains).
func (p *Rules) BrandDomains() []string { return p.doc.Domains }

// MaxDomains bounds a policy's domains.
const MaxDomains = 20

// domainRe is a lower-case domain name with a dot.
var domainRe = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$`)

// Document is the policy as written.
func (p *Rules) Document() query.PolicyDocument { return p.doc }

// PausePublishingDuringCrisis is the brand's crisis option.
func (p *Rules) PausePublishingDuringCrisis() bool { return p.doc.PausePublishingDuringCrisis }

// Apply implements Policy (see Rules for the precedence).
func (p *Rules) Apply(s Subject) Outcome {
	o := Outcome{Verdict: v1.VerdictAllow, Actions: []string{}, RuleHits: []string{}}
	if p.doc.Extends == ExtendsBuiltin {
		o = Builtin{SLA: p.sla}.Apply(s)
		o.SLADue = nil
	}
	labels := s.Result.Labels()
	var text classify.Text
	textDone := false
	boost := 0
	ignored := false
	routed := slices.ContainsFunc(o.Actions, func(a string) bool { return strings.HasPrefix(a, ActionRoutePrefix) })
	for _, r := range p.rules {
		if !r.matches(s, labels, func() classify.Text {
			if !textDone {
				text, textDone = classify.Normalize(s.Interaction.Text), true
			}
			return text
		}) {
			continue
		}
		o.RuleHits = append(o.RuleHits, r.name)
		boost += r.boost
		stop := r.stop
		for _, a := range r.then {
			switch {
			case a == ActionIgnore:
				ignored, stop = true, true
				continue
			case strings.HasPrefix(a, ActionRoutePrefix):
				if routed {
					continue
				}
				routed = true
			}
			if v := verdictOf(a); verdictRank(v) > verdictRank(o.Verdict) {
				o.Verdict = v
			}
			if a == ActionSpam && !slices.Contains(o.Actions, ActionHide) {
				o.Actions = append(o.Actions, ActionHide)
			}
			if !slices.Contains(o.Actions, a) {
				o.Actions = append(o.Actions, a)
			}
		}
		if stop {
			break
		}
	}
	if ignored && verdictRank(o.Verdict) < verdictRank(v1.VerdictHide) && !slices.Contains(o.Actions, ActionHide) {
		o.Verdict, o.Actions = v1.VerdictIgnore, []string{}
	}
	if s.Result.Threat() && slices.Contains(o.Actions, ActionHide) && !slices.Contains(o.Actions, ActionEscalate) {
		// A threat is never hidden without a human knowing.
		o.Actions = append(o.Actions, ActionEscalate)
		o.RuleHits = append(o.RuleHits, "builtin:threat")
		if verdictRank(o.Verdict) < verdictRank(v1.VerdictEscalate) {
			o.Verdict = v1.VerdictEscalate
		}
	}
	switch {
	case s.Result.Threat() && slices.Contains(o.Actions, ActionEscalate):
		o.Priority = ThreatPriority
	case o.Verdict == v1.VerdictSpam || o.Verdict == v1.VerdictIgnore:
		o.Priority = 0
	default:
		base := Priority(s.Interaction.Author, s.Result)
		o.Priority = int(math.Max(0, math.Min(100, float64(base+boost))))
	}
	o.SLADue = nil
	if o.Verdict != v1.VerdictIgnore && (slices.Contains(o.Actions, ActionNeedsReply) || o.Verdict == v1.VerdictEscalate || slices.Contains(o.Actions, ActionEscalate)) {
		o.SLADue = p.sla.Due(s.Result, o.Verdict, s.Interaction.ReceivedAt)
	}
	return o
}

func verdictOf(action string) v1.Verdict {
	switch action {
	case ActionSpam:
		return v1.VerdictSpam
	case ActionEscalate:
		return v1.VerdictEscalate
	case ActionHide:
		return v1.VerdictHide
	case ActionReview:
		return v1.VerdictReview
	}
	return v1.VerdictAllow
}

func (r rule) matches(s Subject, labels []string, text func() classify.Text) bool {
	in := s.Interaction
	if len(r.labels) > 0 && !slices.ContainsFunc(r.labels, func(l string) bool { return slices.Contains(labels, l) }) {
		return false
	}
	for _, l := range r.allLabels {
		if !slices.Contains(labels, l) {
			return false
		}
	}
	for _, l := range r.notLabels {
		if slices.Contains(labels, l) {
			return false
		}
	}
	if len(r.networks) > 0 && !slices.Contains(r.networks, in.Network) {
		return false
	}
	if len(r.kinds) > 0 && !slices.Contains(r.kinds, string(in.Kind)) {
		return false
	}
	if len(r.authors) > 0 && !slices.ContainsFunc(r.authors, func(a string) bool {
		return a == strings.ToLower(in.Author.ID) || a == strings.ToLower(in.Author.Handle) || "@"+a == strings.ToLower(in.Author.Handle)
	}) {
		return false
	}
	if in.Author.Followers < r.minFollow {
		return false
	}
	if r.regex != nil && !r.regex.MatchString(in.Text) {
		return false
	}
	if len(r.keywords) > 0 {
		canon := text().Canon
		if !slices.ContainsFunc(r.keywords, func(k string) bool { return strings.Contains(canon, k) }) {
			return false
		}
	}
	return true
}
