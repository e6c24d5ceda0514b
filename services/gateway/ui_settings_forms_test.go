package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/rpc"
	"github.com/ruche-project/ruche/services/gateway"
)

// TestUISettingsForms: a manager adds a source, connects an account and
// invites someone from the settings; a refusal comes back in the form
// (422) naming and marking its field, values kept and secrets never shown
// back; another brand and a moderator are refused.
func TestUISettingsForms(t *testing.T) {
	g, lea, camille := managerAndModerator(t)

	ingest, publishing := g.standIn(query.IngestService), g.standIn(query.PublishingService)
	var sources []query.SourceSpec
	var accounts []query.AccountSpec
	for _, err := range []error{
		rpc.Handle(ingest, query.PutSource, func(_ context.Context, req query.PutSourceRequest) (query.SourceView, error) {
			if req.Source.Network != "rss" && req.Source.Network != "generic" {
				// As ingest words it: the field starts the message.
				return query.SourceView{}, rpc.BadRequest("", "network %q is not one of [generic rss]", req.Source.Network)
			}
			sources = append(sources, req.Source)
			return query.SourceView{ID: req.Source.ID}, nil
		}),
		rpc.Handle(publishing, query.PutAccount, func(_ context.Context, req query.PutAccountRequest) (query.AccountView, error) {
			if u := req.Account.Settings["url"]; u != "" && !strings.HasPrefix(u, "https://") {
				return query.AccountView{}, rpc.BadRequest("account.settings.url", "must be an http(s) URL")
			}
			accounts = append(accounts, req.Account)
			return query.AccountView{ID: req.Account.ID}, nil
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	post := func(who caller, path string, v url.Values) reply {
		return g.form(who, path, v, "HX-Request", "true", gateway.CSRFHeader, who.csrf)
	}

	// The forms are on the pages, for a manager.
	if page := g.page(lea, "/settings/sources?brand=a"); !strings.Contains(page.body, `id="source-form"`) || !strings.Contains(page.body, `id="account-form"`) {
		t.Fatalf("sources page without its forms: %d", page.code)
	}
	if page := g.page(lea, "/settings/people?brand=a"); !strings.Contains(page.body, `id="invite-form"`) {
		t.Fatal("people page without the invitation form")
	}
	if page := g.page(camille, "/settings/people?brand=a"); strings.Contains(page.body, `id="invite-form"`) {
		t.Fatal("a moderator is offered the invitation form")
	}

	refusals := []struct {
		name, path string
		values     url.Values
		field      string
		says       string
	}{
		{"source_without_id", "/settings/sources/add?brand=a", url.Values{"network": {"rss"}}, "id", "id: is required"},
		{"source_bad_settings_line", "/settings/sources/add?brand=a", url.Values{"id": {"feed"}, "network": {"rss"}, "settings": {"url=https://x.example\nnot a pair"}}, "settings", "line 2"},
		{"source_unknown_network", "/settings/sources/add?brand=a", url.Values{"id": {"feed"}, "network": {"myspace"}, "secrets": {"token=s3cret-value"}}, "network", "is not one of"},
		{"account_bad_url", "/settings/accounts/add?brand=a", url.Values{"id": {"main"}, "network": {"mastodon"}, "url": {"ftp://x"}, "token": {"s3cret-value"}}, "url", "account.settings.url: must be"},
		{"invite_bad_email", "/settings/people/invite?brand=a", url.Values{"email": {"not an email"}, "role": {"moderator"}}, "email", "email: "},
		{"invite_unknown_role", "/settings/people/invite?brand=a", url.Values{"role": {"king"}}, "role", "role: "},
		{"invite_above_own_role", "/settings/people/invite?brand=a", url.Values{"role": {"owner"}}, "role", "cannot grant"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			wantRefusal(t, post(lea, tc.path, tc.values), tc.field, tc.says)
		})
	}
	if len(sources)+len(accounts) != 0 {
		t.Fatalf("refused forms changed something: %v %v", sources, accounts)
	}

	r := post(lea, "/settings/sources/add?brand=a", url.Values{"id": {"feed"}, "network": {"rss"}, "settings": {"url = https://x.example/feed.xml\nkeywords=café, brunch"}, "secrets": {"token=abc"}})
	if r.code != http.StatusNoContent || r.header.Get("HX-Redirect") != "/settings/sources?brand=a" {
		t.Fatalf("add a source: %d %v %s", r.code, r.header, r.body)
	}
	if s := sources[0]; s.Brand != "a" || s.Settings["url"] != "https://x.example/feed.xml" || s.Settings["keywords"] != "café, brunch" || s.Secrets["token"] != "abc" {
		t.Fatalf("source: %+v", s)
	}
	r = post(lea, "/settings/accounts/add?brand=a", url.Values{"id": {"main"}, "network": {"mastodon"}, "handle": {"@cafe@piaille.fr"}, "url": {"https://piaille.fr"}, "token": {"tok"}})
	if r.code != http.StatusNoContent || len(accounts) != 1 || accounts[0].Brand != "a" || accounts[0].Token != "tok" || accounts[0].Settings["url"] != "https://piaille.fr" {
		t.Fatalf("connect an account: %d %s %+v", r.code, r.body, accounts)
	}
	r = post(lea, "/settings/people/invite?brand=a", url.Values{"email": {"Nina@A.example"}, "role": {"analyst"}})
	if r.code != http.StatusOK || !strings.Contains(r.body, `id="invite-link"`) || !strings.Contains(r.body, "/welcome#invitation=") {
		t.Fatalf("invite: %d %s", r.code, r.body)
	}
	var pending struct {
		Items []struct {
			Email string `json:"email"`
			Role  string `json:"role"`
		} `json:"items"`
	}
	g.must(caller{key: ownerKeyA}, "GET", "/api/v1/invitations?brand=a", "", 200).decode(t, &pending)
	if len(pending.Items) != 1 || pending.Items[0].Email != "nina@a.example" || pending.Items[0].Role != "analyst" {
		t.Fatalf("invitations: %+v", pending)
	}

	// Brand-scoped, and the manager's actions only.
	if r := post(lea, "/settings/sources/add?brand=b", url.Values{"id": {"x"}, "network": {"rss"}}); r.code != http.StatusForbidden {
		t.Fatalf("another brand: %d %s", r.code, r.body)
	}
	for _, path := range []string{"/settings/sources/add?brand=a", "/settings/accounts/add?brand=a", "/settings/people/invite?brand=a"} {
		if r := post(camille, path, url.Values{"id": {"x"}, "network": {"rss"}, "role": {"moderator"}}); r.code != http.StatusForbidden {
			t.Fatalf("a moderator at %s: %d %s", path, r.code, r.body)
		}
	}
}

// TestUISettingsDrafting: the drafting section shows the model in use, the
// embedding model, whether a key is set (never the key) and the month's
// tokens against the budget from drafting's answer; a manager sets them
// through the form (a refusal names and marks its field, the key never
// shown back); a moderator sees them but is refused the change.
func TestUISettingsDrafting(t *testing.T) {
	g, lea, camille := managerAndModerator(t)

	// Drafting down: the page says so and offers no form, which would
	// overwrite settings it never read.
	if page := g.page(lea, "/settings/drafting?brand=a"); page.code != http.StatusOK || !strings.Contains(page.body, "Could not be read") || strings.Contains(page.body, `id="drafting-form"`) {
		t.Fatalf("drafting down: %d %s", page.code, page.body)
	}

	// A stand-in for drafting, validating as drafting does (brands.go).
	drafting := g.standIn(query.DraftingService)
	model := query.ModelSettings{}
	var puts []query.PutModelRequest
	settings := func(brand string) query.BrandSettings {
		return query.BrandSettings{Brand: brand, Model: model, TokensUsed: 123456, UsageMonth: "2026-12"}
	}
	for _, err := range []error{
		rpc.Handle(drafting, query.GetBrandSettings, func(_ context.Context, req query.BrandRef) (query.BrandSettings, error) {
			return settings(req.Brand), nil
		}),
		rpc.Handle(drafting, query.PutModel, func(_ context.Context, req query.PutModelRequest) (query.BrandSettings, error) {
			if u, err := url.Parse(req.BaseURL); req.BaseURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
				return query.BrandSettings{}, rpc.BadRequest("", "invalid: base_url: %q is not an http(s) URL", req.BaseURL)
			}
			puts = append(puts, req)
			model = query.ModelSettings{BaseURL: req.BaseURL, Model: req.Model, EmbeddingModel: req.EmbeddingModel, HasKey: model.HasKey || req.APIKey != "", TokenBudget: req.TokenBudget}
			return settings(req.Brand), nil
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	post := func(who caller, v url.Values) reply {
		return g.form(who, "/settings/drafting?brand=a", v, "HX-Request", "true", gateway.CSRFHeader, who.csrf)
	}

	// No model of the brand's own: the offline drafter, no key, no budget.
	page := g.page(lea, "/settings/drafting?brand=a")
	if page.code != http.StatusOK || !strings.Contains(page.body, `id="drafting-model"`) || !strings.Contains(page.body, "Offline drafter") ||
		!strings.Contains(page.body, "Not set") || !strings.Contains(page.body, "2026-12") || !strings.Contains(page.body, `id="drafting-form"`) || strings.Contains(page.body, "<meter") {
		t.Fatalf("drafting section without a model: %d %s", page.code, page.body)
	}

	refusals := []struct {
		name   string
		values url.Values
		field  string
		says   string
	}{
		{"bad_base_url", url.Values{"base_url": {"ftp://models.example"}, "model": {"m"}, "api_key": {"s3cret-value"}, "token_budget": {"1000"}}, "base_url", "base_url: &#34;ftp://models.example&#34; is not an http(s) URL"},
		{"bad_budget", url.Values{"base_url": {"https://models.example/v1"}, "model": {"m"}, "api_key": {"s3cret-value"}, "token_budget": {"lots"}}, "token_budget", "token_budget: must be"},
		{"negative_budget", url.Values{"token_budget": {"-5"}, "api_key": {"s3cret-value"}}, "token_budget", "token_budget: must be"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			wantRefusal(t, post(lea, tc.values), tc.field, tc.says)
		})
	}
	if len(puts) != 0 {
		t.Fatalf("refused forms changed something: %+v", puts)
	}

	r := post(lea, url.Values{"base_url": {"https://models.example/v1"}, "model": {"mistral-small"}, "embedding_model": {"mistral-embed"}, "api_key": {"s3cret-value"}, "token_budget": {"500000"}})
	if r.code != http.StatusNoContent || r.header.Get("HX-Redirect") != "/settings/drafting?brand=a" {
		t.Fatalf("set the model: %d %v %s", r.code, r.header, r.body)
	}
	if len(puts) != 1 || puts[0] != (query.PutModelRequest{Brand: "a", BaseURL: "https://models.example/v1", Model: "mistral-small", EmbeddingModel: "mistral-embed", APIKey: "s3cret-value", TokenBudget: 500000}) {
		t.Fatalf("put: %+v", puts)
	}

	// The section now: the model, the key set but never shown, the meter
	// of this month's tokens against the budget, in French too.
	page = g.page(lea, "/settings/drafting?brand=a")
	for _, want := range []string{"mistral-small at https://models.example/v1", "mistral-embed", "Set (never shown)",
		`<meter id="drafting-usage"`, `max="500000"`, `value="123456"`, "123,456 of 500,000 this month", "Tokens used in 2026-12",
		`name="token_budget" type="number" value="500000"`} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("drafting section without %q: %s", want, page.body)
		}
	}
	if strings.Contains(page.body, "s3cret-value") || strings.Contains(r.body, "s3cret-value") {
		t.Fatal("the key shown back")
	}
	fr := g.page(lea, "/settings/drafting?brand=a", "Accept-Language", "fr")
	if !strings.Contains(fr.body, "Jetons utilisés en 2026-12") || !strings.Contains(fr.body, "Rédaction") || !strings.Contains(fr.body, "sur 500") {
		t.Fatalf("French section: %s", fr.body)
	}

	// A moderator sees the figures, is offered no form and is refused the
	// change; another brand is refused.
	if page := g.page(camille, "/settings/drafting?brand=a"); page.code != http.StatusOK || !strings.Contains(page.body, `id="drafting-usage"`) || strings.Contains(page.body, `id="drafting-form"`) {
		t.Fatalf("a moderator's section: %d %s", page.code, page.body)
	}
	if r := post(camille, url.Values{"base_url": {""}, "token_budget": {"0"}}); r.code != http.StatusForbidden {
		t.Fatalf("a moderator changed the model: %d %s", r.code, r.body)
	}
	if r := post(lea, url.Values{"token_budget": {"0"}}); r.code != http.StatusNoContent {
		t.Fatalf("back to the offline drafter: %d %s", r.code, r.body)
	}
	if r := g.form(lea, "/settings/drafting?brand=b", url.Values{"token_budget": {"0"}}, "HX-Request", "true", gateway.CSRFHeader, lea.csrf); r.code != http.StatusForbidden {
		t.Fatalf("another brand: %d %s", r.code, r.body)
	}
	if len(puts) != 2 {
		t.Fatalf("puts: %+v", puts)
	}
}

// managerAndModerator is a gateway with Léa, manager of brand a, and
// Camille, its moderator, both signed in.
func managerAndModerator(t *testing.T) (*testGateway, caller, caller) {
	g := newTestGateway(t)
	g.join("a", "manager", "lea@a.example")
	g.join("a", "moderator", "camille@a.example")
	signIn := func(email string) caller {
		r := g.form(caller{}, "/signin", url.Values{"email": {email}, "password": {"correct horse battery"}})
		return caller{session: r.cookies[gateway.SessionCookie].Value, csrf: r.cookies[gateway.CSRFCookie].Value}
	}
	return g, signIn("lea@a.example"), signIn("camille@a.example")
}

// wantRefusal checks a form's refusal: 422, the message read out, the one
// element marked invalid the field's, and the secret "s3cret-value" sent
// with it not shown back.
func wantRefusal(t *testing.T, r reply, field, says string) {
	t.Helper()
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, says) || !strings.Contains(r.body, `role="alert"`) {
		t.Fatalf("%d %s", r.code, r.body)
	}
	before, _, _ := strings.Cut(r.body, `aria-invalid="true"`)
	if strings.Count(r.body, `aria-invalid="true"`) != 1 || !strings.Contains(before[strings.LastIndex(before, "<"):], `name="`+field+`"`) {
		t.Fatalf("the field %s is not the one marked: %s", field, r.body)
	}
	if strings.Contains(r.body, "s3cret-value") {
		t.Fatalf("a secret shown back: %s", r.body)
	}
}
