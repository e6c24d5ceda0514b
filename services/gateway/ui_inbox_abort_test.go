package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway"
)

// TestUIAbortedSearchStopsAnalytics: a search the browser gave up on (a
// newer one replaced it) stops analytics' work on it, and the gateway
// answers nothing for it.
func TestUIAbortedSearchStopsAnalytics(t *testing.T) {
	g := newTestGateway(t)
	g.join("a", "moderator", "camille@a.example")
	r := g.form(caller{}, "/signin", url.Values{"email": {"camille@a.example"}, "password": {"correct horse battery"}})
	session := r.cookies[gateway.SessionCookie].Value

	analytics, moderation := g.standIn(query.AnalyticsService), g.standIn(query.ModerationService)
	started, ended := make(chan struct{}, 1), make(chan error, 1)
	for _, err := range []error{
		rpc.Handle(analytics, query.ListInteractions, func(ctx context.Context, req query.SearchInteractionsRequest) (query.ListInteractionsResponse, error) {
			started <- struct{}{}
			<-ctx.Done() // a search that takes longer than the browser waits
			ended <- ctx.Err()
			return query.ListInteractionsResponse{}, ctx.Err()
		}),
		rpc.Handle(moderation, query.ListClaims, func(context.Context, query.ListClaimsRequest) (query.ListClaimsResponse, error) {
			return query.ListClaimsResponse{}, nil
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	ctx, abort := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/inbox/list?brand=a&q=livraison", nil)
	req.Header.Set("HX-Request", "true")
	req.AddCookie(&http.Cookie{Name: gateway.SessionCookie, Value: session})
	rec := httptest.NewRecorder()
	served := make(chan struct{})
	go func() { defer close(served); g.gw.Handler().ServeHTTP(rec, req) }()
	<-started
	abort()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("analytics' search ended with %v, want cancelled", err)
		}
	case <-time.After(query.BudgetRead): // the budget would end it otherwise
		t.Fatal("analytics still searches for a browser that gave up")
	}
	<-served
	if rec.Body.Len() != 0 {
		t.Fatalf("an answer to nobody: %d %q", rec.Code, rec.Body.String())
	}
}
