package gateway_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ruche-project/ruche/services/gateway"
)

// testProvider is a small OpenID Connect provider speaking the protocol
// over real HTTP: discovery, an authorization endpoint that signs in the
// person it is told to, a token endpoint checking the client secret and
// PKCE, and RS256 ID tokens with its JWKS.
type testProvider struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	signer jose.Signer
	now    func() time.Time

	mu    sync.Mutex
	codes map[string]grant
	// next is who signs in at the next authorization; tamper changes the
	// claims of the next ID token.
	next   map[string]any
	tamper func(map[string]any)
	signBy *rsa.PrivateKey
}

type grant struct {
	claims    map[string]any
	challenge string
}

const (
	clientID     = "ruche"
	clientSecret = "ruche-client-secret"
	redirectURL  = "http://example.com/api/v1/auth/oidc/callback"
)

func newTestProvider(t *testing.T, now func() time.Time) *testProvider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testProvider{t: t, key: key, now: now, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != clientID || q.Get("redirect_uri") != redirectURL || q.Get("response_type") != "code" ||
			q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request "+r.URL.RawQuery, 400)
			return
		}
		p.mu.Lock()
		claims := map[string]any{"nonce": q.Get("nonce")}
		for k, v := range p.next {
			claims[k] = v
		}
		code := base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()))
		p.codes[code] = grant{claims: claims, challenge: q.Get("code_challenge")}
		p.mu.Unlock()
		http.Redirect(w, r, redirectURL+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		g, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		tamper, signBy := p.tamper, p.signBy
		p.tamper, p.signBy = nil, nil
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != clientID || secret != clientSecret || !found || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		now := p.now()
		claims := map[string]any{"iss": p.srv.URL, "aud": clientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		for k, v := range g.claims {
			claims[k] = v
		}
		if tamper != nil {
			tamper(claims)
		}
		key := p.key
		if signBy != nil {
			key = signBy
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		if err != nil {
			t.Error(err)
			return
		}
		idToken, err := jwt.Signed(signer).Claims(claims).Serialize()
		if err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// signIn runs a browser's single sign-on against the gateway and the
// provider, returning the gateway's answer to the callback.
func (p *testProvider) signIn(g *testGateway, who map[string]any) (reply, string) {
	p.t.Helper()
	p.mu.Lock()
	p.next = who
	p.mu.Unlock()
	r := g.must(caller{}, "GET", "/api/v1/auth/oidc/login?return=/docs", ``, 302)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(r.header.Get("Location"))
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil {
		p.t.Fatalf("provider answered %d %v", resp.StatusCode, err)
	}
	return g.do(caller{}, "GET", back.RequestURI(), ``), back.RequestURI()
}

func TestOIDC(t *testing.T) {
	var p *testProvider
	clk := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	p = newTestProvider(t, clk.Now)
	g := newTestGateway(t, func(c *gateway.Config) {
		c.OIDC = gateway.OIDCConfig{Issuer: p.srv.URL, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL,
			GroupsClaim: "groups", GroupRoles: "/ruche/a-mods=a:moderator /ruche/a-leads=a:manager /ruche/b=b:analyst"}
	})
	p.now = g.clock.Now
	camille := map[string]any{"sub": "camille-1", "email": "camille@a.example", "email_verified": true, "name": "Camille",
		"groups": []string{"/ruche/a-mods", "/ruche/a-leads", "/other"}}

	t.Run("groups_give_roles", func(t *testing.T) {
		r, _ := p.signIn(g, camille)
		if r.code != 302 || r.header.Get("Location") != "/docs" {
			t.Fatalf("callback = %d %s", r.code, r.body)
		}
		ck := r.cookies[gateway.SessionCookie]
		if ck == nil || !ck.HttpOnly || !ck.Secure {
			t.Fatalf("cookie %+v", ck)
		}
		var me struct{ User gateway.UserView }
		g.must(caller{session: ck.Value}, "GET", "/api/v1/me", ``, 200).decode(t, &me)
		if me.User.Roles["a"] != "manager" || len(me.User.Roles) != 1 || !me.User.SSO {
			t.Fatalf("roles %+v", me.User)
		}
		var log gateway.AuditPage
		g.must(caller{key: ownerKeyA}, "GET", "/api/v1/audit?brand=a", ``, 200).decode(t, &log)
		if n := len(log.Items); n == 0 || log.Items[n-1].Route != "/api/v1/auth/oidc/callback" || log.Items[n-1].ActorEmail != "camille@a.example" || strings.Contains(log.Items[n-1].Path, "code=") {
			t.Fatalf("sign-in not recorded: %+v", log.Items)
		}
	})
	t.Run("group_change_changes_roles", func(t *testing.T) {
		moved := map[string]any{}
		for k, v := range camille {
			moved[k] = v
		}
		moved["groups"] = []string{"/ruche/b"}
		r, _ := p.signIn(g, moved)
		var me struct{ User gateway.UserView }
		g.must(caller{session: r.cookies[gateway.SessionCookie].Value}, "GET", "/api/v1/me", ``, 200).decode(t, &me)
		if me.User.Roles["b"] != "analyst" || me.User.Roles["a"] != "" {
			t.Fatalf("roles %+v", me.User.Roles)
		}
	})
	t.Run("no_mapped_group_is_refused", func(t *testing.T) {
		r, _ := p.signIn(g, map[string]any{"sub": "x", "email": "x@a.example", "email_verified": true, "groups": []string{"/other"}})
		if r.code != 403 {
			t.Fatalf("= %d %s", r.code, r.body)
		}
	})
	t.Run("replayed_callback_is_refused", func(t *testing.T) {
		r, callback := p.signIn(g, camille)
		if r.code != 302 {
			t.Fatalf("= %d %s", r.code, r.body)
		}
		if again := g.do(caller{}, "GET", callback, ``); again.code != 404 {
			t.Fatalf("replay = %d %s", again.code, again.body)
		}
	})
	t.Run("wrong_nonce_audience_or_signature_refused", func(t *testing.T) {
		other, _ := rsa.GenerateKey(rand.Reader, 2048)
		for name, tamper := range map[string]func(m map[string]any){
			"nonce":    func(m map[string]any) { m["nonce"] = "another" },
			"audience": func(m map[string]any) { m["aud"] = "someone-else" },
			"expired":  func(m map[string]any) { m["exp"] = g.clock.Now().Add(-time.Minute).Unix() },
			"issuer":   func(m map[string]any) { m["iss"] = "https://evil.example" },
			"key":      nil,
		} {
			p.mu.Lock()
			if tamper == nil {
				p.signBy = other
			} else {
				p.tamper = tamper
			}
			p.mu.Unlock()
			if r, _ := p.signIn(g, camille); r.code != 401 {
				t.Errorf("%s: = %d %s", name, r.code, r.body)
			}
		}
	})
	t.Run("unverified_email_does_not_take_over", func(t *testing.T) {
		g.join("a", "owner", "boss@a.example")
		r, _ := p.signIn(g, map[string]any{"sub": "mallory", "email": "boss@a.example", "email_verified": false, "groups": []string{"/ruche/b"}})
		if r.code != 403 {
			t.Fatalf("= %d %s", r.code, r.body)
		}
	})
	t.Run("open_redirect_refused", func(t *testing.T) {
		r := g.must(caller{}, "GET", "/api/v1/auth/oidc/login?return=//evil.example/x", ``, 302)
		if !strings.HasPrefix(r.header.Get("Location"), p.srv.URL) {
			t.Fatal(r.header.Get("Location"))
		}
	})
}
