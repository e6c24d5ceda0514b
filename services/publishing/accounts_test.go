package publishing_test

import (
	"context"
	"strings"
	"testing"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/secret"
	"github.com/ruche-project/ruche/pkg/testkit"
	"github.com/ruche-project/ruche/services/publishing"
)

// TestAccountTokenFollowsItsURL: the stored token is sent to the
// account's API URL, so a new URL without a token drops the stored one
// (else whoever may change the URL collects the token at a server of
// theirs); a URL may not carry credentials, shown to every member.
func TestAccountTokenFollowsItsURL(t *testing.T) {
	ctx := context.Background()
	conn := testkit.NATS(t)
	box, err := secret.NewBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	accts, err := publishing.OpenAccounts(ctx, conn.JS, 1, box)
	if err != nil {
		t.Fatal(err)
	}
	put := func(url, token string) query.AccountView {
		t.Helper()
		v, err := accts.Put(ctx, query.AccountSpec{ID: "main", Brand: "cafe", Network: "mastodon", Handle: "@cafe",
			Settings: map[string]string{publishing.SettingURL: url}, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := put("https://piaille.fr", "tok-owner"); !v.HasToken {
		t.Fatalf("token not kept: %+v", v)
	}
	if v := put("https://piaille.fr", ""); !v.HasToken {
		t.Fatalf("same URL, no token given: the token must stay: %+v", v)
	}
	if v := put("https://collector.example", ""); v.HasToken {
		t.Fatalf("another URL kept the token: %+v", v)
	}
	if a, err := accts.Resolve(ctx, "cafe", "mastodon", "main"); err != nil || a.Token != "" {
		t.Fatalf("resolved %+v, %v: the token went with the new URL", a, err)
	}
	if v := put("https://collector.example", "tok-new"); !v.HasToken {
		t.Fatalf("a new token with the new URL: %+v", v)
	}
	for _, u := range []string{"https://tok-123@piaille.fr", "https://piaille.fr/?access_token=tok-123"} {
		_, err := accts.Put(ctx, query.AccountSpec{ID: "main", Brand: "cafe", Network: "mastodon", Settings: map[string]string{publishing.SettingURL: u}})
		if err == nil || !strings.Contains(err.Error(), "account.settings.url") || strings.Contains(err.Error(), "tok-123") {
			t.Errorf("%s: %v", u, err)
		}
	}
}
