package v1

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Endpoint declares one request/reply endpoint once, beside its request and
// response types: the micro service that answers it, its name in discovery,
// its subject and its time budget. The server runs the handler under the
// budget and every caller waits for it (plus transport slack), so the two can
// never disagree. pkg/rpc serves and asks through it.
type Endpoint[Req, Resp any] struct {
	info EndpointInfo
}

// EndpointInfo is the untyped description of an endpoint.
type EndpointInfo struct {
	// Service is the nats.go micro service name (analytics, moderation...).
	Service string
	// Name is the endpoint's name in micro discovery and stats.
	Name string
	// Subject is where requests are sent (ruche.query.* for reads,
	// ruche.command.* for commands).
	Subject string
	// Budget bounds the handler's work; callers wait Budget plus slack.
	Budget time.Duration
}

// Info describes the endpoint.
func (e Endpoint[Req, Resp]) Info() EndpointInfo { return e.info }

// Subject is the endpoint's subject.
func (e Endpoint[Req, Resp]) Subject() string { return e.info.Subject }

// Default time budgets. A budget is what the slowest legitimate request
// needs on a loaded replica; a longer operation is a job the caller polls.
const (
	// BudgetRead covers an inbox page or a KV read.
	BudgetRead = 10 * time.Second
	// BudgetHeavy covers a report or a dry run over a month of traffic.
	BudgetHeavy = 60 * time.Second
)

var (
	registryMu sync.Mutex
	registry   = map[string]EndpointInfo{}
)

// Declare registers an endpoint (the declarations of this package; tests
// declare their own); a second declaration of a subject or of a
// service's endpoint name is a programming error.
func Declare[Req, Resp any](service, name, subject string, budget time.Duration) Endpoint[Req, Resp] {
	if service == "" || name == "" || budget <= 0 || !strings.HasPrefix(subject, "ruche.query."+service+".") && !strings.HasPrefix(subject, "ruche.command."+service+".") {
		panic(fmt.Sprintf("query: bad endpoint declaration %s/%s on %q", service, name, subject))
	}
	info := EndpointInfo{Service: service, Name: name, Subject: subject, Budget: budget}
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, other := range registry {
		if other.Subject == subject || other.Service == service && other.Name == name {
			panic(fmt.Sprintf("query: endpoint %s/%s declared twice", service, name))
		}
	}
	registry[subject] = info
	return Endpoint[Req, Resp]{info: info}
}

// Endpoints lists every declared endpoint, sorted by subject; a test checks
// that each has exactly one handler.
func Endpoints() []EndpointInfo {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]EndpointInfo, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject < out[j].Subject })
	return out
}
